package expr

import (
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Names is a request's ExpressionAttributeNames: "#placeholder" to name.
type Names map[string]string

// Values is a request's ExpressionAttributeValues: ":placeholder" to value.
type Values map[string]attr.Value

// PathElem is one step of a document path: a map key (or the top-level
// attribute name) when Index is negative, otherwise a list index.
type PathElem struct {
	Name  string
	Index int
}

// Key returns the path step for map key or attribute name name.
func Key(name string) PathElem { return PathElem{Name: name, Index: -1} }

// Idx returns the path step for list index i (i >= 0).
func Idx(i int) PathElem { return PathElem{Index: i} }

// IsIndex reports whether the step is a list index.
func (e PathElem) IsIndex() bool { return e.Index >= 0 }

// Path is a document path such as a.b[3].c: a top-level attribute name
// followed by map keys and list indexes. Names are already resolved (no
// #placeholders).
type Path []PathElem

// AttrPath returns the path of the top-level attribute name; legacy
// parameters, which cannot address nested attributes, use it.
func AttrPath(name string) Path { return Path{Key(name)} }

// String renders the path the way DynamoDB prints it in messages:
// [a, b, [3], c].
func (p Path) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			sb.WriteString(", ")
		}
		if e.IsIndex() {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(e.Index))
			sb.WriteByte(']')
		} else {
			sb.WriteString(e.Name)
		}
	}
	sb.WriteByte(']')
	return sb.String()
}

// Equal reports whether two paths are the same steps.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// OperandKind says what an Operand computes.
type OperandKind uint8

// The operand kinds. Size may appear in conditions only; IfNotExists,
// ListAppend, Plus and Minus in SET actions only.
const (
	OperandPath        OperandKind = iota + 1 // the value at Path in the item
	OperandValue                              // the constant Value
	OperandSize                               // size(Args[0])
	OperandIfNotExists                        // if_not_exists(Args[0] (a path), Args[1])
	OperandListAppend                         // list_append(Args[0], Args[1])
	OperandPlus                               // Args[0] + Args[1]
	OperandMinus                              // Args[0] - Args[1]
)

// Operand is a value-producing node: a document path, a constant, or a
// function of other operands.
type Operand struct {
	Kind  OperandKind
	Path  Path       // OperandPath
	Value attr.Value // OperandValue
	Args  []*Operand // functions and arithmetic
}

// PathOperand returns the operand that reads path p from the item.
func PathOperand(p Path) *Operand { return &Operand{Kind: OperandPath, Path: p} }

// ValueOperand returns the constant operand v. Numbers must be canonical
// text (see internal/number.Canonical).
func ValueOperand(v attr.Value) *Operand { return &Operand{Kind: OperandValue, Value: v} }

// SizeOf returns size(o).
func SizeOf(o *Operand) *Operand { return &Operand{Kind: OperandSize, Args: []*Operand{o}} }

// IfNotExists returns if_not_exists(p, fallback).
func IfNotExists(p Path, fallback *Operand) *Operand {
	return &Operand{Kind: OperandIfNotExists, Args: []*Operand{PathOperand(p), fallback}}
}

// ListAppend returns list_append(a, b).
func ListAppend(a, b *Operand) *Operand {
	return &Operand{Kind: OperandListAppend, Args: []*Operand{a, b}}
}

// Plus returns a + b.
func Plus(a, b *Operand) *Operand { return &Operand{Kind: OperandPlus, Args: []*Operand{a, b}} }

// Minus returns a - b.
func Minus(a, b *Operand) *Operand { return &Operand{Kind: OperandMinus, Args: []*Operand{a, b}} }

// Comparator is one of the six comparison operators.
type Comparator uint8

// The comparators.
const (
	EQ Comparator = iota + 1 // =
	NE                       // <>
	LT                       // <
	LE                       // <=
	GT                       // >
	GE                       // >=
)

var comparatorText = [...]string{"", "=", "<>", "<", "<=", ">", ">="}

// String returns the operator as written in expressions.
func (c Comparator) String() string {
	if int(c) < len(comparatorText) {
		return comparatorText[c]
	}
	return "?"
}

// CondKind says what a Cond node tests.
type CondKind uint8

