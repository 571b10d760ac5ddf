package dynamo

import (
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
)

// Admission control, as parts a host program can use without a Table to
// rate-limit its own requests the way DynamoDB does:
//
//   - capacity units: what a request costs, by DynamoDB's arithmetic
//     (GetItemUnits, QueryUnits, PutItemUnits, IndexWriteUnits ...);
//   - a TokenBucket per partition, refilled at the partition's share of its
//     table's capacity and banking 300 s of unused capacity as burst, and a
//     NodeBucket that caps a whole node; Admit asks the partition, then the
//     node, and a request the node refuses costs the partition nothing;
//   - AdaptiveCapacity, which lends a throttled partition its table's unused
//     capacity, up to the partition maximum;
//   - global admission control: an AdmissionService holds a table's pool of
//     tokens and AdmissionClients (one per router) take time-limited grants
//     from it, so that the sum admitted by all routers stays within the
//     table's capacity.
//
// Every decision takes the time as an argument (or, for AdmissionService, a
// Now function), so a host can drive it from a simulated clock. A refused
// request gets a *ProvisionedThroughputExceededException (or, for on-demand
// buckets, a *ThrottlingException) naming the reason, the resource and when
// to retry.

// ReadMode is how a read is served, which sets its price per 4 KB.
type ReadMode = admission.ReadMode

// The read modes.
const (
	// ReadEventual is an eventually consistent read: half a unit per 4 KB.
	ReadEventual = admission.Eventual
	// ReadStrong is a strongly consistent read: one unit per 4 KB.
	ReadStrong = admission.Strong
	// ReadTransactional is a read in TransactGetItems: two units per 4 KB.
	ReadTransactional = admission.TransactionalRead
)

// WriteMode is how a write is applied, which sets its price per 1 KB.
type WriteMode = admission.WriteMode

// The write modes.
const (
	// WriteStandard is a single-item or batch write: one unit per 1 KB.
	WriteStandard = admission.Standard
	// WriteTransactional is a write in TransactWriteItems: two units per 1 KB.
	WriteTransactional = admission.TransactionalWrite
)

// Per-partition ceilings, in capacity units per second: every DynamoDB
// partition strives to serve 3,000 read and 1,000 write units.
const (
	PartitionMaxReadUnits  = admission.PartitionMaxRead
	PartitionMaxWriteUnits = admission.PartitionMaxWrite
)

// GetItemUnits returns the read units of a GetItem that found an item of
// size bytes (found=false: a missing item, which still costs the minimum).
func GetItemUnits(mode ReadMode, size int, found bool) float64 {
	return admission.GetItemUnits(mode, size, found)
}

// BatchGetItemUnits returns the read units of a BatchGetItem: each item
// rounded up to 4 KB on its own.
func BatchGetItemUnits(mode ReadMode, sizes []int) float64 {
	return admission.BatchGetItemUnits(mode, sizes)
}

// QueryUnits returns the read units of one Query or Scan page: the summed
// size of the items read (before filtering) rounded up to 4 KB once, at least
// one 4 KB block per partition searched.
func QueryUnits(mode ReadMode, bytesRead, partitions int) float64 {
	return admission.QueryUnits(mode, bytesRead, partitions)
}

// PutItemUnits returns the write units of a PutItem: the larger of the old
// (0 if none) and new item, rounded up to 1 KB.
func PutItemUnits(mode WriteMode, oldSize, newSize int) float64 {
	return admission.PutItemUnits(mode, oldSize, newSize)
}

// UpdateItemUnits returns the write units of an UpdateItem: the larger of
// the item before and after, rounded up to 1 KB.
func UpdateItemUnits(mode WriteMode, oldSize, newSize int) float64 {
	return admission.UpdateItemUnits(mode, oldSize, newSize)
}

// DeleteItemUnits returns the write units of a DeleteItem: the deleted item
// rounded up to 1 KB, one unit if there was none.
func DeleteItemUnits(mode WriteMode, deletedSize int) float64 {
	return admission.DeleteItemUnits(mode, deletedSize)
}

// ConditionFailedUnits returns the write units of a write whose condition
// failed: the size it would have written when the item existed, one unit
// when it did not.
func ConditionFailedUnits(mode WriteMode, itemExisted bool, writeSize int) float64 {
	return admission.ConditionFailedUnits(mode, itemExisted, writeSize)
}

// BatchWriteItemUnits returns the write units of a BatchWriteItem: each put
// or delete rounded up to 1 KB on its own.
func BatchWriteItemUnits(sizes []int) float64 {
	return admission.BatchWriteItemUnits(sizes)
}

