package storage

import (
	"errors"
	"fmt"
)

// MaxKeySize is the largest key, in bytes, an engine accepts. It is bbolt's
// limit; every built-in engine enforces it so that data written to one engine
// can always be moved to another.
const MaxKeySize = 32 << 10

// MaxValueSize is the largest value, in bytes, an engine accepts (bbolt's
// limit, enforced by every built-in engine for the same reason).
const MaxValueSize = 1<<31 - 2

// ErrInvalidKey is returned by Commit for a batch holding an empty key or a
// key longer than MaxKeySize; nothing of the batch is applied.
var ErrInvalidKey = errors.New("storage: invalid key")

// ErrValueTooLarge is returned by Commit for a batch holding a value longer
// than MaxValueSize; nothing of the batch is applied.
var ErrValueTooLarge = errors.New("storage: value too large")

// ErrForeignBatch is returned by Commit for a batch that the engine did not
// create and cannot read.
var ErrForeignBatch = errors.New("storage: batch of a foreign type")

// OpKind names one operation of an OpBatch.
type OpKind uint8

// The operations a batch records.
const (
	// OpSet stores Value at Key.
	OpSet OpKind = iota + 1
	// OpDelete removes Key.
	OpDelete
	// OpDeleteRange removes every key in [Key, End); a nil End is unbounded.
	OpDeleteRange
	// OpSetMeta stores Value as the metadata of Group.
	OpSetMeta
	// OpDeleteMeta removes the metadata of Group.
	OpDeleteMeta
)

// String returns the operation's name.
func (k OpKind) String() string {
	switch k {
	case OpSet:
		return "Set"
	case OpDelete:
		return "Delete"
	case OpDeleteRange:
		return "DeleteRange"
	case OpSetMeta:
		return "SetMeta"
	case OpDeleteMeta:
		return "DeleteMeta"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one recorded operation. Its slices point into the batch's buffer and
// stay valid until the batch is Reset; an engine that keeps them past Commit
// must copy them.
type Op struct {
	Kind  OpKind
	Key   []byte // Set, Delete: the key; DeleteRange: the inclusive start
	End   []byte // DeleteRange: the exclusive end, nil for unbounded
	Value []byte // Set, SetMeta
	Group uint64 // SetMeta, DeleteMeta
}

// OpBatch is the Batch of the built-in engines: it records operations in
// order, copying keys and values into one growing buffer, and an engine
// replays them at Commit. Because both built-in engines use it, a batch made
// by one can be committed to the other. The first invalid operation (an empty
// or oversized key, an oversized value) is remembered and returned by Err, and
// Commit refuses the whole batch. An OpBatch is used by one goroutine.
type OpBatch struct {
	ops  []Op
	buf  []byte
	size int
	err  error
}

var _ Batch = (*OpBatch)(nil)

// NewOpBatch returns an empty batch.
func NewOpBatch() *OpBatch { return &OpBatch{} }

// keep copies p into the batch's buffer and returns the copy (nil stays nil).
// The buffer grows by reallocation; earlier copies keep pointing at the old
// array, which is never written again, so they stay valid.
func (b *OpBatch) keep(p []byte) []byte {
	if p == nil {
		return nil
	}
	start := len(b.buf)
	b.buf = append(b.buf, p...)
	return b.buf[start:len(b.buf):len(b.buf)]
}

func (b *OpBatch) checkKey(op string, key []byte) {
	if b.err != nil {
		return
	}
	if len(key) == 0 || len(key) > MaxKeySize {
		b.err = fmt.Errorf("storage: %s: key of %d bytes (want 1 to %d): %w", op, len(key), MaxKeySize, ErrInvalidKey)
	}
}

// Set stores value at key. Key and value are copied.
func (b *OpBatch) Set(key, value []byte) {
	b.checkKey("Set", key)
	if b.err == nil && len(value) > MaxValueSize {
		b.err = fmt.Errorf("storage: Set: value of %d bytes (max %d): %w", len(value), MaxValueSize, ErrValueTooLarge)
	}
	if value == nil {
		value = []byte{}
	}
	b.ops = append(b.ops, Op{Kind: OpSet, Key: b.keep(key), Value: b.keep(value)})
	b.size += len(key) + len(value)
}

// Delete removes key.
func (b *OpBatch) Delete(key []byte) {
	b.checkKey("Delete", key)
	b.ops = append(b.ops, Op{Kind: OpDelete, Key: b.keep(key)})
	b.size += len(key)
}

// DeleteRange removes every key in [start, end); a nil or empty start is the
// first key, a nil end is unbounded. A range with start >= end is empty.
func (b *OpBatch) DeleteRange(start, end []byte) {
	if start == nil {
		start = []byte{}
	}
	b.ops = append(b.ops, Op{Kind: OpDeleteRange, Key: b.keep(start), End: b.keep(end)})
	b.size += len(start) + len(end)
}

// SetMeta stores value as the metadata of group. Value is copied.
func (b *OpBatch) SetMeta(group uint64, value []byte) {
	if b.err == nil && len(value) > MaxValueSize {
		b.err = fmt.Errorf("storage: SetMeta: value of %d bytes (max %d): %w", len(value), MaxValueSize, ErrValueTooLarge)
	}
	if value == nil {
		value = []byte{}
	}
	b.ops = append(b.ops, Op{Kind: OpSetMeta, Group: group, Value: b.keep(value)})
	b.size += 8 + len(value)
}

// DeleteMeta removes the metadata of group.
func (b *OpBatch) DeleteMeta(group uint64) {
	b.ops = append(b.ops, Op{Kind: OpDeleteMeta, Group: group})
	b.size += 8
}

// Len returns the number of operations in the batch.
func (b *OpBatch) Len() int { return len(b.ops) }

// Size returns the bytes of keys and values in the batch (a group ID counts
// as 8 bytes).
func (b *OpBatch) Size() int { return b.size }

// Reset empties the batch for reuse, keeping its buffers.
func (b *OpBatch) Reset() {
	clear(b.ops)
	b.ops = b.ops[:0]
	b.buf = b.buf[:0]
	b.size = 0
	b.err = nil
}

// Ops returns the recorded operations in order. The caller must not modify
// them.
func (b *OpBatch) Ops() []Op { return b.ops }

// Err returns the first invalid operation recorded, or nil.
func (b *OpBatch) Err() error { return b.err }

// AsOpBatch returns b as an *OpBatch ready to commit: ErrForeignBatch when b
// is of another type, b.Err() when it recorded an invalid operation.
func AsOpBatch(b Batch) (*OpBatch, error) {
	ob, ok := b.(*OpBatch)
	if !ok || ob == nil {
		return nil, fmt.Errorf("storage: commit %T: %w", b, ErrForeignBatch)
	}
	if ob.err != nil {
		return nil, ob.err
	}
	return ob, nil
}
