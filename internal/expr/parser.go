package expr

import (
	"strconv"
	"strings"
)

// This file holds the recursive-descent parser shared by the five
// expression kinds. Parsing builds a raw tree that still holds tokens
// (#names, :values, bare names); check.go resolves and validates it, so that
// DynamoDB's error precedence (syntax first, then the semantic checks in a
// fixed order) is kept and no placeholder counts as used when its
// expression fails to parse.
//
// The parser backtracks where the grammar is ambiguous (a parenthesis may
// open a condition or an operand). The syntax error names the token at the
// furthest position any alternative reached, as a PEG parser does.

type rawElem struct {
	tok   token // tIdent or tName for a name step
	index int   // list index, or -1 for a name step
}

type rawOperandKind uint8

const (
	rawPath rawOperandKind = iota + 1
	rawValue
	rawFunc
	rawPlus
	rawMinus
)

type rawOperand struct {
	kind   rawOperandKind
	path   []rawElem
	tok    token // value token, or function name token
	args   []*rawOperand
	parens int // number of parentheses wrapped directly around it
}

type rawCondKind uint8

const (
	rcCompare rawCondKind = iota + 1
	rcBetween
	rcIn
	rcFunc
	rcAnd
	rcOr
	rcNot
)

type rawCond struct {
	kind     rawCondKind
	op       string
	operands []*rawOperand
	subs     []*rawCond
	parens   int
}

type rawAction struct {
	kind  ActionKind
	path  []rawElem
	value *rawOperand
}

type rawSection struct {
	kind    ActionKind
	actions []rawAction
}

type parser struct {
	src      string
	toks     []token
	pos      int
	furthest int
	memo     map[int]memoOperand
}

// memoOperand is the outcome of parsing a parenthesised operand at one
// position: node is nil when it failed.
type memoOperand struct {
	node *rawOperand
	end  int
}

func newParser(src string) *parser {
	return &parser{src: src, toks: lex(src)}
}

func (p *parser) peek() token { return p.toks[p.pos] }

// fail records that the token at the current position was not accepted.
func (p *parser) fail() bool {
	if p.pos > p.furthest {
		p.furthest = p.pos
	}
	return false
}

func (p *parser) syntaxError() string { return syntaxMessage(p.src, p.toks, p.furthest) }

func (p *parser) punct(s string) bool {
	t := p.peek()
	if t.kind == tPunct && t.text == s {
		p.pos++
		return true
	}
	return p.fail()
}

func (p *parser) keyword(word string) bool {
	t := p.peek()
	if t.kind == tIdent && strings.EqualFold(t.text, word) {
		p.pos++
		return true
	}
	return p.fail()
}

func (p *parser) atEOF() bool {
	if p.peek().kind == tEOF {
		return true
	}
	return p.fail()
}

// isKeyword reports whether an identifier is one of the grammar's keywords.
// DynamoDB's lexer makes all nine keywords of every expression kind, so none
// of them can name an attribute in any expression, in any letter case.
func (p *parser) isKeyword(t token) bool {
	switch strings.ToUpper(t.text) {
	case "AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE":
		return true
	}
	return false
}

// name parses one name step: a bare identifier or a #placeholder.
func (p *parser) name() (token, bool) {
	t := p.peek()
	if t.kind == tName || (t.kind == tIdent && !p.isKeyword(t)) {
		p.pos++
		return t, true
	}
	return t, p.fail()
}

// path parses name ( '.' name | '[' digits ']' )*.
func (p *parser) path() ([]rawElem, bool) {
	t, ok := p.name()
	if !ok {
		return nil, false
	}
	elems := []rawElem{{tok: t, index: -1}}
	for {
		save := p.pos
		if p.punct(".") {
			t, ok := p.name()
			if !ok {
				p.pos = save
				return elems, true
			}
			elems = append(elems, rawElem{tok: t, index: -1})
			continue
		}
		if p.punct("[") {
			n := p.peek()
			if n.kind != tNumber {
				p.fail()
				p.pos = save
				return elems, true
			}
			p.pos++
			if !p.punct("]") {
				p.pos = save
				return elems, true
			}
			idx, err := strconv.Atoi(n.text)
			if err != nil || idx > 1<<30 {
				idx = 1 << 30 // far beyond any list; evaluation treats it as past the end
			}
			elems = append(elems, rawElem{tok: n, index: idx})
			continue
		}
		return elems, true
	}
}

