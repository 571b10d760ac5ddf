// Package tabletarget is the benchmark target that drives a dynamo table
// through DynamoDB's API: the in-process cluster's Client (memory or disk),
// or any other implementation of API, such as the AWS SDK for Go v2 talking
// to the HTTP endpoint (NewSDKAPI).
//
// Open creates the table (or reuses one of the same name): a partition key
// "pk" of type S and, for a workload whose records have sort keys (ddb), a
// sort key "sk" of type S. An item is its key, a string attribute "v" of the
// workload's item size and a number attribute "ver" counting its writes.
// Load writes the workload's records with BatchWriteItem, 25 to a request,
// sending unprocessed items again. The operations map as bench.Target says:
//
//	Read             GetItem (ConsistentRead from Options.Consistent)
//	Update           UpdateItem "SET #v = :v, #ver = if_not_exists(#ver, :zero) + :one"
//	Insert           PutItem
//	Scan             with a sort key: Query "#pk = :pk AND #sk >= :sk" with Limit;
//	                 without: Scan pages from ExclusiveStartKey start, with
//	                 Limit, until limit items were read or the table ends
//	ReadModifyWrite  GetItem, then UpdateItem with ConditionExpression "#ver = :read"
//
// ProvisionedThroughputExceededException, ThrottlingException and
// RequestLimitExceeded are bench.Throttled; ConditionalCheckFailedException
// is bench.ConditionFailed. Throttled counts them all, load included.
package tabletarget

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/bench"
	"github.com/embeddynamo/dynamo/internal/catalog"
)

// API is the part of DynamoDB's API the target uses. The cluster's Client
// (internal/db.Client, dynamo.Client) implements it.
type API interface {
	CreateTable(ctx context.Context, in *catalog.CreateTableInput) (*catalog.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *catalog.DescribeTableInput) (*catalog.DescribeTableOutput, error)
	PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error)
	GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error)
	Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error)
	Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error)
	BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error)
}

// The item's attribute names.
const (
	attrPartition = "pk"
	attrSort      = "sk"
	attrValue     = "v"
	attrVersion   = "ver"
)

// DefaultTable is the table's name when Options.Table is empty.
const DefaultTable = "usertable"

// Options configure Open.
type Options struct {
	// Table is the table's name. Default DefaultTable (YCSB's).
	Table string
	// SortKey gives the table a sort key "sk" (S) besides the partition
	// key; set it for a workload whose records have sort keys
	// (bench.Workload.ItemsPerPartition > 0).
	SortKey bool
	// Consistent makes reads, and the read of a read-modify-write,
	// strongly consistent.
	Consistent bool
	// ReadUnits and WriteUnits, when either is above zero, create a
	// PROVISIONED table with that capacity (which also sets its initial
	// partition count). Zero: PAY_PER_REQUEST.
	ReadUnits, WriteUnits int64
	// TableTimeout bounds the wait for the table to become ACTIVE.
	// Default 60 s.
	TableTimeout time.Duration
	// ThrottleBackoff, when above zero, is how long an operation that was
	// throttled waits before it returns, as a client backs off before its
	// next request. Zero returns at once: a closed loop then sends again
	// at once, and an in-process cluster spends its CPU refusing requests.
	ThrottleBackoff time.Duration
}

// Target runs the workloads' operations as DynamoDB requests against one
// table. Its methods are safe for concurrent use.
type Target struct {
	api        API
	table      string
	sortKey    bool
	consistent bool
	backoff    time.Duration
	throttled  atomic.Int64
}

var _ bench.Target = (*Target)(nil)

