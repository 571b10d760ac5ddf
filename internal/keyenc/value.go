package keyenc

import (
	"fmt"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Component type tags.
const (
	tagB byte = 'B'
	tagN byte = 'N'
	tagS byte = 'S'
)

// Escaping of S and B bodies.
const (
	escapeByte     byte = 0x00 // the byte that is escaped
	escapedZero    byte = 0xFF // follows escapeByte for a literal zero byte
	terminatorByte byte = 0x01 // follows escapeByte at the end of the body
)

// AppendValue appends the order-preserving encoding of the key value v (S, N
// or B) to dst. It fails for other types and for N text that is not a number
// within DynamoDB's range; on failure dst is returned unchanged.
func AppendValue(dst []byte, v attr.Value) ([]byte, error) {
	switch v.Type() {
	case attr.TypeS:
		return appendEscaped(append(dst, tagS), v.S()), nil
	case attr.TypeB:
		return appendEscaped(append(dst, tagB), v.BString()), nil
	case attr.TypeN:
		out, err := appendNumber(append(dst, tagN), v.N())
		if err != nil {
			return dst, err
		}
		return out, nil
	}
	if !v.IsValid() {
		return dst, fmt.Errorf("%w: got no value", ErrBadType)
	}
	return dst, fmt.Errorf("%w: got %s", ErrBadType, v.Type())
}

// appendEscaped appends s with each zero byte escaped, then the terminator.
func appendEscaped(dst []byte, s string) []byte {
	return append(appendEscapedBody(dst, s), escapeByte, terminatorByte)
}

// appendEscapedBody appends s with each zero byte escaped and no terminator.
func appendEscapedBody(dst []byte, s string) []byte {
	for {
		i := strings.IndexByte(s, 0)
		if i < 0 {
			dst = append(dst, s...)
			break
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, escapeByte, escapedZero)
		s = s[i+1:]
	}
	return dst
}

// DecodeValue decodes one component from the front of b and returns the value
// and the number of bytes it occupied. Numbers come back as canonical text, so
// DecodeValue(AppendValue(nil, N("1.0"))) is N("1").
func DecodeValue(b []byte) (attr.Value, int, error) {
	if len(b) == 0 {
		return attr.Value{}, 0, fmt.Errorf("%w: empty component", ErrCorrupt)
	}
	switch b[0] {
	case tagS, tagB:
		raw, n, err := decodeEscaped(b[1:])
		if err != nil {
			return attr.Value{}, 0, err
		}
		if b[0] == tagS {
			return attr.S(string(raw)), n + 1, nil
		}
		return attr.B(raw), n + 1, nil
	case tagN:
		text, n, err := decodeNumber(b[1:])
		if err != nil {
			return attr.Value{}, 0, err
		}
		return attr.N(text), n + 1, nil
	}
	return attr.Value{}, 0, fmt.Errorf("%w: bad type tag 0x%02x", ErrCorrupt, b[0])
}

// decodeEscaped reads an escaped body up to and including its terminator and
// returns the unescaped bytes and the number of bytes read. The bytes alias b
// when the body holds no escaped zero; callers copy them.
func decodeEscaped(b []byte) ([]byte, int, error) {
	zeros := 0
	for i := 0; i < len(b); i++ {
		if b[i] != escapeByte {
			continue
		}
		if i+1 >= len(b) {
			break
		}
		switch b[i+1] {
		case escapedZero:
			zeros++
			i++
		case terminatorByte:
			if zeros == 0 {
				return b[:i], i + 2, nil
			}
			return unescape(b[:i], i-zeros), i + 2, nil
		default:
			return nil, 0, fmt.Errorf("%w: bad escape 0x00 0x%02x", ErrCorrupt, b[i+1])
		}
	}
	return nil, 0, fmt.Errorf("%w: string or binary not terminated", ErrCorrupt)
}

// unescape returns the n bytes that the well-formed escaped body b stands for.
func unescape(b []byte, n int) []byte {
	out := make([]byte, 0, n)
	for i := 0; i < len(b); i++ {
		out = append(out, b[i])
		if b[i] == escapeByte {
			i++ // skip escapedZero
		}
	}
	return out
}
