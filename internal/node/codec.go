package node

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcodec"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// ErrCorruptMessage reports request or response bytes that the encoders of
// this package cannot produce: truncated, an unknown version or kind, a
// malformed field, or bytes after the end.
var ErrCorruptMessage = errors.New("node: corrupt message")

// maxCount bounds any count read from the wire before the bytes it
// announces are seen, so that a corrupt count cannot make the decoder
// allocate much.
const maxCount = 1 << 24

func appendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// appendOptBytes writes a flag and the bytes, so that nil and empty differ
// (an unbounded range end is nil, an empty one is not).
func appendOptBytes(b, v []byte) []byte {
	b = appendBool(b, v != nil)
	if v != nil {
		b = appendBytes(b, v)
	}
	return b
}

// appendItem writes a flag (nil or not) and the item's itemcodec encoding.
func appendItem(b []byte, item attr.Item) ([]byte, error) {
	b = appendBool(b, item != nil)
	if item == nil {
		return b, nil
	}
	enc, err := itemcodec.Encode(nil, item)
	if err != nil {
		return nil, err
	}
	return appendBytes(b, enc), nil
}

func appendRange(b []byte, r keyenc.Range) []byte {
	b = appendOptBytes(b, r.Start)
	return appendOptBytes(b, r.End)
}

// decoder reads the wire format; the first failure sticks in err and every
// later read returns a zero value.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: %s", ErrCorruptMessage, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) byte(field string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("%s: truncated", field)
		return 0
	}
	v := d.b[d.off]
	d.off++
	return v
}

func (d *decoder) bool(field string) bool {
	switch v := d.byte(field); v {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail("%s: boolean byte %d", field, v)
		return false
	}
}

func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("%s: bad varint", field)
		return 0
	}
	d.off += n
	return v
}

// int reads a uvarint that must fit a non-negative int below maxCount.
func (d *decoder) int(field string) int {
	v := d.uvarint(field)
	if v > maxCount {
		d.fail("%s: %d too large", field, v)
		return 0
	}
	return int(v)
}

func (d *decoder) bytes(field string) []byte {
	n := d.uvarint(field + " length")
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail("%s: length %d past the end", field, n)
		return nil
	}
	v := make([]byte, n)
	copy(v, d.b[d.off:])
	d.off += int(n)
	return v
}

func (d *decoder) string(field string) string { return string(d.bytes(field)) }

func (d *decoder) optBytes(field string) []byte {
	if !d.bool(field + " flag") {
		return nil
	}
	return d.bytes(field)
}

func (d *decoder) item(field string) attr.Item {
	if !d.bool(field + " flag") {
		return nil
	}
	raw := d.bytes(field)
	if d.err != nil {
		return nil
	}
	item, err := itemcodec.Decode(raw)
	if err != nil {
		d.fail("%s: %v", field, err)
		return nil
	}
	return item
}

func (d *decoder) keyRange(field string) keyenc.Range {
	return keyenc.Range{Start: d.optBytes(field + " start"), End: d.optBytes(field + " end")}
}

func (d *decoder) end() {
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d bytes after the end", len(d.b)-d.off)
	}
}
