package multiraft_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/sim"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func TestMain(m *testing.M) {
	if os.Getenv(envNode) != "" {
		os.Exit(runDurabilityNode())
	}
	goleak.VerifyTestMain(m)
}

const (
	tick            = 10 * time.Millisecond
	electionTicks   = 10
	electionTimeout = electionTicks * tick
)

func newCluster(t *testing.T, opts sim.Options) *sim.Cluster {
	t.Helper()
	c, err := sim.NewCluster(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func put(key, value string) []byte {
	return sim.KVCommand{Op: sim.OpPut, Key: key, Value: value}.Encode()
}

func mustPut(t *testing.T, c *sim.Cluster, group uint64, key, value string) transport.NodeID {
	t.Helper()
	lead, _, err := c.ProposeToLeader(group, put(key, value), 10*time.Second)
	require.NoError(t, err)
	return lead
}

func otherThan(c *sim.Cluster, ids ...transport.NodeID) transport.NodeID {
	for _, n := range c.Nodes {
		if !slices.Contains(ids, n.ID) {
			return n.ID
		}
	}
	return 0
}

// waitApplied runs until every listed node applied at least the leader's
// commit index and holds the same data.
func waitSame(t *testing.T, c *sim.Cluster, group uint64, nodes ...transport.NodeID) {
	t.Helper()
	ok, err := c.RunUntil(10*time.Second, func() bool {
		lead := c.Leader(group)
		if lead == 0 {
			return false
		}
		want, err := c.Status(lead, group)
		if err != nil {
			return false
		}
		for _, n := range nodes {
			st, err := c.Status(n, group)
			if err != nil || st.Applied < want.Commit || c.Node(n).KV(group).Digest() != c.Node(lead).KV(group).Digest() {
				return false
			}
		}
		return true
	})
	require.NoError(t, err)
	require.True(t, ok, "replicas did not converge:\n%s", c.Digest())
}

// waitCaughtUp runs until the leader sees node's replica at its last index.
func waitCaughtUp(t *testing.T, c *sim.Cluster, group uint64, node transport.NodeID) {
	t.Helper()
	ok, err := c.RunUntil(5*time.Second, func() bool {
		lead := c.Leader(group)
		if lead == 0 {
			return false
		}
		st, err := c.Status(lead, group)
		return err == nil && st.Match[node] == st.LastIndex
	})
	require.NoError(t, err)
	require.True(t, ok, "replica on node %d never caught up", node)
}

func changeReplicas(c *sim.Cluster, group uint64, ch multiraft.ReplicaChange, timeout time.Duration) error {
	_, err := c.ChangeReplicas(group, ch, timeout)
	return err
}

func TestProposeReturnsTheStateMachineResult(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 1})
	mustPut(t, c, 1, "k", "a")
	_, res, err := c.ProposeToLeader(1, sim.KVCommand{Op: sim.OpCAS, Key: "k", Old: "a", Value: "b"}.Encode(), time.Second)
	require.NoError(t, err)
	require.Equal(t, true, res)
	_, res, err = c.ProposeToLeader(1, sim.KVCommand{Op: sim.OpCAS, Key: "k", Old: "a", Value: "c"}.Encode(), time.Second)
	require.NoError(t, err)
	require.Equal(t, false, res)
	waitSame(t, c, 1, 1, 2, 3)
	require.Equal(t, "b", c.Node(1).KV(1).Get("k"))
}

