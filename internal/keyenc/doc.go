// Package keyenc encodes key attribute values and whole primary keys into
// bytes whose order, under bytes.Compare, is DynamoDB's order of the values.
// The storage engine keeps items sorted by these bytes, so a Query is a range
// scan and a partition is a contiguous byte range of a table's key space.
//
// # Key layout
//
// A key is
//
//	table ID      8 bytes, big endian
//	hash          8 bytes, big endian: Hash64 (xxHash64, seed 0) of the
//	              encoded partition key component below
//	partition key one component
//	sort key      one component, absent when the table has no sort key
//
// The fixed-width table ID keeps all keys of one table contiguous and in table
// ID order. The hash spreads item collections evenly over the table's key
// space, so splitting a partition at a byte key divides load; the partition
// key after it keeps the items of one collection (same hash, same partition
// key) contiguous, with the sort key ordering them inside it. Decode checks
// the hash, so a corrupt key is detected.
//
// # Components
//
// A component is a type tag byte followed by a body. Within a table a key
// attribute has one type, so the tags only matter for decoding. Every body is
// self-delimiting and prefix-free, which makes a concatenation of components
// compare component by component.
//
//	S  0x53 'S', escaped UTF-8 bytes, 0x00 0x01
//	B  0x42 'B', escaped bytes,       0x00 0x01
//	N  0x4E 'N', number body (below)
//
// Escaping replaces each 0x00 byte with 0x00 0xFF; no other byte changes. The
// terminator 0x00 0x01 sorts below both an escaped zero (0x00 0xFF) and any
// nonzero byte, so a string sorts before its extensions, as in bytewise
// comparison.
//
// A number is normalised to ±0.d1d2...dn × 10^E with d1 ≠ 0 and dn ≠ 0, so
// equal numbers ("1", "1.0", "10E-1") encode identically:
//
//	zero      0x02
//	positive  0x03, byte E+129, centimal digits, 0x00
//	negative  0x01, then the positive encoding's bytes after the class byte,
//	          each complemented (x ^ 0xFF)
//
// The centimal digits are the decimal digits taken in pairs from d1 (an odd
// count is padded with a final 0), each pair p stored as the byte p+1, so
// 1..100. DynamoDB's range of magnitudes, 1E-130 (E = -129) to
// 9.99...E+125 (E = 126), fills the exponent byte exactly; numbers outside it
// are rejected with ErrNumberRange. Positive numbers compare by exponent, then
// digits, and a shorter digit string (terminator 0x00) before a longer one it
// prefixes. Complementing a prefix-free encoding reverses its order, which
// puts larger magnitudes first among negatives.
//
// # Ranges
//
// Range values are half-open [Start, End) byte intervals. CollectionRange and
// SortKeyRange build the interval for a Query's key condition; their
// documentation says how each operator maps to bytes.
package keyenc
