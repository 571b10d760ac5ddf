package catalog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/stretchr/testify/require"
)

func TestInitialPartitionCount(t *testing.T) {
	cases := []struct {
		name       string
		mode       BillingMode
		rcu, wcu   int64
		onDemand   int
		partitions int
	}{
		{"smallest table", BillingModeProvisioned, 1, 1, 0, 1},
		{"exactly one partition of reads", BillingModeProvisioned, 3000, 0, 0, 1},
		{"one read unit more", BillingModeProvisioned, 3001, 0, 0, 2},
		{"exactly one partition of writes", BillingModeProvisioned, 0, 1000, 0, 1},
		{"reads and writes add up", BillingModeProvisioned, 1500, 500, 0, 1},
		{"reads and writes add up past one", BillingModeProvisioned, 1500, 501, 0, 2},
		{"documented example 6000 RCU 2000 WCU", BillingModeProvisioned, 6000, 2000, 0, 4},
		{"table maximum", BillingModeProvisioned, 40000, 40000, 0, 54},
		{"empty mode means provisioned", "", 9000, 0, 0, 3},
		{"on-demand default", BillingModePayPerRequest, 0, 0, 0, 1},
		{"on-demand configured", BillingModePayPerRequest, 0, 0, 4, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.partitions, InitialPartitionCount(tc.mode, tc.rcu, tc.wcu, tc.onDemand))
		})
	}
}

func TestSplitPointsDivideTheHashSpaceEvenly(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 7, 16, 54} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			points := SplitPoints(5, n)
			require.Len(t, points, n-1)
			prefix := keyenc.TablePrefix(5)
			prev := uint64(0)
			for i, p := range points {
				require.Len(t, p, 16)
				require.True(t, bytes.HasPrefix(p, prefix))
				h := binary.BigEndian.Uint64(p[8:])
				want := float64(i+1) * math.Exp2(64) / float64(n)
				require.InDelta(t, want, float64(h), want*1e-12+2)
				require.Greater(t, h, prev)
				prev = h
			}
			ranges := InitialRanges(5, n)
			require.Len(t, ranges, n)
			require.Equal(t, prefix, ranges[0].Start)
			require.Equal(t, keyenc.PrefixEnd(prefix), ranges[n-1].End)
			for i := 1; i < n; i++ {
				require.Equal(t, ranges[i-1].End, ranges[i].Start)
			}
		})
	}
}

func TestSplitPointsSpreadRandomHashesEvenly(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const n, keys = 8, 80000
	ranges := InitialRanges(3, n)
	counts := make([]int, n)
	for i := 0; i < keys; i++ {
		key := randomKey(r, 3)
		for j, rg := range ranges {
			if rg.Contains(key) {
				counts[j]++
			}
		}
	}
	for j, c := range counts {
		require.InDelta(t, keys/n, c, keys/n*0.05, "partition %d", j)
	}
}

func nodes(spec ...string) []Node {
	var out []Node
	for i, zone := range spec {
		out = append(out, Node{ID: NodeID(i + 1), Zone: zone, Live: true})
	}
	return out
}

func TestPlaceReplicas(t *testing.T) {
	cases := []struct {
		name   string
		nodes  []Node
		counts map[NodeID]int
		want   []NodeID
		err    error
	}{
		{"one per zone, lowest IDs", nodes("a", "b", "c"), nil, []NodeID{1, 2, 3}, nil},
		{"least loaded node of each zone", nodes("a", "a", "b", "b", "c", "c"), map[NodeID]int{1: 5, 3: 1, 4: 0, 5: 2, 6: 2}, []NodeID{2, 4, 5}, nil},
		{"distinct zones over load", nodes("a", "a", "a", "b", "c"), map[NodeID]int{4: 10, 5: 10}, []NodeID{1, 4, 5}, nil},
		{"two zones: third replica shares the least used", nodes("a", "a", "b", "b"), nil, []NodeID{1, 3, 2}, nil},
		{"one zone: all replicas in it", nodes("a", "a", "a", "a"), map[NodeID]int{1: 3}, []NodeID{2, 3, 4}, nil},
		{"fewer nodes than replicas", nodes("a", "b"), nil, []NodeID{1, 2}, nil},
		{"dead nodes are skipped", func() []Node { n := nodes("a", "a", "b", "c"); n[0].Live = false; return n }(), nil, []NodeID{2, 3, 4}, nil},
		{"full nodes are skipped", func() []Node { n := nodes("a", "a", "b", "c"); n[0].Capacity.Replicas = 2; return n }(), map[NodeID]int{1: 2, 2: 5}, []NodeID{3, 4, 2}, nil},
		{"no live node", func() []Node { n := nodes("a"); n[0].Live = false; return n }(), nil, nil, ErrNoNodes},
		{"no node", nil, nil, nil, ErrNoNodes},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PlaceReplicas(tc.nodes, tc.counts, 3)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// randomCluster builds a seeded random set of nodes over 1 to 5 zones.
func randomCluster(r *rand.Rand) []Node {
	zones := 1 + r.IntN(5)
	count := 1 + r.IntN(12)
	var out []Node
	for i := 0; i < count; i++ {
		out = append(out, Node{ID: NodeID(i + 1), Zone: fmt.Sprintf("z%d", r.IntN(zones)), Live: r.IntN(10) > 0})
	}
	return out
}

func TestPlaceManyProperties(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		ns := randomCluster(r)
		partitions := 1 + r.IntN(40)
		live, zones := 0, map[string]bool{}
		for _, n := range ns {
			if n.Live {
				live++
				zones[n.Zone] = true
			}
		}
		got, err := PlaceMany(ns, nil, 3, partitions)
		if live == 0 {
			require.ErrorIs(t, err, ErrNoNodes, "seed %d", seed)
			continue
		}
		require.NoError(t, err, "seed %d", seed)
		counts := map[NodeID]int{}
		for _, chosen := range got {
			require.Len(t, chosen, min(3, live), "seed %d", seed)
			used := map[string]bool{}
			seen := map[NodeID]bool{}
			for _, id := range chosen {
				n := ns[id-1]
				require.True(t, n.Live, "seed %d", seed)
				require.False(t, seen[id], "seed %d: two replicas on node %d", seed, id)
				seen[id] = true
				used[n.Zone] = true
				counts[id]++
			}
			require.Equal(t, min(len(chosen), len(zones)), len(used), "seed %d: zones not distinct while they suffice", seed)
		}
		// Within one zone, loads differ by at most one.
		byZone := map[string][]int{}
		for _, n := range ns {
			if n.Live {
				byZone[n.Zone] = append(byZone[n.Zone], counts[n.ID])
			}
		}
		for zone, cs := range byZone {
			lo, hi := cs[0], cs[0]
			for _, c := range cs {
				lo, hi = min(lo, c), max(hi, c)
			}
			require.LessOrEqual(t, hi-lo, 1, "seed %d zone %s loads %v", seed, zone, cs)
		}
		// Deterministic.
		again, err := PlaceMany(ns, nil, 3, partitions)
		require.NoError(t, err)
		require.Equal(t, got, again)
	}
}