func TestRequestErrors(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 2})
	lead := mustPut(t, c, 1, "k", "v")
	follower := otherThan(c, lead)

	t.Run("a follower redirects to the leader", func(t *testing.T) {
		_, err := c.Propose(follower, 1, put("k", "w"), time.Second)
		var nl *multiraft.NotLeaderError
		require.ErrorAs(t, err, &nl)
		require.Equal(t, lead, nl.Leader)
		require.ErrorIs(t, err, multiraft.ErrNotLeader)
	})
	t.Run("an unknown group is reported", func(t *testing.T) {
		_, err := c.Propose(lead, 99, put("k", "w"), time.Second)
		require.ErrorIs(t, err, multiraft.ErrGroupNotFound)
	})
	t.Run("reads need the leader", func(t *testing.T) {
		var got error
		done := false
		c.Node(follower).Core.Read(1, func(err error) { got, done = err, true })
		require.True(t, done)
		require.ErrorIs(t, got, multiraft.ErrNotLeader)
	})
	t.Run("removing a group fails what waits on it", func(t *testing.T) {
		var got error
		done := false
		c.Node(lead).Core.Propose(1, put("k", "x"), func(_ any, err error) { got, done = err, true })
		require.NoError(t, c.DropReplica(lead, 1))
		require.True(t, done)
		require.ErrorIs(t, got, multiraft.ErrGroupRemoved)
	})
}

func TestFailover(t *testing.T) {
	tests := []struct {
		name  string
		idle  bool
		limit time.Duration
	}{
		// An active group: followers notice the silence themselves.
		{"busy group elects a new leader within two election timeouts", false, 2 * electionTimeout},
		// A quiesced group: followers learn of the death through node
		// liveness (one election timeout), then campaign at once.
		{"quiesced group elects a new leader within two election timeouts", true, 2 * electionTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var worst time.Duration
			for seed := uint64(1); seed <= 20; seed++ {
				c := newCluster(t, sim.Options{Seed: seed})
				lead := mustPut(t, c, 1, "k", "v0")
				if tt.idle {
					ok, err := c.RunUntil(5*time.Second, func() bool { return c.Node(lead).Core.Quiesced(1) })
					require.NoError(t, err)
					require.True(t, ok, "group never quiesced")
				} else {
					for i := range 5 {
						mustPut(t, c, 1, "k", fmt.Sprint("v", i))
					}
				}
				c.Crash(lead)
				start := c.Clock.Now()
				_, _, err := c.ProposeToLeader(1, put("k", "after"), 10*time.Second)
				require.NoError(t, err)
				took := c.Clock.Now().Sub(start)
				require.LessOrEqual(t, took, tt.limit, "seed %d: new leader served a write after %v", seed, took)
				worst = max(worst, took)
				require.NoError(t, c.Close())
			}
			t.Logf("slowest failover over 20 seeds: %v (election timeout %v)", worst, electionTimeout)
		})
	}
}

func TestCutOffFollowerNeverDeposesAHealthyLeader(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		c := newCluster(t, sim.Options{Seed: seed})
		lead := mustPut(t, c, 1, "k", "v")
		before, err := c.Status(lead, 1)
		require.NoError(t, err)
		cut := otherThan(c, lead)
		c.Isolate(cut)
		for i := range 20 {
			got, _, err := c.ProposeToLeader(1, put("k", fmt.Sprint(i)), time.Second)
			require.NoError(t, err)
			require.Equal(t, lead, got)
			require.NoError(t, c.RunFor(2*electionTimeout))
		}
		c.Heal()
		require.NoError(t, c.RunFor(20*electionTimeout))
		mustPut(t, c, 1, "k", "healed")
		after, err := c.Status(lead, 1)
		require.NoError(t, err)
		require.True(t, after.IsLeader, "seed %d: leadership moved", seed)
		require.Equal(t, before.Term, after.Term, "seed %d: the cut-off follower raised the term", seed)
		waitSame(t, c, 1, 1, 2, 3)
		require.NoError(t, c.Close())
	}
}

