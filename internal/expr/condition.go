package expr

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

// Condition is a compiled ConditionExpression or FilterExpression (or a
// condition built from legacy parameters with NewCondition). It is immutable
// and safe for concurrent use.
type Condition struct {
	root  *Cond
	usage Usage
}

// ParseCondition parses and validates a ConditionExpression.
func ParseCondition(expr string, names Names, values Values) (*Condition, error) {
	return parseCondition("ConditionExpression", expr, names, values)
}

// ParseFilter parses and validates a FilterExpression; the grammar is the
// ConditionExpression grammar, the messages name FilterExpression.
func ParseFilter(expr string, names Names, values Values) (*Condition, error) {
	return parseCondition("FilterExpression", expr, names, values)
}

func parseCondition(kind, src string, names Names, values Values) (*Condition, error) {
	c, err := parseConditionTree(kind, src, names, values)
	if err != nil {
		return nil, err
	}
	return &Condition{root: c.root, usage: c.usage}, nil
}

type parsedCondition struct {
	root  *Cond
	usage Usage
}

func parseConditionTree(kind, src string, names Names, values Values) (parsedCondition, error) {
	if err := checkSize(kind, src); err != nil {
		return parsedCondition{}, err
	}
	p := newParser(src)
	raw, ok := p.parseCondition()
	if !ok {
		return parsedCondition{}, kindError(kind, p.syntaxError())
	}
	ch := newChecker(kind, names, values)
	ch.nameValueTogether = true
	root := ch.cond(raw)
	if err := ch.err(); err != nil {
		return parsedCondition{}, err
	}
	return parsedCondition{root: root, usage: ch.usage}, nil
}

// NewCondition wraps a condition tree built with the exported constructors
// (Compare, Between, And, ...). It validates nothing: callers compiling
// legacy parameters check them with DynamoDB's legacy messages first.
func NewCondition(root *Cond) *Condition { return &Condition{root: root} }

// Root returns the condition tree. It must not be modified.
func (c *Condition) Root() *Cond { return c.root }

// Usage returns the placeholders the expression referred to.
func (c *Condition) Usage() Usage { return c.usage }

// Eval evaluates the condition against item; a nil item is a missing item,
// in which every attribute is absent. Evaluation of a condition cannot fail
// in DynamoDB (operands of the wrong type make a test false), so the error
// is always nil today; it is part of the signature so that limits checked
// during evaluation can be added without changing callers.
func (c *Condition) Eval(item attr.Item) (bool, error) {
	return evalCond(c.root, item), nil
}

func evalCond(c *Cond, item attr.Item) bool {
	if c == nil {
		return true // no condition
	}
	switch c.Kind {
	case CondAnd:
		for _, s := range c.Subs {
			if !evalCond(s, item) {
				return false
			}
		}
		return true
	case CondOr:
		for _, s := range c.Subs {
			if evalCond(s, item) {
				return true
			}
		}
		return false
	case CondNot:
		return len(c.Subs) == 1 && !evalCond(c.Subs[0], item)
	case CondCompare:
		if len(c.Args) != 2 {
			return false
		}
		a, aok := resolve(c.Args[0], item)
		b, bok := resolve(c.Args[1], item)
		return compare(c.Op, a, aok, b, bok)
	case CondBetween:
		if len(c.Args) != 3 {
			return false
		}
		a, aok := resolve(c.Args[0], item)
		lo, lok := resolve(c.Args[1], item)
		hi, hok := resolve(c.Args[2], item)
		if !aok || !lok || !hok {
			return false
		}
		c1, ok1 := order(a, lo)
		c2, ok2 := order(a, hi)
		return ok1 && ok2 && c1 >= 0 && c2 <= 0
	case CondIn:
		if len(c.Args) == 0 {
			return false
		}
		a, aok := resolve(c.Args[0], item)
		if !aok {
			return false
		}
		for _, o := range c.Args[1:] {
			if b, ok := resolve(o, item); ok && attr.Equal(a, b) {
				return true
			}
		}
		return false
	case CondAttributeExists, CondAttributeNotExists:
		if len(c.Args) != 1 {
			return false
		}
		_, found := resolve(c.Args[0], item)
		return found == (c.Kind == CondAttributeExists)
	case CondAttributeType:
		if len(c.Args) != 2 {
			return false
		}
		a, aok := resolve(c.Args[0], item)
		t, tok := resolve(c.Args[1], item)
		return aok && tok && t.Type() == attr.TypeS && a.Type().String() == t.S()
	case CondBeginsWith:
		if len(c.Args) != 2 {
			return false
		}
		a, aok := resolve(c.Args[0], item)
		b, bok := resolve(c.Args[1], item)
		if !aok || !bok || a.Type() != b.Type() {
			return false
		}
		switch a.Type() {
		case attr.TypeS:
			return strings.HasPrefix(a.S(), b.S())
		case attr.TypeB:
			return strings.HasPrefix(a.BString(), b.BString())
		}
		return false
	case CondContains:
		if len(c.Args) != 2 {
			return false
		}
		a, aok := resolve(c.Args[0], item)
		b, bok := resolve(c.Args[1], item)
		return aok && bok && contains(a, b)
	}
	return false
}

