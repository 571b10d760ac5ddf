package bench

import (
	"context"
	"fmt"
)

// Key identifies an item: a partition key alone (YCSB's workloads) or a
// partition key and a sort key (the ddb workload).
type Key struct {
	// Partition is the partition key.
	Partition string
	// Sort is the sort key; empty for a table with a partition key only.
	Sort string
}

// String returns the key as "partition" or "partition/sort".
func (k Key) String() string {
	if k.Sort == "" {
		return k.Partition
	}
	return k.Partition + "/" + k.Sort
}

// Outcome is how a target answered one operation.
type Outcome uint8

// The outcomes. NotFound and ConditionFailed are answers (the service did
// its work); Throttled and Error are not.
const (
	// OK: the operation succeeded.
	OK Outcome = iota
	// NotFound: a read found no item.
	NotFound
	// Throttled: the target refused the operation for lack of capacity
	// (DynamoDB's ProvisionedThroughputExceededException, ThrottlingException).
	Throttled
	// ConditionFailed: a conditional write found the item changed.
	ConditionFailed
	// Error: anything else; the error says what.
	Error
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "not_found", "throttled", "condition_failed", "error"}

// String returns the outcome's name as it appears in results.
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// Target is the store under test.
//
// The Table target (package tabletarget) maps the calls onto DynamoDB's
// requests: Read is GetItem (ConsistentRead from the -consistent flag);
// Update is UpdateItem ("SET #v = :v, #ver = if_not_exists(#ver, :zero) +
// :one"); Insert is
// PutItem; Scan is Query (KeyConditionExpression "pk = :p AND sk >= :s",
// Limit) for a key with a sort key, and Scan (ExclusiveStartKey, Limit) for
// one without; ReadModifyWrite is GetItem then UpdateItem with the
// ConditionExpression "#ver = :read". ProvisionedThroughputExceededException,
// ThrottlingException and RequestLimitExceeded are Throttled;
// ConditionalCheckFailedException is ConditionFailed.
// Its methods are called from many workers
// at once and must be safe for concurrent use. Each returns the outcome and,
// for Error, the error; value slices belong to the caller and are reused
// after the call returns, so a target that keeps one must copy it.
type Target interface {
	// Read reads one item.
	Read(ctx context.Context, key Key) (Outcome, error)
	// Update replaces the value of an existing item (YCSB's update writes
	// the record whatever it holds).
	Update(ctx context.Context, key Key, value []byte) (Outcome, error)
	// Insert writes a new item.
	Insert(ctx context.Context, key Key, value []byte) (Outcome, error)
	// Scan reads up to limit items in key order from start: for a key
	// without a sort key, across the table (YCSB's scan); for a key with
	// one, within start's partition from its sort key on (a Query).
	Scan(ctx context.Context, start Key, limit int) (Outcome, error)
	// ReadModifyWrite reads an item, then writes value on the condition
	// that the item has not changed since the read: ConditionFailed if it
	// has, NotFound if there is no item.
	ReadModifyWrite(ctx context.Context, key Key, value []byte) (Outcome, error)
}

// OpType is a kind of operation in a workload mix.
type OpType uint8

// The operation types.
const (
	OpRead OpType = iota
	OpUpdate
	OpInsert
	OpScan
	OpReadModifyWrite
	numOpTypes
)

var opNames = [numOpTypes]string{"read", "update", "insert", "scan", "read_modify_write"}

// String returns the operation's name as it appears in results.
func (o OpType) String() string {
	if o < numOpTypes {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}