func TestMembershipAddCatchUpPromoteRemove(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 3, Nodes: 4, Replicas: 3, LogRetainEntries: 5})
	for i := range 40 {
		mustPut(t, c, 1, fmt.Sprint("k", i%7), fmt.Sprint("v", i))
	}
	// Node 4 joins empty; the log is compacted, so it needs a snapshot.
	require.NoError(t, c.AddLearner(1, 4, multiraft.FullReplica, time.Second))
	waitSame(t, c, 1, 4)
	require.True(t, slices.ContainsFunc(c.Trace(), func(l string) bool {
		return strings.Contains(l, "->4 err=<nil>") && strings.Contains(l, "snapshot group 1")
	}), "the learner caught up without a snapshot")
	st, err := c.Status(4, 1)
	require.NoError(t, err)
	require.Equal(t, []transport.NodeID{4}, st.Learners)
	waitCaughtUp(t, c, 1, 4)

	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4}, time.Second))
	lead := c.Leader(1)
	victim := otherThan(c, lead, 4)
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: victim}, time.Second))
	mustPut(t, c, 1, "after", "removal")
	ok, err := c.RunUntil(time.Second, func() bool {
		_, err := c.Status(victim, 1)
		return err != nil
	})
	require.NoError(t, err)
	require.True(t, ok, "the removed replica kept running")
	st, err = c.Status(lead, 1)
	require.NoError(t, err)
	require.ElementsMatch(t, []transport.NodeID{lead, 4, otherThan(c, lead, 4, victim)}, st.Voters)
	waitSame(t, c, 1, st.Voters...)
}

func TestMembershipRefusesUnsafeChanges(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 4, Nodes: 5, Replicas: 3})
	lead := mustPut(t, c, 1, "k", "v")
	live := otherThan(c, lead, 4, 5)
	dead := otherThan(c, lead, live, 4, 5)
	require.NoError(t, c.AddLearner(1, 4, multiraft.FullReplica, time.Second))
	waitSame(t, c, 1, 4)
	c.Crash(4)
	c.Crash(dead)
	for range 15 {
		mustPut(t, c, 1, "k", "more")
	}
	require.NoError(t, c.RunFor(3*electionTimeout))

	tests := []struct {
		name string
		ch   multiraft.ReplicaChange
		want error
	}{
		{"removing a live voter while another is dead", multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: live}, multiraft.ErrUnsafeConfChange},
		{"the leader removing itself", multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: lead}, multiraft.ErrInvalidConfChange},
		{"promoting a learner that lags", multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4}, multiraft.ErrNotCaughtUp},
		{"removing a stranger", multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: 5}, multiraft.ErrInvalidConfChange},
		{"adding a node twice", multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 4}, multiraft.ErrInvalidConfChange},
		{"promoting a replica that is not a learner", multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: live}, multiraft.ErrInvalidConfChange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := changeReplicas(c, 1, tt.ch, time.Second)
			require.ErrorIs(t, err, tt.want)
		})
	}
	t.Run("one change at a time", func(t *testing.T) {
		core := c.Node(lead).Core
		var first, second error
		var firstDone, secondDone bool
		core.ChangeReplicas(1, multiraft.ReplicaChange{Type: multiraft.AddLearner, Node: 5}, func(_ uint64, err error) { first, firstDone = err, true })
		core.ChangeReplicas(1, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: 4}, func(_ uint64, err error) { second, secondDone = err, true })
		require.True(t, secondDone)
		require.ErrorIs(t, second, multiraft.ErrConfChangeInProgress)
		ok, err := c.RunUntil(time.Second, func() bool { return firstDone })
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, first)
	})
	t.Run("removing the dead voter is safe", func(t *testing.T) {
		require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: dead}, time.Second))
		st, err := c.Status(lead, 1)
		require.NoError(t, err)
		require.ElementsMatch(t, []transport.NodeID{lead, live}, st.Voters)
	})
}

func TestLeadershipTransfer(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 5})
	lead := mustPut(t, c, 1, "k", "v")
	to := otherThan(c, lead)
	require.NoError(t, c.TransferLeadership(1, to, time.Second))
	require.Equal(t, to, c.Leader(1))
	got := mustPut(t, c, 1, "k", "w")
	require.Equal(t, to, got)
}

