package partition

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// DefaultExprCacheSize is the number of compiled expression sets a
// partition keeps when Options.ExprCacheSize is zero.
const DefaultExprCacheSize = 256

// Options configures a Partition. The zero value is the default.
type Options struct {
	// Sync makes every Apply commit its batch with sync set. By default
	// Apply commits with sync unset and the engine decides: boltstore syncs
	// every commit unless opened with RelaxedSync, memstore never persists.
	// See AppliedIndex for what the index means when commits do not sync.
	Sync bool
	// ExprCacheSize bounds the cache of compiled expressions, keyed by the
	// exact expression text, names and values of a command. Zero means
	// DefaultExprCacheSize; a negative value disables the cache.
	ExprCacheSize int
	// OnWrite, when set, is called once per write command (Put, Update or
	// Delete) that reached the stored item, after the batch holding it
	// committed: with the command's storage key, the size of the item
	// before and the size after (0 for no item; equal sizes for a command
	// whose condition failed or whose update was refused, which consume
	// capacity all the same). It is the hook for the per-key load sampler
	// of internal/split (for example RecordWrite(key, write units of
	// max(oldSize, newSize), now)); it runs on the apply goroutine and must
	// not block. Reads record their load where they are served, outside
	// the partition.
	// A command refused for its range or its encoding does not call it.
	OnWrite func(key []byte, oldSize, newSize int)
	// Round, when set, makes Apply stage its writes in the round's shared
	// batch instead of committing them (Sync is then ignored: the round
	// decides). Every partition of a node that share a Round are applied
	// on one goroutine, and the host calls Round.Commit after each
	// scheduler round (multiraft.Config.CommitApplied).
	Round *Round
	// ClaimRange, when set, is called by Restore with the snapshot's
	// metadata before its state replaces the partition's: an error refuses
	// the snapshot (raft sends it again later), and release is called once
	// the restored state is in place or the restore failed. A host keeping
	// several partitions in one engine uses it to keep their ranges apart.
	ClaimRange func(m Meta) (release func(), err error)
}

// Partition is the replicated state machine of one partition: the items of
// one key range of one table, stored in a shared storage.Engine, and the
// partition's Meta stored beside them under its group ID. It implements
// multiraft.StateMachine.
//
// Apply, AppliedIndex, Snapshot and Restore follow the StateMachine rules:
// one at a time, on the scheduler's goroutine (Restore possibly on another
// goroutine, but never concurrently with the others). The read methods (Get,
// Scan, Meta, Range) may be called from any goroutine at any time; see the
// package doc for what they observe.
type Partition struct {
	engine storage.Engine
	group  uint64
	opts   Options
	cache  *exprCache
	// batch is the storage batch of the last Apply, reset, kept for the
	// next one (only Apply uses it).
	batch storage.Batch
	// staged is, with Options.Round, the state of the Apply calls of the
	// current round, written in the round's batch and not yet committed
	// (nil when none); only Apply and Round.Commit use it.
	staged *applier
	// meta is the state as of the last committed batch; it is replaced,
	// never modified, so readers load it without a lock.
	meta atomic.Pointer[Meta]
}

var _ multiraft.StateMachine = (*Partition)(nil)

// emptyMeta is the state of a replica that holds no partition yet (it waits
// for a snapshot): it owns no key.
func emptyMeta() *Meta {
	return &Meta{Range: keyenc.Range{End: []byte{}}}
}

