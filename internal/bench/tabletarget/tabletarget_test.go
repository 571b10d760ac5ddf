package tabletarget

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/bench"
	"github.com/embeddynamo/dynamo/internal/db"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memoryCluster starts a three-node in-memory cluster for the test.
func memoryCluster(t *testing.T) *db.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := db.StartCluster(ctx, db.ClusterConfig{Seed: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c.Client()
}

func open(t *testing.T, client API, w bench.Workload, consistent bool) *Target {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	target, err := Open(ctx, client, Options{SortKey: w.ItemsPerPartition > 0, Consistent: consistent})
	require.NoError(t, err)
	require.NoError(t, target.Load(ctx, w, 4, 7))
	return target
}

func workload(t *testing.T, name string, records uint64) bench.Workload {
	t.Helper()
	w, err := bench.CoreWorkload(name)
	require.NoError(t, err)
	w.RecordCount = records
	w.ItemSize = 100
	return w
}

// The loaded records are the workload's keys, each with a value of the
// item size and version 1, and every operation answers as bench.Target
// says it must.
func TestOperationsOnALoadedTable(t *testing.T) {
	client := memoryCluster(t)
	ctx := context.Background()
	w := workload(t, "a", 60)
	target := open(t, client, w, true)

	for n := range w.RecordCount {
		out, err := client.GetItem(ctx, &api.GetItemInput{TableName: DefaultTable, Key: attr.Item{"pk": attr.S(w.KeyOf(n).Partition)}, ConsistentRead: true})
		require.NoError(t, err)
		require.NotNil(t, out.Item, "record %d", n)
		require.Len(t, out.Item["v"].S(), w.ItemSize)
		require.Equal(t, "1", out.Item["ver"].N())
	}

	value := []byte("0123456789")
	outcome, err := target.Read(ctx, w.KeyOf(3))
	require.NoError(t, err)
	require.Equal(t, bench.OK, outcome)
	outcome, err = target.Read(ctx, bench.Key{Partition: "absent"})
	require.NoError(t, err)
	require.Equal(t, bench.NotFound, outcome)

	outcome, err = target.Update(ctx, w.KeyOf(3), value)
	require.NoError(t, err)
	require.Equal(t, bench.OK, outcome)
	item := getItem(t, client, attr.Item{"pk": attr.S(w.KeyOf(3).Partition)})
	require.Equal(t, "0123456789", item["v"].S())
	require.Equal(t, "2", item["ver"].N())

	outcome, err = target.Insert(ctx, bench.Key{Partition: "new"}, value)
	require.NoError(t, err)
	require.Equal(t, bench.OK, outcome)
	require.Equal(t, "1", getItem(t, client, attr.Item{"pk": attr.S("new")})["ver"].N())

	outcome, err = target.ReadModifyWrite(ctx, w.KeyOf(3), []byte("rmw"))
	require.NoError(t, err)
	require.Equal(t, bench.OK, outcome)
	item = getItem(t, client, attr.Item{"pk": attr.S(w.KeyOf(3).Partition)})
	require.Equal(t, "rmw", item["v"].S())
	require.Equal(t, "3", item["ver"].N())
	outcome, err = target.ReadModifyWrite(ctx, bench.Key{Partition: "absent"}, value)
	require.NoError(t, err)
	require.Equal(t, bench.NotFound, outcome)

	// A scan from a record reads on in the table's order.
	outcome, err = target.Scan(ctx, w.KeyOf(0), 10)
	require.NoError(t, err)
	require.Equal(t, bench.OK, outcome)
	require.Zero(t, target.Throttled())
}

func getItem(t *testing.T, client API, key attr.Item) attr.Item {
	t.Helper()
	out, err := client.GetItem(context.Background(), &api.GetItemInput{TableName: DefaultTable, Key: key, ConsistentRead: true})
	require.NoError(t, err)
	require.NotNil(t, out.Item)
	return out.Item
}

// The ddb workload's table has a sort key; its scans are Queries within
// one partition key, empty past the partition's last sort key.
func TestQueriesWithinAPartitionKey(t *testing.T) {
	client := memoryCluster(t)
	ctx := context.Background()
	w := workload(t, "ddb", 30)
	target := open(t, client, w, false)

	first := w.KeyOf(0)
	item := getItem(t, client, attr.Item{"pk": attr.S(first.Partition), "sk": attr.S(first.Sort)})
	require.Len(t, item["v"].S(), w.ItemSize)
	outcome, err := target.Scan(ctx, first, 5)
	require.NoError(t, err)
	require.Equal(t, bench.OK, outcome)
	outcome, err = target.Scan(ctx, bench.Key{Partition: first.Partition, Sort: "zz"}, 5)
	require.NoError(t, err)
	require.Equal(t, bench.NotFound, outcome)

	_, err = target.Scan(ctx, first, 0)
	require.ErrorContains(t, err, "scan of 0 items")
	require.ErrorContains(t, target.Load(ctx, workload(t, "a", 10), 1, 1), "disagree on the sort key")
}

// A short closed-loop run of each workload against the cluster: every
// kind of operation is answered, none fails, and the mix is the workload's.
// Admission control may throttle some (an on-demand table starts with one
// partition, which takes 1,000 write units a second).
func TestWorkloadsRunAgainstTheCluster(t *testing.T) {
	client := memoryCluster(t)
	for _, name := range []string{"a", "e", "f", "ddb"} {
		t.Run(name, func(t *testing.T) {
			w := workload(t, name, 100)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			target, err := Open(ctx, client, Options{Table: "bench-" + name, SortKey: w.ItemsPerPartition > 0, Consistent: true,
				ThrottleBackoff: 5 * time.Millisecond})
			require.NoError(t, err)
			require.Equal(t, "bench-"+name, target.Table())
			require.NoError(t, target.Load(ctx, w, 4, 1))
			res, err := bench.Run(ctx, target, bench.Options{Workload: w, Concurrency: 4, Duration: 300 * time.Millisecond, Seed: 1})
			require.NoError(t, err)
			require.Positive(t, res.Operations)
			require.Zero(t, res.Errors, "errors: %v", res.ErrorSamples)
			require.Equal(t, res.Throttled, res.Operations-res.Answered)
			require.Positive(t, res.Goodput)
			for op, s := range res.Ops {
				require.Positive(t, s.Count, op)
				require.Positive(t, s.OK, op)
				require.GreaterOrEqual(t, s.P99Ms, s.P50Ms, op)
			}
			if name == "a" {
				require.Contains(t, res.Ops, "update")
				require.Zero(t, res.Ops["read"].NotFound, "every record was loaded and reads are consistent")
			}
		})
	}
}

// conflicting is an API whose conditional updates lose a race: another
// write to the item lands between the read and the write.
type conflicting struct {
	API
}

func (c conflicting) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	if in.ConditionExpression != "" {
		n := in.ExpressionAttributeValues[":read"].N()
		v, _ := strconv.Atoi(n)
		bump := &api.UpdateItemInput{TableName: in.TableName, Key: in.Key, UpdateExpression: "SET ver = :x",
			ExpressionAttributeValues: map[string]attr.Value{":x": attr.N(strconv.Itoa(v + 10))}}
		if _, err := c.API.UpdateItem(ctx, bump); err != nil {
			return nil, err
		}
	}
	return c.API.UpdateItem(ctx, in)
}

