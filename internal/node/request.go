package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// DefaultPageBytes is the size at which a Scan page stops when
// ScanRequest.MaxBytes is zero: DynamoDB's 1 MB limit for one Query or Scan
// page, counted in item sizes.
const DefaultPageBytes = 1 << 20

// ErrUnexpectedResult is returned when the state machine handed back
// something other than a *partition.Result: the group does not run a
// partition.
var ErrUnexpectedResult = errors.New("node: unexpected apply result")

// Write replicates cmd through group's raft log from this node, which must
// be the group's leader, and returns its result once applied here. A
// command that applied but took no effect (a failed condition, a key outside
// the range, an invalid update) returns its Result together with Result.Err
// (*dberr.ConditionalCheckFailedException, *partition.WrongRangeError,
// *dberr.ValidationException, ...).
//
// Redirects: *multiraft.NotLeaderError when this node is not the leader
// (Leader says where to retry), *partition.WrongRangeError when the key is
// not the partition's (checked here before proposing, and again at apply).
// multiraft.ErrProposalDropped means the command was not appended and may be
// retried; multiraft.ErrLeaderChanged and ctx's error mean its outcome is
// unknown.
func (n *Node) Write(ctx context.Context, group uint64, cmd *partition.Command) (*partition.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cmd == nil {
		return nil, errors.New("node: nil command")
	}
	p, err := n.Partition(group)
	if err != nil {
		return nil, err
	}
	if key := commandKey(cmd); key != nil {
		// A key the partition does not own is refused without a raft round;
		// any other key error is apply's to report, deterministically.
		var wrong *partition.WrongRangeError
		if _, err := p.Key(key); errors.As(err, &wrong) {
			return nil, err
		}
	}
	data, err := cmd.Encode()
	if err != nil {
		return nil, fmt.Errorf("node %d: write group %d: encode command: %w", n.id, group, err)
	}
	v, err := n.raft.Propose(ctx, group, data)
	if err != nil {
		return nil, err
	}
	res, ok := v.(*partition.Result)
	if !ok {
		return nil, fmt.Errorf("node %d: write group %d: %w %T", n.id, group, ErrUnexpectedResult, v)
	}
	return res, res.Err
}

// commandKey returns the primary key a write command addresses, or nil for
// a command with no key (a split).
func commandKey(cmd *partition.Command) attr.Item {
	switch cmd.Op {
	case partition.OpPut:
		return cmd.Schema.KeyOf(cmd.Item)
	case partition.OpUpdate, partition.OpDelete:
		return cmd.Key
	}
	return nil
}

// Get returns the item with the given primary key from this node's replica
// of group, or nil when none is stored. A consistent read first confirms,
// through multiraft's Read, that this node leads the group and has applied
// every write acknowledged before the call (it fails with
// *multiraft.NotLeaderError elsewhere); an eventual read returns the local
// replica's applied state, which may lag. Errors: *partition.WrongRangeError
// for a key outside the partition, *dberr.ValidationException for a key
// that does not match the key schema.
func (n *Node) Get(ctx context.Context, group uint64, key attr.Item, consistent bool) (attr.Item, error) {
	p, err := n.readReplica(ctx, group, consistent)
	if err != nil {
		return nil, err
	}
	return p.Get(key)
}

func (n *Node) readReplica(ctx context.Context, group uint64, consistent bool) (*partition.Partition, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := n.Partition(group)
	if err != nil {
		return nil, err
	}
	if consistent {
		if err := n.raft.Read(ctx, group); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// ScanRequest selects one page of a range read of a partition (the part of
// a Query or Scan that one partition serves).
type ScanRequest struct {
	// Range restricts the read to storage keys in [Range.Start, Range.End)
	// (nil bounds: the partition's), intersected with the partition.
	Range keyenc.Range
	// StartAfter resumes after this storage key (ExclusiveStartKey); before
	// it when Reverse.
	StartAfter []byte
	// Reverse reads in descending key order.
	Reverse bool
	// Limit stops the page after this many items; zero means no limit.
	Limit int
	// MaxBytes stops the page once the items' sizes reach it; zero means
	// DefaultPageBytes.
	MaxBytes int
	// Consistent selects a strongly consistent read (on the leader).
	Consistent bool
}

// Page is one page of a range read.
type Page struct {
	// Keys and Items are the items read, in order, with their storage keys.
	Keys  [][]byte
	Items []attr.Item
	// Bytes is the sum of the items' sizes as DynamoDB counts them.
	Bytes int
	// LastKey is the storage key of the last item when the page stopped at
	// Limit or MaxBytes (more may follow: resume with StartAfter); nil when
	// the partition's part of the range is exhausted.
	LastKey []byte
	// Range is the partition's range when the page was read: a router goes
	// on past Range.End (or before Range.Start, in reverse) to the next
	// partition when LastKey is nil.
	Range keyenc.Range
}

// Scan reads one page of group's items in storage key order from this
// node's replica, with the consistency the request selects (see Get).
func (n *Node) Scan(ctx context.Context, group uint64, req ScanRequest) (*Page, error) {
	if req.Limit < 0 || req.MaxBytes < 0 {
		return nil, fmt.Errorf("node %d: scan group %d: negative Limit %d or MaxBytes %d", n.id, group, req.Limit, req.MaxBytes)
	}
	p, err := n.readReplica(ctx, group, req.Consistent)
	if err != nil {
		return nil, err
	}
	maxBytes := req.MaxBytes
	if maxBytes == 0 {
		maxBytes = DefaultPageBytes
	}
	it, err := p.Scan(partition.ScanOptions{Range: req.Range, StartAfter: req.StartAfter, Reverse: req.Reverse})
	if err != nil {
		return nil, err
	}
	// The range the iterator was bounded by, not the partition's range
	// now: a split applied in between would make the router skip the
	// keys of the split-off part.
	page := &Page{Range: it.Range()}
	for it.Next() {
		page.Keys = append(page.Keys, bytes.Clone(it.Key()))
		page.Items = append(page.Items, it.Item())
		page.Bytes += it.Size()
		if (req.Limit > 0 && len(page.Items) >= req.Limit) || page.Bytes >= maxBytes {
			page.LastKey = page.Keys[len(page.Keys)-1]
			break
		}
		if len(page.Items)%64 == 0 {
			if err := ctx.Err(); err != nil {
				_ = it.Close()
				return nil, err
			}
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("node %d: scan group %d: %w", n.id, group, err)
	}
	return page, nil
}
