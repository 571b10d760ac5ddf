package node_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
)

const benchClients = 64

// benchCluster starts three disk nodes hosting one partition and returns
// the cluster, the leader and a follower.
func benchCluster(b *testing.B) (*node.Cluster, *node.Node, *node.Node) {
	b.Helper()
	ctx := testContext(b)
	c := startCluster(b, node.ClusterConfig{Nodes: 3, Zones: 3, Dir: b.TempDir(), Seed: 42, ElectionTicks: 100})
	const group = 1
	require.NoError(b, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	leaderID, err := c.WaitLeader(ctx, group)
	require.NoError(b, err)
	leader, err := c.Node(leaderID)
	require.NoError(b, err)
	follower, err := c.Node(followers(c.IDs(), leaderID)[0])
	require.NoError(b, err)
	return c, leader, follower
}

// runClients runs b.N operations from benchClients goroutines and reports
// ops/s and the p50 and p99 latency of one operation.
func runClients(b *testing.B, op func(ctx context.Context, i int) error) {
	b.Helper()
	ctx := testContext(b)
	var next atomic.Int64
	lat := make([][]time.Duration, benchClients)
	errs := make(chan error, benchClients)
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for c := range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					errs <- err
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		require.NoError(b, err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(all[len(all)*50/100].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
}

var benchValue = strings.Repeat("x", 1000)

func benchPut(i int) *partition.Command {
	return &partition.Command{Op: partition.OpPut, Table: testTable, Schema: testSchema,
		Item: attr.Item{"pk": attr.S(fmt.Sprintf("item-%d", i)), "v": attr.S(benchValue)}}
}

// BenchmarkPutItem writes 1 KB items through the leader of one partition on
// three disk nodes (WAL fsync and bbolt commit on every node).
func BenchmarkPutItem(b *testing.B) {
	_, leader, _ := benchCluster(b)
	runClients(b, func(ctx context.Context, i int) error {
		_, err := leader.Write(ctx, 1, benchPut(i))
		return err
	})
}

// BenchmarkGetItem reads 1 KB items strongly from the leader and eventually
// from a follower.
func BenchmarkGetItem(b *testing.B) {
	const items = 1000
	for _, mode := range []struct {
		name       string
		consistent bool
	}{{"strong", true}, {"eventual", false}} {
		b.Run(mode.name, func(b *testing.B) {
			_, leader, follower := benchCluster(b)
			ctx := testContext(b)
			var wg sync.WaitGroup
			fillErrs := make(chan error, benchClients)
			for w := range benchClients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < items; i += benchClients {
						if _, err := leader.Write(ctx, 1, benchPut(i)); err != nil {
							fillErrs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(fillErrs)
			for err := range fillErrs {
				require.NoError(b, err)
			}
			reader := leader
			if !mode.consistent {
				reader = follower
				eventually(b, ctx, func() error {
					item, err := follower.Get(ctx, 1, key(fmt.Sprintf("item-%d", items-1)), false)
					if err == nil && item == nil {
						err = fmt.Errorf("follower has not applied the last item")
					}
					return err
				})
			}
			runClients(b, func(ctx context.Context, i int) error {
				item, err := reader.Get(ctx, 1, key(fmt.Sprintf("item-%d", i%items)), mode.consistent)
				if err == nil && item == nil && mode.consistent {
					err = fmt.Errorf("item-%d missing", i%items)
				}
				return err
			})
		})
	}
}

// BenchmarkPutItemManyPartitions writes 1 KB items to 64 partitions (each
// client its own) on three disk nodes: the leaders spread over the nodes,
// and each node's scheduler persists every group's entries with one WAL
// sync per round.
func BenchmarkPutItemManyPartitions(b *testing.B) {
	ctx := testContext(b)
	c := startCluster(b, node.ClusterConfig{Nodes: 3, Zones: 3, Dir: b.TempDir(), Seed: 43, ElectionTicks: 100})
	leaders := make([]*node.Node, benchClients)
	for g := range benchClients {
		group := uint64(g + 1)
		require.NoError(b, c.CreatePartition(ctx, group, tableMeta(group), c.IDs()))
	}
	for g := range benchClients {
		id, err := c.WaitLeader(ctx, uint64(g+1))
		require.NoError(b, err)
		leaders[g], err = c.Node(id)
		require.NoError(b, err)
	}
	runClients(b, func(ctx context.Context, i int) error {
		g := i % benchClients
		group := uint64(g + 1)
		_, err := leaders[g].Write(ctx, group, &partition.Command{Op: partition.OpPut, Table: group, Schema: testSchema,
			Item: attr.Item{"pk": attr.S(fmt.Sprintf("item-%d", i)), "v": attr.S(benchValue)}})
		return err
	})
}
