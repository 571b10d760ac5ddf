package partition

import "github.com/embeddynamo/dynamo/internal/binenc"

// The binary encodings of this package (commands and metadata) are built on
// binenc's primitives: unsigned varints in their shortest form,
// length-prefixed byte strings and one-byte booleans, decoded as untrusted
// input so that each value has exactly one encoding.

func appendBytes(dst, b []byte) []byte { return binenc.AppendBytes(dst, b) }

func appendString(dst []byte, s string) []byte { return binenc.AppendString(dst, s) }

func appendBool(dst []byte, v bool) []byte { return binenc.AppendBool(dst, v) }

// decoder adds this package's composite reads (values, schemas, legacy
// conditions) to binenc's decoder. Errors wrap the sentinel it was made with
// (ErrCorruptCommand, ErrCorruptMeta).
type decoder struct{ *binenc.Decoder }

func newDecoder(b []byte, corrupt error) *decoder {
	return &decoder{binenc.NewDecoder(b, corrupt)}
}
