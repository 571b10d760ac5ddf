package partition

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// FormatVersion is the version of the partition's persistent formats: the
// metadata layout below and the layout of stored item values (see the
// package doc). It is the first byte of every encoded Meta.
const FormatVersion byte = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Meta is a partition's persistent state, stored with Batch.SetMeta under the
// partition's group ID in the same batch as the data of every Apply, so that
// the data and the applied index never disagree after a crash.
type Meta struct {
	// AppliedIndex is the raft index of the last command the state
	// reflects.
	AppliedIndex uint64
	// Table is the ID of the table whose key space the range divides.
	Table uint64
	// Schema is the table's primary key.
	Schema itemcheck.KeySchema
	// Range is the part of the table's key space the partition owns,
	// [Start, End); End nil is unbounded (the end of the table).
	Range keyenc.Range
	// Items is the number of items stored in the range.
	Items uint64
	// Bytes is the sum of the items' sizes as DynamoDB counts them
	// (itemcheck.Size).
	Bytes uint64
}

// Clone returns a deep copy of m.
func (m Meta) Clone() Meta {
	out := m
	out.Range = keyenc.Range{Start: bytes.Clone(m.Range.Start), End: bytes.Clone(m.Range.End)}
	if m.Schema.Sort != nil {
		sk := *m.Schema.Sort
		out.Schema.Sort = &sk
	}
	return out
}

// bounds returns the bytes the partition owns: its range intersected with
// its table's key space. hi nil is unbounded (only for the last table ID).
func (m *Meta) bounds() (lo, hi []byte) {
	tableLo := keyenc.TablePrefix(m.Table)
	tableHi := keyenc.PrefixEnd(tableLo)
	lo = m.Range.Start
	if bytes.Compare(lo, tableLo) < 0 {
		lo = tableLo
	}
	hi = m.Range.End
	if hi == nil || (tableHi != nil && bytes.Compare(tableHi, hi) < 0) {
		hi = tableHi
	}
	return lo, hi
}

// owns reports whether key lies in the partition's bounds.
func (m *Meta) owns(key []byte) bool {
	lo, hi := m.bounds()
	return bytes.Compare(key, lo) >= 0 && (hi == nil || bytes.Compare(key, hi) < 0)
}

// EncodeMeta returns the binary form of m, version FormatVersion:
//
//	version(1 byte) applied table schema start hasEnd [end] items bytes crc
//	schema = pkName pkType(1 byte) hasSort [skName skType(1 byte)]
//
// Integers are unsigned varints, names and keys length-prefixed, booleans
// one byte 0 or 1, types attr.Type values (S, N or B), and crc the CRC-32C of
// everything before it, 4 bytes little endian.
func EncodeMeta(m Meta) []byte {
	b := []byte{FormatVersion}
	b = binary.AppendUvarint(b, m.AppliedIndex)
	b = binary.AppendUvarint(b, m.Table)
	b = appendSchema(b, m.Schema)
	b = appendBytes(b, m.Range.Start)
	b = appendBool(b, m.Range.End != nil)
	if m.Range.End != nil {
		b = appendBytes(b, m.Range.End)
	}
	b = binary.AppendUvarint(b, m.Items)
	b = binary.AppendUvarint(b, m.Bytes)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// DecodeMeta parses bytes written by EncodeMeta. Corrupt input yields an
// error wrapping ErrCorruptMeta. The result does not alias b.
func DecodeMeta(b []byte) (Meta, error) {
	if len(b) < 5 {
		return Meta{}, corruptMeta("%d bytes", len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return Meta{}, corruptMeta("checksum %08x, computed %08x", sum, got)
	}
	d := newDecoder(body, ErrCorruptMeta)
	if v := d.Byte("version"); v != FormatVersion {
		return Meta{}, corruptMeta("unknown format version %d", v)
	}
	var m Meta
	m.AppliedIndex = d.Uvarint("applied index")
	m.Table = d.Uvarint("table")
	m.Schema = d.schema()
	if start := d.Bytes("range start"); len(start) > 0 {
		m.Range.Start = bytes.Clone(start)
	}
	if d.Bool("range end flag") {
		m.Range.End = append([]byte{}, d.Bytes("range end")...)
	}
	m.Items = d.Uvarint("items")
	m.Bytes = d.Uvarint("bytes")
	d.End()
	if d.Err() != nil {
		return Meta{}, d.Err()
	}
	return m, nil
}

func corruptMeta(format string, args ...any) error {
	d := newDecoder(nil, ErrCorruptMeta)
	d.Fail(format, args...)
	return d.Err()
}

func appendSchema(b []byte, s itemcheck.KeySchema) []byte {
	b = appendString(b, s.Partition.Name)
	b = append(b, byte(s.Partition.Type))
	b = appendBool(b, s.Sort != nil)
	if s.Sort != nil {
		b = appendString(b, s.Sort.Name)
		b = append(b, byte(s.Sort.Type))
	}
	return b
}

func (d *decoder) schema() itemcheck.KeySchema {
	var s itemcheck.KeySchema
	s.Partition = d.keyDef("partition key")
	if d.Bool("sort key flag") {
		sk := d.keyDef("sort key")
		s.Sort = &sk
	}
	return s
}

func (d *decoder) keyDef(field string) itemcheck.KeyDef {
	name := d.String(field + " name")
	t := attr.Type(d.Byte(field + " type"))
	// The zero KeyDef is the schema of a replica that holds no partition
	// yet; any other key attribute is S, N or B.
	if d.Err() == nil && !t.IsScalar() && (t != attr.TypeInvalid || name != "") {
		d.Fail("%s type %d is not S, N or B", field, t)
	}
	return itemcheck.KeyDef{Name: name, Type: t}
}

// schemasEqual reports whether two key schemas name the same attributes
// with the same types.
func schemasEqual(a, b itemcheck.KeySchema) bool {
	if a.Partition != b.Partition || (a.Sort == nil) != (b.Sort == nil) {
		return false
	}
	return a.Sort == nil || *a.Sort == *b.Sort
}