// Open creates the table, or finds an existing one of the same name, and
// waits until it is ACTIVE.
func Open(ctx context.Context, client API, opts Options) (*Target, error) {
	if client == nil {
		return nil, errors.New("tabletarget: no API client")
	}
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	if opts.TableTimeout == 0 {
		opts.TableTimeout = time.Minute
	}
	if opts.ReadUnits < 0 || opts.WriteUnits < 0 {
		return nil, fmt.Errorf("tabletarget: capacity %d RCU, %d WCU is negative", opts.ReadUnits, opts.WriteUnits)
	}
	if opts.ThrottleBackoff < 0 {
		return nil, fmt.Errorf("tabletarget: throttle backoff %v is negative", opts.ThrottleBackoff)
	}
	t := &Target{api: client, table: opts.Table, sortKey: opts.SortKey, consistent: opts.Consistent, backoff: opts.ThrottleBackoff}
	in := &catalog.CreateTableInput{
		TableName:            opts.Table,
		KeySchema:            []catalog.KeySchemaElement{{AttributeName: attrPartition, KeyType: catalog.KeyTypeHash}},
		AttributeDefinitions: []catalog.AttributeDefinition{{AttributeName: attrPartition, AttributeType: catalog.ScalarAttributeTypeS}},
		BillingMode:          catalog.BillingModePayPerRequest,
	}
	if opts.SortKey {
		in.KeySchema = append(in.KeySchema, catalog.KeySchemaElement{AttributeName: attrSort, KeyType: catalog.KeyTypeRange})
		in.AttributeDefinitions = append(in.AttributeDefinitions, catalog.AttributeDefinition{AttributeName: attrSort, AttributeType: catalog.ScalarAttributeTypeS})
	}
	if opts.ReadUnits > 0 || opts.WriteUnits > 0 {
		rcu, wcu := max(opts.ReadUnits, 1), max(opts.WriteUnits, 1)
		in.BillingMode = catalog.BillingModeProvisioned
		in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: &rcu, WriteCapacityUnits: &wcu}
	}
	if _, err := client.CreateTable(ctx, in); err != nil && errorCode(err) != "ResourceInUseException" {
		return nil, fmt.Errorf("tabletarget: create table %s: %w", opts.Table, err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, opts.TableTimeout)
	defer cancel()
	if err := t.waitActive(waitCtx); err != nil {
		return nil, err
	}
	return t, nil
}

