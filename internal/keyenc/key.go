package keyenc

import (
	"encoding/binary"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Sizes of the fixed-width fields at the front of every key.
const (
	tableIDLen = 8
	hashLen    = 8
	headerLen  = tableIDLen + hashLen
)

// Key returns the storage key of the item whose partition key is pk and whose
// sort key is sk in the table with the given ID. sk is the zero attr.Value
// (TypeInvalid) for a table without a sort key. Equal keys give equal bytes,
// and bytes.Compare orders keys by (table, Hash64(partition key component),
// partition key, sort key).
func Key(table uint64, pk, sk attr.Value) ([]byte, error) {
	return AppendKey(make([]byte, 0, keySizeHint(pk, sk)), table, pk, sk)
}

// keySizeHint guesses the encoded size so that Key allocates once in the usual
// case (no zero bytes, short numbers).
func keySizeHint(pk, sk attr.Value) int {
	return headerLen + len(pk.Scalar()) + len(sk.Scalar()) + 2*8
}

// AppendKey appends the storage key (see Key) to dst. On failure dst is
// returned unchanged.
func AppendKey(dst []byte, table uint64, pk, sk attr.Value) ([]byte, error) {
	start := len(dst)
	out, err := AppendCollectionPrefix(dst, table, pk)
	if err != nil {
		return dst[:start], err
	}
	if !sk.IsValid() {
		return out, nil
	}
	out, err = AppendValue(out, sk)
	if err != nil {
		return dst[:start], fmt.Errorf("sort key: %w", err)
	}
	return out, nil
}

// TablePrefix returns the prefix shared by every key of the table: its ID, 8
// bytes big endian. The keys of table t lie in
// [TablePrefix(t), PrefixEnd(TablePrefix(t))), below every key of table t+1.
func TablePrefix(table uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, tableIDLen), table)
}

// CollectionPrefix returns the prefix shared by every key of one item
// collection: the table ID, the partition key's hash and the partition key.
// A key has this prefix exactly when it belongs to the collection. For a
// table without a sort key the prefix is the whole key.
func CollectionPrefix(table uint64, pk attr.Value) ([]byte, error) {
	return AppendCollectionPrefix(make([]byte, 0, keySizeHint(pk, attr.Value{})), table, pk)
}

// AppendCollectionPrefix appends CollectionPrefix(table, pk) to dst. On
// failure dst is returned unchanged.
func AppendCollectionPrefix(dst []byte, table uint64, pk attr.Value) ([]byte, error) {
	start := len(dst)
	out := binary.BigEndian.AppendUint64(dst, table)
	out = append(out, make([]byte, hashLen)...)
	out, err := AppendValue(out, pk)
	if err != nil {
		return dst[:start], fmt.Errorf("partition key: %w", err)
	}
	binary.BigEndian.PutUint64(out[start+tableIDLen:], Hash64(out[start+headerLen:]))
	return out, nil
}

// PrefixEnd returns the smallest key greater than every key that has the
// given prefix: the prefix without its trailing 0xFF bytes, with its last byte
// incremented. It returns nil, meaning "no upper bound", when the prefix is
// empty or all 0xFF. The result is a new slice.
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := make([]byte, i+1)
			copy(end, prefix[:i+1])
			end[i]++
			return end
		}
	}
	return nil
}

// Decode splits a key made by Key back into the table ID, partition key and
// sort key (the zero Value when the key has none). Numbers come back as
// canonical text. It fails on bytes that Key cannot produce, including a hash
// that does not match the partition key.
func Decode(key []byte) (table uint64, pk, sk attr.Value, err error) {
	if len(key) < headerLen {
		return 0, attr.Value{}, attr.Value{}, fmt.Errorf("%w: key of %d bytes is shorter than its %d-byte header", ErrCorrupt, len(key), headerLen)
	}
	table = binary.BigEndian.Uint64(key)
	hash := binary.BigEndian.Uint64(key[tableIDLen:])
	rest := key[headerLen:]
	pk, n, err := DecodeValue(rest)
	if err != nil {
		return 0, attr.Value{}, attr.Value{}, fmt.Errorf("partition key: %w", err)
	}
	if got := Hash64(rest[:n]); got != hash {
		return 0, attr.Value{}, attr.Value{}, fmt.Errorf("%w: key hash %016x, partition key hashes to %016x", ErrCorrupt, hash, got)
	}
	rest = rest[n:]
	if len(rest) == 0 {
		return table, pk, attr.Value{}, nil
	}
	sk, n, err = DecodeValue(rest)
	if err != nil {
		return 0, attr.Value{}, attr.Value{}, fmt.Errorf("sort key: %w", err)
	}
	if n != len(rest) {
		return 0, attr.Value{}, attr.Value{}, fmt.Errorf("%w: %d bytes after the sort key", ErrCorrupt, len(rest)-n)
	}
	return table, pk, sk, nil
}