// TestLeadershipTransferReportsSuccessAcrossSeeds transfers leadership under
// many delivery orders. The old leader often learns that its term is over
// (leader unknown) before it learns who won; the transfer must still be
// reported as done once the transferee leads, not as a lost leadership.
func TestLeadershipTransferReportsSuccessAcrossSeeds(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		c := newCluster(t, sim.Options{Seed: seed})
		lead := mustPut(t, c, 1, "k", "v")
		to := otherThan(c, lead)
		require.NoError(t, c.TransferLeadership(1, to, time.Second), "seed %d", seed)
		require.Equal(t, to, c.Leader(1), "seed %d", seed)
	}
}

func TestRestartReappliesMembershipAfterTheCompactionPoint(t *testing.T) {
	for _, syncEvery := range []int{1, 4} {
		t.Run(fmt.Sprint("state machine syncs every ", syncEvery, " applies"), func(t *testing.T) {
			c := newCluster(t, sim.Options{Seed: 6, Nodes: 4, Replicas: 3, LogRetainEntries: 5, SyncEvery: syncEvery})
			for i := range 30 {
				mustPut(t, c, 1, fmt.Sprint("k", i%5), fmt.Sprint("v", i))
			}
			require.NoError(t, c.AddLearner(1, 4, multiraft.FullReplica, time.Second))
			mustPut(t, c, 1, "k0", "last")
			waitSame(t, c, 1, 1, 2, 3, 4)
			for _, n := range []transport.NodeID{1, 2, 3} {
				c.Crash(n)
				require.NoError(t, c.Restart(n))
				require.NoError(t, c.Settle())
				st, err := c.Status(n, 1)
				require.NoError(t, err)
				require.Equal(t, []transport.NodeID{4}, st.Learners, "node %d forgot the learner", n)
			}
			mustPut(t, c, 1, "k1", "after restarts")
			waitSame(t, c, 1, 1, 2, 3, 4)
		})
	}
}

func TestIdleGroupsQuiesceAndWakeUp(t *testing.T) {
	const groups = 50
	c := newCluster(t, sim.Options{Seed: 7, Groups: groups})
	for g := uint64(1); g <= groups; g++ {
		mustPut(t, c, g, "k", "v")
	}
	allQuiet := func() bool {
		for _, n := range c.Nodes {
			if n.Up && n.Core.ActiveGroups() > 0 {
				return false
			}
		}
		return true
	}
	ok, err := c.RunUntil(5*time.Second, allQuiet)
	require.NoError(t, err)
	require.True(t, ok, "groups did not quiesce")
	require.NoError(t, c.RunFor(electionTimeout)) // answers to the last quiesce heartbeats

	before := map[transport.NodeID]multiraft.Stats{}
	for _, n := range c.Nodes {
		before[n.ID] = n.Core.Stats()
	}
	require.NoError(t, c.RunFor(50*electionTimeout))
	for _, n := range c.Nodes {
		after := n.Core.Stats()
		require.Equal(t, before[n.ID].RaftMessages, after.RaftMessages, "node %d: quiesced groups sent raft messages", n.ID)
		require.Equal(t, before[n.ID].Saves, after.Saves, "node %d: quiesced groups wrote to the log", n.ID)
		require.Greater(t, after.LivenessMessages, before[n.ID].LivenessMessages, "node %d: liveness stopped", n.ID)
		require.Zero(t, after.Active)
	}

	t.Run("a proposal wakes only its group", func(t *testing.T) {
		mustPut(t, c, 7, "k", "w")
		for _, n := range c.Nodes {
			require.LessOrEqual(t, n.Core.ActiveGroups(), 1)
		}
		ok, err := c.RunUntil(5*time.Second, allQuiet)
		require.NoError(t, err)
		require.True(t, ok, "the woken group did not quiesce again")
	})
	t.Run("a dead leader's quiesced groups elect new leaders", func(t *testing.T) {
		victim := c.Leader(1)
		var led []uint64
		for g := uint64(1); g <= groups; g++ {
			if c.Leader(g) == victim {
				led = append(led, g)
			}
		}
		require.NotEmpty(t, led)
		c.Crash(victim)
		start := c.Clock.Now()
		ok, err := c.RunUntil(5*time.Second, func() bool {
			for _, g := range led {
				if l := c.Leader(g); l == 0 || l == victim {
					return false
				}
			}
			return true
		})
		require.NoError(t, err)
		require.True(t, ok)
		t.Logf("%d groups re-elected in %v", len(led), c.Clock.Now().Sub(start))
		require.LessOrEqual(t, c.Clock.Now().Sub(start), 2*electionTimeout)
		for _, g := range led {
			lead, _, err := c.ProposeToLeader(g, put("k", "after crash"), 5*time.Second)
			require.NoError(t, err)
			require.NotEqual(t, victim, lead)
		}
	})
}