// The condition kinds.
const (
	CondCompare            CondKind = iota + 1 // Args[0] Op Args[1]
	CondBetween                                // Args[0] BETWEEN Args[1] AND Args[2]
	CondIn                                     // Args[0] IN (Args[1:]...)
	CondAnd                                    // Subs[0] AND Subs[1] AND ...
	CondOr                                     // Subs[0] OR Subs[1] OR ...
	CondNot                                    // NOT Subs[0]
	CondAttributeExists                        // attribute_exists(Args[0].Path)
	CondAttributeNotExists                     // attribute_not_exists(Args[0].Path)
	CondAttributeType                          // attribute_type(Args[0].Path, Args[1])
	CondBeginsWith                             // begins_with(Args[0], Args[1])
	CondContains                               // contains(Args[0], Args[1])
)

// Cond is a node of a condition tree.
type Cond struct {
	Kind CondKind
	Op   Comparator // CondCompare
	Args []*Operand
	Subs []*Cond
}

// Compare returns the condition a op b.
func Compare(op Comparator, a, b *Operand) *Cond {
	return &Cond{Kind: CondCompare, Op: op, Args: []*Operand{a, b}}
}

// Between returns a BETWEEN lo AND hi.
func Between(a, lo, hi *Operand) *Cond {
	return &Cond{Kind: CondBetween, Args: []*Operand{a, lo, hi}}
}

// In returns a IN (list...).
func In(a *Operand, list ...*Operand) *Cond {
	return &Cond{Kind: CondIn, Args: append([]*Operand{a}, list...)}
}

// And returns the conjunction of conds; And() is true.
func And(conds ...*Cond) *Cond { return &Cond{Kind: CondAnd, Subs: conds} }

// Or returns the disjunction of conds; Or() is false.
func Or(conds ...*Cond) *Cond { return &Cond{Kind: CondOr, Subs: conds} }

// Not returns NOT c.
func Not(c *Cond) *Cond { return &Cond{Kind: CondNot, Subs: []*Cond{c}} }

// AttributeExists returns attribute_exists(p).
func AttributeExists(p Path) *Cond {
	return &Cond{Kind: CondAttributeExists, Args: []*Operand{PathOperand(p)}}
}

// AttributeNotExists returns attribute_not_exists(p).
func AttributeNotExists(p Path) *Cond {
	return &Cond{Kind: CondAttributeNotExists, Args: []*Operand{PathOperand(p)}}
}

// AttributeType returns attribute_type(p, t).
func AttributeType(p Path, t attr.Type) *Cond {
	return &Cond{Kind: CondAttributeType, Args: []*Operand{PathOperand(p), ValueOperand(attr.S(t.String()))}}
}

// BeginsWith returns begins_with(a, prefix).
func BeginsWith(a, prefix *Operand) *Cond {
	return &Cond{Kind: CondBeginsWith, Args: []*Operand{a, prefix}}
}

// Contains returns contains(a, b).
func Contains(a, b *Operand) *Cond {
	return &Cond{Kind: CondContains, Args: []*Operand{a, b}}
}

// ActionKind says what an update action does.
type ActionKind uint8

// The update action kinds, one per UpdateExpression clause.
const (
	ActionSet    ActionKind = iota + 1 // SET Path = Value
	ActionRemove                       // REMOVE Path
	ActionAdd                          // ADD Path Value (a constant number or set)
	ActionDelete                       // DELETE Path Value (a constant set)
)

var actionText = [...]string{"", "SET", "REMOVE", "ADD", "DELETE"}

// String returns the clause keyword.
func (k ActionKind) String() string {
	if int(k) < len(actionText) {
		return actionText[k]
	}
	return "?"
}

// Action is one update action.
type Action struct {
	Kind  ActionKind
	Path  Path
	Value *Operand // SET: any operand; ADD, DELETE: an OperandValue; REMOVE: nil
}

// SetAction returns SET p = v.
func SetAction(p Path, v *Operand) Action { return Action{Kind: ActionSet, Path: p, Value: v} }

// RemoveAction returns REMOVE p.
func RemoveAction(p Path) Action { return Action{Kind: ActionRemove, Path: p} }

// AddAction returns ADD p v.
func AddAction(p Path, v attr.Value) Action {
	return Action{Kind: ActionAdd, Path: p, Value: ValueOperand(v)}
}

// DeleteAction returns DELETE p v.
func DeleteAction(p Path, v attr.Value) Action {
	return Action{Kind: ActionDelete, Path: p, Value: ValueOperand(v)}
}
