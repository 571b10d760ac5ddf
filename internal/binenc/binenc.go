// Package binenc holds the primitives shared by the project's versioned
// binary encodings (partition commands and metadata, node requests, catalog
// records): unsigned varints in their shortest form, length-prefixed byte
// strings and one-byte booleans.
//
// Decoder treats its input as untrusted: every length is checked against the
// bytes left, a count cannot promise more elements than the bytes left could
// hold, and only the forms the encoder writes are accepted, so each value has
// exactly one encoding. The first failure sticks; later reads return zero
// values, so a caller checks Err once after a group of reads.
package binenc

import (
	"encoding/binary"
	"fmt"
)

// AppendBytes appends b with its length as a uvarint prefix.
func AppendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// AppendString appends s with its length as a uvarint prefix.
func AppendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendBool appends v as one byte, 1 or 0.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// Decoder reads the primitives from a byte slice.
type Decoder struct {
	b    []byte
	off  int
	err  error
	base error
}

// NewDecoder returns a decoder over b whose errors wrap base (a package's
// "corrupt input" sentinel), so callers can match them with errors.Is.
func NewDecoder(b []byte, base error) *Decoder {
	return &Decoder{b: b, base: base}
}

// Err returns the first failure, or nil.
func (d *Decoder) Err() error { return d.err }

// Remaining returns the number of bytes not yet read.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

// Rest returns the bytes not yet read, aliasing the input.
func (d *Decoder) Rest() []byte { return d.b[d.off:] }

// Fail records a failure at the current offset unless one is recorded.
func (d *Decoder) Fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d: %s", d.base, d.off, fmt.Sprintf(format, args...))
	}
}

// Adopt takes other's failure (a decoder over a nested body) unless d has
// one already, and reports whether d is still without failure.
func (d *Decoder) Adopt(other *Decoder) bool {
	if d.err == nil && other.err != nil {
		d.err = other.err
	}
	return d.err == nil
}

// Byte reads one byte.
func (d *Decoder) Byte(field string) byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.Fail("truncated in %s", field)
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

// Bool reads a one-byte boolean; any byte but 0 and 1 is a failure.
func (d *Decoder) Bool(field string) bool {
	switch c := d.Byte(field); c {
	case 0:
		return false
	case 1:
		return true
	default:
		d.Fail("%s: boolean byte 0x%02x", field, c)
		return false
	}
}

// Uvarint reads an unsigned varint in its shortest form.
func (d *Decoder) Uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.Fail("malformed varint in %s", field)
		return 0
	}
	// Only the shortest form: a final byte of zero bits is redundant.
	if n > 1 && d.b[d.off+n-1] == 0 {
		d.Fail("non-minimal varint in %s", field)
		return 0
	}
	d.off += n
	return v
}

// Count reads an element count and checks that the bytes left could hold
// that many elements of at least minSize bytes each, so that a corrupt count
// cannot force a large allocation.
func (d *Decoder) Count(field string, minSize int) int {
	n := d.Uvarint(field)
	if d.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if n > uint64(d.Remaining()/minSize) {
		d.Fail("%s: count %d exceeds the %d bytes left", field, n, d.Remaining())
		return 0
	}
	return int(n)
}

// Bytes reads a length-prefixed byte string. The result aliases the input.
func (d *Decoder) Bytes(field string) []byte {
	n := d.Uvarint(field)
	if d.err != nil {
		return nil
	}
	if n > uint64(d.Remaining()) {
		d.Fail("%s: length %d exceeds the %d bytes left", field, n, d.Remaining())
		return nil
	}
	out := d.b[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return out
}

// CopyBytes reads a length-prefixed byte string into a new slice.
func (d *Decoder) CopyBytes(field string) []byte {
	b := d.Bytes(field)
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// String reads a length-prefixed string.
func (d *Decoder) String(field string) string { return string(d.Bytes(field)) }

// End fails unless every byte was read.
func (d *Decoder) End() {
	if d.err == nil && d.Remaining() != 0 {
		d.Fail("%d bytes after the end", d.Remaining())
	}
}