// operand parses '(' operand ')' | function | :value | path.
//
// A parenthesised operand is memoised by position: a condition tries each
// parenthesis first as a condition and then as an operand, and without the
// memo deep nesting would be parsed again at every level.
func (p *parser) operand() (*rawOperand, bool) {
	save := p.pos
	if p.punct("(") {
		if m, ok := p.memo[save]; ok {
			p.pos = m.end
			return m.node, m.node != nil
		}
		var result *rawOperand
		if o, ok := p.operand(); ok && p.punct(")") {
			wrapped := *o // memoised nodes are shared, so never modified
			wrapped.parens++
			result = &wrapped
		} else {
			p.pos = save
		}
		if p.memo == nil {
			p.memo = make(map[int]memoOperand)
		}
		p.memo[save] = memoOperand{node: result, end: p.pos}
		return result, result != nil
	}
	t := p.peek()
	switch {
	case t.kind == tValue:
		p.pos++
		return &rawOperand{kind: rawValue, tok: t}, true
	case t.kind == tIdent && p.toks[p.pos+1].kind == tPunct && p.toks[p.pos+1].text == "(":
		return p.function()
	}
	path, ok := p.path()
	if !ok {
		return nil, false
	}
	return &rawOperand{kind: rawPath, path: path}, true
}

// function parses name '(' operand (',' operand)* ')'.
func (p *parser) function() (*rawOperand, bool) {
	save := p.pos
	name := p.peek()
	p.pos += 2 // name and '('
	f := &rawOperand{kind: rawFunc, tok: name}
	for {
		a, ok := p.operand()
		if !ok {
			p.pos = save
			return nil, false
		}
		f.args = append(f.args, a)
		if p.punct(",") {
			continue
		}
		if p.punct(")") {
			return f, true
		}
		p.pos = save
		return nil, false
	}
}

// ---- conditions ----

func (p *parser) parseCondition() (*rawCond, bool) {
	c, ok := p.orCond()
	if !ok || !p.atEOF() {
		return nil, false
	}
	return c, true
}

func (p *parser) orCond() (*rawCond, bool) { return p.joined("OR", rcOr, p.andCond) }

func (p *parser) andCond() (*rawCond, bool) { return p.joined("AND", rcAnd, p.notCond) }

// joined parses operand (keyword operand)*, the shape of both OR and AND;
// a keyword not followed by an operand is left unread for the caller.
func (p *parser) joined(keyword string, kind rawCondKind, operand func() (*rawCond, bool)) (*rawCond, bool) {
	first, ok := operand()
	if !ok {
		return nil, false
	}
	subs := []*rawCond{first}
	for {
		save := p.pos
		if !p.keyword(keyword) {
			break
		}
		next, ok := operand()
		if !ok {
			p.pos = save
			break
		}
		subs = append(subs, next)
	}
	if len(subs) == 1 {
		return first, true
	}
	return &rawCond{kind: kind, subs: subs}, true
}

func (p *parser) notCond() (*rawCond, bool) {
	save := p.pos
	if p.keyword("NOT") {
		c, ok := p.notCond()
		if !ok {
			p.pos = save
			return nil, false
		}
		return &rawCond{kind: rcNot, subs: []*rawCond{c}}, true
	}
	return p.primaryCond()
}

// primaryCond parses '(' condition ')' or a simple condition. A parenthesis
// may also open an operand, as in (a) = :v, so both are tried.
func (p *parser) primaryCond() (*rawCond, bool) {
	save := p.pos
	if p.punct("(") {
		if c, ok := p.orCond(); ok && p.punct(")") {
			c.parens++
			return c, true
		}
		p.pos = save
	}
	return p.simpleCond()
}