// resolve computes an operand of a condition; ok is false when the operand
// names an attribute the item lacks (or size of something without a size).
func resolve(o *Operand, item attr.Item) (attr.Value, bool) {
	if o == nil {
		return attr.Value{}, false
	}
	switch o.Kind {
	case OperandPath:
		return lookup(item, o.Path)
	case OperandValue:
		return o.Value, o.Value.IsValid()
	case OperandSize:
		if len(o.Args) != 1 {
			return attr.Value{}, false
		}
		v, ok := resolve(o.Args[0], item)
		if !ok {
			return attr.Value{}, false
		}
		return sizeOf(v)
	}
	return attr.Value{}, false
}

func sizeOf(v attr.Value) (attr.Value, bool) {
	n := 0
	switch v.Type() {
	case attr.TypeS:
		n = utf16Len(v.S())
	case attr.TypeB:
		n = len(v.BString())
	case attr.TypeSS, attr.TypeNS, attr.TypeBS, attr.TypeL, attr.TypeM:
		n = v.Len()
	default:
		return attr.Value{}, false
	}
	return attr.N(strconv.Itoa(n)), true
}

// lookup walks path p in item.
func lookup(item attr.Item, p Path) (attr.Value, bool) {
	if len(p) == 0 || p[0].IsIndex() {
		return attr.Value{}, false
	}
	v, ok := item[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		if e.IsIndex() {
			l := v.L()
			if v.Type() != attr.TypeL || e.Index >= len(l) {
				return attr.Value{}, false
			}
			v = l[e.Index]
			continue
		}
		if v.Type() != attr.TypeM {
			return attr.Value{}, false
		}
		v, ok = v.M()[e.Name]
		if !ok {
			return attr.Value{}, false
		}
	}
	return v, true
}

// compare applies a comparator. A missing operand makes every comparison
// false except <>, which is true: an absent value equals nothing.
func compare(op Comparator, a attr.Value, aok bool, b attr.Value, bok bool) bool {
	if !aok || !bok {
		return op == NE
	}
	switch op {
	case EQ:
		return attr.Equal(a, b)
	case NE:
		return !attr.Equal(a, b)
	}
	c, ok := order(a, b)
	if !ok {
		return false
	}
	switch op {
	case LT:
		return c < 0
	case LE:
		return c <= 0
	case GT:
		return c > 0
	case GE:
		return c >= 0
	}
	return false
}

// order compares two values of the same ordered type (S, N or B); ok is
// false for other types or different types.
func order(a, b attr.Value) (int, bool) {
	if a.Type() != b.Type() {
		return 0, false
	}
	switch a.Type() {
	case attr.TypeS:
		return strings.Compare(a.S(), b.S()), true
	case attr.TypeB:
		return strings.Compare(a.BString(), b.BString()), true
	case attr.TypeN:
		c, err := number.Compare(a.N(), b.N())
		return c, err == nil
	}
	return 0, false
}

// contains implements contains(a, b): substring of a string or binary,
// member of a set, element of a list.
func contains(a, b attr.Value) bool {
	switch a.Type() {
	case attr.TypeS:
		return b.Type() == attr.TypeS && strings.Contains(a.S(), b.S())
	case attr.TypeB:
		return b.Type() == attr.TypeB && bytes.Contains([]byte(a.BString()), []byte(b.BString()))
	case attr.TypeSS:
		return b.Type() == attr.TypeS && memberOf(a.SS(), b.S())
	case attr.TypeBS:
		return b.Type() == attr.TypeB && memberOf(a.SetMembers(), b.BString())
	case attr.TypeNS:
		if b.Type() != attr.TypeN {
			return false
		}
		for _, m := range a.NS() {
			if c, err := number.Compare(m, b.N()); err == nil && c == 0 {
				return true
			}
		}
		return false
	case attr.TypeL:
		for _, e := range a.L() {
			if attr.Equal(e, b) {
				return true
			}
		}
	}
	return false
}

func memberOf(set []string, s string) bool {
	for _, m := range set {
		if m == s {
			return true
		}
	}
	return false
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TopLevelNames returns the top-level attribute names the condition reads,
// each once, in the order they first appear.
func (c *Condition) TopLevelNames() []string {
	var names []string
	seen := map[string]bool{}
	var walkOperand func(o *Operand)
	walkOperand = func(o *Operand) {
		if o == nil {
			return
		}
		if o.Kind == OperandPath && len(o.Path) > 0 && !o.Path[0].IsIndex() && !seen[o.Path[0].Name] {
			seen[o.Path[0].Name] = true
			names = append(names, o.Path[0].Name)
		}
		for _, a := range o.Args {
			walkOperand(a)
		}
	}
	var walk func(n *Cond)
	walk = func(n *Cond) {
		if n == nil {
			return
		}
		for _, a := range n.Args {
			walkOperand(a)
		}
		for _, s := range n.Subs {
			walk(s)
		}
	}
	walk(c.root)
	return names
}

// CheckNotKeys rejects a Query filter that reads a key attribute of the
// table or index queried, as DynamoDB does. keys are the key schema's
// attribute names, partition key first; what names the parameter in the
// message: "Filter Expression" for FilterExpression, "QueryFilter" for the
// legacy parameter.
func (c *Condition) CheckNotKeys(what string, keys ...string) error {
	used := c.TopLevelNames()
	for _, k := range keys {
		for _, n := range used {
			if n == k {
				return validation(what + " can only contain non-primary key attributes: Primary key attribute: " + k)
			}
		}
	}
	return nil
}
