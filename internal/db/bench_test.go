package db_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/db"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// The benchmarks' table and data set.
const (
	benchTable = "bench"
	// benchItemSize is the size of every item, as DynamoDB counts it: one
	// write unit.
	benchItemSize = 1024
	// benchGetItems items are read by GetItem, one per partition key.
	benchGetItems = 1000
	// benchQueryItems items share the partition key the Query reads.
	benchQueryItems = 1000
	// benchQueryPage is the items in one Query page.
	benchQueryPage = 100
	// benchGoroutines send requests at once.
	benchGoroutines = 64
)

var benchMetered = flag.Bool("db.metered", false,
	"BenchmarkCluster with admission control on (the table on demand: each partition capped at 3,000 RCU and 1,000 WCU, as in DynamoDB); off by default, to measure the engine")

// BenchmarkCluster measures a 3-node cluster in 3 zones with a write-ahead
// log and a bbolt file per node on disk (the test's temporary directory),
// through its Client, from 64 goroutines: PutItem of new 1 KB items,
// GetItem strongly and eventually consistent, and Query pages of 100 items.
// Each reports operations per second and the p50 and p99 latencies (ms),
// recorded in HdrHistograms. The cluster and its data are set up once for
// the sub-benchmarks.
func BenchmarkCluster(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cluster, err := db.StartCluster(ctx, db.ClusterConfig{Nodes: 3, Zones: 3, Dir: b.TempDir(), Seed: 1, Unmetered: !*benchMetered})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := cluster.Close(); err != nil {
			b.Error(err)
		}
	})
	client := cluster.Client()
	setupBenchTable(ctx, b, client)

	var putSeq atomic.Int64
	b.Run("PutItem", func(b *testing.B) {
		runParallel(b, func(ctx context.Context, _ *rand.Rand) error {
			n := putSeq.Add(1)
			_, err := client.PutItem(ctx, &api.PutItemInput{TableName: benchTable,
				Item: benchItem(fmt.Sprintf("put%d", n%1000), n)})
			return err
		})
	})
	for _, consistent := range []bool{true, false} {
		name := "GetItem/eventual"
		if consistent {
			name = "GetItem/strong"
		}
		b.Run(name, func(b *testing.B) {
			runParallel(b, func(ctx context.Context, r *rand.Rand) error {
				n := r.IntN(benchGetItems)
				out, err := client.GetItem(ctx, &api.GetItemInput{TableName: benchTable, ConsistentRead: consistent,
					Key: attr.Item{"pk": attr.S("get" + strconv.Itoa(n)), "sk": attr.N("0")}})
				if err == nil && out.Item == nil {
					err = fmt.Errorf("item get%d not found", n)
				}
				return err
			})
		})
	}
	b.Run("Query/100", func(b *testing.B) {
		limit := int32(benchQueryPage)
		runParallel(b, func(ctx context.Context, r *rand.Rand) error {
			from := r.IntN(benchQueryItems - benchQueryPage + 1)
			out, err := client.Query(ctx, &api.QueryInput{TableName: benchTable, Limit: &limit,
				KeyConditionExpression:    "pk = :p AND sk >= :s",
				ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("query"), ":s": attr.N(strconv.Itoa(from))}})
			if err == nil && out.Count != limit {
				err = fmt.Errorf("query from %d: %d items, want %d", from, out.Count, limit)
			}
			return err
		})
	})
}

// benchItem returns an item of benchItemSize bytes.
func benchItem(pk string, sk int64) attr.Item {
	item := attr.Item{"pk": attr.S(pk), "sk": attr.N(strconv.FormatInt(sk, 10)), "v": attr.S("")}
	item["v"] = attr.S(strings.Repeat("x", benchItemSize-itemcheck.Size(item)))
	return item
}

