package catalog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/stretchr/testify/require"
)

// randomKey returns a key of table: its prefix, a random hash and a random
// tail, the shape keyenc produces.
func randomKey(r *rand.Rand, table uint64) []byte {
	k := binary.BigEndian.AppendUint64(keyenc.TablePrefix(table), r.Uint64())
	tail := make([]byte, r.IntN(6))
	for i := range tail {
		tail[i] = byte(r.UintN(256))
	}
	return append(k, tail...)
}

func TestLocateRealKeys(t *testing.T) {
	c := newCluster(t, 3, 2)
	in := baseCreate()
	in.ProvisionedThroughput = pt(9000, 2000) // 5 partitions
	mustCreate(t, c, in)
	tbl, _ := c.Table("orders")
	require.Len(t, tbl.Partitions, 5)
	seen := make(map[uint64]bool)
	for i := 0; i < 2000; i++ {
		key, err := keyenc.Key(tbl.ID, attr.S(fmt.Sprintf("user-%d", i)), attr.N(fmt.Sprint(i)))
		require.NoError(t, err)
		p, err := c.Locate("orders", key)
		require.NoError(t, err)
		require.True(t, p.Range.Contains(key))
		seen[p.ID] = true
	}
	require.Len(t, seen, 5, "hash-divided partitions all receive keys")
}

func TestLocateOutsideTable(t *testing.T) {
	c := newCluster(t, 3, 1)
	mustCreate(t, c, baseCreate())
	other := randomKey(rand.New(rand.NewPCG(1, 2)), 2)
	_, err := c.Locate("orders", other)
	require.ErrorIs(t, err, ErrKeyOutsideTable)
	_, err = c.Locate("orders", []byte{})
	require.ErrorIs(t, err, ErrKeyOutsideTable)
	_, err = c.Locate("nope", other)
	require.ErrorIs(t, err, ErrNoTable)
}

// TestSplitsKeepEveryKeyInOnePartition applies seeded random sequences of
// splits and checks after each that every sampled key is in exactly one
// partition, that Locate finds it, and that the invariants hold.
func TestSplitsKeepEveryKeyInOnePartition(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			c := newCluster(t, 3, 2)
			// Two tables so that neighbouring key spaces are exercised.
			for _, name := range []string{"aaa", "bbb"} {
				in := baseCreate()
				in.TableName = name
				in.ProvisionedThroughput = pt(int64(1+r.IntN(6000)), int64(1+r.IntN(2000)))
				active(t, c, in)
			}
			tbl, _ := c.Table("aaa")
			for step := 0; step < 60; step++ {
				ps, err := c.Partitions("aaa")
				require.NoError(t, err)
				victim := ps[r.IntN(len(ps))]
				var key []byte
				switch r.IntN(4) {
				case 0: // the start itself: must be refused
					key = victim.Range.Start
				case 1: // the end: must be refused
					key = victim.Range.End
				default:
					key = randomKey(r, tbl.ID)
				}
				right := c.AllocatePartitionID()
				err = c.ApplySplit("aaa", victim.ID, key, right)
				inside := bytes.Compare(key, victim.Range.Start) > 0 && (victim.Range.End == nil || bytes.Compare(key, victim.Range.End) < 0)
				if inside {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, ErrBadSplit)
				}
				require.NoError(t, c.Check())
				ps, _ = c.Partitions("aaa")
				for k := 0; k < 50; k++ {
					probe := randomKey(r, tbl.ID)
					holders := 0
					for _, p := range ps {
						if p.Range.Contains(probe) {
							holders++
						}
					}
					require.Equal(t, 1, holders, "key %x", probe)
					p, err := c.Locate("aaa", probe)
					require.NoError(t, err)
					require.True(t, p.Range.Contains(probe))
				}
			}
		})
	}
}

