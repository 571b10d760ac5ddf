// Package dataplane runs DynamoDB's data-plane operations (PutItem, GetItem,
// UpdateItem, DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem) over a
// Backend that stores a table's items in its key space. It owns everything
// between the request and the partitions: validation with DynamoDB's
// exception names and messages, the expressions (parsed and checked here,
// evaluated again by every replica at apply time), the legacy parameter forms,
// building partition commands, key ranges of queries and scan segments,
// paging (Limit, 1 MB pages, ExclusiveStartKey and LastEvaluatedKey), filters,
// projections, Select, and consumed capacity. Routing, replication and retries
// are the Backend's.
//
// Bad input gets a *dberr.ValidationException and reaches no Backend call, so
// it changes nothing.
package dataplane

import (
	"context"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// Table is what the data plane needs of a table.
type Table struct {
	// Name is the table's name.
	Name string
	// ID is the table's numeric ID, the prefix of its key space
	// (keyenc.TablePrefix).
	ID uint64
	// Schema is the table's primary key.
	Schema itemcheck.KeySchema
}

// Backend stores and serves the items of tables. Its methods are safe for
// concurrent use and honour ctx: they retry internally (leader moves,
// partition splits) until ctx ends.
type Backend interface {
	// Table returns the table called name if the data plane may use it
	// (ACTIVE or UPDATING), or a *dberr.ResourceNotFoundException with
	// DynamoDB's message "Requested resource not found" otherwise.
	Table(ctx context.Context, name string) (Table, error)

	// Write applies cmd to the partition of t that owns key (the storage key
	// of the command's item: keyenc.Key of its key attributes) and returns
	// the applied result. A command that applied without effect returns
	// its Result and Result.Err (a *dberr.ConditionalCheckFailedException
	// or *dberr.ValidationException). Other errors mean the outcome is
	// unknown or the write was refused (throttling, unavailability).
	Write(ctx context.Context, t Table, key []byte, cmd *partition.Command) (*partition.Result, error)

	// Get returns the item stored under key (itemKey holds its key
	// attributes), nil when none is. consistent asks for a strongly
	// consistent read.
	Get(ctx context.Context, t Table, key []byte, itemKey attr.Item, consistent bool) (attr.Item, error)

	// Scan reads t's items with storage keys in req.Range, in order (reverse
	// order with req.Reverse), across partition boundaries, and stops after
	// req.Limit items or once their sizes reach req.MaxBytes.
	Scan(ctx context.Context, t Table, req ScanRequest) (*Page, error)
}

// ScanRequest selects a run of a table's items in storage key order.
type ScanRequest struct {
	// Range bounds the storage keys read, [Start, End); a nil End is the end
	// of the table's key space. It lies within the table's key space.
	Range keyenc.Range
	// StartAfter resumes after this storage key (before it when Reverse);
	// nil starts at the range's beginning (end, when Reverse).
	StartAfter []byte
	// Reverse reads in descending key order.
	Reverse bool
	// Limit stops after this many items; zero means no limit.
	Limit int
	// MaxBytes stops once the items' sizes (itemcheck.Size) sum to at least
	// this much, the item that reaches it included; zero means 1 MB.
	MaxBytes int
	// Consistent asks for a strongly consistent read of every partition.
	Consistent bool
}

// Page is a run of items a Scan read.
type Page struct {
	// Keys and Items are the items read, in order, with their storage keys.
	Keys  [][]byte
	Items []attr.Item
	// Bytes is the sum of the items' sizes (itemcheck.Size).
	Bytes int
	// LastKey is the storage key of the last item read when the read stopped
	// at Limit or MaxBytes with more of the range possibly left; nil when
	// the range is exhausted.
	LastKey []byte
}
