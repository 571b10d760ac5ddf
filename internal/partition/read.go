package partition

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// Key returns the storage key of a primary key of the partition's table.
// It fails with a *dberr.ValidationException when key does not match the
// table's key schema.
func (p *Partition) Key(key attr.Item) ([]byte, error) {
	m := p.meta.Load()
	if m.Range.Empty() {
		return nil, p.wrongRange(m, nil)
	}
	if err := m.Schema.ValidateKey(key); err != nil {
		return nil, err
	}
	cmd := Command{Op: OpDelete, Table: m.Table, Schema: m.Schema, Key: key}
	return storageKey(&cmd)
}

// Get returns the item with the given primary key, or nil when none is
// stored. It fails with a *WrongRangeError when the key is not the
// partition's, and with a *dberr.ValidationException when it does not match
// the key schema.
//
// Get reads the engine's committed state: the item as of some committed
// Apply batch, never a part of one. It is as fresh as the last batch
// committed before the read; a strongly consistent read must first wait
// until the partition has applied the index the leader confirmed (ReadIndex
// or lease). The range is checked before and after the read, so a key that
// a split gave to another group in the meantime is refused.
func (p *Partition) Get(key attr.Item) (attr.Item, error) {
	storageKey, err := p.Key(key)
	if err != nil {
		return nil, err
	}
	item, _, err := p.GetKey(storageKey)
	return item, err
}

// GetKey is Get for a storage key; it also returns the item's size.
func (p *Partition) GetKey(key []byte) (attr.Item, int, error) {
	if m := p.meta.Load(); !m.owns(key) {
		return nil, 0, p.wrongRange(m, bytes.Clone(key))
	}
	raw, err := p.engine.Get(key)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, 0, fmt.Errorf("partition: group %d: get: %w", p.group, err)
	}
	if m := p.meta.Load(); !m.owns(key) {
		return nil, 0, p.wrongRange(m, bytes.Clone(key))
	}
	if err != nil {
		return nil, 0, nil
	}
	item, size, err := decodeStored(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("partition: group %d: get key %x: %w", p.group, key, err)
	}
	return item, size, nil
}

// ScanOptions selects what an Iterator visits.
type ScanOptions struct {
	// Range restricts the scan to [Range.Start, Range.End) (nil bounds
	// unbounded), intersected with the partition's range. The zero Range
	// scans the whole partition. Query passes keyenc.SortKeyRange.
	Range keyenc.Range
	// StartAfter, when set, is the storage key of the last item a previous
	// page returned (ExclusiveStartKey): the scan resumes just after it
	// (before it, in reverse).
	StartAfter []byte
	// Reverse visits keys in descending order (ScanIndexForward false).
	Reverse bool
}

// Scan returns an iterator over the partition's items in the selected
// range, in key order. The caller must Close it.
//
// The partition's range is taken when Scan is called. The iterator reads
// the engine live (boltstore) or as of its creation (memstore): each key is
// visited at most once and in order, and each item is as some committed
// batch left it, but a batch committed during the scan may or may not be
// seen. That is DynamoDB's guarantee for Query and Scan pages too (reads are
// not isolated from concurrent writes); a caller that needs a
// point-in-time view takes a Snapshot.
func (p *Partition) Scan(opts ScanOptions) (*Iterator, error) {
	m := p.meta.Load()
	lo, hi := m.bounds()
	if m.Range.Empty() {
		return &Iterator{rng: m.Range}, nil
	}
	if opts.Range.Start != nil && bytes.Compare(opts.Range.Start, lo) > 0 {
		lo = opts.Range.Start
	}
	if opts.Range.End != nil && (hi == nil || bytes.Compare(opts.Range.End, hi) < 0) {
		hi = opts.Range.End
	}
	if opts.StartAfter != nil {
		if opts.Reverse {
			if hi == nil || bytes.Compare(opts.StartAfter, hi) < 0 {
				hi = opts.StartAfter
			}
		} else {
			// The smallest key after StartAfter is StartAfter+0x00.
			next := append(bytes.Clone(opts.StartAfter), 0x00)
			if bytes.Compare(next, lo) > 0 {
				lo = next
			}
		}
	}
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return &Iterator{rng: m.Range}, nil
	}
	it, err := p.engine.NewIter(storage.IterOptions{Lower: lo, Upper: hi, Reverse: opts.Reverse})
	if err != nil {
		return nil, fmt.Errorf("partition: group %d: scan: %w", p.group, err)
	}
	return &Iterator{it: it, group: p.group, rng: m.Range}, nil
}

// Iterator walks the items of a Scan. It is used by one goroutine.
type Iterator struct {
	it    storage.Iterator // nil: nothing to visit
	group uint64
	// rng is the partition's range the scan was bounded by: a split may
	// shrink the partition while the scan runs.
	rng  keyenc.Range
	item attr.Item
	size int
	err  error
}

// Range returns the partition's range as it was when the scan began, which
// bounds what the scan visits whatever splits apply while it runs: a page's
// reader goes on from its end, not from the partition's end now.
func (it *Iterator) Range() keyenc.Range { return it.rng }

// Next advances to the next item and reports whether there is one.
func (it *Iterator) Next() bool {
	if it.it == nil || it.err != nil {
		return false
	}
	if !it.it.Next() {
		return false
	}
	item, size, err := decodeStored(it.it.Value())
	if err != nil {
		it.err = fmt.Errorf("partition: group %d: scan key %x: %w", it.group, it.it.Key(), err)
		return false
	}
	it.item, it.size = item, size
	return true
}

// Key returns the storage key of the current item; valid until Next.
func (it *Iterator) Key() []byte {
	if it.it == nil {
		return nil
	}
	return it.it.Key()
}

// Item returns the current item, decoded; the caller may keep it.
func (it *Iterator) Item() attr.Item { return it.item }

// Size returns the current item's size as DynamoDB counts it.
func (it *Iterator) Size() int { return it.size }

// Err returns the error that stopped the iteration, if any.
func (it *Iterator) Err() error {
	if it.err != nil {
		return it.err
	}
	if it.it != nil {
		return it.it.Err()
	}
	return nil
}

// Close releases the iterator and returns Err().
func (it *Iterator) Close() error {
	if it.it == nil {
		return it.err
	}
	cerr := it.it.Close()
	if it.err != nil {
		return it.err
	}
	return cerr
}
