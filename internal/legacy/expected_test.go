package legacy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

type expectedCase struct {
	name     string
	expected map[string]ExpectedAttributeValue
	condOp   string
	item     attr.Item // nil: stored; use noItem for a missing item
	noItem   bool
	want     bool
	err      string
}

func op(operator string, vs ...attr.Value) ExpectedAttributeValue {
	return ExpectedAttributeValue{ComparisonOperator: operator, AttributeValueList: list(vs...)}
}

func one(name string, e ExpectedAttributeValue) map[string]ExpectedAttributeValue {
	return map[string]ExpectedAttributeValue{name: e}
}

var expectedCases = []expectedCase{
	// EQ
	{name: "EQ string equal", expected: one("s", op(OpEQ, sp("hello"))), want: true},
	{name: "EQ string differs", expected: one("s", op(OpEQ, sp("help"))), want: false},
	{name: "EQ number compares canonically", expected: one("n", op(OpEQ, np("5.00"))), want: true},
	{name: "EQ number differs", expected: one("n", op(OpEQ, np("6"))), want: false},
	{name: "EQ binary equal", expected: one("b", op(OpEQ, bp("hi there"))), want: true},
	{name: "EQ string set in another order", expected: one("ss", op(OpEQ, attr.SS("b", "a"))), want: true},
	{name: "EQ number set with non-canonical member", expected: one("ns", op(OpEQ, attr.NS("2.0", "1"))), want: true},
	{name: "EQ binary set", expected: one("bs", op(OpEQ, attr.BS([]byte("y"), []byte("x")))), want: true},
	{name: "EQ subset of a set is not equal", expected: one("ss", op(OpEQ, attr.SS("a"))), want: false},
	{name: "EQ other type never matches", expected: one("n", op(OpEQ, sp("5"))), want: false},
	{name: "EQ missing attribute is false", expected: one("zz", op(OpEQ, sp("x"))), want: false},
	{name: "EQ on missing item is false", expected: one("s", op(OpEQ, sp("hello"))), noItem: true, want: false},
	{name: "EQ rejects BOOL operand", expected: one("t", op(OpEQ, attr.Bool(true))), err: invalid + "ComparisonOperator EQ is not valid for BOOL AttributeValue type"},
	{name: "EQ rejects L operand", expected: one("l", op(OpEQ, attr.L())), err: invalid + "ComparisonOperator EQ is not valid for L AttributeValue type"},
	{name: "EQ rejects two operands", expected: one("s", op(OpEQ, sp("a"), sp("b"))), err: invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
	{name: "EQ rejects an empty list", expected: one("s", op(OpEQ)), err: invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
	// NE
	{name: "NE differs", expected: one("s", op(OpNE, sp("x"))), want: true},
	{name: "NE equal is false", expected: one("n", op(OpNE, np("5"))), want: false},
	{name: "NE other type is not equal", expected: one("n", op(OpNE, sp("5"))), want: true},
	{name: "NE missing attribute is true", expected: one("zz", op(OpNE, np("1"))), want: true},
	{name: "NE equal set is false", expected: one("ns", op(OpNE, attr.NS("2", "1"))), want: false},
	{name: "NE rejects M operand", expected: one("m", op(OpNE, attr.M(nil))), err: invalid + "ComparisonOperator NE is not valid for M AttributeValue type"},
	// ordering
	{name: "LE number equal", expected: one("n", op(OpLE, np("5"))), want: true},
	{name: "LE number below", expected: one("n", op(OpLE, np("4.9"))), want: false},
	{name: "LT number", expected: one("n", op(OpLT, np("10"))), want: true},
	{name: "LT number not strictly", expected: one("n", op(OpLT, np("5"))), want: false},
	{name: "LT numbers compare numerically not textually", expected: one("n", op(OpLT, np("40"))), want: true},
	{name: "GE string", expected: one("s", op(OpGE, sp("hello"))), want: true},
	{name: "GT string by bytes", expected: one("s", op(OpGT, sp("Hello"))), want: true},
	{name: "GT string false", expected: one("s", op(OpGT, sp("world"))), want: false},
	{name: "LT binary by unsigned bytes", expected: one("b", op(OpLT, attr.B([]byte{0xff}))), want: true},
	{name: "GE binary false", expected: one("b", op(OpGE, bp("z"))), want: false},
	{name: "LE other type is false", expected: one("n", op(OpLE, sp("9"))), want: false},
	{name: "GT missing attribute is false", expected: one("zz", op(OpGT, np("0"))), want: false},
	{name: "LT rejects SS operand", expected: one("ss", op(OpLT, attr.SS("a"))), err: invalid + "ComparisonOperator LT is not valid for SS AttributeValue type"},
	{name: "LE rejects NULL operand", expected: one("null", op(OpLE, attr.Null())), err: invalid + "ComparisonOperator LE is not valid for NULL AttributeValue type"},
	{name: "GE rejects BOOL operand", expected: one("t", op(OpGE, attr.Bool(false))), err: invalid + "ComparisonOperator GE is not valid for BOOL AttributeValue type"},
	{name: "GT rejects NS operand", expected: one("ns", op(OpGT, attr.NS("1"))), err: invalid + "ComparisonOperator GT is not valid for NS AttributeValue type"},
	{name: "GT rejects two operands", expected: one("n", op(OpGT, np("1"), np("2"))), err: invalid + "Invalid number of argument(s) for the GT ComparisonOperator"},
	// NULL and NOT_NULL test presence, not the NULL type
	{name: "NOT_NULL present", expected: one("s", op(OpNotNull)), want: true},
	{name: "NOT_NULL on a NULL-typed attribute is true", expected: one("null", op(OpNotNull)), want: true},
	{name: "NOT_NULL missing", expected: one("zz", op(OpNotNull)), want: false},
	{name: "NOT_NULL without AttributeValueList", expected: one("s", ExpectedAttributeValue{ComparisonOperator: OpNotNull}), want: true},
	{name: "NULL missing", expected: one("zz", op(OpNull)), want: true},
	{name: "NULL on a NULL-typed attribute is false", expected: one("null", op(OpNull)), want: false},
	{name: "NULL on missing item", expected: one("s", op(OpNull)), noItem: true, want: true},
	{name: "NULL rejects an operand", expected: one("zz", op(OpNull, sp("a"))), err: invalid + "Invalid number of argument(s) for the NULL ComparisonOperator"},
	{name: "NOT_NULL rejects an operand", expected: one("s", op(OpNotNull, np("2"))), err: invalid + "Invalid number of argument(s) for the NOT_NULL ComparisonOperator"},
	// CONTAINS
	{name: "CONTAINS substring", expected: one("s", op(OpContains, sp("ell"))), want: true},
	{name: "CONTAINS substring absent", expected: one("s", op(OpContains, sp("dog"))), want: false},
	{name: "CONTAINS string set member", expected: one("ss", op(OpContains, sp("b"))), want: true},
	{name: "CONTAINS number set member numerically", expected: one("ns", op(OpContains, np("2.0"))), want: true},
	{name: "CONTAINS number set non-member", expected: one("ns", op(OpContains, np("3"))), want: false},
	{name: "CONTAINS binary set member", expected: one("bs", op(OpContains, bp("y"))), want: true},
	{name: "CONTAINS binary subsequence", expected: one("b", op(OpContains, bp("here"))), want: true},
	{name: "CONTAINS list element", expected: one("l", op(OpContains, np("2"))), want: true},
	{name: "CONTAINS number in a string is false", expected: one("s", op(OpContains, np("1"))), want: false},
	{name: "CONTAINS missing attribute is false", expected: one("zz", op(OpContains, np("1"))), want: false},
	{name: "CONTAINS rejects SS operand", expected: one("ss", op(OpContains, attr.SS("a"))), err: invalid + "ComparisonOperator CONTAINS is not valid for SS AttributeValue type"},
	{name: "CONTAINS rejects L operand", expected: one("l", op(OpContains, attr.L(np("1")))), err: invalid + "ComparisonOperator CONTAINS is not valid for L AttributeValue type"},
	{name: "CONTAINS rejects an empty list", expected: one("s", op(OpContains)), err: invalid + "Invalid number of argument(s) for the CONTAINS ComparisonOperator"},
	// NOT_CONTAINS
	{name: "NOT_CONTAINS substring absent", expected: one("s", op(OpNotContains, sp("dog"))), want: true},
	{name: "NOT_CONTAINS substring present", expected: one("s", op(OpNotContains, sp("ell"))), want: false},
	{name: "NOT_CONTAINS set member present", expected: one("ns", op(OpNotContains, np("1"))), want: false},
	{name: "NOT_CONTAINS set member absent", expected: one("ns", op(OpNotContains, np("7"))), want: true},
	{name: "NOT_CONTAINS list element present", expected: one("l", op(OpNotContains, sp("x"))), want: false},
	{name: "NOT_CONTAINS other type is true", expected: one("s", op(OpNotContains, np("1"))), want: true},
	{name: "NOT_CONTAINS missing attribute is false", expected: one("zz", op(OpNotContains, np("1"))), want: false},
	{name: "NOT_CONTAINS rejects BS operand", expected: one("bs", op(OpNotContains, attr.BS([]byte("x")))), err: invalid + "ComparisonOperator NOT_CONTAINS is not valid for BS AttributeValue type"},
	{name: "NOT_CONTAINS rejects M operand", expected: one("m", op(OpNotContains, attr.M(nil))), err: invalid + "ComparisonOperator NOT_CONTAINS is not valid for M AttributeValue type"},
	// BEGINS_WITH
	{name: "BEGINS_WITH string prefix", expected: one("s", op(OpBeginsWith, sp("hell"))), want: true},
	{name: "BEGINS_WITH string not prefix", expected: one("s", op(OpBeginsWith, sp("ello"))), want: false},
	{name: "BEGINS_WITH binary prefix", expected: one("b", op(OpBeginsWith, bp("hi"))), want: true},
	{name: "BEGINS_WITH on a number attribute is false", expected: one("n", op(OpBeginsWith, sp("5"))), want: false},
	{name: "BEGINS_WITH missing attribute is false", expected: one("zz", op(OpBeginsWith, sp("a"))), want: false},
	{name: "BEGINS_WITH rejects N operand", expected: one("s", op(OpBeginsWith, np("3"))), err: invalid + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
	{name: "BEGINS_WITH rejects two operands", expected: one("s", op(OpBeginsWith, sp("h"), sp("e"))), err: invalid + "Invalid number of argument(s) for the BEGINS_WITH ComparisonOperator"},
	// IN
	{name: "IN value listed", expected: one("n", op(OpIn, np("2"), np("5"), np("8"))), want: true},
	{name: "IN value not listed", expected: one("n", op(OpIn, np("1"), np("2"))), want: false},
	{name: "IN single string", expected: one("s", op(OpIn, sp("hello"))), want: true},
	{name: "IN does not look inside sets", expected: one("ns", op(OpIn, np("1"), np("2"))), want: false},
	{name: "IN missing attribute is false", expected: one("zz", op(OpIn, np("1"))), want: false},
	{name: "IN rejects an empty list", expected: one("n", op(OpIn)), err: invalid + "Invalid number of argument(s) for the IN ComparisonOperator"},
	{name: "IN rejects mixed types", expected: one("n", op(OpIn, np("3"), sp("dog"))), err: invalid + "AttributeValues inside AttributeValueList must be of same type"},
	{name: "IN rejects lists", expected: one("n", op(OpIn, attr.L(np("1")), attr.L(np("2")))), err: invalid + "ComparisonOperator IN is not valid for L AttributeValue type"},
	// BETWEEN
	{name: "BETWEEN number inside", expected: one("n", op(OpBetween, np("1"), np("10"))), want: true},
	{name: "BETWEEN bounds are inclusive", expected: one("n", op(OpBetween, np("5"), np("5"))), want: true},
	{name: "BETWEEN number outside", expected: one("n", op(OpBetween, np("6"), np("10"))), want: false},
	{name: "BETWEEN string", expected: one("s", op(OpBetween, sp("aardvark"), sp("world"))), want: true},
	{name: "BETWEEN binary", expected: one("b", op(OpBetween, bp("a"), bp("z"))), want: true},
	{name: "BETWEEN other type is false", expected: one("s", op(OpBetween, np("1"), np("9"))), want: false},
	{name: "BETWEEN missing attribute is false", expected: one("zz", op(OpBetween, np("0"), np("100"))), want: false},
	{name: "BETWEEN rejects reversed bounds", expected: one("n", op(OpBetween, np("4"), np("3"))), err: MsgBetweenBounds},
	{name: "BETWEEN compares bounds numerically", expected: one("n", op(OpBetween, np("9"), np("10"))), want: false},
	{name: "BETWEEN rejects reversed string bounds", expected: one("s", op(OpBetween, sp("dog"), sp("aardvark"))), err: MsgBetweenBounds},
	{name: "BETWEEN rejects mixed types", expected: one("n", op(OpBetween, np("4"), sp("dog"))), err: invalid + "AttributeValues inside AttributeValueList must be of same type"},
	{name: "BETWEEN rejects BOOL operands", expected: one("t", op(OpBetween, attr.Bool(false), attr.Bool(true))), err: invalid + "ComparisonOperator BETWEEN is not valid for BOOL AttributeValue type"},
	{name: "BETWEEN rejects sets", expected: one("ns", op(OpBetween, attr.NS("1"), attr.NS("2"))), err: invalid + "ComparisonOperator BETWEEN is not valid for NS AttributeValue type"},
	{name: "BETWEEN rejects three operands", expected: one("n", op(OpBetween, np("1"), np("2"), np("3"))), err: invalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
	{name: "BETWEEN rejects one operand", expected: one("n", op(OpBetween, np("1"))), err: invalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
	// Value and Exists
	{name: "Value equal", expected: one("n", ExpectedAttributeValue{Value: val(np("5"))}), want: true},
	{name: "Value differs", expected: one("n", ExpectedAttributeValue{Value: val(np("4"))}), want: false},
	{name: "Value on missing attribute is false", expected: one("zz", ExpectedAttributeValue{Value: val(np("1"))}), want: false},
	{name: "Value may be BOOL", expected: one("t", ExpectedAttributeValue{Value: val(attr.Bool(true))}), want: true},
	{name: "Value may be a list", expected: one("l", ExpectedAttributeValue{Value: val(attr.L(np("2"), sp("x")))}), want: true},
	{name: "Exists true with Value", expected: one("s", ExpectedAttributeValue{Exists: boolp(true), Value: val(sp("hello"))}), want: true},
	{name: "Exists true with other Value", expected: one("s", ExpectedAttributeValue{Exists: boolp(true), Value: val(sp("x"))}), want: false},
	{name: "Exists false on missing attribute", expected: one("zz", ExpectedAttributeValue{Exists: boolp(false)}), want: true},
	{name: "Exists false on present attribute", expected: one("s", ExpectedAttributeValue{Exists: boolp(false)}), want: false},
	{name: "Exists false on missing item", expected: one("pk", ExpectedAttributeValue{Exists: boolp(false)}), noItem: true, want: true},
	{name: "Exists true without Value is rejected", expected: one("s", ExpectedAttributeValue{Exists: boolp(true)}), err: invalid + "Value must be provided when Exists is true for Attribute: s"},
	{name: "neither Value nor Exists is rejected", expected: one("s", ExpectedAttributeValue{}), err: invalid + "Value must be provided when Exists is null for Attribute: s"},
	{name: "Exists false with Value is rejected", expected: one("s", ExpectedAttributeValue{Exists: boolp(false), Value: val(sp("a"))}), err: invalid + "Value cannot be used when Exists is false for Attribute: s"},
	{name: "Value and AttributeValueList together are rejected", expected: one("s", ExpectedAttributeValue{Value: val(sp("a")), ComparisonOperator: OpEQ, AttributeValueList: list(sp("a"))}), err: invalid + "Value and AttributeValueList cannot be used together for Attribute: s"},
	{name: "Exists with ComparisonOperator is rejected", expected: one("s", ExpectedAttributeValue{Exists: boolp(true), ComparisonOperator: OpLT}), err: invalid + "Exists and ComparisonOperator cannot be used together for Attribute: s"},
	{name: "AttributeValueList alone is rejected", expected: one("s", ExpectedAttributeValue{AttributeValueList: list()}), err: invalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: s"},
	{name: "ComparisonOperator alone is rejected", expected: one("s", ExpectedAttributeValue{ComparisonOperator: OpLT}), err: invalid + "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: s"},
	{name: "ComparisonOperator with Value as its operand", expected: one("n", ExpectedAttributeValue{ComparisonOperator: OpGT, Value: val(np("1"))}), want: true},
	{name: "Value with an invalid number is rejected", expected: one("n", ExpectedAttributeValue{Value: val(np("x"))}), err: "The parameter cannot be converted to a numeric value: x"},
	{name: "operand with an empty set is rejected", expected: one("ss", op(OpEQ, attr.SS())), err: invalid + "An string set  may not be empty"},
	{name: "operand without a type is rejected", expected: one("s", op(OpEQ, attr.Value{})), err: "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
	{name: "unknown ComparisonOperator is a constraint violation", expected: one("s", op("LIKE", sp("a"))), err: "1 validation error detected: Value 'LIKE' at 'expected.s.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
	// ConditionalOperator
	{name: "AND by default needs every test", expected: map[string]ExpectedAttributeValue{"s": op(OpEQ, sp("hello")), "n": op(OpEQ, np("6"))}, want: false},
	{name: "AND all true", expected: map[string]ExpectedAttributeValue{"s": op(OpEQ, sp("hello")), "n": op(OpEQ, np("5")), "zz": {Exists: boolp(false)}}, condOp: ConditionalAnd, want: true},
	{name: "OR one true", expected: map[string]ExpectedAttributeValue{"s": {Value: val(sp("nope"))}, "n": op(OpEQ, np("5"))}, condOp: ConditionalOr, want: true},
	{name: "OR none true", expected: map[string]ExpectedAttributeValue{"s": {Value: val(sp("nope"))}, "n": op(OpEQ, np("999")), "t": {Exists: boolp(false)}}, condOp: ConditionalOr, want: false},
	{name: "first invalid attribute by name is reported", expected: map[string]ExpectedAttributeValue{"b": {}, "a": {Exists: boolp(true)}}, err: invalid + "Value must be provided when Exists is true for Attribute: a"},
	{name: "ConditionalOperator with one entry is rejected", expected: one("s", op(OpNotNull)), condOp: ConditionalOr, err: MsgConditionalOperatorOne},
	{name: "ConditionalOperator with empty Expected is rejected", expected: map[string]ExpectedAttributeValue{}, condOp: ConditionalAnd, err: MsgConditionalOperatorWithout},
	{name: "ConditionalOperator without Expected is rejected", condOp: ConditionalAnd, err: MsgConditionalOperatorWithout},
	{name: "unknown ConditionalOperator is a constraint violation", expected: map[string]ExpectedAttributeValue{"s": op(OpNotNull), "n": op(OpNotNull)}, condOp: "AN", err: "1 validation error detected: Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"},
	{name: "empty Expected checks nothing", expected: map[string]ExpectedAttributeValue{}, want: true},
	{name: "missing Expected checks nothing", want: true},
}

func TestCompileExpected(t *testing.T) {
	for _, tc := range expectedCases {
		t.Run(tc.name, func(t *testing.T) {
			cond, err := CompileExpected(tc.expected, tc.condOp)
			if tc.err != "" {
				requireValidation(t, err, tc.err)
				require.Nil(t, cond)
				return
			}
			require.NoError(t, err)
			item := stored
			if tc.item != nil {
				item = tc.item
			}
			if tc.noItem {
				item = nil
			}
			require.Equal(t, tc.want, eval(t, cond, item))
		})
	}
}

// TestCompileExpectedMatchesCompile checks that Compile gives PutItem,
// DeleteItem and UpdateItem the same Expected semantics as CompileExpected.
func TestCompileExpectedMatchesCompile(t *testing.T) {
	for _, operation := range []Operation{PutItem, DeleteItem, UpdateItem} {
		for _, tc := range expectedCases {
			cond, err := Compile(operation, &Request{Expected: tc.expected, ConditionalOperator: tc.condOp})
			if tc.err != "" {
				requireValidation(t, err, tc.err)
				continue
			}
			require.NoError(t, err, "%s %s", operation, tc.name)
			item := stored
			if tc.noItem {
				item = nil
			}
			require.Equal(t, tc.want, eval(t, cond.Condition, item), "%s %s", operation, tc.name)
		}
	}
}