func TestReadModifyWriteThatLosesTheRaceFailsItsCondition(t *testing.T) {
	client := memoryCluster(t)
	w := workload(t, "f", 5)
	target := open(t, conflicting{client}, w, true)
	outcome, err := target.ReadModifyWrite(context.Background(), w.KeyOf(1), []byte("x"))
	require.NoError(t, err)
	require.Equal(t, bench.ConditionFailed, outcome)
	item := getItem(t, client, attr.Item{"pk": attr.S(w.KeyOf(1).Partition)})
	require.Equal(t, "11", item["ver"].N(), "the other write stands")
	require.NotEqual(t, "x", item["v"].S())
}

// throttling refuses every data-plane request as admission control does.
type throttling struct {
	API
	unprocessed bool
}

var errThrottled = &dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}

func (c *throttling) GetItem(context.Context, *api.GetItemInput) (*api.GetItemOutput, error) {
	return nil, errThrottled
}

func (c *throttling) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	if !c.unprocessed {
		// Once, everything comes back unprocessed.
		c.unprocessed = true
		return &api.BatchWriteItemOutput{UnprocessedItems: in.RequestItems}, nil
	}
	return c.API.BatchWriteItem(ctx, in)
}

func TestThrottlingIsCountedNotFailed(t *testing.T) {
	client := memoryCluster(t)
	w := workload(t, "c", 10)
	api := &throttling{API: client}
	target := open(t, api, w, false) // ten records: one batch, so one caller of the fake
	require.Equal(t, int64(1), target.Throttled(), "the unprocessed batch")
	outcome, err := target.Read(context.Background(), w.KeyOf(0))
	require.Equal(t, bench.Throttled, outcome)
	var throttled *dberr.ProvisionedThroughputExceededException
	require.True(t, errors.As(err, &throttled))
	require.Equal(t, int64(2), target.Throttled())

	// With a backoff, a throttled operation waits until ctx ends.
	target.backoff = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	outcome, err = target.Read(ctx, w.KeyOf(0))
	require.Equal(t, bench.Throttled, outcome)
	require.ErrorAs(t, err, &throttled)
	_, err = Open(ctx, api, Options{ThrottleBackoff: -time.Second})
	require.ErrorContains(t, err, "negative")
}