// Create writes the initial metadata of a new partition of group into e
// (committed with sync) and returns the partition. m.Range must not be
// empty; m.Items and m.Bytes must count what e already holds in the range
// (zero for a new table). It fails with ErrExists when the group already has
// metadata.
func Create(e storage.Engine, group uint64, m Meta, opts Options) (*Partition, error) {
	if group == 0 {
		return nil, errors.New("partition: group ID 0 is reserved")
	}
	if m.Range.Empty() {
		return nil, fmt.Errorf("partition: create group %d: empty range [%x, %x)", group, m.Range.Start, m.Range.End)
	}
	if err := checkSchema(m.Schema); err != nil {
		return nil, fmt.Errorf("partition: create group %d: %w", group, err)
	}
	if _, err := e.Meta(group); err == nil {
		return nil, fmt.Errorf("partition: create group %d: %w", group, ErrExists)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("partition: create group %d: %w", group, err)
	}
	m = m.Clone()
	if len(m.Range.Start) == 0 {
		m.Range.Start = nil
	}
	b := e.NewBatch()
	b.SetMeta(group, EncodeMeta(m))
	if err := e.Commit(b, true); err != nil {
		return nil, fmt.Errorf("partition: create group %d: %w", group, err)
	}
	p := newPartition(e, group, opts)
	p.meta.Store(&m)
	return p, nil
}

// Open returns the partition of group stored in e, with the state of its
// last committed batch. A group with no metadata in e opens as an empty
// replica that owns no key and has applied nothing, waiting for Restore (a
// replica added to a group receives its state as a snapshot).
func Open(e storage.Engine, group uint64, opts Options) (*Partition, error) {
	if group == 0 {
		return nil, errors.New("partition: group ID 0 is reserved")
	}
	p := newPartition(e, group, opts)
	raw, err := e.Meta(group)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		p.meta.Store(emptyMeta())
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("partition: open group %d: %w", group, err)
	}
	m, err := DecodeMeta(raw)
	if err != nil {
		return nil, fmt.Errorf("partition: open group %d: %w", group, err)
	}
	p.meta.Store(&m)
	return p, nil
}

func newPartition(e storage.Engine, group uint64, opts Options) *Partition {
	size := opts.ExprCacheSize
	if size == 0 {
		size = DefaultExprCacheSize
	}
	return &Partition{engine: e, group: group, opts: opts, cache: newExprCache(size)}
}

func checkSchema(s itemcheck.KeySchema) error {
	if s.Partition.Name == "" || !s.Partition.Type.IsScalar() {
		return fmt.Errorf("invalid partition key %q of type %s", s.Partition.Name, s.Partition.Type)
	}
	if s.Sort != nil && (s.Sort.Name == "" || !s.Sort.Type.IsScalar() || s.Sort.Name == s.Partition.Name) {
		return fmt.Errorf("invalid sort key %q of type %s", s.Sort.Name, s.Sort.Type)
	}
	return nil
}

// Group returns the partition's raft group ID, the key of its metadata.
func (p *Partition) Group() uint64 { return p.group }

// Meta returns a copy of the partition's state as of the last committed
// batch.
func (p *Partition) Meta() Meta { return p.meta.Load().Clone() }

// Range returns the partition's range as of the last committed batch (End
// nil: unbounded). It is empty for a replica that holds no partition yet.
func (p *Partition) Range() keyenc.Range { return p.Meta().Range }

// Contains reports whether the storage key lies in the partition's range
// (and its table) as of the last committed batch.
func (p *Partition) Contains(key []byte) bool { return p.meta.Load().owns(key) }

// AppliedIndex implements multiraft.StateMachine: the applied index of the
// last committed batch, which Apply writes in the same batch as the data.
// With Options.Round it is the index of the last round committed, not of
// what Apply has staged since.
//
// The index is durable when the engine syncs that commit: with Options.Sync,
// or with boltstore's default (every commit syncs). When the engine relaxes
// sync (boltstore's RelaxedSync, where Commit(b, false) skips fsync) the
// index is only as durable as the engine's unsynced commits: it survives a
// process crash, not a power loss, and the host must keep the replicated
// log back to the last index it knows synced (for example by committing
// with Options.Sync periodically) rather than to this one. With memstore
// nothing survives Close.
func (p *Partition) AppliedIndex() uint64 { return p.meta.Load().AppliedIndex }

// wrongRange builds the error for a key the partition does not own.
func (p *Partition) wrongRange(m *Meta, key []byte) *WrongRangeError {
	return &WrongRangeError{Group: p.group, Table: m.Table, Key: key, Range: m.Clone().Range}
}
