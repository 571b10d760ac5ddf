package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

func newGate(t *testing.T, opts Options) (*Gate, *clock.Sim) {
	t.Helper()
	sim := clock.NewSim(time.Unix(1_800_000_000, 0))
	opts.Clock = sim
	g, err := New(opts)
	require.NoError(t, err)
	return g, sim
}

func admitN(g *Gate, group uint64, kind admission.Kind, units float64, n int) int {
	ok := 0
	for range n {
		if g.Admit(group, kind, units) == nil {
			ok++
		}
	}
	return ok
}

// A partition admits its rate; one without limits admits everything; the
// excess a request consumed is charged, and what did not run is refunded.
func TestGatePartitionLimits(t *testing.T) {
	g, sim := newGate(t, Options{Node: "node-1"})
	require.Equal(t, 1000, admitN(g, 7, admission.Write, 1, 1000), "no limits: no throttling")

	require.NoError(t, g.Set(7, Limits{Table: "t", Partition: "t/partition-7", ReadRate: 20, WriteRate: 5}))
	require.Equal(t, 5, admitN(g, 7, admission.Write, 1, 10), "one second of 5 WCU banked")
	require.Equal(t, 20, admitN(g, 7, admission.Read, 1, 30))
	err := g.Admit(7, admission.Write, 1)
	var pte *dberr.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte)
	require.Equal(t, "t/partition-7", pte.Resource)

	g.Refund(7, admission.Write, 2)
	require.Equal(t, 2, admitN(g, 7, admission.Write, 1, 5), "refunds are admitted again")

	sim.Advance(2 * time.Second)
	g.Done(7, admission.Write, 1, 8, time.Millisecond) // consumed 7 beyond its estimate
	require.Equal(t, 3, admitN(g, 7, admission.Write, 1, 10), "10 refilled less 7 charged")

	// New limits keep what is banked and change the rate.
	require.NoError(t, g.Set(7, Limits{Table: "t", Partition: "t/partition-7", ReadRate: 20, WriteRate: 50}))
	sim.Advance(time.Second)
	require.Equal(t, 50, admitN(g, 7, admission.Write, 1, 100))
	l, ok := g.Limits(7)
	require.True(t, ok)
	require.Equal(t, 50.0, l.WriteRate)

	g.Remove(7)
	_, ok = g.Limits(7)
	require.False(t, ok)
	require.Equal(t, 100, admitN(g, 7, admission.Write, 1, 100))

	st, ok := g.Stats().Table("t")
	require.True(t, ok)
	require.Equal(t, 8.0, st.ConsumedWrite)
	require.Equal(t, 1, len(st.Partitions))
	require.Positive(t, st.Throttled[dberr.ThrottlePartition])

	require.Error(t, g.Set(8, Limits{ReadRate: -1}))
}

// An on-demand partition refuses with ThrottlingException; the node's own
// cap refuses with the node named.
func TestGateOnDemandAndNodeCap(t *testing.T) {
	g, _ := newGate(t, Options{Node: "node-1", NodeWriteRate: 10})
	require.NoError(t, g.Set(1, Limits{Table: "a", Partition: "a/partition-1", ReadRate: 3000, WriteRate: 1000, OnDemand: true}))
	require.NoError(t, g.Set(2, Limits{Table: "b", Partition: "b/partition-2", ReadRate: 3000, WriteRate: 2, OnDemand: true}))
	require.Equal(t, 2, admitN(g, 2, admission.Write, 1, 5))
	var te *dberr.ThrottlingException
	require.ErrorAs(t, g.Admit(2, admission.Write, 1), &te)
	require.Equal(t, dberr.ThrottlePartition, te.Reason)

	n := admitN(g, 1, admission.Write, 1, 50)
	require.Less(t, n, 50, "the node caps a partition that may take 1000")
	err := g.Admit(1, admission.Write, 1)
	require.ErrorAs(t, err, &te)
	require.Equal(t, dberr.ThrottleNode, te.Reason)
	require.Equal(t, "node-1", te.Resource)
}
