// Package kvtarget is a benchmark target built from dynamo's replication
// parts alone, the way examples/replicated-kv is: three in-process nodes
// (dynamo.ReplicaNode), each with its own write-ahead log on disk, host one
// replication group whose state machine is a sorted map of versioned
// items. Writes are proposed at the leader and acknowledged once a quorum
// has them durably in its logs and the leader has applied them. Strongly
// consistent reads confirm the leader's leadership with a quorum round trip
// (ReadIndex) and read its map; eventually consistent reads, like
// DynamoDB's, read any replica's map, which may lag. Nothing is throttled.
//
// The nodes talk over an in-memory network (no sockets, no added delay), so
// what the target measures is the replication protocol, the scheduler and
// the disk: the WAL's group commit and fdatasync.
//
// The map lives in memory and does not survive a restart, so the state
// machine reports no durable applied index and the log is never compacted:
// a run's disk use grows with the writes it makes (some kilobytes each, on
// each node). It is meant for runs of minutes in a directory that is
// removed afterwards.
package kvtarget

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/bench"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// group is the one replication group's ID.
const group = 1

// Options configure Open.
type Options struct {
	// Dir holds the nodes' logs, one subdirectory each; required.
	Dir string
	// Nodes is the number of replicas. Default 3.
	Nodes int
	// Consistent makes reads (and the read of a read-modify-write)
	// strongly consistent: served by the leader after a quorum check.
	// Otherwise they read a random replica.
	Consistent bool
	// TickInterval is raft's tick. Default 50ms; an election takes 20
	// ticks (a second), so that a slow fdatasync on a loaded disk does not
	// depose the leader mid-run.
	TickInterval time.Duration
	// MemoryLogs keeps the logs in memory instead of on disk, to measure
	// the replication alone. Dir is then unused.
	MemoryLogs bool
}

// Target is the replicated key-value service. Its methods are safe for
// concurrent use; Close stops it.
type Target struct {
	network    *memnet.Network
	nodes      []*node
	leader     atomic.Pointer[node]
	consistent bool
	closeOnce  sync.Once
	closeErr   error
}

type node struct {
	id      transport.NodeID
	replica *dynamo.ReplicaNode
	logs    dynamo.LogStore
	state   *state
}

var _ bench.Target = (*Target)(nil)

// Open starts the nodes, creates the group and waits (bounded by ctx) for
// it to elect a leader.
func Open(ctx context.Context, opts Options) (*Target, error) {
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	if opts.TickInterval == 0 {
		opts.TickInterval = 50 * time.Millisecond
	}
	if opts.Nodes < 1 {
		return nil, fmt.Errorf("kvtarget: %d nodes", opts.Nodes)
	}
	if opts.Dir == "" && !opts.MemoryLogs {
		return nil, errors.New("kvtarget: Options.Dir is required for logs on disk")
	}
	network, err := memnet.New(memnet.Options{})
	if err != nil {
		return nil, fmt.Errorf("kvtarget: network: %w", err)
	}
	t := &Target{network: network, consistent: opts.Consistent}
	peers := make([]transport.NodeID, opts.Nodes)
	for i := range peers {
		peers[i] = transport.NodeID(i + 1)
	}
	for _, id := range peers {
		if err := t.startNode(id, opts, peers); err != nil {
			_ = t.Close()
			return nil, err
		}
	}
	if _, err := t.findLeader(ctx); err != nil {
		_ = t.Close()
		return nil, fmt.Errorf("kvtarget: no leader elected: %w", err)
	}
	return t, nil
}

