package wire

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// AppendValue appends v as a DynamoDB AttributeValue to dst. Numbers are
// written as their text (canonical once itemcheck has seen them), binaries as
// standard base64, map members in name order. The zero Value, which no
// valid item holds, is written as {}.
func AppendValue(dst []byte, v attr.Value) []byte {
	switch v.Type() {
	case attr.TypeS:
		dst = append(dst, `{"S":`...)
		dst = appendString(dst, v.S())
	case attr.TypeN:
		dst = append(dst, `{"N":`...)
		dst = appendString(dst, v.N())
	case attr.TypeB:
		dst = append(dst, `{"B":`...)
		dst = appendBase64(dst, v.BString())
	case attr.TypeBOOL:
		if v.Bool() {
			return append(dst, `{"BOOL":true}`...)
		}
		return append(dst, `{"BOOL":false}`...)
	case attr.TypeNULL:
		return append(dst, `{"NULL":true}`...)
	case attr.TypeM:
		dst = append(dst, `{"M":`...)
		dst = AppendItem(dst, v.M())
	case attr.TypeL:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.L() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, e)
		}
		dst = append(dst, ']')
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		dst = append(dst, `{"`...)
		dst = append(dst, v.Type().String()...)
		dst = append(dst, `":[`...)
		for i, m := range v.SetMembers() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if v.Type() == attr.TypeBS {
				dst = appendBase64(dst, m)
			} else {
				dst = appendString(dst, m)
			}
		}
		dst = append(dst, ']')
	default:
		return append(dst, "{}"...)
	}
	return append(dst, '}')
}

// AppendItem appends a map of attribute names to AttributeValues (an Item, a
// Key, an M value's members), names in sorted order so that equal items
// encode to equal bytes. A nil item is written as {}.
func AppendItem(dst []byte, item map[string]attr.Value) []byte {
	dst = append(dst, '{')
	switch len(item) {
	case 0:
	case 1:
		for name, v := range item {
			dst = appendString(dst, name)
			dst = append(dst, ':')
			dst = AppendValue(dst, v)
		}
	default:
		names := make([]string, 0, len(item))
		for name := range item {
			names = append(names, name)
		}
		slices.Sort(names)
		for i, name := range names {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, name)
			dst = append(dst, ':')
			dst = AppendValue(dst, item[name])
		}
	}
	return append(dst, '}')
}

// AppendItems appends a JSON list of items.
func AppendItems(dst []byte, items []attr.Item) []byte {
	dst = append(dst, '[')
	for i, item := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendItem(dst, item)
	}
	return append(dst, ']')
}

func appendBase64(dst []byte, b string) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, []byte(b))
	return append(dst, '"')
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, everything else as
// is.
func appendString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Value is an attr.Value that encoding/json reads and writes in DynamoDB's
// AttributeValue shape, for request and response structs.
type Value attr.Value

// UnmarshalJSON decodes an AttributeValue with DecodeValue's errors. JSON
// null leaves v unchanged.
func (v *Value) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	decoded, err := DecodeValue(data)
	if err != nil {
		return err
	}
	*v = Value(decoded)
	return nil
}

// MarshalJSON encodes v with AppendValue.
func (v Value) MarshalJSON() ([]byte, error) {
	return AppendValue(nil, attr.Value(v)), nil
}

// Item is an attr.Item that encoding/json reads and writes as a map of
// attribute names to AttributeValues.
type Item attr.Item

// UnmarshalJSON decodes an item with DecodeItem's errors. JSON null leaves
// it unchanged.
func (it *Item) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	decoded, err := DecodeItem(data)
	if err != nil {
		return err
	}
	*it = Item(decoded)
	return nil
}

// MarshalJSON encodes the item with AppendItem.
func (it Item) MarshalJSON() ([]byte, error) {
	return AppendItem(nil, it), nil
}