// IndexWrite describes what one table write does to one secondary index.
type IndexWrite = admission.IndexWrite

// IndexWriteUnits returns the write units a table write costs on one index:
// a put when the item enters it, a delete when it leaves, a delete and a put
// when an index key changes, one write when only projected attributes
// change, nothing otherwise.
func IndexWriteUnits(mode WriteMode, w IndexWrite) float64 {
	return admission.IndexWriteUnits(mode, w)
}

// TokenBucket is a partition's token bucket: it refills at the partition's
// rate and banks up to 300 s of unused capacity. Safe for concurrent use.
type TokenBucket = admission.Bucket

// TokenBucketOptions configures a TokenBucket; zero values mean defaults.
type TokenBucketOptions = admission.BucketOptions

// BucketUsage is what a TokenBucket admitted and refused over an interval.
type BucketUsage = admission.Usage

// NewTokenBucket returns a partition bucket that starts, at now, with one
// second of capacity banked.
func NewTokenBucket(opts TokenBucketOptions, now time.Time) (*TokenBucket, error) {
	return admission.NewBucket(opts, now)
}

// NodeBucket caps what one node admits across every partition it hosts;
// requests spending a partition's banked burst get only capacity the node
// has spare. Safe for concurrent use.
type NodeBucket = admission.NodeBucket

// NodeBucketOptions configures a NodeBucket; zero values mean defaults.
type NodeBucketOptions = admission.NodeOptions

// NewNodeBucket returns a node bucket, full at now.
func NewNodeBucket(opts NodeBucketOptions, now time.Time) (*NodeBucket, error) {
	return admission.NewNodeBucket(opts, now)
}

// Admit decides whether a request costing units may run at now on partition
// (and node, which may be nil). It returns nil when admitted, or the
// throttling exception of the bucket that refused; a request the node
// refuses costs the partition nothing.
func Admit(now time.Time, units float64, partition *TokenBucket, node *NodeBucket) error {
	return admission.Admit(now, units, partition, node)
}

// AdaptiveCapacity lends a table's unused capacity to its throttled
// partitions, up to their maximum, and takes it back when the table exceeds
// its capacity. The host calls Step at a regular interval.
type AdaptiveCapacity = admission.Adaptive

// AdaptiveCapacityOptions configures AdaptiveCapacity.
type AdaptiveCapacityOptions = admission.AdaptiveOptions

// NewAdaptiveCapacity returns a controller for one table's partition
// buckets (of one kind, read or write) and sets each to its even share of
// the table's capacity.
func NewAdaptiveCapacity(opts AdaptiveCapacityOptions, partitions []*TokenBucket, now time.Time) (*AdaptiveCapacity, error) {
	return admission.NewAdaptive(opts, partitions, now)
}

// AdmissionService is global admission control for one table: it holds the
// table's pool of tokens and grants them to routers in time-limited batches.
// Safe for concurrent use.
type AdmissionService = admission.Service

// AdmissionServiceOptions configures an AdmissionService; zero values mean
// defaults.
type AdmissionServiceOptions = admission.ServiceOptions

// NewAdmissionService returns the admission service of one table.
func NewAdmissionService(opts AdmissionServiceOptions) (*AdmissionService, error) {
	return admission.NewService(opts)
}

// GrantService is how an AdmissionClient reaches its AdmissionService; an
// AdmissionService implements it, and a host may put a network call in
// between.
type GrantService = admission.GrantService

// GrantRequest is what an AdmissionClient sends to its service.
type GrantRequest = admission.GrantRequest

// Grant is a batch of tokens an AdmissionService hands to a client.
type Grant = admission.Grant

// AdmissionClient is a router's side of global admission control: it admits
// requests from granted tokens and asks its service for more when they run
// out. Safe for concurrent use.
type AdmissionClient = admission.Client

// AdmissionClientOptions configures an AdmissionClient; zero values mean
// defaults.
type AdmissionClientOptions = admission.ClientOptions

// NewAdmissionClient returns a router-side client of svc.
func NewAdmissionClient(svc GrantService, opts AdmissionClientOptions) (*AdmissionClient, error) {
	return admission.NewClient(svc, opts)
}

// AdmissionStats is a snapshot of admission metrics: per table and
// partition, the capacity units consumed, the requests admitted, the
// requests throttled by reason, and request latency.
type AdmissionStats = admission.Stats

// TableStats is one table's part of AdmissionStats.
type TableStats = admission.TableStats

// PartitionStats is one partition's part of TableStats.
type PartitionStats = admission.PartitionStats
