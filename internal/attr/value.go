// Package attr is the item model: Item and Value, DynamoDB's ten attribute
// types, as plain immutable values. It holds no validation that needs
// DynamoDB's error texts (see internal/itemcheck) and no encoding (see
// internal/itemcodec and internal/keyenc), so every other package can use it.
//
// A Value is immutable once built: constructors copy what they are given and
// accessors return copies or read-only views documented as such. Numbers are
// kept as decimal text; internal/itemcheck parses, validates and canonicalises
// them.
package attr

import (
	"bytes"
	"slices"
	"sort"
	"strings"
)

// Type is one of DynamoDB's ten attribute types.
type Type uint8

// The attribute types. TypeInvalid is the zero Value's type; it is never valid
// in an item.
const (
	TypeInvalid Type = iota
	TypeS
	TypeN
	TypeB
	TypeBOOL
	TypeNULL
	TypeM
	TypeL
	TypeSS
	TypeNS
	TypeBS
)

var typeNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// String returns DynamoDB's descriptor for the type: "S", "N", "SS" and so on.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "INVALID"
}

// ParseType returns the type whose descriptor is s ("S", "NS", "BOOL" ...).
func ParseType(s string) (Type, bool) {
	for i, name := range typeNames {
		if i > 0 && name == s {
			return Type(i), true
		}
	}
	return TypeInvalid, false
}

// IsSet reports whether t is SS, NS or BS.
func (t Type) IsSet() bool { return t == TypeSS || t == TypeNS || t == TypeBS }

// IsScalar reports whether t is S, N or B, the types a key attribute may have.
func (t Type) IsScalar() bool { return t == TypeS || t == TypeN || t == TypeB }

// Value is one attribute value. The zero Value is invalid (TypeInvalid).
type Value struct {
	typ Type
	// str holds S text, N decimal text, B bytes (as a string, so the value is
	// immutable) and BOOL as "t" or "".
	str  string
	list []Value          // L
	m    map[string]Value // M
	set  []string         // SS, NS (decimal text), BS (bytes as strings)
}

// Item is a map of attribute name to value: one DynamoDB item, or a key.
type Item map[string]Value

// S returns a string value.
func S(s string) Value { return Value{typ: TypeS, str: s} }

// N returns a number value from its decimal text, as DynamoDB's wire format
// carries it ("42", "-1.5", "6.02E23"). The text is validated and made
// canonical when the item is validated, not here.
func N(text string) Value { return Value{typ: TypeN, str: text} }

// B returns a binary value; b is copied.
func B(b []byte) Value { return Value{typ: TypeB, str: string(b)} }

// Bool returns a BOOL value.
func Bool(b bool) Value {
	if b {
		return Value{typ: TypeBOOL, str: "t"}
	}
	return Value{typ: TypeBOOL}
}

// Null returns the NULL value.
func Null() Value { return Value{typ: TypeNULL} }

// M returns a map value; the map is copied (shallowly: values are immutable).
func M(m map[string]Value) Value {
	c := make(map[string]Value, len(m))
	for k, v := range m {
		c[k] = v
	}
	return Value{typ: TypeM, m: c}
}

// L returns a list value; the slice is copied. L() is a valid, empty list.
func L(vs ...Value) Value {
	return Value{typ: TypeL, list: slices.Clone(vs)}
}

// SS returns a string set. Order is kept as given; duplicates are kept so that
// validation can reject them as DynamoDB does.
func SS(ss ...string) Value { return Value{typ: TypeSS, set: slices.Clone(ss)} }

// NS returns a number set from decimal texts.
func NS(ns ...string) Value { return Value{typ: TypeNS, set: slices.Clone(ns)} }

// BS returns a binary set; each member is copied.
func BS(bs ...[]byte) Value {
	set := make([]string, len(bs))
	for i, b := range bs {
		set[i] = string(b)
	}
	return Value{typ: TypeBS, set: set}
}

// Type returns the value's type.
func (v Value) Type() Type { return v.typ }

// IsValid reports whether v has a type (is not the zero Value).
func (v Value) IsValid() bool { return v.typ != TypeInvalid }

// S returns the text of an S value, "" for other types.
func (v Value) S() string {
	if v.typ != TypeS {
		return ""
	}
	return v.str
}

// N returns the decimal text of an N value, "" for other types.
func (v Value) N() string {
	if v.typ != TypeN {
		return ""
	}
	return v.str
}

// B returns a copy of the bytes of a B value, nil for other types.
func (v Value) B() []byte {
	if v.typ != TypeB {
		return nil
	}
	return []byte(v.str)
}

// BString returns the bytes of a B value as a string, without copying.
func (v Value) BString() string {
	if v.typ != TypeB {
		return ""
	}
	return v.str
}

// Scalar returns the raw text of an S, N or B value (B as a byte string) and
// "" for other types. Key encoding and hashing use it.
func (v Value) Scalar() string {
	if v.typ.IsScalar() {
		return v.str
	}
	return ""
}

// Bool returns the value of a BOOL, false for other types.
func (v Value) Bool() bool { return v.typ == TypeBOOL && v.str != "" }

// IsNull reports whether v is the NULL value.
func (v Value) IsNull() bool { return v.typ == TypeNULL }

// L returns the elements of an L value. The slice must not be modified.
func (v Value) L() []Value {
	if v.typ != TypeL {
		return nil
	}
	return v.list
}

// M returns the members of an M value. The map must not be modified.
func (v Value) M() map[string]Value {
	if v.typ != TypeM {
		return nil
	}
	return v.m
}

