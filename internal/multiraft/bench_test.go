package multiraft_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/sim"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
	"github.com/embeddynamo/dynamo/internal/wal"
)

// benchDir is where the benchmarks write: DYNAMO_BENCH_DIR (a directory on
// the data disk) or the test's temporary directory.
func benchDir(b *testing.B) string {
	if d := os.Getenv("DYNAMO_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "multiraft-bench")
		require.NoError(b, err)
		b.Cleanup(func() { _ = os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

type benchCluster struct {
	nodes  []*multiraft.Node
	stores []logstore.LogStore
	net    *memnet.Network
	groups int
	leader []atomic.Uint64 // per group, the node last seen leading
	closed bool
}

func startBenchCluster(b *testing.B, groups int, tick time.Duration, durable string) *benchCluster {
	b.Helper()
	network, err := memnet.New(memnet.Options{Seed: 1})
	require.NoError(b, err)
	bc := &benchCluster{net: network, groups: groups, leader: make([]atomic.Uint64, groups+1)}
	peers := []transport.NodeID{1, 2, 3}
	for _, id := range peers {
		var store logstore.LogStore = memlog.New()
		if durable != "" {
			w, err := wal.Open(filepath.Join(durable, fmt.Sprint("node", id)), nil)
			require.NoError(b, err)
			store = w
		}
		tr, err := network.Join(id)
		require.NoError(b, err)
		n, err := multiraft.StartNode(multiraft.NodeConfig{
			Config:       multiraft.Config{NodeID: id, LogStore: store},
			Transport:    tr,
			TickInterval: tick,
		})
		require.NoError(b, err)
		for g := 1; g <= groups; g++ {
			require.NoError(b, n.AddGroup(multiraft.GroupConfig{Group: uint64(g), StateMachine: sim.NewKV(nil, 1<<30), Peers: peers}))
		}
		bc.nodes = append(bc.nodes, n)
		bc.stores = append(bc.stores, store)
	}
	b.Cleanup(bc.close)
	return bc
}

func (bc *benchCluster) close() {
	if bc.closed {
		return
	}
	bc.closed = true
	for _, n := range bc.nodes {
		_ = n.Close()
	}
	for _, s := range bc.stores {
		_ = s.Close()
	}
	_ = bc.net.Close()
	bc.nodes, bc.stores, bc.net = nil, nil, nil // the benchmark's cleanup keeps bc
}

func backoff(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// waitLeaders waits until every group has a leader and, when quiet is set,
// every group on every node is quiesced.
func (bc *benchCluster) waitLeaders(ctx context.Context, quiet bool) error {
	for g := 1; g <= bc.groups; g++ {
		for bc.leaderOf(uint64(g)) == 0 {
			if ctx.Err() != nil {
				return fmt.Errorf("group %d has no leader: %w", g, ctx.Err())
			}
			backoff(ctx, 20*time.Millisecond)
		}
	}
	for quiet {
		active := 0
		for _, n := range bc.nodes {
			a, err := n.ActiveGroups()
			if err != nil {
				return err
			}
			active += a
		}
		if active == 0 {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%d replicas still active: %w", active, ctx.Err())
		}
		backoff(ctx, 50*time.Millisecond)
	}
	return nil
}

func (bc *benchCluster) leaderOf(group uint64) transport.NodeID {
	for i, n := range bc.nodes {
		if st, err := n.Status(group); err == nil && st.IsLeader {
			bc.leader[group].Store(uint64(i + 1))
			return transport.NodeID(i + 1)
		}
	}
	return 0
}

// propose sends one command to the group's leader, following redirects.
func (bc *benchCluster) propose(ctx context.Context, group uint64, cmd []byte) error {
	for ctx.Err() == nil {
		lead := bc.leader[group].Load()
		if lead == 0 {
			if bc.leaderOf(group) == 0 {
				backoff(ctx, 5*time.Millisecond)
			}
			continue
		}
		_, err := bc.nodes[lead-1].Propose(ctx, group, cmd)
		var nl *multiraft.NotLeaderError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &nl) && nl.Leader != 0:
			bc.leader[group].Store(uint64(nl.Leader))
		case errors.Is(err, multiraft.ErrNotLeader), errors.Is(err, multiraft.ErrLeaderChanged):
			bc.leader[group].Store(0)
		default:
			return err
		}
	}
	return ctx.Err()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIdleGroups hosts 10,000 groups on each of three nodes (one
// process, production driver, 100ms ticks), waits until every group is
// quiesced, then measures CPU and memory. Metrics: cpu-%/node is the share
// of one core a node uses while idle; bytes/replica is heap per hosted
// replica.
func BenchmarkIdleGroups(b *testing.B) {
	const groups = 10000
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	bc := startBenchCluster(b, groups, 100*time.Millisecond, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(b, bc.waitLeaders(ctx, true))
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range b.N {
		backoff(ctx, time.Second) // one second of idleness per iteration
	}
	wall, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/3, "cpu-%/node")
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/float64(3*groups), "bytes/replica")
	b.Logf("heap %d MB before, %d MB with %d replicas", before.HeapAlloc>>20, after.HeapAlloc>>20, 3*groups)
	bc.close()
}

// fsyncRate measures 4 KB appends, each followed by fdatasync, per second.
func fsyncRate(b *testing.B, dir string, d time.Duration) float64 {
	f, err := os.Create(filepath.Join(dir, "fsync"))
	require.NoError(b, err)
	defer func() { _ = f.Close() }()
	buf := make([]byte, 4096)
	n, start := 0, time.Now()
	for time.Since(start) < d {
		_, err := f.Write(buf)
		require.NoError(b, err)
		require.NoError(b, syscall.Fdatasync(int(f.Fd())))
		n++
	}
	return float64(n) / time.Since(start).Seconds()
}

// load runs clients proposing 100-byte puts round-robin over the groups for
// d and returns the commit latencies. With interval > 0 each client paces
// itself to one proposal per interval.
func (bc *benchCluster) load(b *testing.B, clients int, d, interval time.Duration) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	value := string(make([]byte, 80))
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			next := time.Now()
			for i := 0; ctx.Err() == nil; i++ {
				if interval > 0 {
					next = next.Add(interval)
					backoff(ctx, time.Until(next))
				}
				group := uint64(1 + (c+i*clients)%bc.groups)
				start := time.Now()
				if err := bc.propose(ctx, group, put(fmt.Sprint("k", c), value)); err != nil {
					break
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return lat
}

// BenchmarkReplicatedWrites measures, in one run: (a) the disk's rate of
// 4 KB appends each followed by fdatasync; (b) durable replicated writes of
// 100-byte commands per second on three nodes (each with its own WAL on
// that disk, in-memory network) over 1, 16 and 256 groups, also as a
// multiple of (a); (c) p50 and p99 commit latency over 16 groups at half
// the peak rate.
func BenchmarkReplicatedWrites(b *testing.B) {
	dir := benchDir(b)
	const window = 2 * time.Second
	const clients = 256
	for range b.N {
		fsyncs := fsyncRate(b, dir, time.Second)
		b.ReportMetric(fsyncs, "fsync/s")
		var peak16 float64
		for _, groups := range []int{1, 16, 256} {
			bc := startBenchCluster(b, groups, 10*time.Millisecond, filepath.Join(dir, fmt.Sprint("g", groups)))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			require.NoError(b, bc.waitLeaders(ctx, false))
			cancel()
			lat := bc.load(b, clients, window, 0)
			rate := float64(len(lat)) / window.Seconds()
			b.ReportMetric(rate, fmt.Sprintf("writes/s/%dgroups", groups))
			b.ReportMetric(rate/fsyncs, fmt.Sprintf("x-fsync/%dgroups", groups))
			if groups == 16 {
				peak16 = rate
				interval := time.Duration(float64(time.Second) * clients / (peak16 / 2))
				lat := bc.load(b, clients, window, interval)
				slices.Sort(lat)
				if len(lat) > 0 {
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms@half-peak")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms@half-peak")
				}
			}
			bc.close()
		}
	}
}