var comparators = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) simpleCond() (*rawCond, bool) {
	save := p.pos
	left, ok := p.operand()
	if !ok {
		return nil, false
	}
	t := p.peek()
	switch {
	case t.kind == tPunct && comparators[t.text]:
		p.pos++
		right, ok := p.operand()
		if !ok {
			p.pos = save
			return nil, false
		}
		return &rawCond{kind: rcCompare, op: t.text, operands: []*rawOperand{left, right}}, true
	case t.kind == tIdent && strings.EqualFold(t.text, "BETWEEN"):
		p.pos++
		lo, ok := p.operand()
		if ok && p.keyword("AND") {
			if hi, ok := p.operand(); ok {
				return &rawCond{kind: rcBetween, operands: []*rawOperand{left, lo, hi}}, true
			}
		}
		p.pos = save
		return nil, false
	case t.kind == tIdent && strings.EqualFold(t.text, "IN"):
		p.pos++
		if !p.punct("(") {
			p.pos = save
			return nil, false
		}
		c := &rawCond{kind: rcIn, operands: []*rawOperand{left}}
		for {
			o, ok := p.operand()
			if !ok {
				p.pos = save
				return nil, false
			}
			c.operands = append(c.operands, o)
			if p.punct(",") {
				continue
			}
			if p.punct(")") {
				return c, true
			}
			p.pos = save
			return nil, false
		}
	}
	if left.kind == rawFunc && left.parens == 0 {
		return &rawCond{kind: rcFunc, operands: []*rawOperand{left}}, true
	}
	p.fail()
	p.pos = save
	return nil, false
}

// ---- update expressions ----

func (p *parser) parseUpdate() ([]rawSection, bool) {
	var sections []rawSection
	for {
		s, ok := p.section()
		if !ok {
			return nil, false
		}
		sections = append(sections, s)
		if p.peek().kind == tEOF {
			return sections, true
		}
	}
}

func (p *parser) section() (rawSection, bool) {
	t := p.peek()
	kind := ActionKind(0)
	if t.kind == tIdent {
		switch strings.ToUpper(t.text) {
		case "SET":
			kind = ActionSet
		case "REMOVE":
			kind = ActionRemove
		case "ADD":
			kind = ActionAdd
		case "DELETE":
			kind = ActionDelete
		}
	}
	if kind == 0 {
		return rawSection{}, p.fail()
	}
	p.pos++
	s := rawSection{kind: kind}
	for {
		a, ok := p.action(kind)
		if !ok {
			return rawSection{}, false
		}
		s.actions = append(s.actions, a)
		if !p.punct(",") {
			return s, true
		}
	}
}

func (p *parser) action(kind ActionKind) (rawAction, bool) {
	path, ok := p.path()
	if !ok {
		return rawAction{}, false
	}
	a := rawAction{kind: kind, path: path}
	switch kind {
	case ActionSet:
		if !p.punct("=") {
			return rawAction{}, false
		}
		v, ok := p.setValue()
		if !ok {
			return rawAction{}, false
		}
		a.value = v
	case ActionAdd, ActionDelete:
		t := p.peek()
		if t.kind != tValue {
			return rawAction{}, p.fail()
		}
		p.pos++
		a.value = &rawOperand{kind: rawValue, tok: t}
	}
	return a, true
}

// setValue parses arithmetic | operand.
func (p *parser) setValue() (*rawOperand, bool) {
	save := p.pos
	if v, ok := p.arithmetic(); ok {
		return v, true
	}
	p.pos = save
	return p.operand()
}

// arithmetic parses operand ('+' | '-') operand | '(' arithmetic ')'.
func (p *parser) arithmetic() (*rawOperand, bool) {
	save := p.pos
	if left, ok := p.operand(); ok {
		t := p.peek()
		if t.kind == tPunct && (t.text == "+" || t.text == "-") {
			p.pos++
			if right, ok := p.operand(); ok {
				kind := rawPlus
				if t.text == "-" {
					kind = rawMinus
				}
				return &rawOperand{kind: kind, tok: t, args: []*rawOperand{left, right}}, true
			}
		} else {
			p.fail()
		}
	}
	p.pos = save
	if p.punct("(") {
		if v, ok := p.arithmetic(); ok && p.punct(")") {
			wrapped := *v
			wrapped.parens++
			return &wrapped, true
		}
	}
	p.pos = save
	return nil, false
}

// ---- projections ----

func (p *parser) parseProjection() ([][]rawElem, bool) {
	var paths [][]rawElem
	for {
		path, ok := p.path()
		if !ok {
			return nil, false
		}
		paths = append(paths, path)
		if p.punct(",") {
			continue
		}
		if !p.atEOF() {
			return nil, false
		}
		return paths, true
	}
}