func TestApplySplitRefusals(t *testing.T) {
	c := newCluster(t, 3, 1)
	mustCreate(t, c, baseCreate())
	tbl, _ := c.Table("orders")
	p := tbl.Partitions[0]
	mid := binary.BigEndian.AppendUint64(keyenc.TablePrefix(tbl.ID), 1<<63)
	cases := []struct {
		name  string
		part  uint64
		key   []byte
		right uint64
		want  error
	}{
		{"key at the start", p.ID, p.Range.Start, c.AllocatePartitionID(), ErrBadSplit},
		{"key at the end", p.ID, p.Range.End, c.AllocatePartitionID(), ErrBadSplit},
		{"key below the range", p.ID, []byte{0}, c.AllocatePartitionID(), ErrBadSplit},
		{"right ID zero", p.ID, mid, 0, ErrBadSplit},
		{"right ID not allocated", p.ID, mid, 1000, ErrBadSplit},
		{"right ID in use", p.ID, mid, p.ID, ErrBadSplit},
		{"unknown partition", 999, mid, c.AllocatePartitionID(), ErrNoPartition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.ApplySplit("orders", tc.part, tc.key, tc.right)
			require.ErrorIs(t, err, tc.want)
			after, _ := c.Table("orders")
			require.Equal(t, tbl.Partitions, after.Partitions, "a refused split changes nothing")
		})
	}
	right := c.AllocatePartitionID()
	require.NoError(t, c.ApplySplit("orders", p.ID, mid, right))
	after, _ := c.Table("orders")
	require.Len(t, after.Partitions, 2)
	require.Equal(t, mid, after.Partitions[0].Range.End)
	require.Equal(t, mid, after.Partitions[1].Range.Start)
	require.Equal(t, right, after.Partitions[1].ID)
	require.Equal(t, after.Partitions[0].Replicas, after.Partitions[1].Replicas, "the right side starts on the same replicas")
}

func TestOverlapping(t *testing.T) {
	c := newCluster(t, 3, 1)
	in := baseCreate()
	in.ProvisionedThroughput = pt(12000, 1) // 5 partitions
	mustCreate(t, c, in)
	tbl, _ := c.Table("orders")
	ps := tbl.Partitions
	require.Len(t, ps, 5)
	ids := func(ps []Partition) []uint64 {
		var out []uint64
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	all := ids(ps)
	cases := []struct {
		name   string
		lo, hi []byte
		want   []uint64
	}{
		{"whole table", keyenc.TablePrefix(tbl.ID), keyenc.PrefixEnd(keyenc.TablePrefix(tbl.ID)), all},
		{"unbounded", nil, nil, all},
		{"one partition", ps[2].Range.Start, ps[2].Range.End, all[2:3]},
		{"straddling two", append(bytes.Clone(ps[1].Range.End), 5), append(bytes.Clone(ps[2].Range.End), 5), all[2:4]},
		{"a point range inside one", append(bytes.Clone(ps[3].Range.Start), 1), append(bytes.Clone(ps[3].Range.Start), 2), all[3:4]},
		{"empty range at a boundary", ps[1].Range.Start, ps[1].Range.Start, nil},
		{"beyond the table", keyenc.PrefixEnd(keyenc.TablePrefix(tbl.ID)), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Overlapping("orders", tc.lo, tc.hi)
			require.NoError(t, err)
			require.Equal(t, tc.want, ids(got))
		})
	}
}

func TestReplicaChanges(t *testing.T) {
	// Zones a (nodes 1,2), b (3,4), c (5,6).
	c := newCluster(t, 3, 2)
	mustCreate(t, c, baseCreate())
	tbl, _ := c.Table("orders")
	p := tbl.Partitions[0]
	require.Len(t, p.Replicas, 3)
	holder := map[string]NodeID{}
	free := map[string]NodeID{}
	for _, n := range c.Nodes() {
		if p.Holds(n.ID) {
			holder[n.Zone] = n.ID
		} else {
			free[n.Zone] = n.ID
		}
	}
	require.Len(t, holder, 3, "three replicas in three zones")
	cases := []struct {
		name string
		op   func() error
		want error
	}{
		{"move within the zone", func() error { return c.MoveReplica("orders", p.ID, holder["zone-a"], free["zone-a"]) }, nil},
		{"move into a zone already holding one", func() error { return c.MoveReplica("orders", p.ID, holder["zone-b"], free["zone-c"]) }, ErrZoneConflict},
		{"move onto a holder", func() error { return c.MoveReplica("orders", p.ID, holder["zone-b"], holder["zone-c"]) }, ErrReplicaExists},
		{"move from a non-holder", func() error { return c.MoveReplica("orders", p.ID, holder["zone-a"], free["zone-b"]) }, ErrNoReplica},
		{"move to an unknown node", func() error { return c.MoveReplica("orders", p.ID, holder["zone-b"], 99) }, ErrNoNode},
		{"move to a dead node", func() error {
			require.NoError(t, c.SetNodeLive(free["zone-b"], false))
			defer func() { require.NoError(t, c.SetNodeLive(free["zone-b"], true)) }()
			return c.MoveReplica("orders", p.ID, holder["zone-b"], free["zone-b"])
		}, ErrNodeNotLive},
		{"add a fourth replica in a used zone when every zone is used", func() error {
			return c.AddReplica("orders", p.ID, Replica{Node: free["zone-b"], Kind: ReplicaLog})
		}, nil},
		{"remove the log replica", func() error { return c.RemoveReplica("orders", p.ID, free["zone-b"]) }, nil},
		{"add a replica of unknown kind", func() error { return c.AddReplica("orders", p.ID, Replica{Node: free["zone-b"], Kind: 7}) }, ErrInvariant},
		{"leader on a non-holder", func() error { return c.SetLeader("orders", p.ID, free["zone-b"]) }, ErrNoReplica},
		{"leader on a holder", func() error { return c.SetLeader("orders", p.ID, holder["zone-b"]) }, nil},
		{"remove from a non-holder", func() error { return c.RemoveReplica("orders", p.ID, free["zone-b"]) }, ErrNoReplica},
		{"unknown partition", func() error { return c.RemoveReplica("orders", 77, holder["zone-b"]) }, ErrNoPartition},
		{"unknown table", func() error { return c.RemoveReplica("other", p.ID, holder["zone-b"]) }, ErrNoTable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := c.Table("orders")
			err := tc.op()
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
				after, _ := c.Table("orders")
				require.Equal(t, before, after, "a refused change changes nothing")
			}
			require.NoError(t, c.Check())
		})
	}
	// Removing down to the last full replica is refused.
	tbl, _ = c.Table("orders")
	reps := tbl.Partitions[0].Replicas
	require.NoError(t, c.RemoveReplica("orders", p.ID, reps[0].Node))
	require.NoError(t, c.RemoveReplica("orders", p.ID, reps[1].Node))
	require.ErrorIs(t, c.RemoveReplica("orders", p.ID, reps[2].Node), ErrLastReplica)
}

