package multiraft_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/sim"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/tcpnet"
	"github.com/embeddynamo/dynamo/internal/wal"
)

// The durability test runs each node as a child process: this test binary,
// re-executed with these variables set, runs runDurabilityNode instead of
// the tests.
const (
	envNode  = "MULTIRAFT_DURABILITY_NODE"
	envDir   = "MULTIRAFT_DURABILITY_DIR"
	envPeers = "MULTIRAFT_DURABILITY_PEERS"
)

const durabilityCluster = 7

// engineKV is a state machine on a storage engine: each command's writes
// and the applied index go to the engine in one batch, not synced (the WAL
// is the point of durability; a batch lost in a crash is replayed).
type engineKV struct {
	e     storage.Engine
	group uint64
}

func (s *engineKV) Apply(cmds []multiraft.Command) ([]any, error) {
	b := s.e.NewBatch()
	for _, c := range cmds {
		if cmd, err := sim.DecodeKVCommand(c.Data); err == nil && cmd.Op == sim.OpPut {
			b.Set([]byte(cmd.Key), []byte(cmd.Value))
		}
	}
	b.SetMeta(s.group, binary.BigEndian.AppendUint64(nil, cmds[len(cmds)-1].Index))
	if err := s.e.Commit(b, false); err != nil {
		return nil, err
	}
	return make([]any, len(cmds)), nil
}

func appliedIn(r storage.Reader, group uint64) uint64 {
	meta, err := r.Meta(group)
	if err != nil || len(meta) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(meta)
}

func (s *engineKV) AppliedIndex() uint64 { return appliedIn(s.e, s.group) }

func (s *engineKV) Snapshot() (multiraft.Snapshot, error) {
	snap, err := s.e.NewSnapshot()
	if err != nil {
		return nil, err
	}
	return &engineSnapshot{snap: snap, index: appliedIn(snap, s.group)}, nil
}

func (s *engineKV) Restore(r io.Reader) (uint64, error) {
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, err
	}
	index := binary.BigEndian.Uint64(head[:])
	if err := storage.IngestRange(s.e, nil, nil, r, map[uint64][]byte{s.group: head[:]}); err != nil {
		return 0, err
	}
	return index, nil
}

type engineSnapshot struct {
	snap  storage.Snapshot
	index uint64
}

func (s *engineSnapshot) Index() uint64 { return s.index }
func (s *engineSnapshot) Close() error  { return s.snap.Close() }
func (s *engineSnapshot) WriteTo(w io.Writer) (int64, error) {
	if _, err := w.Write(binary.BigEndian.AppendUint64(nil, s.index)); err != nil {
		return 0, err
	}
	return 0, storage.ExportRange(s.snap, nil, nil, w)
}

func parsePeers(s string) map[transport.NodeID]string {
	out := map[transport.NodeID]string{}
	for _, kv := range strings.Split(s, ",") {
		id, addr, _ := strings.Cut(kv, "=")
		n, _ := strconv.ParseUint(id, 10, 64)
		out[transport.NodeID(n)] = addr
	}
	return out
}

