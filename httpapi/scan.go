package httpapi

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// This file reads the request structures of DynamoDB's JSON protocol: the
// members of an operation's input, in document order, with the
// SerializationException texts DynamoDB's (Java) request parser gives a
// member of the wrong JSON type. The texts are those dynalite's type tests
// recorded against DynamoDB (test/helpers.js assertType): "TRUE_VALUE cannot
// be converted to String", "STRING_VALUE cannot be converted to Integer",
// "Unexpected field type", "Start of structure or map found where not
// expected", "Unrecognized collection type ...". AttributeValues are read by
// internal/wire, which holds the same texts for their members.
//
// The scanner runs only over text that json.Valid accepted, so it does not
// check syntax again.

const (
	msgStructNotExpected = "Start of structure or map found where not expected"
	msgUnexpectedField   = "Unexpected field type"
	msgUnexpectedValue   = "Unexpected value type in payload"
	msgUnexpectedToken   = "Unexpected token received from parser"
	msgCollection        = "Unrecognized collection type "
	// msgParameterizedCast is the text for a list-valued map entry
	// (BatchWriteItem's RequestItems.<table>) given a scalar: the parser
	// fails on the generic type (dynalite's "ParameterizedList" case).
	msgParameterizedCast = "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class " +
		"(sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')"
	classPrefix = "com.amazonaws.dynamodb.v20120810."
)

func serialization(msg string) error { return &dberr.SerializationException{Message: msg} }

// kind returns the first byte of a JSON value: one of { [ " t f n, or '0'
// for a number.
func kind(v []byte) byte {
	if len(v) == 0 {
		return 0
	}
	switch c := v[0]; c {
	case '{', '[', '"', 't', 'f', 'n':
		return c
	}
	return '0'
}

func isNull(v []byte) bool { return len(v) == 0 || v[0] == 'n' }

