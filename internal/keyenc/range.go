package keyenc

import (
	"bytes"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Range is the half-open byte interval [Start, End) of a key space. A nil End
// means no upper bound.
type Range struct {
	Start []byte
	End   []byte
}

// Contains reports whether key lies in the range.
func (r Range) Contains(key []byte) bool {
	return bytes.Compare(key, r.Start) >= 0 && (r.End == nil || bytes.Compare(key, r.End) < 0)
}

// Empty reports whether the range contains no key.
func (r Range) Empty() bool {
	return r.End != nil && bytes.Compare(r.Start, r.End) >= 0
}

// Op is a sort key comparison of a Query's KeyConditionExpression.
type Op uint8

// The sort key conditions DynamoDB allows in a KeyConditionExpression.
const (
	OpEQ         Op = iota + 1 // sk = v
	OpLT                       // sk < v
	OpLE                       // sk <= v
	OpGT                       // sk > v
	OpGE                       // sk >= v
	OpBetween                  // sk BETWEEN lo AND hi (both inclusive)
	OpBeginsWith               // begins_with(sk, prefix), S or B only
)

var opNames = [...]string{"", "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"}

// String returns the operator as written in an expression.
func (op Op) String() string {
	if int(op) < len(opNames) && op != 0 {
		return opNames[op]
	}
	return fmt.Sprintf("Op(%d)", uint8(op))
}

// CollectionRange returns the range holding every item of the item collection
// of pk: [CollectionPrefix, PrefixEnd(CollectionPrefix)).
func CollectionRange(table uint64, pk attr.Value) (Range, error) {
	prefix, err := CollectionPrefix(table, pk)
	if err != nil {
		return Range{}, err
	}
	return Range{Start: prefix, End: PrefixEnd(prefix)}, nil
}

// SortKeyRange returns the range of keys in the item collection of pk whose
// sort key satisfies the condition. With P the collection prefix, enc(v) the
// component of a sort key value v, and K+0x00 the smallest key after K (a
// key's only extensions are longer keys, and 0x00 is the smallest byte):
//
//	=  v             [P+enc(v), P+enc(v)+0x00)
//	<  v             [P, P+enc(v))
//	<= v             [P, P+enc(v)+0x00)
//	>  v             [P+enc(v)+0x00, PrefixEnd(P))
//	>= v             [P+enc(v), PrefixEnd(P))
//	BETWEEN lo, hi   [P+enc(lo), P+enc(hi)+0x00)
//	begins_with(p)   [P+tag+esc(p), PrefixEnd(P+tag+esc(p)))
//
// For begins_with, tag is the operand's type tag and esc(p) its escaped bytes
// without the terminator. Escaping maps each byte on its own to a code word
// (0x00 to 0x00 0xFF, any other byte to itself) and no code word is a prefix
// of another, so a sort key s starts with p exactly when enc(s) starts with
// tag+esc(p); PrefixEnd then bounds every extension. An empty p selects every
// sort key of p's type.
//
// The operands must be S, N or B; BETWEEN needs two of one type with lo <= hi,
// begins_with one S or B, the rest one. Checking that the operands' type is
// the table's sort key type, and DynamoDB's messages for these errors, are the
// caller's task.
func SortKeyRange(table uint64, pk attr.Value, op Op, operands ...attr.Value) (Range, error) {
	want := 1
	if op == OpBetween {
		want = 2
	}
	if len(operands) != want {
		return Range{}, fmt.Errorf("%w: %s takes %d operand(s), got %d", ErrBadCondition, op, want, len(operands))
	}
	prefix, err := CollectionPrefix(table, pk)
	if err != nil {
		return Range{}, err
	}
	withValue := func(v attr.Value) ([]byte, error) {
		k, err := AppendValue(bytes.Clone(prefix), v)
		if err != nil {
			return nil, fmt.Errorf("sort key operand: %w", err)
		}
		return k, nil
	}
	v := operands[0]
	switch op {
	case OpBeginsWith:
		var k []byte
		switch v.Type() {
		case attr.TypeS:
			k = appendEscapedBody(append(bytes.Clone(prefix), tagS), v.S())
		case attr.TypeB:
			k = appendEscapedBody(append(bytes.Clone(prefix), tagB), v.BString())
		default:
			return Range{}, fmt.Errorf("%w: begins_with operand must be S or B, got %s", ErrBadCondition, v.Type())
		}
		return Range{Start: k, End: PrefixEnd(k)}, nil
	case OpBetween:
		lo, err := withValue(operands[0])
		if err != nil {
			return Range{}, err
		}
		hi, err := withValue(operands[1])
		if err != nil {
			return Range{}, err
		}
		if operands[0].Type() != operands[1].Type() {
			return Range{}, fmt.Errorf("%w: BETWEEN bounds have types %s and %s", ErrBadCondition, operands[0].Type(), operands[1].Type())
		}
		if bytes.Compare(lo, hi) > 0 {
			return Range{}, fmt.Errorf("%w: BETWEEN lower bound is greater than upper bound", ErrBadCondition)
		}
		return Range{Start: lo, End: append(hi, 0x00)}, nil
	case OpEQ, OpLT, OpLE, OpGT, OpGE:
		k, err := withValue(v)
		if err != nil {
			return Range{}, err
		}
		switch op {
		case OpEQ:
			return Range{Start: k, End: append(bytes.Clone(k), 0x00)}, nil
		case OpLT:
			return Range{Start: prefix, End: k}, nil
		case OpLE:
			return Range{Start: prefix, End: append(k, 0x00)}, nil
		case OpGT:
			return Range{Start: append(k, 0x00), End: PrefixEnd(prefix)}, nil
		default: // OpGE
			return Range{Start: k, End: PrefixEnd(prefix)}, nil
		}
	}
	return Range{}, fmt.Errorf("%w: unknown operator %s", ErrBadCondition, op)
}
