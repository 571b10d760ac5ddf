package wire

import (
	"encoding/base64"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// MaxDecodeDepth bounds how deeply the decoder follows nested maps and lists
// (an attribute's own value is level 1). It is above itemcheck.MaxDepth, so
// every value DynamoDB accepts decodes, and a deeper one gets the nesting
// ValidationException DynamoDB would give it instead of exhausting the
// stack.
const MaxDecodeDepth = 2 * itemcheck.MaxDepth

// DynamoDB's messages for AttributeValues it cannot read. The
// SerializationException texts are those of DynamoDB's current request
// parser, as dynalite's type tests (run against DynamoDB) record them; they
// name Java types because the parser is written in Java.
const (
	// MsgEmptyValue is the ValidationException for a value with no type.
	MsgEmptyValue = itemcheck.MsgEmptyValue
	// MsgMultipleTypes is the ValidationException for a value with more than
	// one type.
	MsgMultipleTypes = "Supplied AttributeValue has more than one datatypes set, " +
		"must contain exactly one of the supported datatypes"
	// MsgNullFalse is the ValidationException for {"NULL": false}.
	MsgNullFalse = "One or more parameter values were invalid: Null attribute value types must have the value of true"

	msgObjectNotExpected = "Start of structure or map found where not expected"
	msgUnexpectedField   = "Unexpected field type"
	msgUnexpectedValue   = "Unexpected value type in payload"
	msgUnexpectedToken   = "Unexpected token received from parser"
	msgBlobNotString     = "only base-64-encoded strings are convertible to bytes"
	msgBase64LastChar    = "Invalid last non-pad Base64 character dectected"
	msgCollection        = "Unrecognized collection type "
	classAttributeValue  = "class com.amazonaws.dynamodb.v20120810.AttributeValue"
	classAttributeMap    = "java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"
)

// AttributeError is a ValidationException found in the value of one
// top-level attribute (or key of ExpressionAttributeValues). Name lets the
// API layer add the context DynamoDB adds ("... for key :v"). It unwraps to
// the *dberr.ValidationException.
type AttributeError struct {
	Name string
	Err  *dberr.ValidationException
}

func (e *AttributeError) Error() string { return e.Err.Error() }

// Unwrap returns the ValidationException.
func (e *AttributeError) Unwrap() error { return e.Err }

// DecodeValue decodes one AttributeValue ({"S":"x"}, {"M":{...}} ...).
// Numbers keep their text as sent; itemcheck validates them. Errors are
// *dberr.SerializationException for JSON that does not have the shape of an
// AttributeValue (these win over validation errors anywhere in the input, as
// DynamoDB parses the whole request first) and *dberr.ValidationException
// for an AttributeValue without exactly one type or with NULL false.
func DecodeValue(data []byte) (attr.Value, error) {
	d := decoder{data: data}
	d.skipSpace()
	v, err := d.value(1)
	if err != nil {
		return attr.Value{}, err
	}
	if err := d.end(); err != nil {
		return attr.Value{}, err
	}
	if d.invalid != nil {
		return attr.Value{}, d.invalid
	}
	return v, nil
}

// DecodeItem decodes a map of attribute names to AttributeValues: an Item,
// a Key, ExpressionAttributeValues. JSON null decodes to a nil Item. Errors
// are as for DecodeValue; a ValidationException comes wrapped in an
// *AttributeError naming the attribute.
func DecodeItem(data []byte) (attr.Item, error) {
	d := decoder{data: data}
	d.skipSpace()
	item, err := d.item()
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	if d.invalid != nil {
		return nil, d.invalid
	}
	return item, nil
}

// DecodeItems decodes a JSON list of items (BatchGetItem's Keys, for
// instance). JSON null decodes to nil.
func DecodeItems(data []byte) ([]attr.Item, error) {
	d := decoder{data: data}
	d.skipSpace()
	if d.literal("null") {
		return nil, d.end()
	}
	if err := d.expectList(); err != nil {
		return nil, err
	}
	items := []attr.Item{}
	for more, err := d.firstElement(); more || err != nil; more, err = d.nextElement() {
		if err != nil {
			return nil, err
		}
		item, err := d.item()
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	if d.invalid != nil {
		return nil, d.invalid
	}
	return items, nil
}

// decoder is a hand-written scanner over one JSON text. It stops at the
// first SerializationException and remembers the first ValidationException,
// which it reports only if the whole text reads.
type decoder struct {
	data    []byte
	pos     int
	invalid error
	attr    string // top-level attribute being decoded, for AttributeError
	scratch []byte // decoded base64, reused
}

func serialization(msg string) error { return &dberr.SerializationException{Message: msg} }

// syntaxError is DynamoDB's answer to text that is not JSON: a
// SerializationException without a message.
func syntaxError() error { return &dberr.SerializationException{} }

// validation returns a ValidationException, wrapped in an AttributeError
// when the decoder is inside a named top-level attribute.
func (d *decoder) validation(msg string) error {
	ve := &dberr.ValidationException{Message: msg}
	if d.attr != "" {
		return &AttributeError{Name: d.attr, Err: ve}
	}
	return ve
}

// invalidValue records a ValidationException unless one is recorded.
func (d *decoder) invalidValue(msg string) {
	if d.invalid == nil {
		d.invalid = d.validation(msg)
	}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) end() error {
	d.skipSpace()
	if d.pos != len(d.data) {
		return syntaxError()
	}
	return nil
}

func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// literal consumes word (true, false, null) if it is next.
func (d *decoder) literal(word string) bool {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return true
	}
	return false
}

// token kinds, for choosing DynamoDB's message for a value of the wrong
// JSON type.
type kind uint8

const (
	kindBad kind = iota
	kindObject
	kindArray
	kindString
	kindTrue
	kindFalse
	kindNull
	kindInt
	kindDecimal
)

// next reports the kind of the value at pos without consuming it; numbers
// are scanned to tell integers from decimals.
func (d *decoder) next() kind {
	switch c := d.peek(); {
	case c == '{':
		return kindObject
	case c == '[':
		return kindArray
	case c == '"':
		return kindString
	case c == 't':
		return kindTrue
	case c == 'f':
		return kindFalse
	case c == 'n':
		return kindNull
	case c == '-' || '0' <= c && c <= '9':
		end, decimal, ok := scanNumber(d.data, d.pos)
		if !ok || end == d.pos {
			return kindBad
		}
		if decimal {
			return kindDecimal
		}
		return kindInt
	}
	return kindBad
}

func scanNumber(data []byte, pos int) (end int, decimal, ok bool) {
	i := pos
	if i < len(data) && data[i] == '-' {
		i++
	}
	digits := i
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	if i == digits || data[digits] == '0' && i-digits > 1 {
		return i, false, false
	}
	if i < len(data) && data[i] == '.' {
		decimal = true
		i++
		frac := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		if i == frac {
			return i, true, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		decimal = true
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		exp := i
		for i < len(data) && '0' <= data[i] && data[i] <= '9' {
			i++
		}
		if i == exp {
			return i, true, false
		}
	}
	return i, decimal, true
}

// stringMismatch returns the SerializationException for a value of kind k
// where a string (S, N, SS and NS members) was expected.
func stringMismatch(k kind) error {
	switch k {
	case kindTrue:
		return serialization("TRUE_VALUE cannot be converted to String")
	case kindFalse:
		return serialization("FALSE_VALUE cannot be converted to String")
	case kindInt:
		return serialization("NUMBER_VALUE cannot be converted to String")
	case kindDecimal:
		return serialization("DECIMAL_VALUE cannot be converted to String")
	case kindArray:
		return serialization(msgCollection + "class java.lang.String")
	case kindObject:
		return serialization(msgObjectNotExpected)
	}
	return syntaxError()
}

func boolMismatch(k kind) error {
	switch k {
	case kindString:
		return serialization(msgUnexpectedToken)
	case kindInt:
		return serialization("NUMBER_VALUE cannot be converted to Boolean")
	case kindDecimal:
		return serialization("DECIMAL_VALUE cannot be converted to Boolean")
	case kindArray:
		return serialization(msgCollection + "class java.lang.Boolean")
	case kindObject:
		return serialization(msgObjectNotExpected)
	}
	return syntaxError()
}

func blobMismatch(k kind) error {
	switch k {
	case kindTrue, kindFalse, kindInt, kindDecimal:
		return serialization(msgBlobNotString)
	case kindArray:
		return serialization(msgCollection + "class java.nio.ByteBuffer")
	case kindObject:
		return serialization(msgObjectNotExpected)
	}
	return syntaxError()
}

// listMismatch is for SS, NS, BS and L given something other than a list.
func listMismatch(k kind) error {
	switch k {
	case kindString, kindTrue, kindFalse, kindInt, kindDecimal:
		return serialization(msgUnexpectedField)
	case kindObject:
		return serialization(msgObjectNotExpected)
	}
	return syntaxError()
}

// mapMismatch is for M, an Item or a Key given something other than an
// object.
func mapMismatch(k kind) error {
	switch k {
	case kindString, kindTrue, kindFalse, kindInt, kindDecimal:
		return serialization(msgUnexpectedField)
	case kindArray:
		return serialization(msgCollection + classAttributeMap)
	}
	return syntaxError()
}

// valueMismatch is for an AttributeValue position (an item's attribute, a
// list element, a map member) given something other than an object.
func valueMismatch(k kind) error {
	switch k {
	case kindString, kindTrue, kindFalse, kindInt, kindDecimal:
		return serialization(msgUnexpectedValue)
	case kindArray:
		return serialization(msgCollection + classAttributeValue)
	}
	return syntaxError()
}

// str reads a JSON string at pos.
func (d *decoder) str() (string, error) {
	b, err := d.strBytes()
	return string(b), err
}

// strBytes reads a JSON string at pos. Without escapes the result aliases
// the input and must be copied before it is kept.
func (d *decoder) strBytes() ([]byte, error) {
	if d.peek() != '"' {
		return nil, syntaxError()
	}
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		if c == '"' {
			s := d.data[start:i]
			d.pos = i + 1
			if utf8.Valid(s) {
				return s, nil
			}
			return []byte(string([]rune(string(s)))), nil // invalid bytes become U+FFFD
		}
		if c == '\\' {
			return d.escapedString(start)
		}
		if c < 0x20 {
			return nil, syntaxError()
		}
		i++
	}
	return nil, syntaxError()
}

// escapedString reads a string with escapes, from start (just after the
// opening quote), into a new slice.
func (d *decoder) escapedString(start int) ([]byte, error) {
	// Size the buffer by the string's own length: the first unescaped quote
	// ends it, and escapes only shrink it.
	end := start
	for end < len(d.data) && d.data[end] != '"' {
		if d.data[end] == '\\' {
			end++
		}
		end++
	}
	buf := make([]byte, 0, min(end, len(d.data))-start)
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			if utf8.Valid(buf) {
				return buf, nil
			}
			return []byte(string([]rune(string(buf)))), nil
		case c == '\\':
			if i+1 >= len(d.data) {
				return nil, syntaxError()
			}
			e := d.data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data, i)
				if !ok {
					return nil, syntaxError()
				}
				i += 4
				if utf16.IsSurrogate(r) {
					r2, ok2 := rune(0), false
					if i+6 <= len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						r2, ok2 = hex4(d.data, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return nil, syntaxError()
			}
		case c < 0x20:
			return nil, syntaxError()
		default:
			buf = append(buf, c)
			i++
		}
	}
	return nil, syntaxError()
}

