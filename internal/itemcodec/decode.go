package itemcodec

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Minimum encoded sizes, which bound the element count a length prefix may
// claim: an entry is a name length and a tag, a list element a tag, a set
// member a length (or number header).
const (
	minEntrySize  = 2
	minElemSize   = 1
	minMemberSize = 1
)

// Decode decodes an item encoded by Encode. Every error wraps ErrCorrupt and
// names the offset and the problem.
func Decode(b []byte) (attr.Item, error) {
	var d decoder
	if err := d.init(b); err != nil {
		return nil, err
	}
	m, err := d.entries(1)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeValue decodes a value encoded by EncodeValue.
func DecodeValue(b []byte) (attr.Value, error) {
	var d decoder
	if err := d.init(b); err != nil {
		return attr.Value{}, err
	}
	v, err := d.value(1)
	if err != nil {
		return attr.Value{}, err
	}
	if err := d.end(); err != nil {
		return attr.Value{}, err
	}
	return v, nil
}

// decoder reads an encoding. The input is copied once into s, so that names
// and S values are substrings of it rather than allocations of their own.
type decoder struct {
	b   []byte
	s   string
	pos int
}

// init checks the version byte and readies d to read what follows it.
func (d *decoder) init(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: %w: empty input", ErrCorrupt, ErrTruncated)
	}
	if b[0] != Version {
		return fmt.Errorf("%w: %w: 0x%02x", ErrCorrupt, ErrVersion, b[0])
	}
	*d = decoder{b: b, s: string(b), pos: 1}
	return nil
}

func (d *decoder) fail(err error, format string, args ...any) error {
	return fmt.Errorf("%w: %w at offset %d: %s", ErrCorrupt, err, d.pos, fmt.Sprintf(format, args...))
}

func (d *decoder) remaining() int { return len(d.b) - d.pos }

func (d *decoder) end() error {
	if d.remaining() != 0 {
		return d.fail(ErrTrailing, "%d bytes after the end", d.remaining())
	}
	return nil
}

func (d *decoder) byte() (byte, error) {
	if d.pos >= len(d.b) {
		return 0, d.fail(ErrTruncated, "expected a byte")
	}
	c := d.b[d.pos]
	d.pos++
	return c, nil
}

// uvarint reads a varint in its shortest form.
func (d *decoder) uvarint() (uint64, error) {
	x, n := binary.Uvarint(d.b[d.pos:])
	switch {
	case n == 0:
		return 0, d.fail(ErrTruncated, "varint")
	case n < 0:
		return 0, d.fail(ErrVarint, "overflows 64 bits")
	case n > 1 && d.b[d.pos+n-1] == 0:
		return 0, d.fail(ErrVarint, "not in shortest form")
	}
	d.pos += n
	return x, nil
}

// count reads an element count and checks that the rest of the input can
// hold that many elements of at least minSize bytes each.
func (d *decoder) count(minSize int) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(d.remaining()/minSize) {
		return 0, d.fail(ErrLength, "count %d with %d bytes left", n, d.remaining())
	}
	return int(n), nil
}

