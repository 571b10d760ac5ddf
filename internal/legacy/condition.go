package legacy

import (
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/number"
)

// Messages of the ConditionalOperator rule (ExtendDB's captures).
const (
	MsgConditionalOperatorWithout = "ConditionalOperator cannot be used without Filter or Expected"
	MsgConditionalOperatorOne     = "ConditionalOperator can only be used when Filter or Expected has two or more elements"
)

// MsgBetweenBounds is the message for BETWEEN bounds in the wrong order.
const MsgBetweenBounds = "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"

// operandTypes lists, per operator, the types its AttributeValueList may
// hold: the API reference's Condition page (EQ and NE take a scalar or a
// set; the ordering operators, CONTAINS, NOT_CONTAINS, IN and BETWEEN a
// scalar; BEGINS_WITH a string or binary), as dynalite's validateConditions
// enforces it in cases its tests checked against DynamoDB (IN of lists and
// BEGINS_WITH of a number are rejected in ScyllaDB's test_expected.py too).
// NULL and NOT_NULL take no values.
var operandTypes = map[string][]attr.Type{
	OpEQ:          {attr.TypeS, attr.TypeN, attr.TypeB, attr.TypeSS, attr.TypeNS, attr.TypeBS},
	OpNE:          {attr.TypeS, attr.TypeN, attr.TypeB, attr.TypeSS, attr.TypeNS, attr.TypeBS},
	OpLE:          {attr.TypeS, attr.TypeN, attr.TypeB},
	OpLT:          {attr.TypeS, attr.TypeN, attr.TypeB},
	OpGE:          {attr.TypeS, attr.TypeN, attr.TypeB},
	OpGT:          {attr.TypeS, attr.TypeN, attr.TypeB},
	OpContains:    {attr.TypeS, attr.TypeN, attr.TypeB},
	OpNotContains: {attr.TypeS, attr.TypeN, attr.TypeB},
	OpBeginsWith:  {attr.TypeS, attr.TypeB},
	OpIn:          {attr.TypeS, attr.TypeN, attr.TypeB},
	OpBetween:     {attr.TypeS, attr.TypeN, attr.TypeB},
	OpNull:        nil,
	OpNotNull:     nil,
}

func knownOperator(op string) bool {
	_, ok := operandTypes[op]
	return ok
}

// countOK reports whether n operands suit op.
func countOK(op string, n int) bool {
	switch op {
	case OpNull, OpNotNull:
		return n == 0
	case OpIn:
		return n >= 1
	case OpBetween:
		return n == 2
	}
	return n == 1
}

// checkOperands validates the operands of one legacy test in DynamoDB's
// order (each value, their number, one type for all, a type the operator
// takes, BETWEEN bounds in order) and returns them with numbers canonical.
func checkOperands(op string, values []attr.Value) ([]attr.Value, error) {
	allowed, known := operandTypes[op]
	if !known {
		var v violations
		v.enum(op, "comparisonOperator", comparisonOperatorSet)
		return nil, v.err()
	}
	canon := make([]attr.Value, len(values))
	for i, v := range values {
		c, _, err := itemcheck.Value(v)
		if err != nil {
			return nil, err
		}
		canon[i] = c
	}
	if !countOK(op, len(canon)) {
		return nil, validation(invalidPrefix + "Invalid number of argument(s) for the " + op + " ComparisonOperator")
	}
	for i := 1; i < len(canon); i++ {
		if canon[i].Type() != canon[0].Type() {
			return nil, validation(invalidPrefix + "AttributeValues inside AttributeValueList must be of same type")
		}
	}
	for _, v := range canon {
		if !typeIn(v.Type(), allowed) {
			return nil, validation(invalidPrefix + "ComparisonOperator " + op + " is not valid for " + v.Type().String() + " AttributeValue type")
		}
	}
	if op == OpBetween && greater(canon[0], canon[1]) {
		return nil, validation(MsgBetweenBounds)
	}
	return canon, nil
}