func (t *Target) startNode(id transport.NodeID, opts Options, peers []transport.NodeID) error {
	var logs dynamo.LogStore
	if opts.MemoryLogs {
		logs = dynamo.NewMemoryLogStore()
	} else {
		dir := filepath.Join(opts.Dir, fmt.Sprintf("node-%d", id))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("kvtarget: node %d: %w", id, err)
		}
		var err error
		if logs, err = dynamo.OpenWAL(dir, nil); err != nil {
			return fmt.Errorf("kvtarget: node %d: open log: %w", id, err)
		}
	}
	tr, err := t.network.Join(id)
	if err != nil {
		_ = logs.Close()
		return fmt.Errorf("kvtarget: node %d: join network: %w", id, err)
	}
	replica, err := dynamo.StartReplicaNode(dynamo.ReplicaNodeOptions{ID: id, Transport: tr, LogStore: logs, TickInterval: opts.TickInterval, ElectionTicks: 20})
	if err != nil {
		_ = logs.Close()
		return fmt.Errorf("kvtarget: node %d: %w", id, err)
	}
	n := &node{id: id, replica: replica, logs: logs, state: newState()}
	t.nodes = append(t.nodes, n)
	if err := replica.AddGroup(group, n.state, peers...); err != nil {
		return fmt.Errorf("kvtarget: node %d: add group: %w", id, err)
	}
	return nil
}

// Close stops the nodes and closes their logs.
func (t *Target) Close() error {
	t.closeOnce.Do(func() {
		var errs []error
		for _, n := range t.nodes {
			errs = append(errs, n.replica.Close())
		}
		for _, n := range t.nodes {
			errs = append(errs, n.logs.Close())
		}
		errs = append(errs, t.network.Close())
		t.closeErr = errors.Join(errs...)
	})
	return t.closeErr
}

// Settle waits until every replica has applied every write the leader
// has committed, so that a run starts with the replicas in step (after a
// load, eventually consistent reads would otherwise miss records).
func (t *Target) Settle(ctx context.Context) error {
	var commit uint64
	err := t.atLeader(ctx, func(n *node) error {
		if err := n.replica.Read(ctx, group); err != nil {
			return err
		}
		st, err := n.replica.Status(group)
		commit = st.Commit
		return err
	})
	if err != nil {
		return fmt.Errorf("kvtarget: settle: %w", err)
	}
	for _, n := range t.nodes {
		for {
			st, err := n.replica.Status(group)
			if err != nil {
				return fmt.Errorf("kvtarget: settle: node %d: %w", n.id, err)
			}
			if st.Applied >= commit {
				break
			}
			if err := wait(ctx, time.Millisecond); err != nil {
				return fmt.Errorf("kvtarget: settle: node %d applied %d of %d: %w", n.id, st.Applied, commit, err)
			}
		}
	}
	return nil
}

