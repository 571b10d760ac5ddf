package dynamo_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/embeddynamo/dynamo"
)

// A host program keeps its own key-value shards and asks where to split
// them: a shard whose reads spread over many users splits at the load
// median; one whose reads pile onto a single user does not, nor one whose
// writes append to an ever-growing counter key; a shard grown past its
// split size splits at the byte median. Times are simulated and the
// sampler is seeded, so the run is deterministic.
func Example_split() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	shard := dynamo.SplitRange{Start: []byte("user#"), End: []byte("user$")}
	reads := dynamo.PartitionConsumption{Consumed: 2800, Limit: 3000, For: 10 * time.Minute}

	writes := dynamo.PartitionConsumption{Consumed: 900, Limit: 1000, For: 10 * time.Minute}

	record := func(pattern string) (*dynamo.LoadSampler, time.Time) {
		sampler, err := dynamo.NewLoadSampler(dynamo.LoadSamplerOptions{HalfLife: time.Minute, Seed: 1}, start)
		if err != nil {
			panic(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		now := start
		for i := range 60_000 {
			now = start.Add(time.Duration(i) * time.Millisecond)
			switch user := rng.IntN(1000); pattern {
			case "spread":
				sampler.RecordRead(fmt.Appendf(nil, "user#%04d", user), 1, now)
			case "hot user":
				if rng.IntN(4) != 0 {
					user = 42
				}
				sampler.RecordRead(fmt.Appendf(nil, "user#%04d", user), 1, now)
			case "append":
				sampler.RecordWrite(fmt.Appendf(nil, "user#event#%08d", i), 1, now)
			}
		}
		return sampler, now
	}

	for _, pattern := range []string{"spread", "hot user", "append"} {
		sampler, now := record(pattern)
		d, err := dynamo.DecideConsumptionSplit(dynamo.ConsumptionSplitInput{
			Range:  shard,
			Load:   sampler.Load(now),
			Reads:  reads,
			Writes: writes,
		}, dynamo.SplitPolicy{})
		if err != nil {
			panic(err)
		}
		switch d.Reason {
		case dynamo.SplitForLoad:
			fmt.Printf("%s: split at %s, left %.0f%% of the load\n", pattern, d.Key, 100*d.Left/(d.Left+d.Right))
		case dynamo.NoSplitHotKey:
			fmt.Printf("%s: no split, %s holds %.0f%% of the load\n", pattern, d.HotKey, 100*d.HotKeyShare)
		default:
			fmt.Printf("%s: no split (%s), %.0f%% of the load on a new edge\n", pattern, d.Reason, 100*d.EdgeShare)
		}
	}

	// Size: 12 GiB over four users, above the 10 GiB default.
	d, err := dynamo.DecideSizeSplit(dynamo.SizeSplitInput{
		Range: shard,
		Samples: []dynamo.SizeSample{
			{Key: []byte("user#0001"), Bytes: 2 << 30},
			{Key: []byte("user#0002"), Bytes: 3 << 30},
			{Key: []byte("user#0003"), Bytes: 5 << 30},
			{Key: []byte("user#0004"), Bytes: 2 << 30},
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("split at %s (%s): %.0f GiB left, %.0f GiB right\n", d.Key, d.Reason, d.Left/(1<<30), d.Right/(1<<30))
	// Output:
	// spread: split at user#0495, left 50% of the load
	// hot user: no split, user#0042 holds 75% of the load
	// append: no split (sequential keys), 100% of the load on a new edge
	// split at user#0003 (size): 5 GiB left, 7 GiB right
}
