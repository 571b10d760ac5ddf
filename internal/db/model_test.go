package db

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/refmodel"
	"github.com/embeddynamo/dynamo/internal/transport"
)

var (
	modelSeeds = flag.Int("db.modelseeds", 2, "seeds of the model-based cluster tests")
	modelDisk  = flag.Bool("db.modeldisk", false, "run TestClusterAgreesWithModelThroughFailures on disk (bbolt) instead of in memory")
)

// splitting is the cluster's client with partitions splitting under it:
// before every every-th operation it splits a partition of a random table
// at the storage key of one of its items, inside that item's collection.
// Splits change where items live, never what they are, so the reference
// model needs no part in them.
type splitting struct {
	*Client
	t      *testing.T
	rng    *rand.Rand
	tables []refmodel.TableSpec
	every  int
	ops    int
	splits int
	busy   int // splits refused while the partition moved a replica
	max    int
	// pause, when set, is slept (in simulated time) before every
	// operation, and fault is called with the operation's number.
	pause time.Duration
	fault func(op int)
}

// setup creates the run's tables (refmodel.RunConfig.Setup) and splits
// them from then on.
func (s *splitting) setup(ctx context.Context, tables []refmodel.TableSpec) error {
	if err := createSpecs(ctx, s.Client, tables); err != nil {
		return err
	}
	s.tables = tables
	return nil
}

// createSpecs creates the tables of a model run and waits until they are
// active.
func createSpecs(ctx context.Context, cl *Client, tables []refmodel.TableSpec) error {
	for _, spec := range tables {
		if _, err := cl.CreateTable(ctx, spec.CreateTableInput()); err != nil {
			return err
		}
		if err := cl.WaitForTable(ctx, spec.Name); err != nil {
			return err
		}
	}
	return nil
}

func (s *splitting) tick(ctx context.Context) {
	s.ops++
	if s.pause > 0 {
		time.Sleep(s.pause)
	}
	if s.fault != nil {
		s.fault(s.ops)
	}
	if s.ops%s.every != 0 || len(s.tables) == 0 {
		return
	}
	spec := s.tables[s.rng.IntN(len(s.tables))]
	rec, err := s.meta.Table(ctx, spec.Name)
	require.NoError(s.t, err)
	if len(rec.Partitions) >= s.max {
		return
	}
	out, err := s.Client.Scan(ctx, &api.ScanInput{TableName: spec.Name, ConsistentRead: true})
	require.NoError(s.t, err)
	if len(out.Items) == 0 {
		return
	}
	item := out.Items[s.rng.IntN(len(out.Items))]
	var sk attr.Value
	if spec.Schema.Sort != nil {
		sk = item[spec.Schema.Sort.Name]
	}
	key, err := keyenc.Key(rec.ID, item[spec.Schema.Partition.Name], sk)
	require.NoError(s.t, err)
	for _, p := range rec.Partitions {
		if p.Range.Contains(key) && string(p.Range.Start) != string(key) {
			var res meta.SplitPartitionOutput
			err := s.meta.Call(ctx, meta.OpSplitPartition, meta.SplitPartitionInput{TableName: spec.Name, Partition: p.ID, Key: key}, &res)
			var busy *dberr.ResourceInUseException
			if errors.As(err, &busy) {
				require.Contains(s.t, busy.Message, "is moving a replica")
				s.busy++
				return // a replica of it is moving: splits wait
			}
			require.NoError(s.t, err)
			s.splits++
			return
		}
	}
}

// note logs the bucket and resource behind a throttling error, and the
// cause behind an internal server error: the model has neither, so a run
// that meets one fails, and the log says why.
func (s *splitting) note(err error) {
	var on *dberr.ThrottlingException
	var prov *dberr.ProvisionedThroughputExceededException
	var internal *dberr.InternalServerError
	switch {
	case errors.As(err, &internal):
		s.t.Logf("op %d: internal server error: %v", s.ops, internal.Err)
	case errors.As(err, &on):
		s.t.Logf("op %d throttled: reason %v, resource %q, retry after %v", s.ops, on.Reason, on.Resource, on.RetryAfter)
	case errors.As(err, &prov):
		s.t.Logf("op %d throttled: reason %v, resource %q, retry after %v", s.ops, prov.Reason, prov.Resource, prov.RetryAfter)
	}
}