// SS returns the members of an SS value. The slice must not be modified.
func (v Value) SS() []string {
	if v.typ != TypeSS {
		return nil
	}
	return v.set
}

// NS returns the decimal texts of an NS value. The slice must not be modified.
func (v Value) NS() []string {
	if v.typ != TypeNS {
		return nil
	}
	return v.set
}

// BS returns copies of the members of a BS value.
func (v Value) BS() [][]byte {
	if v.typ != TypeBS {
		return nil
	}
	out := make([][]byte, len(v.set))
	for i, s := range v.set {
		out[i] = []byte(s)
	}
	return out
}

// SetMembers returns the members of an SS, NS or BS value as strings (BS
// members as byte strings). The slice must not be modified.
func (v Value) SetMembers() []string {
	if !v.typ.IsSet() {
		return nil
	}
	return v.set
}

// Len returns the number of elements of an L, M or set value, and 0 otherwise.
func (v Value) Len() int {
	switch v.typ {
	case TypeL:
		return len(v.list)
	case TypeM:
		return len(v.m)
	case TypeSS, TypeNS, TypeBS:
		return len(v.set)
	}
	return 0
}

// WithNumberText returns the N value v with its text replaced by text (the
// canonical form, after parsing); other values are returned unchanged.
func WithNumberText(v Value, text string) Value {
	if v.typ != TypeN {
		return v
	}
	return Value{typ: TypeN, str: text}
}

// NewSetUnchecked returns a set value of type t (SS, NS or BS) that takes
// ownership of members without copying. Callers must not modify members
// afterwards.
func NewSetUnchecked(t Type, members []string) Value {
	if !t.IsSet() {
		panic("attr: NewSetUnchecked of non-set type " + t.String())
	}
	return Value{typ: t, set: members}
}

// NewListUnchecked returns an L value that takes ownership of elems.
func NewListUnchecked(elems []Value) Value { return Value{typ: TypeL, list: elems} }

// NewMapUnchecked returns an M value that takes ownership of m.
func NewMapUnchecked(m map[string]Value) Value {
	if m == nil {
		m = map[string]Value{}
	}
	return Value{typ: TypeM, m: m}
}

// Equal reports whether a and b are the same value. Numbers compare by their
// text, so both must be canonical (validated) for numeric equality; sets
// compare by membership, regardless of order.
func Equal(a, b Value) bool {
	if a.typ != b.typ {
		return false
	}
	switch a.typ {
	case TypeInvalid, TypeNULL:
		return true
	case TypeS, TypeN, TypeB, TypeBOOL:
		return a.str == b.str
	case TypeL:
		if len(a.list) != len(b.list) {
			return false
		}
		for i := range a.list {
			if !Equal(a.list[i], b.list[i]) {
				return false
			}
		}
		return true
	case TypeM:
		return ItemsEqual(a.m, b.m)
	case TypeSS, TypeNS, TypeBS:
		if len(a.set) != len(b.set) {
			return false
		}
		as, bs := slices.Clone(a.set), slices.Clone(b.set)
		sort.Strings(as)
		sort.Strings(bs)
		return slices.Equal(as, bs)
	}
	return false
}

// ItemsEqual reports whether two items hold the same attributes with equal
// values.
func ItemsEqual(a, b map[string]Value) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !Equal(av, bv) {
			return false
		}
	}
	return true
}

// Clone returns a copy of the item's top-level map; values are immutable and
// shared.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v
	}
	return c
}

// String renders v in DynamoDB's JSON shape, for messages and debugging.
func (v Value) String() string {
	var sb strings.Builder
	writeValue(&sb, v)
	return sb.String()
}

// String renders the item in DynamoDB's JSON shape with sorted names.
func (it Item) String() string {
	var sb strings.Builder
	writeMap(&sb, it)
	return sb.String()
}

func writeValue(sb *strings.Builder, v Value) {
	sb.WriteString(`{"`)
	sb.WriteString(v.typ.String())
	sb.WriteString(`":`)
	switch v.typ {
	case TypeS, TypeN:
		writeQuoted(sb, v.str)
	case TypeB:
		writeQuoted(sb, hexOf(v.str))
	case TypeBOOL:
		if v.str != "" {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case TypeNULL:
		sb.WriteString("true")
	case TypeL:
		sb.WriteByte('[')
		for i, e := range v.list {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeValue(sb, e)
		}
		sb.WriteByte(']')
	case TypeM:
		writeMap(sb, v.m)
	case TypeSS, TypeNS, TypeBS:
		sb.WriteByte('[')
		for i, e := range v.set {
			if i > 0 {
				sb.WriteByte(',')
			}
			if v.typ == TypeBS {
				e = hexOf(e)
			}
			writeQuoted(sb, e)
		}
		sb.WriteByte(']')
	default:
		sb.WriteString("null")
	}
	sb.WriteByte('}')
}

func writeMap(sb *strings.Builder, m map[string]Value) {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	sb.WriteByte('{')
	for i, k := range names {
		if i > 0 {
			sb.WriteByte(',')
		}
		writeQuoted(sb, k)
		sb.WriteByte(':')
		writeValue(sb, m[k])
	}
	sb.WriteByte('}')
}

func writeQuoted(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case '\n':
			sb.WriteString(`\n`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b bytes.Buffer
	b.WriteString("0x")
	for i := 0; i < len(s); i++ {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&0xf])
	}
	return b.String()
}
