package partition

import (
	"encoding/binary"
	"fmt"
)

// wire.go holds the primitives of the binary encodings of this package
// (commands and metadata): unsigned varints in their shortest form,
// length-prefixed byte strings, and one-byte booleans. The decoder treats its
// input as untrusted: every length is checked against the bytes left, and
// only the forms the encoder writes are accepted, so each value has exactly
// one encoding.

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// decoder reads the primitives from b. The first failure is kept in err;
// later reads return zero values, so a caller checks err once at the end of
// a group of reads.
type decoder struct {
	b   []byte
	err error
	// what names the encoding in error messages ("command", "meta").
	what error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", d.what, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) byte(field string) byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("truncated in %s", field)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bool(field string) bool {
	switch c := d.byte(field); c {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail("%s: boolean byte 0x%02x", field, c)
		return false
	}
}

func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("malformed varint in %s", field)
		return 0
	}
	// Only the shortest form: a non-final byte of zero bits is redundant.
	if n > 1 && d.b[n-1] == 0 {
		d.fail("non-minimal varint in %s", field)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads an element count and checks that the bytes left could hold
// that many elements of at least minSize bytes each, so that a corrupt count
// cannot force a large allocation.
func (d *decoder) count(field string, minSize int) int {
	n := d.uvarint(field)
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/minSize) {
		d.fail("%s: count %d exceeds the %d bytes left", field, n, len(d.b))
		return 0
	}
	return int(n)
}

// bytes returns the next length-prefixed byte string, aliasing the input.
func (d *decoder) bytes(field string) []byte {
	n := d.uvarint(field)
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("%s: length %d exceeds the %d bytes left", field, n, len(d.b))
		return nil
	}
	out := d.b[:n:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) string(field string) string { return string(d.bytes(field)) }

// end fails unless every byte was consumed.
func (d *decoder) end() {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the end", len(d.b))
	}
}
