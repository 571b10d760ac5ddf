package legacy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

type filterCase struct {
	name   string
	filter map[string]Condition
	condOp string
	items  []attr.Item
	match  []bool
	err    string
}

var filterItems = []attr.Item{
	{"pk": attr.S("1"), "b": attr.S("1234"), "c": attr.S("x")},
	{"pk": attr.S("2"), "b": attr.N("1234"), "c": attr.S("x")},
	{"pk": attr.S("3"), "b": attr.B([]byte("1234")), "c": attr.S("y")},
	{"pk": attr.S("4"), "c": attr.S("x")},
}

var filterCases = []filterCase{
	{name: "EQ keeps only the same type", filter: map[string]Condition{"b": cond(OpEQ, sp("1234"))}, items: filterItems, match: []bool{true, false, false, false}},
	{name: "NE keeps other types and missing attributes", filter: map[string]Condition{"b": cond(OpNE, sp("1234"))}, items: filterItems, match: []bool{false, true, true, true}},
	{name: "two conditions AND", filter: map[string]Condition{"b": cond(OpNE, sp("1234")), "c": cond(OpEQ, sp("x"))}, items: filterItems, match: []bool{false, true, false, true}},
	{name: "two conditions OR", condOp: ConditionalOr, filter: map[string]Condition{"b": cond(OpEQ, np("1234")), "c": cond(OpEQ, sp("y"))}, items: filterItems, match: []bool{false, true, true, false}},
	{name: "NULL keeps items without the attribute", filter: map[string]Condition{"b": cond(OpNull)}, items: filterItems, match: []bool{false, false, false, true}},
	{name: "NOT_CONTAINS drops items without the attribute", filter: map[string]Condition{"b": cond(OpNotContains, sp("9"))}, items: filterItems, match: []bool{true, true, true, false}},
	{name: "empty filter keeps everything", filter: map[string]Condition{}, items: filterItems, match: []bool{true, true, true, true}},
	{name: "missing ComparisonOperator", filter: map[string]Condition{"a": {}},
		err: "1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null"},
	{name: "violations are reported together", filter: map[string]Condition{"a": {}, "b": {ComparisonOperator: "IS"}}, condOp: "AN",
		err: "3 validation errors detected: Value null at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null; " +
			"Value 'IS' at 'scanFilter.b.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]; " +
			"Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"},
	{name: "EQ without AttributeValueList", filter: map[string]Condition{"a": {ComparisonOperator: OpEQ}}, err: invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
	{name: "first bad condition by name", filter: map[string]Condition{"a": {ComparisonOperator: OpEQ}, "b": cond(OpNull), "c": cond(OpNull)}, err: invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
	{name: "NE of a list", filter: map[string]Condition{"a": cond(OpNE, attr.L())}, err: invalid + "ComparisonOperator NE is not valid for L AttributeValue type"},
	{name: "ConditionalOperator with one condition", condOp: ConditionalAnd, filter: map[string]Condition{"a": cond(OpNull)}, err: MsgConditionalOperatorOne},
	{name: "ConditionalOperator with no filter", condOp: ConditionalOr, err: MsgConditionalOperatorWithout},
	{name: "value errors come before count errors", filter: map[string]Condition{"a": cond(OpEQ, np("1"), attr.NS("1", "1"))}, err: "Input collection contains duplicates"},
}

func TestCompileScanFilter(t *testing.T) {
	for _, tc := range filterCases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := CompileScanFilter(tc.filter, tc.condOp)
			if tc.err != "" {
				requireValidation(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			for i, item := range tc.items {
				require.Equal(t, tc.match[i], eval(t, f, item), "item %v", item)
			}
		})
	}
}

func TestCompileQueryFilterNamesItsParameter(t *testing.T) {
	_, err := CompileQueryFilter(map[string]Condition{"a": {ComparisonOperator: "eq"}}, "")
	requireValidation(t, err, "1 validation error detected: Value 'eq' at 'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]")
	f, err := CompileQueryFilter(map[string]Condition{"a": cond(OpGT, np("2"))}, "")
	require.NoError(t, err)
	require.True(t, eval(t, f, attr.Item{"a": attr.N("3")}))
	require.False(t, eval(t, f, attr.Item{"a": attr.N("2")}))
}
