// Package itemcodec is the compact, versioned binary encoding of items and
// attribute values, used to store items and to carry them in replicated
// commands.
//
// The encoding is canonical: equal items (attr.ItemsEqual) encode to the same
// bytes, and Decode accepts only bytes that Encode produces, so
// Encode(Decode(b)) == b for every b that decodes. Decode treats its input as
// untrusted: corrupt bytes yield an error wrapping ErrCorrupt, never a panic,
// and no allocation is larger than a small multiple of the input's length.
//
// # Format, version 1
//
// All integers are unsigned varints (encoding/binary's Uvarint), in their
// shortest form.
//
//	item    = version count entry*       entries in strictly ascending
//	                                     bytewise name order
//	value   = version value-body         (EncodeValue / DecodeValue)
//	version = 0x01
//	entry   = len name-bytes value-body
//
//	value-body, a tag byte then:
//	  0x01 S     len bytes
//	  0x02 N     number
//	  0x03 B     len bytes
//	  0x04 BOOL false, no body
//	  0x05 BOOL true, no body
//	  0x06 NULL, no body
//	  0x07 M     count entry*            names strictly ascending
//	  0x08 L     count value-body*
//	  0x09 SS    count (len bytes)*      members in ascending bytewise order
//	  0x0A NS    count number*           members in ascending order of text
//	  0x0B BS    count (len bytes)*      members in ascending bytewise order
//
// Set members are sorted so that sets equal up to order encode identically;
// duplicates are kept (validation, not the codec, rejects them).
//
// A number keeps its exact text, so decoding returns the very text that was
// encoded ("1.0" stays "1.0"; stored items hold canonical text anyway). It is
// written as a varint h followed by a payload. When h is odd the text, of
// h>>1 characters, is packed two characters a byte, high nibble first, with
// the nibble codes
//
//	0x0-0x9 the digits, 0xA '.', 0xB '-', 0xC '+', 0xD 'E', 0xE 'e'
//
// and an odd count padded with a final nibble 0xF, which appears nowhere
// else. A 38-digit number takes 21 bytes instead of 40. When h is even the
// payload is the raw text of h>>1 bytes; Encode uses this form only for text
// holding a character outside the nibble alphabet, which no valid number
// does.
//
// # Nesting
//
// An attribute's value, and the value passed to EncodeValue, is at level 1;
// each element of an M or L is one level below its container. Levels beyond
// MaxDepth are refused by Encode and Decode alike. MaxDepth is DynamoDB's own
// bound, the one internal/itemcheck enforces (a scalar wrapped in 31 maps is
// the deepest item it accepts), so every valid item can be encoded, and
// recursion in Decode is bounded.
package itemcodec