func TestLogReplicaRestoresThreeDurableCopiesWhileAFullReplicaIsRebuilt(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 8, Nodes: 5, Replicas: 3, LogRetainEntries: 10})
	for i := range 30 {
		mustPut(t, c, 1, fmt.Sprint("k", i%6), fmt.Sprint("v", i))
	}
	lead := c.Leader(1)
	dead := otherThan(c, lead, 4, 5)
	survivor := otherThan(c, lead, dead, 4, 5)
	c.Crash(dead) // for good: only two copies of the log remain

	// 1. A log replica on node 4 joins with an index-and-term snapshot,
	// is promoted, and the dead replica is removed: three durable copies.
	require.NoError(t, c.AddLearner(1, 4, multiraft.LogReplica, time.Second))
	ok, err := c.RunUntil(2*time.Second, func() bool {
		st, err := c.Status(c.Leader(1), 1)
		return err == nil && st.Match[4] == st.LastIndex
	})
	require.NoError(t, err)
	require.True(t, ok, "the log replica did not catch up")
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4, Kind: multiraft.LogReplica}, time.Second))
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: dead}, time.Second))
	st, err := c.Status(lead, 1)
	require.NoError(t, err)
	require.ElementsMatch(t, []transport.NodeID{lead, survivor, 4}, st.Voters)
	require.Equal(t, []transport.NodeID{4}, st.LogReplicas)
	require.Nil(t, c.Node(4).KV(1), "a log replica holds no state machine")

	// The log replica is a real durable copy: with the other full replica
	// cut off, the leader still commits with it.
	c.Isolate(survivor)
	got, _, err := c.ProposeToLeader(1, put("quorum", "with log replica"), time.Second)
	require.NoError(t, err)
	require.Equal(t, lead, got)
	c.Heal()

	// A log replica takes no leadership transfer.
	require.ErrorIs(t, c.TransferLeadership(1, 4, time.Second), multiraft.ErrInvalidConfChange)

	// 2. Meanwhile a full replica is rebuilt on node 5 from a data
	// snapshot, with writes going on, then promoted; the log replica leaves.
	require.NoError(t, c.AddLearner(1, 5, multiraft.FullReplica, time.Second))
	for i := range 10 {
		mustPut(t, c, 1, fmt.Sprint("k", i%6), fmt.Sprint("rebuild", i))
	}
	waitCaughtUp(t, c, 1, 5)
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 5}, time.Second))
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: 4, Kind: multiraft.LogReplica}, time.Second))
	st, err = c.Status(c.Leader(1), 1)
	require.NoError(t, err)
	require.ElementsMatch(t, []transport.NodeID{lead, survivor, 5}, st.Voters)
	require.Empty(t, st.LogReplicas)
	mustPut(t, c, 1, "done", "yes")
	waitSame(t, c, 1, lead, survivor, 5)
	require.Equal(t, "yes", c.Node(5).KV(1).Get("done"))
	require.Equal(t, c.Node(lead).KV(1).Digest(), c.Node(5).KV(1).Digest())
}