func typeIn(t attr.Type, list []attr.Type) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// greater reports whether a sorts after b; both have the same scalar type.
func greater(a, b attr.Value) bool {
	switch a.Type() {
	case attr.TypeN:
		c, err := number.Compare(a.N(), b.N())
		return err == nil && c > 0
	case attr.TypeS:
		return a.S() > b.S()
	case attr.TypeB:
		return a.BString() > b.BString()
	}
	return false
}

// test builds the expression condition of one legacy test of attribute
// name; values have been checked by checkOperands.
func test(name, op string, values []attr.Value) *expr.Cond {
	path := expr.AttrPath(name)
	attrOperand := expr.PathOperand(path)
	value := func(i int) *expr.Operand { return expr.ValueOperand(values[i]) }
	switch op {
	case OpEQ:
		return expr.Compare(expr.EQ, attrOperand, value(0))
	case OpNE:
		return expr.Compare(expr.NE, attrOperand, value(0))
	case OpLT:
		return expr.Compare(expr.LT, attrOperand, value(0))
	case OpLE:
		return expr.Compare(expr.LE, attrOperand, value(0))
	case OpGT:
		return expr.Compare(expr.GT, attrOperand, value(0))
	case OpGE:
		return expr.Compare(expr.GE, attrOperand, value(0))
	case OpNull:
		return expr.AttributeNotExists(path)
	case OpNotNull:
		return expr.AttributeExists(path)
	case OpContains:
		return expr.Contains(attrOperand, value(0))
	case OpNotContains:
		// DynamoDB makes NOT_CONTAINS false for a missing attribute.
		return expr.And(expr.AttributeExists(path), expr.Not(expr.Contains(attrOperand, value(0))))
	case OpBeginsWith:
		return expr.BeginsWith(attrOperand, value(0))
	case OpIn:
		list := make([]*expr.Operand, len(values))
		for i := range values {
			list[i] = value(i)
		}
		return expr.In(attrOperand, list...)
	case OpBetween:
		return expr.Between(attrOperand, value(0), value(1))
	}
	return expr.Or() // unreachable after checkOperands: false
}

// join combines per-attribute tests with the ConditionalOperator.
func join(conditionalOperator string, tests []*expr.Cond) *expr.Condition {
	if len(tests) == 0 {
		return nil
	}
	if len(tests) == 1 {
		return expr.NewCondition(tests[0])
	}
	if conditionalOperator == ConditionalOr {
		return expr.NewCondition(expr.Or(tests...))
	}
	return expr.NewCondition(expr.And(tests...))
}

// checkConditionalOperator applies the rule that ConditionalOperator needs
// a Filter or Expected of two or more entries; a missing and an empty
// Filter or Expected count alike.
func checkConditionalOperator(conditionalOperator string, entries int) error {
	if conditionalOperator == "" {
		return nil
	}
	var v violations
	v.conditionalOperator(conditionalOperator)
	if err := v.err(); err != nil {
		return err
	}
	switch {
	case entries == 0:
		return validation(MsgConditionalOperatorWithout)
	case entries == 1:
		return validation(MsgConditionalOperatorOne)
	}
	return nil
}

// CompileExpected validates a legacy Expected map with its
// ConditionalOperator and returns the condition it states, or nil when
// there is nothing to check (no Expected, or an empty one).
func CompileExpected(expected map[string]ExpectedAttributeValue, conditionalOperator string) (*expr.Condition, error) {
	var v violations
	v.expected(expected)
	v.conditionalOperator(conditionalOperator)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkConditionalOperator(conditionalOperator, len(expected)); err != nil {
		return nil, err
	}
	return compileExpected(expected, conditionalOperator)
}

func compileExpected(expected map[string]ExpectedAttributeValue, conditionalOperator string) (*expr.Condition, error) {
	tests := make([]*expr.Cond, 0, len(expected))
	for _, name := range sortedKeys(expected) {
		t, err := expectedTest(name, expected[name])
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
	}
	return join(conditionalOperator, tests), nil
}