// setupBenchTable creates the table and writes the items GetItem and Query
// read, with BatchWriteItem.
func setupBenchTable(ctx context.Context, b *testing.B, client *db.Client) {
	b.Helper()
	_, err := client.CreateTable(ctx, &catalog.CreateTableInput{
		TableName: benchTable,
		KeySchema: []catalog.KeySchemaElement{
			{AttributeName: "pk", KeyType: catalog.KeyTypeHash},
			{AttributeName: "sk", KeyType: catalog.KeyTypeRange},
		},
		AttributeDefinitions: []catalog.AttributeDefinition{
			{AttributeName: "pk", AttributeType: catalog.ScalarAttributeTypeS},
			{AttributeName: "sk", AttributeType: catalog.ScalarAttributeTypeN},
		},
		BillingMode: catalog.BillingModePayPerRequest,
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := client.WaitForTable(ctx, benchTable); err != nil {
		b.Fatal(err)
	}
	var items []attr.Item
	for n := range benchGetItems {
		items = append(items, benchItem("get"+strconv.Itoa(n), 0))
	}
	for n := range benchQueryItems {
		items = append(items, benchItem("query", int64(n)))
	}
	batches := make(chan []attr.Item)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for range 16 {
		wg.Go(func() {
			for batch := range batches {
				if err := writeBatch(ctx, client, batch); err != nil {
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	for len(items) > 0 {
		n := min(25, len(items))
		batches <- items[:n]
		items = items[n:]
	}
	close(batches)
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
}

// writeBatch writes items with BatchWriteItem until none is unprocessed.
func writeBatch(ctx context.Context, client *db.Client, items []attr.Item) error {
	writes := make([]api.WriteRequest, len(items))
	for i, item := range items {
		writes[i] = api.WriteRequest{PutRequest: &api.PutRequest{Item: item}}
	}
	for attempt := 0; len(writes) > 0; attempt++ {
		if attempt == 20 {
			return fmt.Errorf("%d writes unprocessed after %d attempts", len(writes), attempt)
		}
		out, err := client.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{benchTable: writes}})
		if err != nil {
			wait, ok := throttleRetry(err, attempt)
			if !ok {
				return err
			}
			time.Sleep(wait)
			continue
		}
		if writes = out.UnprocessedItems[benchTable]; len(writes) > 0 {
			time.Sleep(min(time.Millisecond<<attempt, 100*time.Millisecond))
		}
	}
	return nil
}

// throttleRetry returns how long to wait before sending again a request
// that admission control refused (as the AWS SDKs do, after the service's
// hint or a backoff from attempt), and false for any other error.
func throttleRetry(err error, attempt int) (time.Duration, bool) {
	backoff := min(time.Millisecond<<attempt, 100*time.Millisecond)
	var pte *dberr.ProvisionedThroughputExceededException
	if errors.As(err, &pte) {
		return max(pte.RetryAfter, backoff), true
	}
	var te *dberr.ThrottlingException
	if errors.As(err, &te) {
		return max(te.RetryAfter, backoff), true
	}
	return 0, false
}

// runParallel runs op b.N times from benchGoroutines goroutines, each with
// its own random source and latency histogram, and reports operations per
// second, the p50 and p99 latencies in milliseconds (from the first send:
// an operation admission control refused is sent again after a backoff, as
// a DynamoDB client does, and its waits count) and the refusals per
// operation.
func runParallel(b *testing.B, op func(ctx context.Context, r *rand.Rand) error) {
	ctx := context.Background()
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((benchGoroutines + procs - 1) / procs)
	var mu sync.Mutex
	all := hdrhistogram.New(1, 60_000_000, 3) // µs, 1 µs to 60 s
	var seed atomic.Uint64
	var throttled atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(seed.Add(1), 7))
		h := hdrhistogram.New(1, 60_000_000, 3)
		for pb.Next() {
			start := time.Now()
			for attempt := 0; ; attempt++ {
				err := op(ctx, r)
				if err == nil {
					break
				}
				wait, ok := throttleRetry(err, attempt)
				if !ok {
					b.Error(err)
					return
				}
				throttled.Add(1)
				time.Sleep(wait)
			}
			_ = h.RecordValue(min(max(time.Since(start).Microseconds(), 1), 60_000_000))
		}
		mu.Lock()
		all.Merge(h)
		mu.Unlock()
	})
	b.StopTimer()
	if elapsed := b.Elapsed(); elapsed > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	}
	b.ReportMetric(float64(all.ValueAtQuantile(50))/1000, "p50-ms")
	b.ReportMetric(float64(all.ValueAtQuantile(99))/1000, "p99-ms")
	b.ReportMetric(float64(seed.Load()), "goroutines")
	b.ReportMetric(float64(throttled.Load())/float64(b.N), "throttled/op")
}