// waitActive polls DescribeTable until the table is ACTIVE.
func (t *Target) waitActive(ctx context.Context) error {
	delay := 10 * time.Millisecond
	for {
		out, err := t.api.DescribeTable(ctx, &catalog.DescribeTableInput{TableName: t.table})
		switch {
		case err == nil && out.Table != nil && out.Table.TableStatus == catalog.TableStatusActive:
			return nil
		case err != nil && errorCode(err) != "ResourceNotFoundException":
			return fmt.Errorf("tabletarget: describe table %s: %w", t.table, err)
		}
		if err := sleep(ctx, delay); err != nil {
			return fmt.Errorf("tabletarget: table %s not active: %w", t.table, err)
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Table returns the table's name.
func (t *Target) Table() string { return t.table }

// Throttled returns how many requests the service refused for lack of
// capacity so far, the load's BatchWriteItem requests with unprocessed
// items included.
func (t *Target) Throttled() int64 { return t.throttled.Load() }

// batchSize is BatchWriteItem's most writes in one request.
const batchSize = 25

// loadAttempts bounds how many times Load sends one batch's unprocessed
// writes (or the whole batch after a retryable error).
const loadAttempts = 50

// Load writes the workload's records with BatchWriteItem from concurrency
// workers, values filled from seed as bench.Load fills them. Unprocessed
// items (throttling) are sent again after a backoff.
func (t *Target) Load(ctx context.Context, w bench.Workload, concurrency int, seed uint64) error {
	if err := w.Validate(); err != nil {
		return err
	}
	if (w.ItemsPerPartition > 0) != t.sortKey {
		return fmt.Errorf("tabletarget: workload %q and table %s disagree on the sort key", w.Name, t.table)
	}
	batches := (w.RecordCount + batchSize - 1) / batchSize
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Uint64
	var wg sync.WaitGroup
	for i := range max(concurrency, 1) {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(i)^0x10ad))
			value := make([]byte, w.ItemSize)
			for ctx.Err() == nil {
				b := next.Add(1) - 1
				if b >= batches {
					return
				}
				var writes []api.WriteRequest
				for n := b * batchSize; n < min((b+1)*batchSize, w.RecordCount); n++ {
					bench.Fill(r, value)
					writes = append(writes, api.WriteRequest{PutRequest: &api.PutRequest{Item: t.item(w.KeyOf(n), value, 1)}})
				}
				if err := t.writeBatch(ctx, writes); err != nil {
					cancel(fmt.Errorf("tabletarget: load records %d to %d: %w", b*batchSize, b*batchSize+uint64(len(writes))-1, err))
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// writeBatch sends writes until every one is processed.
func (t *Target) writeBatch(ctx context.Context, writes []api.WriteRequest) error {
	delay := 5 * time.Millisecond
	var err error
	for range loadAttempts {
		var out *api.BatchWriteItemOutput
		out, err = t.api.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{t.table: writes}})
		switch {
		case err == nil && len(out.UnprocessedItems[t.table]) == 0:
			return nil
		case err == nil:
			t.throttled.Add(1)
			writes = out.UnprocessedItems[t.table]
		case classify(err) == bench.Throttled:
			t.throttled.Add(1)
		case ctx.Err() != nil:
			return err
		}
		// Other errors (a leader change) are sent again too: a put
		// applied twice leaves the same item.
		if serr := sleep(ctx, delay); serr != nil {
			return serr
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
	if err == nil {
		err = fmt.Errorf("%d writes still unprocessed", len(writes))
	}
	return fmt.Errorf("after %d attempts: %w", loadAttempts, err)
}

// key returns the item key of k.
func (t *Target) key(k bench.Key) attr.Item {
	item := attr.Item{attrPartition: attr.S(k.Partition)}
	if t.sortKey {
		item[attrSort] = attr.S(k.Sort)
	}
	return item
}

// item returns the whole item under k.
func (t *Target) item(k bench.Key, value []byte, version uint64) attr.Item {
	item := t.key(k)
	item[attrValue] = attr.S(string(value))
	item[attrVersion] = attr.N(strconv.FormatUint(version, 10))
	return item
}

// errorCode returns the DynamoDB exception name err carries (both this
// project's exceptions and the AWS SDK's errors have an ErrorCode method),
// or "".
func errorCode(err error) string {
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return coded.ErrorCode()
	}
	return ""
}

// classify maps a request's error to an outcome.
func classify(err error) bench.Outcome {
	switch errorCode(err) {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded":
		return bench.Throttled
	case "ConditionalCheckFailedException":
		return bench.ConditionFailed
	}
	return bench.Error
}

// failed turns a request's error into the operation's outcome, after the
// backoff if it was throttled.
func (t *Target) failed(ctx context.Context, op string, err error) (bench.Outcome, error) {
	outcome := classify(err)
	switch outcome {
	case bench.ConditionFailed:
		return outcome, nil
	case bench.Throttled:
		t.throttled.Add(1)
		if t.backoff > 0 {
			_ = sleep(ctx, t.backoff) // cut short when the run ends
		}
	}
	return outcome, fmt.Errorf("tabletarget: %s: %w", op, err)
}

// Read is GetItem.
func (t *Target) Read(ctx context.Context, key bench.Key) (bench.Outcome, error) {
	out, err := t.api.GetItem(ctx, &api.GetItemInput{TableName: t.table, Key: t.key(key), ConsistentRead: t.consistent})
	if err != nil {
		return t.failed(ctx, "GetItem", err)
	}
	if out.Item == nil {
		return bench.NotFound, nil
	}
	return bench.OK, nil
}

// updateNames are the expressions' attribute names.
var updateNames = map[string]string{"#v": attrValue, "#ver": attrVersion}

// Update is UpdateItem: the value replaced, the version incremented.
func (t *Target) Update(ctx context.Context, key bench.Key, value []byte) (bench.Outcome, error) {
	_, err := t.api.UpdateItem(ctx, &api.UpdateItemInput{
		TableName:                t.table,
		Key:                      t.key(key),
		UpdateExpression:         "SET #v = :v, #ver = if_not_exists(#ver, :zero) + :one",
		ExpressionAttributeNames: updateNames,
		ExpressionAttributeValues: map[string]attr.Value{
			":v": attr.S(string(value)), ":zero": attr.N("0"), ":one": attr.N("1"),
		},
	})
	if err != nil {
		return t.failed(ctx, "UpdateItem", err)
	}
	return bench.OK, nil
}

// Insert is PutItem.
func (t *Target) Insert(ctx context.Context, key bench.Key, value []byte) (bench.Outcome, error) {
	if _, err := t.api.PutItem(ctx, &api.PutItemInput{TableName: t.table, Item: t.item(key, value, 1)}); err != nil {
		return t.failed(ctx, "PutItem", err)
	}
	return bench.OK, nil
}

// maxScanPages bounds the Scan pages one scan reads: a page can come back
// short (or empty) where a partition of the table ends.
const maxScanPages = 16

// Scan is a Query within start's partition key for a table with a sort
// key, and a Scan from start for one without (see the package doc).
func (t *Target) Scan(ctx context.Context, start bench.Key, limit int) (bench.Outcome, error) {
	if limit < 1 {
		return bench.Error, fmt.Errorf("tabletarget: scan of %d items", limit)
	}
	if t.sortKey {
		n := int32(limit)
		out, err := t.api.Query(ctx, &api.QueryInput{
			TableName:                 t.table,
			KeyConditionExpression:    "#pk = :pk AND #sk >= :sk",
			ExpressionAttributeNames:  map[string]string{"#pk": attrPartition, "#sk": attrSort},
			ExpressionAttributeValues: map[string]attr.Value{":pk": attr.S(start.Partition), ":sk": attr.S(start.Sort)},
			Limit:                     &n,
			ConsistentRead:            t.consistent,
		})
		if err != nil {
			return t.failed(ctx, "Query", err)
		}
		if out.Count == 0 {
			return bench.NotFound, nil
		}
		return bench.OK, nil
	}
	read := 0
	from := t.key(start)
	for range maxScanPages {
		n := int32(limit - read)
		out, err := t.api.Scan(ctx, &api.ScanInput{TableName: t.table, ExclusiveStartKey: from, Limit: &n, ConsistentRead: t.consistent})
		if err != nil {
			return t.failed(ctx, "Scan", err)
		}
		read += int(out.Count)
		if read >= limit || out.LastEvaluatedKey == nil {
			break
		}
		from = out.LastEvaluatedKey
	}
	if read == 0 {
		return bench.NotFound, nil
	}
	return bench.OK, nil
}

// ReadModifyWrite is GetItem, then UpdateItem on the condition that the
// version is still the one read.
func (t *Target) ReadModifyWrite(ctx context.Context, key bench.Key, value []byte) (bench.Outcome, error) {
	k := t.key(key)
	out, err := t.api.GetItem(ctx, &api.GetItemInput{TableName: t.table, Key: k, ConsistentRead: t.consistent})
	if err != nil {
		return t.failed(ctx, "read-modify-write: GetItem", err)
	}
	if out.Item == nil {
		return bench.NotFound, nil
	}
	read, ok := out.Item[attrVersion]
	if !ok || read.Type() != attr.TypeN {
		return bench.Error, fmt.Errorf("tabletarget: read-modify-write: item %s has no number %q", key, attrVersion)
	}
	version, err := strconv.ParseUint(read.N(), 10, 64)
	if err != nil {
		return bench.Error, fmt.Errorf("tabletarget: read-modify-write: item %s: version %q: %w", key, read.N(), err)
	}
	_, err = t.api.UpdateItem(ctx, &api.UpdateItemInput{
		TableName:                t.table,
		Key:                      k,
		UpdateExpression:         "SET #v = :v, #ver = :next",
		ConditionExpression:      "#ver = :read",
		ExpressionAttributeNames: updateNames,
		ExpressionAttributeValues: map[string]attr.Value{
			":v": attr.S(string(value)), ":read": read, ":next": attr.N(strconv.FormatUint(version+1, 10)),
		},
	})
	if err != nil {
		return t.failed(ctx, "read-modify-write: UpdateItem", err)
	}
	return bench.OK, nil
}