// findLeader returns the node leading the group, waiting out an election.
func (t *Target) findLeader(ctx context.Context) (*node, error) {
	if n := t.leader.Load(); n != nil {
		return n, nil
	}
	for {
		for _, n := range t.nodes {
			if st, err := n.replica.Status(group); err == nil && st.IsLeader {
				t.leader.Store(n)
				return n, nil
			}
		}
		if err := wait(ctx, 5*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func wait(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryable reports an error after which the call was not carried out and
// may be sent again, to the new leader.
func retryable(err error) bool {
	return errors.Is(err, dynamo.ErrNotLeader) || errors.Is(err, dynamo.ErrProposalDropped)
}

// atLeader runs fn at the leader, following leadership changes.
func (t *Target) atLeader(ctx context.Context, fn func(*node) error) error {
	for {
		n, err := t.findLeader(ctx)
		if err != nil {
			return err
		}
		err = fn(n)
		if !retryable(err) {
			return err
		}
		t.leader.CompareAndSwap(n, nil)
	}
}

// reader returns the node a read is served by, having made it
// linearizable if the target is consistent.
func (t *Target) reader(ctx context.Context) (*node, error) {
	if !t.consistent {
		return t.nodes[rand.IntN(len(t.nodes))], nil
	}
	var reader *node
	err := t.atLeader(ctx, func(n *node) error {
		reader = n
		return n.replica.Read(ctx, group)
	})
	return reader, err
}

func failed(op string, err error) (bench.Outcome, error) {
	return bench.Error, fmt.Errorf("kvtarget: %s: %w", op, err)
}

// Read reads one item.
func (t *Target) Read(ctx context.Context, key bench.Key) (bench.Outcome, error) {
	n, err := t.reader(ctx)
	if err != nil {
		return failed("read", err)
	}
	if _, _, ok := n.state.get(bench.EncodeKey(key)); !ok {
		return bench.NotFound, nil
	}
	return bench.OK, nil
}

// Update writes an item.
func (t *Target) Update(ctx context.Context, key bench.Key, value []byte) (bench.Outcome, error) {
	return t.propose(ctx, "update", encodePut(bench.EncodeKey(key), value, 0, false))
}

// Insert writes an item.
func (t *Target) Insert(ctx context.Context, key bench.Key, value []byte) (bench.Outcome, error) {
	return t.propose(ctx, "insert", encodePut(bench.EncodeKey(key), value, 0, false))
}

// Scan reads up to limit items from start (see bench.Target).
func (t *Target) Scan(ctx context.Context, start bench.Key, limit int) (bench.Outcome, error) {
	n, err := t.reader(ctx)
	if err != nil {
		return failed("scan", err)
	}
	if n.state.scan(start, limit) == 0 {
		return bench.NotFound, nil
	}
	return bench.OK, nil
}

// ReadModifyWrite reads the item, then proposes a write conditional on the
// version read: the state machine refuses it (ConditionFailed) if another
// write came first.
func (t *Target) ReadModifyWrite(ctx context.Context, key bench.Key, value []byte) (bench.Outcome, error) {
	n, err := t.reader(ctx)
	if err != nil {
		return failed("read-modify-write: read", err)
	}
	k := bench.EncodeKey(key)
	_, version, ok := n.state.get(k)
	if !ok {
		return bench.NotFound, nil
	}
	return t.propose(ctx, "read-modify-write: write", encodePut(k, value, version, true))
}

func (t *Target) propose(ctx context.Context, op string, cmd []byte) (bench.Outcome, error) {
	var result any
	err := t.atLeader(ctx, func(n *node) error {
		var err error
		result, err = n.replica.Propose(ctx, group, cmd)
		return err
	})
	if err != nil {
		return failed(op, err)
	}
	switch r := result.(type) {
	case bench.Outcome:
		return r, nil
	case error:
		return failed(op, r)
	}
	return failed(op, fmt.Errorf("unexpected result %v", result))
}

// A command is
//
//	kind u8 | [version uvarint, for putIf] | key length uvarint | key | value
const (
	cmdPut   = 1
	cmdPutIf = 2
)

func encodePut(key string, value []byte, version uint64, conditional bool) []byte {
	cmd := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(key)+len(value))
	if conditional {
		cmd = append(cmd, cmdPutIf)
		cmd = binary.AppendUvarint(cmd, version)
	} else {
		cmd = append(cmd, cmdPut)
	}
	cmd = binary.AppendUvarint(cmd, uint64(len(key)))
	cmd = append(cmd, key...)
	return append(cmd, value...)
}

// errBadCommand is the result of a command this state machine cannot
// decode.
var errBadCommand = errors.New("kvtarget: malformed command")

type command struct {
	key         string
	value       []byte
	version     uint64
	conditional bool
}

func decodeCommand(data []byte) (command, error) {
	var c command
	if len(data) == 0 {
		return c, errBadCommand
	}
	kind, rest := data[0], data[1:]
	switch kind {
	case cmdPut:
	case cmdPutIf:
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return c, errBadCommand
		}
		c.version, c.conditional, rest = v, true, rest[n:]
	default:
		return c, errBadCommand
	}
	keyLen, n := binary.Uvarint(rest)
	if n <= 0 || keyLen > uint64(len(rest)-n) {
		return c, errBadCommand
	}
	rest = rest[n:]
	c.key = string(rest[:keyLen])
	c.value = append([]byte(nil), rest[keyLen:]...)
	return c, nil
}

// state is the state machine: the items and the applied index, behind a
// lock so that reads run beside the scheduler, which applies.
type state struct {
	mu      sync.RWMutex
	items   *bench.Items
	applied uint64
}

func newState() *state { return &state{items: bench.NewItems()} }

// Apply applies committed puts; each result is a bench.Outcome (or
// errBadCommand).
func (s *state) Apply(cmds []dynamo.CommittedCommand) ([]any, error) {
	results := make([]any, len(cmds))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range cmds {
		s.applied = c.Index
		if len(c.Data) == 0 { // raft's own empty entries
			continue
		}
		cmd, err := decodeCommand(c.Data)
		if err != nil {
			results[i] = err
			continue
		}
		if cmd.conditional {
			if _, version, _ := s.items.Get(cmd.key); version != cmd.version {
				results[i] = bench.ConditionFailed
				continue
			}
		}
		s.items.Put(cmd.key, cmd.value)
		results[i] = bench.OK
	}
	return results, nil
}

// AppliedIndex is zero: the items live in memory and a restarted node
// replays its whole log.
func (s *state) AppliedIndex() uint64 { return 0 }

func (s *state) get(key string) ([]byte, uint64, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.items.Get(key)
}

func (s *state) scan(start bench.Key, limit int) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.items.Scan(start, limit)
}

// Snapshot takes a copy-on-write clone of the items.
func (s *state) Snapshot() (dynamo.StateMachineSnapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return &snapshot{index: s.applied, items: s.items.Clone()}, nil
}

// Restore replaces the items with a snapshot's: the applied index and the
// item count, then per item key length, key, value length, value and
// version, all numbers uvarints.
func (s *state) Restore(r io.Reader) (uint64, error) {
	br := &byteReader{r: r}
	index, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, fmt.Errorf("kvtarget: restore: %w", noEOF(err))
	}
	count, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, fmt.Errorf("kvtarget: restore: %w", noEOF(err))
	}
	items := bench.NewItems()
	for range count {
		key, err := br.chunk()
		if err != nil {
			return 0, fmt.Errorf("kvtarget: restore: %w", noEOF(err))
		}
		value, err := br.chunk()
		if err != nil {
			return 0, fmt.Errorf("kvtarget: restore: %w", noEOF(err))
		}
		version, err := binary.ReadUvarint(br)
		if err != nil {
			return 0, fmt.Errorf("kvtarget: restore: %w", noEOF(err))
		}
		items.PutVersion(string(key), value, version)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items, s.applied = items, index
	return index, nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// maxChunk bounds a key or value read from a snapshot.
const maxChunk = 64 << 20

type byteReader struct {
	r   io.Reader
	one [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	_, err := io.ReadFull(b.r, b.one[:])
	return b.one[0], err
}

func (b *byteReader) chunk() ([]byte, error) {
	n, err := binary.ReadUvarint(b)
	if err != nil {
		return nil, err
	}
	if n > maxChunk {
		return nil, fmt.Errorf("chunk of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(b.r, buf); err != nil {
		return nil, noEOF(err)
	}
	return buf, nil
}

type snapshot struct {
	index uint64
	items *bench.Items
}

func (s *snapshot) Index() uint64 { return s.index }
func (s *snapshot) Close() error  { return nil }

// WriteTo streams the snapshot in Restore's format.
func (s *snapshot) WriteTo(w io.Writer) (int64, error) {
	var written int64
	buf := binary.AppendUvarint(nil, s.index)
	buf = binary.AppendUvarint(buf, uint64(s.items.Len()))
	var werr error
	flush := func() {
		if werr == nil {
			n, err := w.Write(buf)
			written += int64(n)
			werr = err
		}
		buf = buf[:0]
	}
	s.items.Each(func(key string, value []byte, version uint64) bool {
		buf = binary.AppendUvarint(buf, uint64(len(key)))
		buf = append(buf, key...)
		buf = binary.AppendUvarint(buf, uint64(len(value)))
		buf = append(buf, value...)
		buf = binary.AppendUvarint(buf, version)
		if len(buf) >= 64<<10 {
			flush()
		}
		return werr == nil
	})
	flush()
	return written, werr
}