// TestLogReplicaUnblocksAnElectionItAlonePreventsThenStepsDown: with voters
// {A, B, L(og)}, entries committed by A and L while B was cut off leave B
// unable to win L's vote once A dies. L then campaigns as a last resort,
// brings B up to date and hands it leadership.
func TestLogReplicaUnblocksAnElectionItAlonePreventsThenStepsDown(t *testing.T) {
	c := newCluster(t, sim.Options{Seed: 9, Nodes: 4, Replicas: 3})
	lead := mustPut(t, c, 1, "k", "v")
	require.NoError(t, c.AddLearner(1, 4, multiraft.LogReplica, time.Second))
	ok, err := c.RunUntil(2*time.Second, func() bool {
		st, err := c.Status(lead, 1)
		return err == nil && st.Match[4] == st.LastIndex
	})
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4, Kind: multiraft.LogReplica}, time.Second))
	gone := otherThan(c, lead, 4)
	require.NoError(t, changeReplicas(c, 1, multiraft.ReplicaChange{Type: multiraft.RemoveReplica, Node: gone}, time.Second))
	c.Crash(gone)
	behind := otherThan(c, lead, gone, 4)

	c.Isolate(behind)
	for i := range 10 {
		got, _, err := c.ProposeToLeader(1, put(fmt.Sprint("k", i), "only on the leader and the log replica"), time.Second)
		require.NoError(t, err)
		require.Equal(t, lead, got)
	}
	c.Crash(lead)
	c.Heal()

	got, _, err := c.ProposeToLeader(1, put("after", "hand-off"), 5*time.Second)
	require.NoError(t, err)
	require.Equal(t, behind, got, "leadership must end on the full replica")
	require.Equal(t, "only on the leader and the log replica", c.Node(behind).KV(1).Get("k9"))
	require.True(t, slices.ContainsFunc(c.Trace(), func(l string) bool {
		return strings.Contains(l, "leader changed node=4 group=1 leader=4")
	}), "the log replica never led: the scenario did not need it")
}

// A leader that loses its leadership with proposals appended to its
// followers' logs but not yet known committed does not give them up as of
// unknown outcome: the next leader commits them, and the old leader, once
// it has applied that far as a follower, returns their results. Here the
// leader is cut off just after its followers appended the writes, before
// their acknowledgements reached it.
func TestProposalsOfADeposedLeaderReturnTheirResults(t *testing.T) {
	hit := 0
	for seed := uint64(1); seed <= 20; seed++ {
		c := newCluster(t, sim.Options{Seed: seed})
		lead := mustPut(t, c, 1, "k", "v")
		before, err := c.Status(lead, 1)
		require.NoError(t, err)
		const writes = 3
		want := before.LastIndex + writes
		errs := make([]error, writes)
		done := 0
		for i := range writes {
			c.Node(lead).Core.Propose(1, put(fmt.Sprint("w", i), "x"), func(_ any, err error) { errs[i] = err; done++ })
		}
		// Deliver until a follower holds the writes while the leader does
		// not know them committed.
		cut := false
		for range 200 {
			require.NoError(t, c.Step())
			st, err := c.Status(lead, 1)
			require.NoError(t, err)
			if st.Commit >= want || done > 0 {
				break // committed at the leader first: no window this seed
			}
			other := otherThan(c, lead)
			if fst, err := c.Status(other, 1); err == nil && fst.LastIndex >= want {
				c.Isolate(lead)
				cut = true
				break
			}
		}
		if !cut {
			continue
		}
		hit++
		ok, err := c.RunUntil(10*time.Second, func() bool { l := c.Leader(1); return l != 0 && l != lead })
		require.NoError(t, err)
		require.True(t, ok, "seed %d: no new leader", seed)
		c.Heal()
		ok, err = c.RunUntil(10*time.Second, func() bool { return done == writes })
		require.NoError(t, err)
		require.True(t, ok, "seed %d: the writes never completed", seed)
		for i, err := range errs {
			require.NoError(t, err, "seed %d: write %d", seed, i)
		}
	}
	require.Positive(t, hit, "no seed cut the leader off with the writes in flight")
	t.Logf("%d of 20 seeds cut the leader off with its writes in flight; every write returned its result", hit)
}