// expectedTest validates one Expected entry in the order of dynalite's
// validateAttributeConditions (whose messages DynamoDB Local shares).
func expectedTest(name string, e ExpectedAttributeValue) (*expr.Cond, error) {
	forAttr := " for Attribute: " + name
	if e.AttributeValueList != nil && e.Value != nil {
		return nil, validation(invalidPrefix + "Value and AttributeValueList cannot be used together" + forAttr)
	}
	if e.ComparisonOperator != "" {
		if e.Exists != nil {
			return nil, validation(invalidPrefix + "Exists and ComparisonOperator cannot be used together" + forAttr)
		}
		op := e.ComparisonOperator
		if op != OpNull && op != OpNotNull && e.AttributeValueList == nil && e.Value == nil {
			return nil, validation(invalidPrefix + "Value or AttributeValueList must be used with ComparisonOperator: " + op + forAttr)
		}
		values := e.AttributeValueList
		if e.Value != nil {
			values = []attr.Value{*e.Value}
		}
		canon, err := checkOperands(op, values)
		if err != nil {
			return nil, err
		}
		return test(name, op, canon), nil
	}
	if e.AttributeValueList != nil {
		return nil, validation(invalidPrefix + "AttributeValueList can only be used with a ComparisonOperator" + forAttr)
	}
	exists := e.Exists == nil || *e.Exists
	if exists && e.Value == nil {
		shown := "null"
		if e.Exists != nil {
			shown = "true"
		}
		return nil, validation(invalidPrefix + "Value must be provided when Exists is " + shown + forAttr)
	}
	if !exists {
		if e.Value != nil {
			return nil, validation(invalidPrefix + "Value cannot be used when Exists is false" + forAttr)
		}
		return expr.AttributeNotExists(expr.AttrPath(name)), nil
	}
	canon, _, err := itemcheck.Value(*e.Value)
	if err != nil {
		return nil, err
	}
	return expr.Compare(expr.EQ, expr.PathOperand(expr.AttrPath(name)), expr.ValueOperand(canon)), nil
}

// CompileScanFilter validates a Scan's ScanFilter with its
// ConditionalOperator and returns the filter, or nil when there is none.
func CompileScanFilter(filter map[string]Condition, conditionalOperator string) (*expr.Condition, error) {
	return compileFilterParam("scanFilter", filter, conditionalOperator)
}

// CompileQueryFilter validates a Query's QueryFilter with its
// ConditionalOperator and returns the filter, or nil when there is none.
// That the filter names no key attribute is checked by
// CheckQueryFilterKeys, which needs the key schema.
func CompileQueryFilter(filter map[string]Condition, conditionalOperator string) (*expr.Condition, error) {
	return compileFilterParam("queryFilter", filter, conditionalOperator)
}

func compileFilterParam(param string, filter map[string]Condition, conditionalOperator string) (*expr.Condition, error) {
	var v violations
	v.conditions(param, filter)
	v.conditionalOperator(conditionalOperator)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkConditionalOperator(conditionalOperator, len(filter)); err != nil {
		return nil, err
	}
	return compileFilter(filter, conditionalOperator)
}

func compileFilter(filter map[string]Condition, conditionalOperator string) (*expr.Condition, error) {
	tests := make([]*expr.Cond, 0, len(filter))
	for _, name := range sortedKeys(filter) {
		c := filter[name]
		canon, err := checkOperands(c.ComparisonOperator, c.AttributeValueList)
		if err != nil {
			return nil, err
		}
		tests = append(tests, test(name, c.ComparisonOperator, canon))
	}
	return join(conditionalOperator, tests), nil
}

// CheckQueryFilterKeys rejects a QueryFilter that tests a key attribute of
// the table or index queried (keys are its key attribute names).
func CheckQueryFilterKeys(filter map[string]Condition, keys ...string) error {
	for _, k := range keys {
		if _, ok := filter[k]; ok {
			return validation("QueryFilter can only contain non-primary key attributes: Primary key attribute: " + k)
		}
	}
	return nil
}
