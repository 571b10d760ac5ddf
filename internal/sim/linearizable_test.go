package sim_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/sim"
)

var (
	seedFlag  = flag.Uint64("seed", 0, "run only this simulation seed")
	seedsFlag = flag.Int("sim.seeds", 200, "number of simulation seeds to run")
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func seeds() []uint64 {
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	n := *seedsFlag
	if raceEnabled && !flagSet("sim.seeds") {
		n = 20
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func replay(name string, seed uint64) string {
	return fmt.Sprintf("replay: go test ./internal/sim -run '^%s$' -seed=%d -v", name, seed)
}

func checkLinearizable(t *testing.T, name string, seed uint64, mode multiraft.ReadMode) *sim.ChaosResult {
	t.Helper()
	res, err := sim.RunChaos(sim.ChaosOptions{Seed: seed, ReadMode: mode})
	require.NoError(t, err, replay(name, seed))
	result, info := porcupine.CheckOperationsVerbose(sim.KVModel, res.History, 10*time.Second)
	if result != porcupine.Ok {
		path := fmt.Sprintf("%s/porcupine-%s-%d.html", os.TempDir(), name, seed)
		if f, err := os.Create(path); err == nil {
			_ = porcupine.Visualize(sim.KVModel, info, f)
			_ = f.Close()
		}
		t.Fatalf("seed %d: history not linearizable (%v, %d ops; visualization %s)\n%s\ntrace tail:\n%s",
			seed, result, len(res.History), path, replay(name, seed), tail(res.Trace, 40))
	}
	return res
}

func tail(lines []string, n int) string {
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestLinearizable(t *testing.T) {
	completed, faults := 0, 0
	for _, seed := range seeds() {
		res := checkLinearizable(t, "TestLinearizable", seed, multiraft.ReadIndex)
		completed += res.Completed
		faults += res.Faults
	}
	t.Logf("%d seeds, %d operations completed, %d faults injected", len(seeds()), completed, faults)
	require.Positive(t, completed)
	require.Positive(t, faults)
}

// TestLinearizableLeaseReads runs the same sweep with leader-lease reads.
// The simulated nodes tick at exactly the same rate, the assumption (bounded
// clock drift) that leases rest on.
func TestLinearizableLeaseReads(t *testing.T) {
	completed, leaseReads := 0, uint64(0)
	for _, seed := range seeds() {
		res := checkLinearizable(t, "TestLinearizableLeaseReads", seed, multiraft.LeaseRead)
		completed += res.Completed
		leaseReads += res.LeaseReads
	}
	t.Logf("%d operations completed, at least %d reads served under lease", completed, leaseReads)
	require.Positive(t, completed)
	require.Positive(t, leaseReads, "no read was served under a lease: the mode was not exercised")
}

func TestSimulationIsDeterministic(t *testing.T) {
	for _, seed := range []uint64{7, 42} {
		opts := sim.ChaosOptions{Seed: seed, Membership: seed == 42}
		a, err := sim.RunChaos(opts)
		require.NoError(t, err, replay("TestSimulationIsDeterministic", seed))
		b, err := sim.RunChaos(opts)
		require.NoError(t, err, replay("TestSimulationIsDeterministic", seed))
		require.NotEmpty(t, a.Trace)
		require.Equal(t, a.Trace, b.Trace, "seed %d: two runs diverged", seed)
		require.Equal(t, a.Digest, b.Digest)
	}
	a, err := sim.RunChaos(sim.ChaosOptions{Seed: 1})
	require.NoError(t, err)
	b, err := sim.RunChaos(sim.ChaosOptions{Seed: 2})
	require.NoError(t, err)
	require.NotEqual(t, a.Trace, b.Trace, "different seeds must explore different schedules")
}

// TestLinearizableWithMembershipChanges adds a fourth node and keeps
// changing each group's membership (learners added on nodes that were
// members before, promoted, voters removed) under the same faults.
func TestLinearizableWithMembershipChanges(t *testing.T) {
	completed, changes := 0, 0
	for _, seed := range seeds() {
		res, err := sim.RunChaos(sim.ChaosOptions{Seed: seed, Membership: true})
		require.NoError(t, err, replay("TestLinearizableWithMembershipChanges", seed))
		result, _ := porcupine.CheckOperationsVerbose(sim.KVModel, res.History, 10*time.Second)
		require.Equal(t, porcupine.Ok, result, "seed %d: history not linearizable\n%s", seed, replay("TestLinearizableWithMembershipChanges", seed))
		completed += res.Completed
		for _, l := range res.Trace {
			if strings.Contains(l, "membership group") && strings.HasSuffix(l, "<nil>") {
				changes++
			}
		}
	}
	t.Logf("%d operations completed, %d membership changes applied", completed, changes)
	require.Positive(t, changes)
}
