package itemcodec

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Version is the format version byte that starts every encoding.
const Version byte = 0x01

// MaxDepth is the deepest level a value may reach; an attribute's own value
// is level 1. It equals DynamoDB's limit.
const MaxDepth = 32

// Type tags. They are part of the stored format and never change.
const (
	tagS     byte = 0x01
	tagN     byte = 0x02
	tagB     byte = 0x03
	tagFalse byte = 0x04
	tagTrue  byte = 0x05
	tagNull  byte = 0x06
	tagM     byte = 0x07
	tagL     byte = 0x08
	tagSS    byte = 0x09
	tagNS    byte = 0x0A
	tagBS    byte = 0x0B
)

// Nibble codes of packed number text; nibblePad fills the last byte of an odd
// count.
const nibblePad = 0xF

// nibbleChars maps nibble codes 0x0..0xE to characters.
const nibbleChars = "0123456789.-+Ee"

// nibbleOf maps a character to its nibble code, or 0xFF when it has none.
var nibbleOf = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xFF
	}
	for code := range len(nibbleChars) {
		t[nibbleChars[code]] = byte(code)
	}
	return t
}()

// How many map names and set members the encoder sorts without allocating.
const (
	stackNames   = 32
	stackMembers = 16
)

// Encode appends the encoding of item to dst and returns the extended slice.
// It fails only for an item that validation would reject: a value with no
// type, or nesting beyond MaxDepth. On failure dst is returned unchanged.
func Encode(dst []byte, item attr.Item) ([]byte, error) {
	out, err := appendEntries(append(dst, Version), item, 1)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// EncodeValue appends the encoding of the single value v, with its own
// version byte, to dst. It fails as Encode does, and on failure returns dst
// unchanged.
func EncodeValue(dst []byte, v attr.Value) ([]byte, error) {
	out, err := appendValue(append(dst, Version), v, 1)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// appendEntries writes a count and the entries of m in ascending name order;
// the values are at the given level.
func appendEntries(dst []byte, m map[string]attr.Value, level int) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	var stack [stackNames]string
	names := stack[:0]
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	var err error
	for _, name := range names {
		dst = appendString(dst, name)
		if dst, err = appendValue(dst, m[name], level); err != nil {
			return dst, fmt.Errorf("attribute %q: %w", name, err)
		}
	}
	return dst, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendValue writes the tag and body of v, which sits at the given level.
func appendValue(dst []byte, v attr.Value, level int) ([]byte, error) {
	if level > MaxDepth {
		return dst, ErrTooDeep
	}
	var err error
	switch v.Type() {
	case attr.TypeS:
		return appendString(append(dst, tagS), v.S()), nil
	case attr.TypeN:
		return appendNumber(append(dst, tagN), v.N()), nil
	case attr.TypeB:
		return appendString(append(dst, tagB), v.BString()), nil
	case attr.TypeBOOL:
		if v.Bool() {
			return append(dst, tagTrue), nil
		}
		return append(dst, tagFalse), nil
	case attr.TypeNULL:
		return append(dst, tagNull), nil
	case attr.TypeM:
		return appendEntries(append(dst, tagM), v.M(), level+1)
	case attr.TypeL:
		elems := v.L()
		dst = binary.AppendUvarint(append(dst, tagL), uint64(len(elems)))
		for i, e := range elems {
			if dst, err = appendValue(dst, e, level+1); err != nil {
				return dst, fmt.Errorf("list element %d: %w", i, err)
			}
		}
		return dst, nil
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		members := v.SetMembers()
		if !slices.IsSorted(members) {
			var stack [stackMembers]string
			members = append(stack[:0], members...)
			slices.Sort(members)
		}
		tag := tagSS
		switch v.Type() {
		case attr.TypeNS:
			tag = tagNS
		case attr.TypeBS:
			tag = tagBS
		}
		dst = binary.AppendUvarint(append(dst, tag), uint64(len(members)))
		for _, m := range members {
			if tag == tagNS {
				dst = appendNumber(dst, m)
			} else {
				dst = appendString(dst, m)
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("%w: %d", ErrInvalidValue, v.Type())
}

// packable reports whether every character of text has a nibble code.
func packable(text string) bool {
	for i := 0; i < len(text); i++ {
		if nibbleOf[text[i]] == 0xFF {
			return false
		}
	}
	return true
}

// appendNumber writes number text: packed nibbles when every character has a
// code, else raw.
func appendNumber(dst []byte, text string) []byte {
	if !packable(text) {
		dst = binary.AppendUvarint(dst, uint64(len(text))<<1)
		return append(dst, text...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(text))<<1|1)
	for i := 0; i < len(text); i += 2 {
		hi := nibbleOf[text[i]]
		lo := byte(nibblePad)
		if i+1 < len(text) {
			lo = nibbleOf[text[i+1]]
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst
}
