package partition

import (
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// Errors of this package, matchable with errors.Is. They are wrapped with
// the detail of the failure.
var (
	// ErrCorruptCommand reports command bytes that Command.Encode cannot
	// produce: truncated, an unknown version or operation, a malformed
	// field, or bytes after the end.
	ErrCorruptCommand = errors.New("partition: corrupt command")
	// ErrCorruptMeta reports partition metadata bytes that EncodeMeta cannot
	// produce, or whose checksum does not match.
	ErrCorruptMeta = errors.New("partition: corrupt metadata")
	// ErrCorruptItem reports a stored item value that does not decode: the
	// engine's contents are damaged.
	ErrCorruptItem = errors.New("partition: corrupt stored item")
	// ErrCorruptSnapshot reports a snapshot stream that is truncated, fails
	// a checksum or breaks the format. Restore then changes nothing.
	ErrCorruptSnapshot = errors.New("partition: corrupt snapshot")
	// ErrInvalidSplit is the result error of a Split command whose split key
	// is not strictly inside the partition's range or whose new group ID is
	// unusable. The command changes nothing.
	ErrInvalidSplit = errors.New("partition: invalid split")
	// ErrInvalidItem is the result error of a command whose item cannot be
	// stored (a value itemcodec cannot encode). Validation on the router
	// prevents it; the command changes nothing.
	ErrInvalidItem = errors.New("partition: item cannot be stored")
	// ErrSchemaMismatch is the result error of a command whose key schema is
	// not the partition's. The command changes nothing.
	ErrSchemaMismatch = errors.New("partition: key schema does not match the partition's")
	// ErrExists is returned by Create for a group that already has metadata.
	ErrExists = errors.New("partition: partition metadata already exists for group")
	// ErrStateCorrupt is returned by Apply when the stored state contradicts
	// itself (an item count or byte total would go below zero, the new
	// group of a split already exists): the node cannot go on.
	ErrStateCorrupt = errors.New("partition: inconsistent stored state")
)

// WrongRangeError is the result error of a command (or the error of a read)
// whose key lies outside the partition's range, or whose table is not the
// partition's. Nothing changes. A router that gets it refreshes its
// partition map and retries at the partition that now owns the key.
type WrongRangeError struct {
	// Group is the partition's raft group.
	Group uint64
	// Table is the table the partition belongs to.
	Table uint64
	// Key is the storage key that was asked for.
	Key []byte
	// Range is the partition's range when the command applied (End nil:
	// unbounded). It is empty for a replica that holds no partition yet.
	Range keyenc.Range
}

// Error describes the key and the range it fell outside of.
func (e *WrongRangeError) Error() string {
	return fmt.Sprintf("partition: group %d (table %d): key %x outside range [%x, %x)", e.Group, e.Table, e.Key, e.Range.Start, e.Range.End)
}
