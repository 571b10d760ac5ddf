package node

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/binenc"
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

func appendBytes(b, v []byte) []byte { return binenc.AppendBytes(b, v) }

func appendString(b []byte, s string) []byte { return binenc.AppendString(b, s) }

func appendBool(b []byte, v bool) []byte { return binenc.AppendBool(b, v) }

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

// decoder reads the wire format over binenc's primitives; the first failure
// sticks and every later read returns a zero value.
type decoder struct{ *binenc.Decoder }

func newDecoder(raw []byte) decoder {
	return decoder{binenc.NewDecoder(raw, ErrCorruptMessage)}
}

// int reads a uvarint that must fit a non-negative int below maxCount.
func (d *decoder) int(field string) int {
	v := d.Uvarint(field)
	if v > maxCount {
		d.Fail("%s: %d too large", field, v)
		return 0
	}
	return int(v)
}

func (d *decoder) optBytes(field string) []byte {
	if !d.Bool(field + " flag") {
		return nil
	}
	return d.CopyBytes(field)
}

func (d *decoder) item(field string) attr.Item {
	if !d.Bool(field + " flag") {
		return nil
	}
	raw := d.CopyBytes(field)
	if d.Err() != nil {
		return nil
	}
	item, err := itemcodec.Decode(raw)
	if err != nil {
		d.Fail("%s: %v", field, err)
		return nil
	}
	return item
}

func (d *decoder) keyRange(field string) keyenc.Range {
	return keyenc.Range{Start: d.optBytes(field + " start"), End: d.optBytes(field + " end")}
}

// float reads a float64 written as its IEEE 754 bits in a uvarint; NaN
// and infinities are refused.
func (d *decoder) float(field string) float64 {
	v := math.Float64frombits(d.Uvarint(field))
	if d.Err() != nil {
		return 0
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		d.Fail("%s: %v", field, v)
		return 0
	}
	return v
}