func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// skip consumes one JSON value of any shape (an unknown member's value),
// checking its syntax, with an explicit stack of open containers.
func (d *decoder) skip() error {
	var stack []byte // '{' or '[' for each open container
	for {
		d.skipSpace()
		switch d.next() {
		case kindObject:
			d.pos++
			d.skipSpace()
			if d.peek() == '}' {
				d.pos++
				break
			}
			if len(stack) == MaxDecodeDepth {
				return syntaxError()
			}
			stack = append(stack, '{')
			if err := d.memberName(); err != nil {
				return err
			}
			continue
		case kindArray:
			d.pos++
			d.skipSpace()
			if d.peek() == ']' {
				d.pos++
				break
			}
			if len(stack) == MaxDecodeDepth {
				return syntaxError()
			}
			stack = append(stack, '[')
			continue
		case kindString:
			if _, err := d.strBytes(); err != nil {
				return err
			}
		case kindTrue, kindFalse, kindNull:
			if !d.literal("true") && !d.literal("false") && !d.literal("null") {
				return syntaxError()
			}
		case kindInt, kindDecimal:
			d.pos, _, _ = scanNumber(d.data, d.pos)
		default:
			return syntaxError()
		}
		// A value is complete: close containers until one has a next
		// element.
		for {
			if len(stack) == 0 {
				return nil
			}
			d.skipSpace()
			top, c := stack[len(stack)-1], d.peek()
			if c == ',' {
				d.pos++
				if top == '{' {
					if err := d.memberName(); err != nil {
						return err
					}
				}
				break
			}
			if top == '{' && c == '}' || top == '[' && c == ']' {
				d.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			return syntaxError()
		}
	}
}

// memberName reads `"name" :` and leaves pos at the member's value.
func (d *decoder) memberName() error {
	d.skipSpace()
	if _, err := d.strBytes(); err != nil {
		return err
	}
	d.skipSpace()
	if d.peek() != ':' {
		return syntaxError()
	}
	d.pos++
	d.skipSpace()
	return nil
}

// firstMember starts iterating an object's members, after its '{' has been
// consumed. It returns the member's name (aliasing the input: copy it to
// keep it) and leaves pos at the member's value; more is false at the '}'.
func (d *decoder) firstMember() (name []byte, more bool, err error) {
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		return nil, false, nil
	}
	return d.member()
}