func isDecimal(v []byte) bool {
	for _, c := range v {
		if c == '.' || c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}

func skipSpace(data []byte, pos int) int {
	for pos < len(data) {
		switch data[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// valueEnd returns the end of the (valid) JSON value starting at pos.
func valueEnd(data []byte, pos int) int {
	depth := 0
	for pos < len(data) {
		switch c := data[pos]; c {
		case '"':
			pos = stringEnd(data, pos)
			if depth == 0 {
				return pos
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return pos
			}
			depth--
			if depth == 0 {
				return pos + 1
			}
		case ',', ' ', '\t', '\n', '\r', ':':
			if depth == 0 {
				return pos
			}
		}
		pos++
	}
	return pos
}

// stringEnd returns the position just after the string starting at pos.
func stringEnd(data []byte, pos int) int {
	for i := pos + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// unquote decodes a JSON string token.
func unquote(tok []byte) string {
	inner := tok[1 : len(tok)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(tok, &s) // the token is valid JSON
	return s
}

// eachMember calls fn with the name and raw value of each member of the
// object v, in document order.
func eachMember(v []byte, fn func(name string, val []byte) error) error {
	pos := skipSpace(v, 1)
	for pos < len(v) && v[pos] != '}' {
		end := stringEnd(v, pos)
		name := unquote(v[pos:end])
		pos = skipSpace(v, end)
		pos = skipSpace(v, pos+1) // ':'
		end = valueEnd(v, pos)
		if err := fn(name, v[pos:end]); err != nil {
			return err
		}
		pos = skipSpace(v, end)
		if pos < len(v) && v[pos] == ',' {
			pos = skipSpace(v, pos+1)
		}
	}
	return nil
}

// eachElement calls fn with each element of the list v.
func eachElement(v []byte, fn func(val []byte) error) error {
	pos := skipSpace(v, 1)
	for pos < len(v) && v[pos] != ']' {
		end := valueEnd(v, pos)
		if err := fn(v[pos:end]); err != nil {
			return err
		}
		pos = skipSpace(v, end)
		if pos < len(v) && v[pos] == ',' {
			pos = skipSpace(v, pos+1)
		}
	}
	return nil
}

// str reads a String member; null reads as "".
func str(v []byte) (string, error) {
	switch kind(v) {
	case '"':
		return unquote(v), nil
	case 'n':
		return "", nil
	case 't':
		return "", serialization("TRUE_VALUE cannot be converted to String")
	case 'f':
		return "", serialization("FALSE_VALUE cannot be converted to String")
	case '[':
		return "", serialization(msgCollection + "class java.lang.String")
	case '{':
		return "", serialization(msgStructNotExpected)
	}
	if isDecimal(v) {
		return "", serialization("DECIMAL_VALUE cannot be converted to String")
	}
	return "", serialization("NUMBER_VALUE cannot be converted to String")
}

// boolean reads a Boolean member; null reads as absent. As for the BOOL of
// an AttributeValue, the parser takes the strings true/false, yes/no and
// 1/0 in any case.
func boolean(v []byte) (*bool, error) {
	var b bool
	switch kind(v) {
	case 'n':
		return nil, nil
	case 't':
		b = true
	case 'f':
		b = false
	case '"':
		switch s := unquote(v); {
		case equalFold(s, "true"), equalFold(s, "yes"), s == "1":
			b = true
		case equalFold(s, "false"), equalFold(s, "no"), s == "0":
			b = false
		default:
			return nil, serialization(msgUnexpectedToken)
		}
	case '[':
		return nil, serialization(msgCollection + "class java.lang.Boolean")
	case '{':
		return nil, serialization(msgStructNotExpected)
	default:
		if isDecimal(v) {
			return nil, serialization("DECIMAL_VALUE cannot be converted to Boolean")
		}
		return nil, serialization("NUMBER_VALUE cannot be converted to Boolean")
	}
	return &b, nil
}

func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// integer reads an Integer (javaType "Integer") or Long member as an
// int64; null reads as absent. Any JSON number is accepted: a fraction is
// truncated, as the parser's truncating number does, and a value beyond
// the range saturates so that range validation reports it.
func integer(v []byte, javaType string, lo, hi int64) (*int64, error) {
	switch kind(v) {
	case 'n':
		return nil, nil
	case '"':
		return nil, serialization("STRING_VALUE cannot be converted to " + javaType)
	case 't':
		return nil, serialization("TRUE_VALUE cannot be converted to " + javaType)
	case 'f':
		return nil, serialization("FALSE_VALUE cannot be converted to " + javaType)
	case '[':
		return nil, serialization(msgCollection + "class java.lang." + javaType)
	case '{':
		return nil, serialization(msgStructNotExpected)
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		f, _ := strconv.ParseFloat(string(v), 64) // valid JSON numbers parse, or overflow to ±Inf
		switch {
		case math.IsNaN(f):
			n = 0
		case f >= math.MaxInt64:
			n = math.MaxInt64
		case f <= math.MinInt64:
			n = math.MinInt64
		default:
			n = int64(f)
		}
	}
	n = max(lo, min(hi, n))
	return &n, nil
}

func int32Member(v []byte) (*int32, error) {
	n, err := integer(v, "Integer", math.MinInt32, math.MaxInt32)
	if n == nil || err != nil {
		return nil, err
	}
	i := int32(*n)
	return &i, nil
}

func int64Member(v []byte) (*int64, error) {
	return integer(v, "Long", math.MinInt64, math.MaxInt64)
}

// object checks that v is a structure of the named shape before its
// members are read; inList says it is an element of a list (or a map
// value), where the parser words a scalar differently. It reports whether
// v is present (not null).
func object(v []byte, shape string, inList bool) (bool, error) {
	switch kind(v) {
	case '{':
		return true, nil
	case 'n':
		return false, nil
	case '[':
		return false, serialization(msgCollection + "class " + classPrefix + shape)
	}
	if inList {
		return false, serialization(msgUnexpectedValue)
	}
	return false, serialization(msgUnexpectedField)
}

// list checks that v is a list. It reports whether v is present.
func list(v []byte) (bool, error) {
	switch kind(v) {
	case '[':
		return true, nil
	case 'n':
		return false, nil
	case '{':
		return false, serialization(msgStructNotExpected)
	}
	return false, serialization(msgUnexpectedField)
}

// mapOf checks that v is a JSON object read as a map whose values have the
// Java type pkg+valueClass (joined only for the error, so that reading a
// map allocates nothing for it). It reports whether v is present.
func mapOf(v []byte, pkg, valueClass string) (bool, error) {
	switch kind(v) {
	case '{':
		return true, nil
	case 'n':
		return false, nil
	case '[':
		return false, serialization(msgCollection + "java.util.Map<java.lang.String, " + pkg + valueClass + ">")
	}
	return false, serialization(msgUnexpectedField)
}

// enum reads a String member whose values are named by the string type T.
func enum[T ~string](v []byte) (T, error) {
	s, err := str(v)
	return T(s), err
}

// fields reads the members of one structure into x: it is called with each
// member's name and raw value, and ignores the names it does not know.
type fields[T any] func(x *T, name string, v []byte) error

// structOf reads v as a structure of the named shape (see object for
// inList); nil when v is null.
func structOf[T any](v []byte, shape string, inList bool, read fields[T]) (*T, error) {
	present, err := object(v, shape, inList)
	if !present || err != nil {
		return nil, err
	}
	x := new(T)
	return x, eachMember(v, func(name string, fv []byte) error { return read(x, name, fv) })
}

// structInto reads v as a structure of the named shape, a member of a
// structure, into a new *dst; a null v leaves *dst as it is.
func structInto[T any](v []byte, shape string, dst **T, read fields[T]) error {
	x, err := structOf(v, shape, false, read)
	if x != nil {
		*dst = x
	}
	return err
}

// structList reads a list of structures of the named shape, calling elem
// for each present element.
func structList(v []byte, shape string, elem func(e []byte) error) error {
	ok, err := list(v)
	if !ok || err != nil {
		return err
	}
	return eachElement(v, func(e []byte) error {
		present, err := object(e, shape, true)
		if !present || err != nil {
			return err
		}
		return elem(e)
	})
}

// structSlice reads a list of structures of the named shape; nil when v is
// null, and null elements are left out.
func structSlice[T any](v []byte, shape string, read fields[T]) ([]T, error) {
	if isNull(v) {
		return nil, nil
	}
	out := []T{}
	err := structList(v, shape, func(e []byte) error {
		var zero T
		out = append(out, zero)
		x := &out[len(out)-1] // read in place: a pointer given to read would move x to the heap
		return eachMember(e, func(name string, fv []byte) error { return read(x, name, fv) })
	})
	return out, err
}

// structMap reads a map whose values are structures of the named shape;
// nil when v is null, and null values are left out.
func structMap[T any](v []byte, shape string, read fields[T]) (map[string]T, error) {
	ok, err := mapOf(v, classPrefix, shape)
	if !ok || err != nil {
		return nil, err
	}
	out := map[string]T{}
	x := new(T) // each value is read here, then copied into out
	err = eachMember(v, func(name string, e []byte) error {
		present, err := object(e, shape, true)
		if !present || err != nil {
			return err
		}
		var zero T
		*x = zero
		err = eachMember(e, func(f string, fv []byte) error { return read(x, f, fv) })
		out[name] = *x
		return err
	})
	return out, err
}

// listOf reads a list element by element with elem, which reports whether
// it gave a value to keep; nil when absent, non-nil when present. Null
// elements are left out.
func listOf[T any](v []byte, elem func(e []byte) (T, bool, error)) ([]T, error) {
	ok, err := list(v)
	if !ok || err != nil {
		return nil, err
	}
	out := []T{}
	err = eachElement(v, func(e []byte) error {
		if isNull(e) {
			return nil
		}
		x, keep, err := elem(e)
		if keep {
			out = append(out, x)
		}
		return err
	})
	return out, err
}

// strList reads a list of strings; nil when absent, non-nil when present.
func strList(v []byte) ([]string, error) {
	return listOf(v, func(e []byte) (string, bool, error) {
		s, err := str(e)
		return s, true, err
	})
}

// strMap reads a map of strings (ExpressionAttributeNames); nil when absent.
func strMap(v []byte) (map[string]string, error) {
	ok, err := mapOf(v, "java.lang.", "String")
	if !ok || err != nil {
		return nil, err
	}
	out := map[string]string{}
	err = eachMember(v, func(name string, e []byte) error {
		if isNull(e) {
			return nil
		}
		s, err := str(e)
		out[name] = s
		return err
	})
	return out, err
}
