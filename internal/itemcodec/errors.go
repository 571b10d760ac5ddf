package itemcodec

import "errors"

// ErrCorrupt is wrapped by every error Decode and DecodeValue return, together
// with one of the more specific errors below.
var ErrCorrupt = errors.New("itemcodec: corrupt encoding")

// Specific decoding failures, each wrapped together with ErrCorrupt.
var (
	// ErrTruncated reports input that ends inside a value.
	ErrTruncated = errors.New("truncated input")
	// ErrVersion reports an unknown format version byte.
	ErrVersion = errors.New("unsupported format version")
	// ErrTag reports an unknown type tag.
	ErrTag = errors.New("unknown type tag")
	// ErrVarint reports a varint that overflows 64 bits or is not in its
	// shortest form.
	ErrVarint = errors.New("malformed varint")
	// ErrLength reports a length or element count larger than the rest of
	// the input could hold.
	ErrLength = errors.New("length exceeds input")
	// ErrOrder reports map names not strictly ascending, or set members not
	// ascending.
	ErrOrder = errors.New("names or members out of order")
	// ErrNumber reports a malformed number: a bad nibble or padding, or raw
	// text that should have been packed.
	ErrNumber = errors.New("malformed number")
	// ErrTrailing reports bytes after the end of the item or value.
	ErrTrailing = errors.New("trailing bytes")
)

// Encoding failures. Validated items never cause them.
var (
	// ErrInvalidValue reports a value with no type (the zero attr.Value) or
	// an unknown type.
	ErrInvalidValue = errors.New("itemcodec: value has no valid type")
	// ErrTooDeep reports a value nested beyond MaxDepth. Decode wraps it with
	// ErrCorrupt.
	ErrTooDeep = errors.New("itemcodec: value nested deeper than MaxDepth")
)
