package expr

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

// errCategory orders the semantic errors of one expression: when several are
// present DynamoDB reports the one of the lowest category, whatever its
// position in the text.
type errCategory uint8

const (
	catParens errCategory = iota
	catUnknownFunction
	catMisusedFunction
	catReserved
	catClause // the first simple condition, in text order, with an error
	catSection
	catName
	catValue
	catPathOverlap
	catPathConflict
	catOperand
	catOperandCount
	catDistinct
	catFunction
	catInLimit
	catDepth
	numCategories
)

// checker resolves placeholders and collects semantic errors while it turns
// a raw tree into a compiled one.
type checker struct {
	kind   string // "ConditionExpression", ...
	names  Names
	values Values
	usage  Usage
	errs   [numCategories]string
	// nameValueTogether files undefined names and values under one category,
	// as condition expressions do (updates report names before values).
	nameValueTogether bool
	// inClause is set while one simple condition (a comparison, BETWEEN, IN
	// or function) is checked: DynamoDB reports the problems of the first
	// such condition in the text that has any, so they are gathered apart.
	inClause   bool
	clauseErrs [numCategories]string
}

// clauseCategory reports whether errors of cat belong to one simple
// condition rather than to the whole expression.
func clauseCategory(cat errCategory) bool { return cat > catClause }

func (c *checker) beginClause() {
	c.inClause = true
	c.clauseErrs = [numCategories]string{}
}

func (c *checker) endClause() {
	c.inClause = false
	for _, msg := range c.clauseErrs {
		if msg != "" {
			c.report(catClause, msg)
			return
		}
	}
}

func newChecker(kind string, names Names, values Values) *checker {
	return &checker{kind: kind, names: names, values: values}
}

func (c *checker) report(cat errCategory, msg string) {
	if c.inClause && clauseCategory(cat) {
		if c.clauseErrs[cat] == "" {
			c.clauseErrs[cat] = msg
		}
		return
	}
	if c.errs[cat] == "" {
		c.errs[cat] = msg
	}
}

// err returns the error DynamoDB reports, or nil.
func (c *checker) err() error {
	for _, msg := range c.errs {
		if msg != "" {
			return kindError(c.kind, msg)
		}
	}
	return nil
}

func (c *checker) name(t token) string {
	if t.kind == tName {
		n, ok := c.names[t.text]
		if !ok {
			c.report(catName, "An expression attribute name used in the document path is not defined; attribute name: "+t.text)
			return t.text
		}
		c.usage.addName(t.text)
		return n
	}
	if IsReserved(t.text) {
		c.report(catReserved, "Attribute name is a reserved keyword; reserved keyword: "+t.text)
	}
	return t.text
}

func (c *checker) value(t token) attr.Value {
	v, ok := c.values[t.text]
	if !ok {
		cat := catValue
		if c.nameValueTogether {
			cat = catName
		}
		c.report(cat, "An expression attribute value used in expression is not defined; attribute value: "+t.text)
		return attr.Value{}
	}
	c.usage.addValue(t.text)
	return canonicalValue(v)
}

func (c *checker) path(raw []rawElem) Path {
	p := make(Path, len(raw))
	for i, e := range raw {
		if e.index >= 0 {
			p[i] = Idx(e.index)
		} else {
			p[i] = Key(c.name(e.tok))
		}
	}
	if len(p) > MaxPathDepth {
		c.report(catDepth, "The document path has too many nesting levels; nesting levels: "+strconv.Itoa(len(p)))
	}
	return p
}

// canonicalValue rewrites numbers in v to canonical text so that equality
// of numbers is equality of text, as it is for stored items.
func canonicalValue(v attr.Value) attr.Value {
	switch v.Type() {
	case attr.TypeN:
		if s, err := number.Canonical(v.N()); err == nil && s != v.N() {
			return attr.WithNumberText(v, s)
		}
	case attr.TypeNS:
		var out []string
		for i, m := range v.NS() {
			s, err := number.Canonical(m)
			if err != nil || s == m {
				if out != nil {
					out = append(out, m)
				}
				continue
			}
			if out == nil {
				out = append(make([]string, 0, len(v.NS())), v.NS()[:i]...)
			}
			out = append(out, s)
		}
		if out != nil {
			return attr.NewSetUnchecked(attr.TypeNS, out)
		}
	case attr.TypeL:
		var out []attr.Value
		for i, e := range v.L() {
			ce := canonicalValue(e)
			if out == nil && !sameNumbers(ce, e) {
				out = append(make([]attr.Value, 0, len(v.L())), v.L()[:i]...)
			}
			if out != nil {
				out = append(out, ce)
			}
		}
		if out != nil {
			return attr.NewListUnchecked(out)
		}
	case attr.TypeM:
		var out map[string]attr.Value
		for k, e := range v.M() {
			ce := canonicalValue(e)
			if out == nil && !sameNumbers(ce, e) {
				out = make(map[string]attr.Value, len(v.M()))
				for k2, e2 := range v.M() {
					out[k2] = e2
				}
			}
			if out != nil {
				out[k] = ce
			}
		}
		if out != nil {
			return attr.NewMapUnchecked(out)
		}
	}
	return v
}

