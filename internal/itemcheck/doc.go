// Package itemcheck holds DynamoDB's rules for the items and keys a request
// carries, with DynamoDB's exact ValidationException messages, and DynamoDB's
// item-size arithmetic.
//
// Item validates an item about to be written and returns it with every number
// in canonical form (see internal/number). KeySchema checks keys (GetItem,
// DeleteItem ...) and the key attributes of written items. Size and ValueSize
// count bytes the way DynamoDB does for the 400 KB item limit and for
// capacity units.
//
// # Rules
//
//   - Every value has a type (the zero attr.Value is rejected) and every
//     top-level attribute name is non-empty and shorter than 65536 bytes.
//   - Numbers follow internal/number (38 digits, 1E-130 to 9.99...E+125).
//   - Sets are non-empty and their members unique; NS members are compared by
//     numeric value, so "1" and "1.0" are duplicates. Empty strings and empty
//     binaries are allowed, also as set members, except in key attributes.
//   - Nesting: an attribute's value is level 1 and each value inside a map or
//     list is one level deeper than its container. The deepest level may be
//     32: a scalar wrapped in 31 maps is accepted, one wrapped in 32 is not.
//     (Captured against DynamoDB by a public conformance suite: "a value built
//     from 31 wraps (leaf at level 32) is the deepest it accepts".)
//   - Size at most 409600 bytes (400 KB), counted by Size; exactly 409600 is
//     accepted (dynalite's putItem tests, run against DynamoDB, put items of
//     exactly the limit and of one byte more).
//
// # Size arithmetic
//
// From the Developer Guide's "Item sizes and formats" page, made exact where
// dynalite's tests pin DynamoDB's behaviour: an attribute counts the UTF-8
// bytes of its name plus its value; S is its UTF-8 bytes, B its raw bytes, N
// is number.ByteSize (one exponent byte, one byte per base-100 digit pair,
// one more for negatives), BOOL and NULL are 1 byte, a set is the sum of its
// members, and L and M are 3 bytes plus, per element, 1 byte and the
// element's size (for M also the UTF-8 bytes of the element's name).
//
// # Messages
//
// The message texts are DynamoDB's own, spacing and typos included ("An
// number set  may not be empty", "limit of2048 bytes", "]of type BS"). They
// come from dynalite (validations/index.js, db/index.js and its tests, which
// ran against DynamoDB), agree with DynamoDB Local's ErrorFactory where that
// has them, and with error texts users report from the service. They are the
// bare texts: depending on the operation DynamoDB may wrap some of them in
// its "1 validation error detected: " envelope (PutItem does so for the
// nesting message), which the API layer adds.
package itemcheck