func (s *splitting) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	s.tick(ctx)
	out, err := s.Client.PutItem(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	s.tick(ctx)
	out, err := s.Client.GetItem(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	s.tick(ctx)
	out, err := s.Client.UpdateItem(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	s.tick(ctx)
	out, err := s.Client.DeleteItem(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	s.tick(ctx)
	out, err := s.Client.Query(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	s.tick(ctx)
	out, err := s.Client.Scan(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	s.tick(ctx)
	out, err := s.Client.BatchGetItem(ctx, in)
	s.note(err)
	return out, err
}

func (s *splitting) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	s.tick(ctx)
	out, err := s.Client.BatchWriteItem(ctx, in)
	s.note(err)
	return out, err
}

// Thousands of random operations (every operation of the data plane, with
// random conditions, updates, projections, filters, pages and batches) on a
// three-node cluster agree, one by one, with the reference model, while the
// tables' partitions split at keys inside item collections. More seeds:
// -db.modelseeds=N.
func TestClusterAgreesWithModelThroughSplits(t *testing.T) {
	for seed := int64(1); seed <= int64(*modelSeeds); seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			c := startCluster(t, ClusterConfig{Seed: uint64(seed)})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			sut := &splitting{Client: c.Client(), t: t, rng: rand.New(rand.NewPCG(uint64(seed), 7)), every: 40, max: 12}
			refmodel.Run(t, refmodel.RunConfig{Seed: seed, Ops: 2000, SUT: sut, Context: ctx,
				Gen:   refmodel.GenConfig{LargeItemPercent: -1},
				Setup: sut.setup})
			require.Greater(t, sut.splits, 10, "the run split partitions")
			t.Logf("seed %d: 2000 operations agreed through %d splits", seed, sut.splits)
		})
	}
}

// The same, in simulated time on five nodes in three zones, while nodes die
// for long enough to be replaced (log replica, full replica, catalog) and
// come back (reconciled, rebalanced onto), and others go down for a few
// seconds only (back before they are declared dead): partitions split, heal
// and move under the operations, and every operation must still agree with
// the model. -db.modeldisk runs it on bbolt. On a failure the cluster's
// state, events and log are written to a file named in the test's output.
func TestClusterAgreesWithModelThroughFailures(t *testing.T) {
	for seed := int64(1); seed <= int64(*modelSeeds); seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testModelThroughFailures(t, seed) })
		})
	}
}