// sameNumbers reports whether canonicalisation left v unchanged; it is only
// called on a value and its canonical form, so comparing the texts of the
// top level (or the identity of the containers) is enough.
func sameNumbers(canonical, v attr.Value) bool {
	switch v.Type() {
	case attr.TypeN:
		return canonical.N() == v.N()
	case attr.TypeNS:
		a, b := canonical.NS(), v.NS()
		return len(a) == 0 || len(b) == 0 || &a[0] == &b[0]
	case attr.TypeL:
		a, b := canonical.L(), v.L()
		return len(a) == 0 || len(b) == 0 || &a[0] == &b[0]
	case attr.TypeM:
		return attr.ItemsEqual(canonical.M(), v.M())
	}
	return true
}

// staticType is the type an operand is known to have before evaluation, or
// TypeInvalid when it depends on the item.
func staticType(o *Operand) attr.Type {
	if o == nil {
		return attr.TypeInvalid
	}
	switch o.Kind {
	case OperandValue:
		return o.Value.Type()
	case OperandSize, OperandPlus, OperandMinus:
		return attr.TypeN
	case OperandListAppend:
		return attr.TypeL
	case OperandIfNotExists:
		if len(o.Args) == 2 {
			return staticType(o.Args[1])
		}
	}
	return attr.TypeInvalid
}

// literalType is the type of a constant operand, TypeInvalid otherwise.
func literalType(o *Operand) attr.Type {
	if o != nil && o.Kind == OperandValue {
		return o.Value.Type()
	}
	return attr.TypeInvalid
}

func operandTypeError(fn string, t attr.Type) string {
	return "Incorrect operand type for operator or function; operator or function: " + fn + ", operand type: " + t.String()
}

func operandCountError(fn string, n int) string {
	return "Incorrect number of operands for operator or function; operator or function: " + fn + ", number of operands: " + strconv.Itoa(n)
}

func needsPathError(fn string) string {
	return "Operator or function requires a document path; operator or function: " + fn
}

func misusedError(fn string) string {
	return "The function is not allowed to be used this way in an expression; function: " + fn
}

// conditionFunctions are the functions of condition expressions with their
// operand counts.
var conditionFunctions = map[string]int{
	"attribute_exists":     1,
	"attribute_not_exists": 1,
	"attribute_type":       2,
	"begins_with":          2,
	"contains":             2,
	"size":                 1,
}

// updateFunctions are the functions of SET actions with their operand counts.
var updateFunctions = map[string]int{
	"if_not_exists": 2,
	"list_append":   2,
}

// ---- conditions ----

func (c *checker) cond(r *rawCond) *Cond {
	if r.parens >= 2 {
		c.report(catParens, "The expression has redundant parentheses;")
	}
	switch r.kind {
	case rcAnd, rcOr:
		subs := make([]*Cond, len(r.subs))
		for i, s := range r.subs {
			subs[i] = c.cond(s)
		}
		if r.kind == rcAnd {
			return And(subs...)
		}
		return Or(subs...)
	case rcNot:
		return Not(c.cond(r.subs[0]))
	}
	c.beginClause()
	defer c.endClause()
	if r.kind == rcFunc {
		return c.functionCond(r.operands[0])
	}
	ops := make([]*Operand, len(r.operands))
	for i, o := range r.operands {
		c.checkNotFunction(o)
		ops[i] = c.condOperand(o)
	}
	switch r.kind {
	case rcCompare:
		op := map[string]Comparator{"=": EQ, "<>": NE, "<": LT, "<=": LE, ">": GT, ">=": GE}[r.op]
		c.checkDistinct(r.op, ops[0], ops[1])
		if op != EQ && op != NE {
			c.checkOrdered(r.op, ops)
		}
		return Compare(op, ops[0], ops[1])
	case rcBetween:
		c.checkOrdered("BETWEEN", ops)
		c.checkBetween(ops[1], ops[2])
		return Between(ops[0], ops[1], ops[2])
	default: // rcIn
		if n := len(ops); n > MaxInOperands {
			c.report(catInLimit, "The IN operator is provided with too many operands; number of operands: "+strconv.Itoa(n))
		}
		return In(ops[0], ops[1:]...)
	}
}

// checkNotFunction rejects a condition function used as an operand; only
// size may be.
func (c *checker) checkNotFunction(o *rawOperand) {
	if o.kind == rawFunc && o.tok.text != "size" {
		if _, known := conditionFunctions[o.tok.text]; known {
			c.report(catMisusedFunction, misusedError(o.tok.text))
		}
	}
}