// runDurabilityNode is a node process: WAL and bbolt in its directory, TCP
// to its peers, one group, and a call handler that proposes puts and
// serves linearizable gets. It runs until killed.
func runDurabilityNode() int {
	id64, _ := strconv.ParseUint(os.Getenv(envNode), 10, 64)
	id := transport.NodeID(id64)
	dir := os.Getenv(envDir)
	peers := parsePeers(os.Getenv(envPeers))
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "node", id, err)
		return 1
	}
	w, err := wal.Open(filepath.Join(dir, "wal"), nil)
	if err != nil {
		return fail(err)
	}
	engine, err := boltstore.Open(filepath.Join(dir, "data.db"), &boltstore.Options{RelaxedSync: true})
	if err != nil {
		return fail(err)
	}
	tr, err := tcpnet.New(tcpnet.Options{ID: id, ClusterID: durabilityCluster, ListenAddr: peers[id], Peers: peers,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		return fail(err)
	}
	var node atomic.Pointer[multiraft.Node]
	n, err := multiraft.StartNode(multiraft.NodeConfig{
		Config:       multiraft.Config{NodeID: id, LogStore: w, LogRetainEntries: 50},
		Transport:    tr,
		TickInterval: 10 * time.Millisecond,
		CallHandler: func(ctx context.Context, _ transport.NodeID, req []byte) ([]byte, error) {
			n := node.Load()
			if n == nil {
				return nil, errors.New("starting")
			}
			cmd, err := sim.DecodeKVCommand(req)
			if err != nil {
				return nil, err
			}
			if cmd.Op == sim.OpGet {
				if err := n.Read(ctx, 1); err != nil {
					return nil, err
				}
				value, err := engine.Get([]byte(cmd.Key))
				if errors.Is(err, storage.ErrNotFound) {
					return nil, nil
				}
				return value, err
			}
			_, err = n.Propose(ctx, 1, req)
			return nil, err
		},
	})
	if err != nil {
		return fail(err)
	}
	var ids []transport.NodeID
	for p := range peers {
		if p < 100 {
			ids = append(ids, p)
		}
	}
	if err := n.AddGroup(multiraft.GroupConfig{Group: 1, StateMachine: &engineKV{e: engine, group: 1}, Peers: ids}); err != nil {
		return fail(err)
	}
	node.Store(n)
	select {} // until SIGKILL
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

type nodeProcess struct {
	id   transport.NodeID
	dir  string
	cmd  *exec.Cmd
	logs *os.File
}

// TestDurabilityUnderSIGKILL runs three node processes on real files (WAL
// and bbolt) over TCP, SIGKILLs one at a random moment under write load and
// restarts it, twenty times, then checks that every acknowledged write is
// there.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes; skipped with -short")
	}
	const client = transport.NodeID(100)
	rng := rand.New(rand.NewPCG(1, 2))
	peers := map[transport.NodeID]string{}
	for id := transport.NodeID(1); id <= 3; id++ {
		peers[id] = freeAddr(t)
	}
	var parts []string
	for id, addr := range peers {
		parts = append(parts, fmt.Sprintf("%d=%s", id, addr))
	}
	peerList := strings.Join(parts, ",")
	root := t.TempDir()
	procs := map[transport.NodeID]*nodeProcess{}
	start := func(id transport.NodeID) {
		p := procs[id]
		if p == nil {
			p = &nodeProcess{id: id, dir: filepath.Join(root, fmt.Sprint("node", id))}
			require.NoError(t, os.MkdirAll(p.dir, 0o755))
			logs, err := os.OpenFile(filepath.Join(p.dir, "stderr"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			require.NoError(t, err)
			p.logs = logs
			procs[id] = p
		}
		p.cmd = exec.Command(os.Args[0], "-test.run=^$")
		p.cmd.Env = append(os.Environ(), envNode+"="+fmt.Sprint(id), envDir+"="+p.dir, envPeers+"="+peerList)
		p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
		require.NoError(t, p.cmd.Start())
	}
	kill := func(id transport.NodeID) {
		p := procs[id]
		_ = p.cmd.Process.Kill() // SIGKILL
		_ = p.cmd.Wait()
	}
	for id := transport.NodeID(1); id <= 3; id++ {
		start(id)
	}
	defer func() {
		for id, p := range procs {
			kill(id)
			_ = p.logs.Close()
		}
	}()

	tr, err := tcpnet.New(tcpnet.Options{ID: client, ClusterID: durabilityCluster, ListenAddr: "127.0.0.1:0", Peers: peers,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, tr.Start(nopHandler{}))
	defer func() { _ = tr.Close() }()

	// call sends a command to whichever node takes it.
	var guess atomic.Uint64
	guess.Store(1)
	call := func(ctx context.Context, cmd sim.KVCommand) ([]byte, error) {
		for ctx.Err() == nil {
			to := transport.NodeID(guess.Load())
			cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			resp, err := tr.Call(cctx, to, cmd.Encode())
			cancel()
			if err == nil {
				return resp, nil
			}
			guess.CompareAndSwap(uint64(to), uint64(to%3+1))
			backoff(ctx, 5*time.Millisecond)
		}
		return nil, ctx.Err()
	}

	var mu sync.Mutex
	acked := map[string]string{}
	var seq atomic.Int64
	for round := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					n := seq.Add(1)
					key, value := fmt.Sprint("w", n), fmt.Sprint("v", n)
					if _, err := call(ctx, sim.KVCommand{Op: sim.OpPut, Key: key, Value: value}); err == nil {
						mu.Lock()
						acked[key] = value
						mu.Unlock()
					}
				}
			}()
		}
		backoff(context.Background(), time.Duration(100+rng.IntN(400))*time.Millisecond)
		victim := transport.NodeID(1 + rng.IntN(3))
		kill(victim)
		backoff(context.Background(), time.Duration(rng.IntN(200))*time.Millisecond)
		start(victim)
		cancel()
		wg.Wait()
		mu.Lock()
		t.Logf("round %d: killed node %d, %d writes acknowledged so far", round+1, victim, len(acked))
		mu.Unlock()
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.Greater(t, len(acked), 100, "too few writes acknowledged to mean anything")
	missing := 0
	for key, want := range acked {
		got, err := call(ctx, sim.KVCommand{Op: sim.OpGet, Key: key})
		require.NoError(t, err)
		if !bytes.Equal(got, []byte(want)) {
			missing++
			t.Errorf("acknowledged write %s=%s reads back %q", key, want, got)
		}
	}
	require.Zero(t, missing)
}

type nopHandler struct{}

func (nopHandler) HandleMessages(transport.NodeID, []transport.GroupMessage) {}
func (nopHandler) HandleCall(context.Context, transport.NodeID, []byte) ([]byte, error) {
	return nil, errors.New("client serves no calls")
}
func (nopHandler) HandleSnapshot(context.Context, transport.NodeID, []byte, io.Reader) error {
	return errors.New("client takes no snapshots")
}