// nextMember moves past a member's value to the next member.
func (d *decoder) nextMember() (name []byte, more bool, err error) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipSpace()
		return d.member()
	case '}':
		d.pos++
		return nil, false, nil
	}
	return nil, false, syntaxError()
}

func (d *decoder) member() ([]byte, bool, error) {
	name, err := d.strBytes()
	if err != nil {
		return nil, false, err
	}
	d.skipSpace()
	if d.peek() != ':' {
		return nil, false, syntaxError()
	}
	d.pos++
	d.skipSpace()
	return name, true, nil
}

func (d *decoder) expectList() error {
	switch k := d.next(); k {
	case kindArray:
		d.pos++
		return nil
	case kindObject:
		return serialization(msgObjectNotExpected)
	default:
		return listMismatch(k)
	}
}

// firstElement is called after '[' has been consumed.
func (d *decoder) firstElement() (bool, error) {
	d.skipSpace()
	if d.peek() == ']' {
		d.pos++
		return false, nil
	}
	return true, nil
}

func (d *decoder) nextElement() (bool, error) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipSpace()
		return true, nil
	case ']':
		d.pos++
		return false, nil
	}
	return false, syntaxError()
}

// item reads a map of attribute names to AttributeValues at level 1.
func (d *decoder) item() (attr.Item, error) {
	if d.literal("null") {
		return nil, nil
	}
	if k := d.next(); k != kindObject {
		return nil, mapMismatch(k)
	}
	d.pos++
	item := make(attr.Item, 8)
	saved := d.attr
	for name, more, err := d.firstMember(); more || err != nil; name, more, err = d.nextMember() {
		if err != nil {
			return nil, err
		}
		d.attr = string(name)
		v, err := d.value(1)
		if err != nil {
			return nil, err
		}
		item[d.attr] = v
	}
	d.attr = saved
	return item, nil
}