// str reads a length-prefixed byte string as a substring of the input.
func (d *decoder) str() (string, error) {
	n, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if n > uint64(d.remaining()) {
		return "", d.fail(ErrLength, "length %d with %d bytes left", n, d.remaining())
	}
	s := d.s[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return s, nil
}

// entries reads a count and that many name/value entries whose values are at
// the given level.
func (d *decoder) entries(level int) (map[string]attr.Value, error) {
	n, err := d.count(minEntrySize)
	if err != nil {
		return nil, err
	}
	m := make(map[string]attr.Value, n)
	prev := ""
	for i := range n {
		name, err := d.str()
		if err != nil {
			return nil, err
		}
		if i > 0 && name <= prev {
			return nil, d.fail(ErrOrder, "name %q after %q", name, prev)
		}
		prev = name
		v, err := d.value(level)
		if err != nil {
			return nil, err
		}
		m[name] = v
	}
	return m, nil
}

// value reads one tagged value at the given level.
func (d *decoder) value(level int) (attr.Value, error) {
	if level > MaxDepth {
		return attr.Value{}, d.fail(ErrTooDeep, "level %d", level)
	}
	tag, err := d.byte()
	if err != nil {
		return attr.Value{}, err
	}
	switch tag {
	case tagS:
		s, err := d.str()
		if err != nil {
			return attr.Value{}, err
		}
		return attr.S(s), nil
	case tagB:
		s, err := d.str()
		if err != nil {
			return attr.Value{}, err
		}
		return attr.B([]byte(s)), nil
	case tagN:
		s, err := d.number()
		if err != nil {
			return attr.Value{}, err
		}
		return attr.N(s), nil
	case tagFalse:
		return attr.Bool(false), nil
	case tagTrue:
		return attr.Bool(true), nil
	case tagNull:
		return attr.Null(), nil
	case tagM:
		m, err := d.entries(level + 1)
		if err != nil {
			return attr.Value{}, err
		}
		return attr.NewMapUnchecked(m), nil
	case tagL:
		n, err := d.count(minElemSize)
		if err != nil {
			return attr.Value{}, err
		}
		elems := make([]attr.Value, n)
		for i := range elems {
			if elems[i], err = d.value(level + 1); err != nil {
				return attr.Value{}, err
			}
		}
		return attr.NewListUnchecked(elems), nil
	case tagSS, tagNS, tagBS:
		return d.set(tag)
	}
	d.pos--
	return attr.Value{}, d.fail(ErrTag, "tag 0x%02x", tag)
}

func (d *decoder) set(tag byte) (attr.Value, error) {
	n, err := d.count(minMemberSize)
	if err != nil {
		return attr.Value{}, err
	}
	members := make([]string, n)
	for i := range members {
		if tag == tagNS {
			members[i], err = d.number()
		} else {
			members[i], err = d.str()
		}
		if err != nil {
			return attr.Value{}, err
		}
		if i > 0 && members[i] < members[i-1] {
			return attr.Value{}, d.fail(ErrOrder, "set member %q after %q", members[i], members[i-1])
		}
	}
	typ := attr.TypeSS
	switch tag {
	case tagNS:
		typ = attr.TypeNS
	case tagBS:
		typ = attr.TypeBS
	}
	return attr.NewSetUnchecked(typ, members), nil
}

// number reads number text in packed or raw form.
func (d *decoder) number() (string, error) {
	h, err := d.uvarint()
	if err != nil {
		return "", err
	}
	chars := h >> 1
	if h&1 == 0 {
		if chars > uint64(d.remaining()) {
			return "", d.fail(ErrLength, "number of %d bytes with %d bytes left", chars, d.remaining())
		}
		text := d.s[d.pos : d.pos+int(chars)]
		if packable(text) {
			return "", d.fail(ErrNumber, "raw number text %q has a packed form", text)
		}
		d.pos += int(chars)
		return text, nil
	}
	size := (chars + 1) / 2
	if size > uint64(d.remaining()) {
		return "", d.fail(ErrLength, "number of %d characters with %d bytes left", chars, d.remaining())
	}
	var sb strings.Builder
	sb.Grow(int(chars))
	packed := d.b[d.pos : d.pos+int(size)]
	for i, c := range packed {
		hi, lo := c>>4, c&0xF
		if hi == nibblePad {
			return "", d.fail(ErrNumber, "pad nibble in the high half of byte %d", i)
		}
		sb.WriteByte(nibbleChars[hi])
		if lo == nibblePad {
			if uint64(2*i+1) != chars {
				return "", d.fail(ErrNumber, "pad nibble inside the number")
			}
			continue
		}
		if uint64(2*i+1) == chars {
			return "", d.fail(ErrNumber, "odd-length number not padded with 0xF")
		}
		sb.WriteByte(nibbleChars[lo])
	}
	d.pos += int(size)
	return sb.String(), nil
}