func (c *checker) checkDistinct(op string, a, b *Operand) {
	if a != nil && b != nil && a.Kind == OperandPath && b.Kind == OperandPath && a.Path.Equal(b.Path) {
		c.report(catDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: "+op+", first operand: "+a.Path.String())
	}
}

// checkOrdered rejects constant operands of an ordering operator (< <= > >=
// BETWEEN) that have no order: only S, N and B do.
func (c *checker) checkOrdered(op string, ops []*Operand) {
	for _, o := range ops {
		if t := staticType(o); t != attr.TypeInvalid && !t.IsScalar() {
			c.report(catFunction, operandTypeError(op, t))
			return
		}
	}
}

func boundText(v attr.Value) string {
	switch v.Type() {
	case attr.TypeS, attr.TypeN:
		return "{" + v.Type().String() + ":" + v.Scalar() + "}"
	case attr.TypeB:
		return "{B:" + base64Std(v.BString()) + "}"
	}
	return v.String()
}

func (c *checker) checkBetween(lo, hi *Operand) {
	lt, ht := literalType(lo), literalType(hi)
	if lt == attr.TypeInvalid || ht == attr.TypeInvalid {
		return
	}
	bounds := "lower bound operand: AttributeValue: " + boundText(lo.Value) + ", upper bound operand: AttributeValue: " + boundText(hi.Value)
	if lt != ht {
		c.report(catFunction, "The BETWEEN operator requires same data type for lower and upper bounds; "+bounds)
		return
	}
	if cmp, ok := order(lo.Value, hi.Value); ok && cmp > 0 {
		c.report(catFunction, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "+bounds)
	}
}

// condOperand compiles an operand of a condition: a path, a value, or size.
func (c *checker) condOperand(r *rawOperand) *Operand {
	if r.parens >= 2 {
		c.report(catParens, "The expression has redundant parentheses;")
	}
	switch r.kind {
	case rawPath:
		return PathOperand(c.path(r.path))
	case rawValue:
		return ValueOperand(c.value(r.tok))
	}
	name := r.tok.text
	want, known := conditionFunctions[name]
	args := make([]*Operand, len(r.args))
	for i, a := range r.args {
		c.checkNotFunction(a)
		args[i] = c.condOperand(a)
	}
	if !known {
		c.report(catUnknownFunction, "Invalid function name; function: "+name)
		return &Operand{Kind: OperandSize, Args: args}
	}
	if name != "size" {
		// Reported by the caller as a misused function.
		return &Operand{Kind: OperandSize, Args: args}
	}
	if len(args) != want {
		c.report(catOperandCount, operandCountError(name, len(args)))
		return &Operand{Kind: OperandSize, Args: args}
	}
	if t := staticType(args[0]); t == attr.TypeN || t == attr.TypeBOOL || t == attr.TypeNULL {
		c.report(catFunction, operandTypeError(name, t))
	}
	return SizeOf(args[0])
}

// functionCond compiles a function used as a whole condition.
func (c *checker) functionCond(r *rawOperand) *Cond {
	name := r.tok.text
	want, known := conditionFunctions[name]
	args := make([]*Operand, len(r.args))
	for i, a := range r.args {
		c.checkNotFunction(a)
		args[i] = c.condOperand(a)
	}
	if !known {
		c.report(catUnknownFunction, "Invalid function name; function: "+name)
		return And()
	}
	if name == "size" {
		c.report(catMisusedFunction, misusedError(name))
		return And()
	}
	if len(args) != want {
		c.report(catOperandCount, operandCountError(name, len(args)))
		return And()
	}
	if len(args) == 2 {
		c.checkDistinct(name, args[0], args[1])
	}
	switch name {
	case "attribute_exists", "attribute_not_exists":
		if args[0].Kind != OperandPath {
			c.report(catFunction, needsPathError(name))
		}
		if name == "attribute_exists" {
			return &Cond{Kind: CondAttributeExists, Args: args}
		}
		return &Cond{Kind: CondAttributeNotExists, Args: args}
	case "attribute_type":
		// Unlike attribute_exists, the first operand may be a value.
		t := staticType(args[1])
		switch {
		case t == attr.TypeInvalid:
			c.report(catFunction, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
		case t != attr.TypeS:
			c.report(catFunction, operandTypeError(name, t))
		case args[1].Kind == OperandValue:
			if _, ok := attr.ParseType(args[1].Value.S()); !ok {
				c.report(catFunction, "Invalid attribute type name found; type: "+args[1].Value.S()+", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
			}
		}
		return &Cond{Kind: CondAttributeType, Args: args}
	case "begins_with":
		for _, a := range args {
			if t := staticType(a); t != attr.TypeInvalid && t != attr.TypeS && t != attr.TypeB {
				c.report(catFunction, operandTypeError(name, t))
				break
			}
		}
		return &Cond{Kind: CondBeginsWith, Args: args}
	default: // contains
		return &Cond{Kind: CondContains, Args: args}
	}
}

// ---- update expressions ----

// setOperand compiles the right side of a SET action.
func (c *checker) setOperand(r *rawOperand) *Operand { return c.nestedSetOperand(r, false) }

// nestedSetOperand compiles a SET operand; nested is set inside a function
// or an arithmetic operator, where DynamoDB allows only if_not_exists.
func (c *checker) nestedSetOperand(r *rawOperand, nested bool) *Operand {
	if r.parens >= 2 {
		c.report(catParens, "The expression has redundant parentheses;")
	}
	switch r.kind {
	case rawPath:
		return PathOperand(c.path(r.path))
	case rawValue:
		return ValueOperand(c.value(r.tok))
	case rawPlus, rawMinus:
		a, b := c.nestedSetOperand(r.args[0], true), c.nestedSetOperand(r.args[1], true)
		for _, o := range []*Operand{a, b} {
			if t := literalType(o); t != attr.TypeInvalid && t != attr.TypeN {
				c.report(catFunction, operandTypeError(r.tok.text, t))
				break
			}
		}
		if r.kind == rawPlus {
			return Plus(a, b)
		}
		return Minus(a, b)
	}
	name := r.tok.text
	want, known := updateFunctions[name]
	args := make([]*Operand, len(r.args))
	for i, a := range r.args {
		args[i] = c.nestedSetOperand(a, true)
	}
	if !known {
		c.report(catUnknownFunction, "Invalid function name; function: "+name)
		return ValueOperand(attr.Null())
	}
	if nested && name != "if_not_exists" {
		c.report(catMisusedFunction, misusedError(name))
	}
	if len(args) != want {
		c.report(catFunction, operandCountError(name, len(args)))
		return ValueOperand(attr.Null())
	}
	if name == "if_not_exists" {
		if args[0].Kind != OperandPath {
			c.report(catFunction, needsPathError(name))
		}
		return &Operand{Kind: OperandIfNotExists, Args: args}
	}
	for _, a := range args {
		if t := literalType(a); t != attr.TypeInvalid && t != attr.TypeL {
			c.report(catFunction, operandTypeError(name, t))
			break
		}
	}
	return ListAppend(args[0], args[1])
}

var updateTypeNames = map[attr.Type]string{
	attr.TypeS: "STRING", attr.TypeN: "NUMBER", attr.TypeB: "BINARY", attr.TypeNULL: "NULL",
	attr.TypeBOOL: "BOOLEAN", attr.TypeL: "LIST", attr.TypeM: "MAP",
}

// checkAddDelete rejects operands ADD and DELETE cannot take: ADD takes a
// number or a set, DELETE a set.
func (c *checker) checkAddDelete(kind ActionKind, v attr.Value) {
	t := v.Type()
	if name, ok := updateTypeNames[t]; ok && !(kind == ActionAdd && t == attr.TypeN) {
		c.report(catOperand, "Incorrect operand type for operator or function; operator: "+kind.String()+", operand type: "+name)
	}
}

// checkPaths reports overlapping and conflicting target paths of an update
// or projection.
func (c *checker) checkPaths(paths []Path) {
	for j := 1; j < len(paths); j++ {
		for i := 0; i < j; i++ {
			switch relatePaths(paths[i], paths[j]) {
			case pathsOverlap:
				c.report(catPathOverlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: "+paths[i].String()+", path two: "+paths[j].String())
			case pathsConflict:
				c.report(catPathConflict, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: "+paths[i].String()+", path two: "+paths[j].String())
			}
		}
	}
}

type pathRelation uint8

const (
	pathsDisjoint pathRelation = iota
	pathsOverlap               // one is a prefix of the other
	pathsConflict              // they address one node as both a map and a list
)

func relatePaths(a, b Path) pathRelation {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i].IsIndex() != b[i].IsIndex() {
			return pathsConflict
		}
		if a[i] != b[i] {
			return pathsDisjoint
		}
	}
	return pathsOverlap
}

// ---- helpers ----

func checkSize(kind, src string) error {
	if strings.TrimLeft(src, " \t\r\n") == "" {
		return kindError(kind, "The expression can not be empty;")
	}
	if len(src) > MaxExpressionBytes {
		return kindError(kind, "Expression size has exceeded the maximum allowed size; expression size: "+strconv.Itoa(len(src)))
	}
	return nil
}

// utf16Len is the length of s in UTF-16 code units, which is what DynamoDB's
// size() returns for a string.
func utf16Len(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