// value reads one AttributeValue at the given nesting level. A value that
// reads but is not valid (no type, several types, NULL false) is recorded
// in d.invalid and returned as the zero Value.
func (d *decoder) value(level int) (attr.Value, error) {
	if level > MaxDecodeDepth {
		return attr.Value{}, d.validation(itemcheck.MsgNesting)
	}
	k := d.next()
	if k == kindNull {
		if !d.literal("null") {
			return attr.Value{}, syntaxError()
		}
		d.invalidValue(MsgEmptyValue)
		return attr.Value{}, nil
	}
	if k != kindObject {
		return attr.Value{}, valueMismatch(k)
	}
	d.pos++
	var (
		result attr.Value
		types  uint16 // bit t set when a member of type t was read
	)
	for name, more, err := d.firstMember(); more || err != nil; name, more, err = d.nextMember() {
		if err != nil {
			return attr.Value{}, err
		}
		t, known := parseType(name)
		if !known {
			if err := d.skip(); err != nil {
				return attr.Value{}, err
			}
			continue
		}
		if d.literal("null") {
			continue // a null member is an absent member
		}
		v, ok, err := d.typed(t, level)
		if err != nil {
			return attr.Value{}, err
		}
		if ok {
			result = v
			types |= 1 << t
		}
	}
	switch {
	case types == 0:
		d.invalidValue(MsgEmptyValue)
		return attr.Value{}, nil
	case types&(types-1) != 0:
		d.invalidValue(MsgMultipleTypes)
		return attr.Value{}, nil
	}
	return result, nil
}