func testModelThroughFailures(t *testing.T, seed int64) {
	logs := &syncBuffer{}
	cfg := ClusterConfig{Nodes: 5, Zones: 3, Seed: uint64(seed),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if *modelDisk {
		cfg.Dir = t.TempDir()
	}
	c := startCluster(t, cfg)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	var down transport.NodeID
	deaths, outages := 0, 0
	sut := &splitting{Client: c.Client(), t: t, rng: rand.New(rand.NewPCG(uint64(seed), 7)), every: 40, max: 12,
		pause: 60 * time.Millisecond, // 250 operations: 15 s, past the 10 s liveness timeout
		fault: func(op int) {
			switch op % 500 {
			case 100:
				// Any node but node 3, alone in zone-3.
				down = []transport.NodeID{1, 2, 4, 5}[rng.IntN(4)]
				require.NoError(t, c.Crash(down))
				deaths++
			case 350:
				require.NoError(t, c.Restart(ctx, down))
				down = 0
			case 400:
				// A short outage (4.2 s): back before it is declared
				// dead, its replicas kept.
				down = []transport.NodeID{1, 2, 4, 5}[rng.IntN(4)]
				require.NoError(t, c.Crash(down))
				outages++
			case 470:
				require.NoError(t, c.Restart(ctx, down))
				down = 0
			}
		}}
	dumpOnFailure(t, c, logs, func() []refmodel.TableSpec { return sut.tables })
	refmodel.Run(t, refmodel.RunConfig{Seed: seed, Ops: 2000, SUT: sut, Context: ctx,
		Gen:   refmodel.GenConfig{LargeItemPercent: -1},
		Setup: sut.setup})
	heals, moves := 0, 0
	for _, ev := range mustEvents(ctx, t, c.Client()) {
		switch {
		case ev.Kind == "heal" && strings.HasPrefix(ev.What, "replaced"):
			heals++
		case ev.Kind == "rebalance" && strings.HasPrefix(ev.What, "moved"):
			moves++
		}
	}
	require.Positive(t, heals, "the run healed replicas")
	t.Logf("seed %d: 2000 operations agreed through %d splits (%d more refused while a replica moved), %d node deaths, %d short outages, %d replicas healed and %d moved (simulated time)", seed, sut.splits, sut.busy, deaths, outages, heals, moves)
}

// Tables grow by splits for size while the reference model watches: under
// the generator's writes and queries every table's partitions split at
// their byte medians, many times, and every operation still agrees with
// the model. The control plane's events say what it split and why.
func TestSizeSplitsAgreeWithModel(t *testing.T) {
	c := startCluster(t, ClusterConfig{Seed: 3, SplitSize: 256, SplitCheckInterval: 20 * time.Millisecond})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var tables []refmodel.TableSpec
	refmodel.Run(t, refmodel.RunConfig{Seed: 3, Ops: 6000, SUT: cl, Context: ctx,
		Gen: refmodel.GenConfig{LargeItemPercent: -1},
		Setup: func(ctx context.Context, specs []refmodel.TableSpec) error {
			tables = specs
			return createSpecs(ctx, cl, specs)
		}})
	most := 0
	for _, spec := range tables {
		rec, err := cl.meta.Table(ctx, spec.Name)
		require.NoError(t, err)
		t.Logf("table %s: %d partitions", spec.Name, len(rec.Partitions))
		most = max(most, len(rec.Partitions))
	}
	require.GreaterOrEqual(t, most, 16, "a table grew from 1 partition to at least 16 by size")
	splits := 0
	for _, ev := range mustEvents(ctx, t, cl) {
		if ev.Kind == "split" && ev.Outcome != "refused" {
			splits++
			require.Contains(t, ev.Why, "above the split size of 256 bytes")
		}
	}
	require.GreaterOrEqual(t, splits, 15)
	t.Logf("%d splits for size, every operation agreed with the model", splits)
}

func mustEvents(ctx context.Context, t *testing.T, cl *Client) []meta.Event {
	t.Helper()
	events, err := cl.Events(ctx)
	require.NoError(t, err)
	return events
}

// dumpOnFailure writes, when t fails, every table's partitions as the
// catalog and each node's replica see them, the control plane's events and
// the cluster's log to a file, and names it: what a divergence needs to be
// explained.
func dumpOnFailure(t *testing.T, c *Cluster, logs *syncBuffer, tables func() []refmodel.TableSpec) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		var b strings.Builder
		ctx := context.Background()
		cl := c.Client()
		for _, spec := range tables() {
			rec, err := cl.meta.Table(ctx, spec.Name)
			if err != nil {
				continue
			}
			for _, p := range rec.Partitions {
				fmt.Fprintf(&b, "%s partition %d [%x, %x): catalog %v\n", spec.Name, p.ID, p.Range.Start, p.Range.End, p.Replicas)
				for _, n := range c.Nodes() {
					st, err := n.Status(p.ID)
					if err != nil {
						continue
					}
					items := "no full replica"
					if r, err := n.Partition(p.ID); err == nil {
						m := r.Meta()
						items = fmt.Sprintf("[%x, %x) %d items applied %d", m.Range.Start, m.Range.End, m.Items, m.AppliedIndex)
					}
					fmt.Fprintf(&b, "  node %d: %s; leader %d term %d applied %d members %+v\n", n.ID(), items, st.Leader, st.Term, st.Applied, st.Replicas)
				}
			}
		}
		if evs, err := cl.Events(ctx); err == nil {
			for _, ev := range evs {
				fmt.Fprintf(&b, "event %s %s %s partition %d: %s | %s | %s\n", ev.Time.Format("15:04:05.000"), ev.Kind, ev.Table, ev.Partition, ev.What, ev.Why, ev.Outcome)
			}
		}
		b.WriteString(logs.String())
		name := filepath.Join(os.TempDir(), strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+".log")
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err == nil {
			t.Logf("cluster state and log written to %s", name)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (a log
// handler's).
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
