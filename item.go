package dynamo

import "github.com/embeddynamo/dynamo/internal/attr"

// AttributeValue is one DynamoDB attribute value of any of the ten types. It
// is immutable; build one with S, N, B, Bool, Null, M, L, SS, NS or BS. The
// zero AttributeValue is invalid.
type AttributeValue = attr.Value

// Item is one item: attribute names mapped to values. A key (for GetItem,
// DeleteItem ...) is an Item holding only the key attributes.
type Item = attr.Item

// AttributeType is one of DynamoDB's ten attribute types.
type AttributeType = attr.Type

// The attribute types, named by their DynamoDB descriptors.
const (
	TypeS    = attr.TypeS
	TypeN    = attr.TypeN
	TypeB    = attr.TypeB
	TypeBOOL = attr.TypeBOOL
	TypeNULL = attr.TypeNULL
	TypeM    = attr.TypeM
	TypeL    = attr.TypeL
	TypeSS   = attr.TypeSS
	TypeNS   = attr.TypeNS
	TypeBS   = attr.TypeBS
)

// S returns a string value.
func S(s string) AttributeValue { return attr.S(s) }

// N returns a number value from its decimal text ("42", "-1.5", "6.02E23").
// The text is checked when the item is written: up to 38 significant digits,
// magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125.
func N(text string) AttributeValue { return attr.N(text) }

// B returns a binary value; b is copied.
func B(b []byte) AttributeValue { return attr.B(b) }

// Bool returns a BOOL value.
func Bool(b bool) AttributeValue { return attr.Bool(b) }

// Null returns the NULL value.
func Null() AttributeValue { return attr.Null() }

// M returns a map value; m is copied.
func M(m map[string]AttributeValue) AttributeValue { return attr.M(m) }

// L returns a list value; the elements are copied.
func L(elems ...AttributeValue) AttributeValue { return attr.L(elems...) }

// SS returns a string set.
func SS(members ...string) AttributeValue { return attr.SS(members...) }

// NS returns a number set from decimal texts.
func NS(members ...string) AttributeValue { return attr.NS(members...) }

// BS returns a binary set; members are copied.
func BS(members ...[]byte) AttributeValue { return attr.BS(members...) }