// typed reads the member value of type t. ok is false for a member that
// counts as a type but is invalid (NULL false), already recorded.
func (d *decoder) typed(t attr.Type, level int) (attr.Value, bool, error) {
	switch t {
	case attr.TypeS, attr.TypeN:
		k := d.next()
		if k != kindString {
			return attr.Value{}, false, stringMismatch(k)
		}
		s, err := d.str()
		if err != nil {
			return attr.Value{}, false, err
		}
		if t == attr.TypeS {
			return attr.S(s), true, nil
		}
		return attr.N(s), true, nil
	case attr.TypeB:
		b, err := d.blob()
		if err != nil {
			return attr.Value{}, false, err
		}
		return attr.B(b), true, nil // attr.B copies the scratch bytes
	case attr.TypeBOOL, attr.TypeNULL:
		b, err := d.boolean()
		if err != nil {
			return attr.Value{}, false, err
		}
		if t == attr.TypeBOOL {
			return attr.Bool(b), true, nil
		}
		if !b {
			d.invalidValue(MsgNullFalse)
			return attr.Value{}, true, nil
		}
		return attr.Null(), true, nil
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		members, err := d.set(t)
		if err != nil {
			return attr.Value{}, false, err
		}
		return attr.NewSetUnchecked(t, members), true, nil
	case attr.TypeL:
		if err := d.expectList(); err != nil {
			return attr.Value{}, false, err
		}
		elems := []attr.Value{}
		for more, err := d.firstElement(); more || err != nil; more, err = d.nextElement() {
			if err != nil {
				return attr.Value{}, false, err
			}
			v, err := d.value(level + 1)
			if err != nil {
				return attr.Value{}, false, err
			}
			elems = append(elems, v)
		}
		return attr.NewListUnchecked(elems), true, nil
	case attr.TypeM:
		if k := d.next(); k != kindObject {
			return attr.Value{}, false, mapMismatch(k)
		}
		d.pos++
		m := map[string]attr.Value{}
		for name, more, err := d.firstMember(); more || err != nil; name, more, err = d.nextMember() {
			if err != nil {
				return attr.Value{}, false, err
			}
			key := string(name)
			v, err := d.value(level + 1)
			if err != nil {
				return attr.Value{}, false, err
			}
			m[key] = v
		}
		return attr.NewMapUnchecked(m), true, nil
	}
	return attr.Value{}, false, syntaxError()
}