func TestZonesMayRepeatWhenTooFew(t *testing.T) {
	// Two zones, three replicas: a third replica has to share a zone.
	c := newCluster(t, 2, 2)
	mustCreate(t, c, baseCreate())
	tbl, _ := c.Table("orders")
	p := tbl.Partitions[0]
	require.Len(t, p.Replicas, 3)
	zones := map[string]int{}
	for _, r := range p.Replicas {
		n, _ := c.Node(r.Node)
		zones[n.Zone]++
	}
	require.Len(t, zones, 2)
	var free NodeID
	for _, n := range c.Nodes() {
		if !p.Holds(n.ID) {
			free = n.ID
		}
	}
	// Every zone already holds a replica, so a move anywhere is allowed.
	require.NoError(t, c.MoveReplica("orders", p.ID, p.Replicas[0].Node, free))
}

func TestNodeRegistry(t *testing.T) {
	c := New(Options{})
	require.ErrorIs(t, c.AddNode(Node{ID: 0, Zone: "a"}), ErrBadNode)
	require.ErrorIs(t, c.AddNode(Node{ID: 1}), ErrBadNode)
	require.NoError(t, c.AddNode(Node{ID: 1, Zone: "a"}))
	require.ErrorIs(t, c.AddNode(Node{ID: 1, Zone: "b"}), ErrNodeExists)
	require.ErrorIs(t, c.SetNodeLive(2, true), ErrNoNode)
	require.NoError(t, c.SetNodeLive(1, true))
	n, ok := c.Node(1)
	require.True(t, ok)
	require.True(t, n.Live)
}

func TestCheckDetectsBrokenMaps(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(*Table)
	}{
		{"gap", func(tb *Table) { tb.Partitions[1].Range.Start = append(bytes.Clone(tb.Partitions[1].Range.Start), 1) }},
		{"overlap", func(tb *Table) { tb.Partitions[0].Range.End = append(bytes.Clone(tb.Partitions[0].Range.End), 1) }},
		{"wrong first start", func(tb *Table) { tb.Partitions[0].Range.Start = []byte{0} }},
		{"wrong last end", func(tb *Table) { tb.Partitions[len(tb.Partitions)-1].Range.End = nil }},
		{"replica on unknown node", func(tb *Table) { tb.Partitions[0].Replicas[0].Node = 999 }},
		{"two replicas on one node", func(tb *Table) { tb.Partitions[0].Replicas[1].Node = tb.Partitions[0].Replicas[0].Node }},
		{"no full replica", func(tb *Table) {
			for i := range tb.Partitions[0].Replicas {
				tb.Partitions[0].Replicas[i].Kind = ReplicaLog
			}
		}},
		{"duplicate partition ID", func(tb *Table) { tb.Partitions[1].ID = tb.Partitions[0].ID }},
		{"partition of another table", func(tb *Table) { tb.Partitions[0].Table = 42 }},
		{"leader not a replica", func(tb *Table) { tb.Partitions[0].Leader = 999 }},
		{"no partitions", func(tb *Table) { tb.Partitions = nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, 3, 1)
			in := baseCreate()
			in.ProvisionedThroughput = pt(6000, 1)
			mustCreate(t, c, in)
			require.NoError(t, c.Check())
			tc.break_(c.tables["orders"])
			require.ErrorIs(t, c.Check(), ErrInvariant)
		})
	}
}