// parseType returns the type a member name names, without allocating.
func parseType(name []byte) (attr.Type, bool) {
	switch string(name) {
	case "S":
		return attr.TypeS, true
	case "N":
		return attr.TypeN, true
	case "B":
		return attr.TypeB, true
	case "BOOL":
		return attr.TypeBOOL, true
	case "NULL":
		return attr.TypeNULL, true
	case "M":
		return attr.TypeM, true
	case "L":
		return attr.TypeL, true
	case "SS":
		return attr.TypeSS, true
	case "NS":
		return attr.TypeNS, true
	case "BS":
		return attr.TypeBS, true
	}
	return attr.TypeInvalid, false
}

// set reads the members of an SS, NS or BS. JSON nulls among the members
// are dropped.
func (d *decoder) set(t attr.Type) ([]string, error) {
	if err := d.expectList(); err != nil {
		return nil, err
	}
	members := []string{}
	for more, err := d.firstElement(); more || err != nil; more, err = d.nextElement() {
		if err != nil {
			return nil, err
		}
		if d.literal("null") {
			continue
		}
		if t == attr.TypeBS {
			b, err := d.blob()
			if err != nil {
				return nil, err
			}
			members = append(members, string(b))
			continue
		}
		k := d.next()
		if k != kindString {
			return nil, stringMismatch(k)
		}
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		members = append(members, s)
	}
	return members, nil
}

// boolean reads a BOOL or NULL member. DynamoDB's parser also takes the
// strings true/false, yes/no and 1/0 (in any case) as booleans, and rejects
// other strings.
func (d *decoder) boolean() (bool, error) {
	switch k := d.next(); k {
	case kindTrue:
		if d.literal("true") {
			return true, nil
		}
	case kindFalse:
		if d.literal("false") {
			return false, nil
		}
	case kindString:
		s, err := d.str()
		if err != nil {
			return false, err
		}
		switch lower(s) {
		case "true", "yes", "1":
			return true, nil
		case "false", "no", "0":
			return false, nil
		}
		return false, serialization(msgUnexpectedToken)
	default:
		return false, boolMismatch(k)
	}
	return false, syntaxError()
}

func lower(s string) string {
	if len(s) > 5 {
		return s
	}
	var b [5]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b[:len(s)])
}

// blob reads a base64 string, with DynamoDB's checks in DynamoDB's order:
// the length, then the last character before the padding, then every other
// character. The bytes are in the decoder's scratch buffer, valid until the
// next call.
func (d *decoder) blob() ([]byte, error) {
	k := d.next()
	if k != kindString {
		return nil, blobMismatch(k)
	}
	s, err := d.strBytes()
	if err != nil {
		return nil, err
	}
	if len(s)%4 != 0 {
		return nil, serialization("Base64 encoded length is expected a multiple of 4 bytes but found: " +
			strconv.Itoa(len(s)))
	}
	n := len(s)
	for pad := 0; pad < 2 && n > 0 && s[n-1] == '='; pad++ {
		n--
	}
	if n == 0 {
		return d.scratch[:0], nil
	}
	last := base64Index(s[n-1])
	if last < 0 {
		return nil, serialization("Invalid Base64 character: '" + string(s[n-1:n]) + "'")
	}
	switch len(s) - n {
	case 1:
		if last&3 != 0 {
			return nil, serialization(msgBase64LastChar)
		}
	case 2:
		if last&15 != 0 {
			return nil, serialization(msgBase64LastChar)
		}
	}
	for i := 0; i < n-1; i++ {
		if base64Index(s[i]) < 0 {
			return nil, serialization("Invalid Base64 character: '" + string(s[i:i+1]) + "'")
		}
	}
	d.scratch, err = base64.StdEncoding.AppendDecode(d.scratch[:0], s)
	if err != nil {
		return nil, serialization("Invalid Base64 character: '" + string(s[:1]) + "'")
	}
	return d.scratch, nil
}

func base64Index(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}
