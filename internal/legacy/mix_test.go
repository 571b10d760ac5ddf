package legacy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func params(ps ...Param) Params { return Params(0).With(ps...) }

func mixMsg(legacyParams, exprParams string) string {
	return "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {" +
		legacyParams + "} Expression parameters: {" + exprParams + "}"
}

func TestCheckMix(t *testing.T) {
	cases := []struct {
		name string
		op   Operation
		in   Params
		err  string
	}{
		{"update item lists both kinds in DynamoDB's order", UpdateItem,
			params(ParamExpected, ParamAttributeUpdates, ParamConditionExpression, ParamUpdateExpression, ParamExpressionAttributeNames, ParamExpressionAttributeValues),
			mixMsg("AttributeUpdates, Expected", "UpdateExpression, ConditionExpression")},
		{"update item with ConditionalOperator", UpdateItem,
			params(ParamAttributeUpdates, ParamExpected, ParamConditionalOperator, ParamUpdateExpression, ParamConditionExpression),
			mixMsg("AttributeUpdates, Expected, ConditionalOperator", "UpdateExpression, ConditionExpression")},
		{"update item Expected with UpdateExpression", UpdateItem, params(ParamExpected, ParamUpdateExpression), mixMsg("Expected", "UpdateExpression")},
		{"update item AttributeUpdates with ConditionExpression", UpdateItem, params(ParamAttributeUpdates, ParamConditionExpression), mixMsg("AttributeUpdates", "ConditionExpression")},
		{"put item Expected with ConditionExpression", PutItem, params(ParamExpected, ParamConditionExpression), mixMsg("Expected", "ConditionExpression")},
		{"put item ConditionalOperator alone mixes too", PutItem, params(ParamConditionalOperator, ParamConditionExpression), mixMsg("ConditionalOperator", "ConditionExpression")},
		{"delete item", DeleteItem, params(ParamExpected, ParamConditionalOperator, ParamConditionExpression), mixMsg("Expected, ConditionalOperator", "ConditionExpression")},
		{"scan lists every present parameter", Scan,
			params(ParamScanFilter, ParamAttributesToGet, ParamConditionalOperator, ParamFilterExpression, ParamProjectionExpression),
			mixMsg("AttributesToGet, ScanFilter, ConditionalOperator", "ProjectionExpression, FilterExpression")},
		{"scan filter with projection expression", Scan, params(ParamScanFilter, ParamProjectionExpression), mixMsg("ScanFilter", "ProjectionExpression")},
		{"scan AttributesToGet with filter expression", Scan, params(ParamAttributesToGet, ParamFilterExpression), mixMsg("AttributesToGet", "FilterExpression")},
		{"query lists KeyConditions when KeyConditionExpression is present", Query,
			params(ParamKeyConditions, ParamQueryFilter, ParamConditionalOperator, ParamKeyConditionExpression, ParamFilterExpression, ParamProjectionExpression),
			mixMsg("QueryFilter, ConditionalOperator, KeyConditions", "ProjectionExpression, FilterExpression, KeyConditionExpression")},
		{"query AttributesToGet comes first", Query, params(ParamAttributesToGet, ParamKeyConditions, ParamKeyConditionExpression),
			mixMsg("AttributesToGet, KeyConditions", "KeyConditionExpression")},
		{"query KeyConditions with FilterExpression is accepted", Query, params(ParamKeyConditions, ParamFilterExpression, ParamExpressionAttributeValues), ""},
		{"query KeyConditions with ProjectionExpression is accepted", Query, params(ParamKeyConditions, ParamProjectionExpression, ParamExpressionAttributeNames), ""},
		{"query QueryFilter with KeyConditionExpression", Query, params(ParamQueryFilter, ParamKeyConditionExpression), mixMsg("QueryFilter", "KeyConditionExpression")},
		{"get item", GetItem, params(ParamAttributesToGet, ParamProjectionExpression), mixMsg("AttributesToGet", "ProjectionExpression")},
		{"batch get item", BatchGetItem, params(ParamAttributesToGet, ParamProjectionExpression), mixMsg("AttributesToGet", "ProjectionExpression")},
		{"names without an expression", UpdateItem, params(ParamExpected, ParamExpressionAttributeNames, ParamExpressionAttributeValues), MsgNamesWithoutExpr},
		{"values without an expression", PutItem, params(ParamExpressionAttributeValues), MsgValuesWithoutExpr},
		{"values with only a projection expression", Scan, params(ParamProjectionExpression, ParamExpressionAttributeValues), MsgValuesWithoutExpr},
		{"names with only a projection expression", Scan, params(ParamProjectionExpression, ParamExpressionAttributeNames), ""},
		{"names on get item with a projection expression", GetItem, params(ParamProjectionExpression, ParamExpressionAttributeNames), ""},
		{"names on get item without an expression", GetItem, params(ParamExpressionAttributeNames), MsgNamesWithoutExpr},
		{"legacy parameters alone are fine", UpdateItem, params(ParamAttributeUpdates, ParamExpected, ParamConditionalOperator), ""},
		{"expression parameters alone are fine", UpdateItem, params(ParamUpdateExpression, ParamConditionExpression, ParamExpressionAttributeNames, ParamExpressionAttributeValues), ""},
		{"an operation without legacy parameters passes", Operation(99), params(ParamExpected, ParamConditionExpression), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckMix(tc.op, tc.in)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			requireValidation(t, err, tc.err)
		})
	}
}

// TestCompileOrder checks which of several problems Compile reports, in
// the order DynamoDB checks them.
func TestCompileOrder(t *testing.T) {
	twoConds := map[string]Condition{"a": cond(OpEQ, sp("x")), "b": cond(OpEQ, sp("y"))}
	cases := []struct {
		name string
		op   Operation
		req  Request
		err  string
	}{
		{"constraint violations come before mixing", UpdateItem,
			Request{AttributeUpdates: upd("a", AttributeValueUpdate{Action: "SET", Value: val(sp("x"))}), Expressions: params(ParamUpdateExpression)},
			"1 validation error detected: Value 'SET' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
		{"mixing comes before the ConditionalOperator rule", Scan,
			Request{ConditionalOperator: ConditionalAnd, Expressions: params(ParamFilterExpression, ParamExpressionAttributeValues)},
			mixMsg("ConditionalOperator", "FilterExpression")},
		{"the ConditionalOperator rule comes before missing key conditions", Query,
			Request{ConditionalOperator: ConditionalAnd}, MsgConditionalOperatorWithout},
		{"the ConditionalOperator rule counts QueryFilter, not KeyConditions", Query,
			Request{ConditionalOperator: ConditionalAnd, KeyConditions: map[string]Condition{"pk": cond(OpEQ, sp("k"))}, QueryFilter: map[string]Condition{"a": cond(OpNull)}},
			MsgConditionalOperatorOne},
		{"the ConditionalOperator rule with AttributesToGet only", Scan,
			Request{ConditionalOperator: ConditionalAnd, AttributesToGet: []string{"a", "b"}}, MsgConditionalOperatorWithout},
		{"update item without Expected", UpdateItem,
			Request{ConditionalOperator: ConditionalAnd, AttributeUpdates: upd("a", put(sp("v")))}, MsgConditionalOperatorWithout},
		{"update item checks AttributeUpdates before Expected", UpdateItem,
			Request{AttributeUpdates: upd("a", AttributeValueUpdate{Action: ActionPut}), Expected: map[string]ExpectedAttributeValue{"a": {}}},
			invalid + "Only DELETE action is allowed when no attribute value is specified"},
		{"scan checks AttributesToGet before ScanFilter", Scan,
			Request{AttributesToGet: []string{"a", "a"}, ScanFilter: map[string]Condition{"a": cond(OpEQ, attr.Value{}, sp(""))}},
			invalid + "Duplicate value in attribute name: a"},
		{"query checks QueryFilter before AttributesToGet", Query,
			Request{AttributesToGet: []string{"a", "a"}, QueryFilter: map[string]Condition{"a": cond(OpEQ)}, KeyConditions: map[string]Condition{"pk": cond(OpEQ, sp("k"))}},
			invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
		{"query checks AttributesToGet before missing key conditions", Query,
			Request{AttributesToGet: []string{"a", "a"}}, invalid + "Duplicate value in attribute name: a"},
		{"names without expressions before Expected errors", PutItem,
			Request{Expected: map[string]ExpectedAttributeValue{"a": {}}, Expressions: params(ParamExpressionAttributeNames)}, MsgNamesWithoutExpr},
		{"two violations", Scan,
			Request{AttributesToGet: []string{}, ConditionalOperator: "XOR", ScanFilter: twoConds},
			"2 validation errors detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]; " +
				"Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"parameters an operation lacks are ignored", GetItem,
			Request{Expected: map[string]ExpectedAttributeValue{"a": {}}, ScanFilter: map[string]Condition{"a": {}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.op, &tc.req)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			requireValidation(t, err, tc.err)
		})
	}
}

// TestCompileBehaviour checks the compiled forms Compile returns per
// operation against items.
func TestCompileBehaviour(t *testing.T) {
	item := attr.Item{"pk": attr.S("k"), "a": attr.S("x"), "b": attr.S("y"), "n": attr.N("1")}

	out, err := Compile(UpdateItem, &Request{
		AttributeUpdates:    map[string]AttributeValueUpdate{"n": add(np("2")), "c": put(sp("new"))},
		Expected:            map[string]ExpectedAttributeValue{"a": {Value: val(sp("x"))}, "b": {Value: val(sp("nope"))}},
		ConditionalOperator: ConditionalOr,
	})
	require.NoError(t, err)
	require.True(t, eval(t, out.Condition, item))
	updated, err := out.Update.Apply(item)
	require.NoError(t, err)
	require.Equal(t, attr.N("3"), updated["n"])
	require.Equal(t, attr.S("new"), updated["c"])

	out, err = Compile(Scan, &Request{ScanFilter: map[string]Condition{"a": cond(OpEQ, sp("x")), "b": cond(OpEQ, sp("y"))}, ConditionalOperator: ConditionalAnd, AttributesToGet: []string{"a", "zz"}})
	require.NoError(t, err)
	require.True(t, eval(t, out.Filter, item))
	require.Equal(t, attr.Item{"a": attr.S("x")}, out.Projection.Apply(item))

	out, err = Compile(Query, &Request{KeyConditions: map[string]Condition{"pk": cond(OpEQ, sp("k"))}, QueryFilter: map[string]Condition{"n": cond(OpGT, np("1"))}})
	require.NoError(t, err)
	require.False(t, eval(t, out.Filter, item))
	require.Nil(t, out.Projection)

	out, err = Compile(DeleteItem, &Request{Expected: map[string]ExpectedAttributeValue{"a": {Exists: boolp(false)}}})
	require.NoError(t, err)
	require.False(t, eval(t, out.Condition, item))
	require.True(t, eval(t, out.Condition, nil))

	out, err = Compile(GetItem, &Request{AttributesToGet: []string{"n", "pk"}})
	require.NoError(t, err)
	require.Equal(t, attr.Item{"n": attr.N("1"), "pk": attr.S("k")}, out.Projection.Apply(item))

	out, err = Compile(PutItem, nil)
	require.NoError(t, err)
	require.Nil(t, out.Condition)
}

func TestCompileAttributesToGet(t *testing.T) {
	item := attr.Item{"a": attr.S("1"), "a.b": attr.S("2"), "m": attr.M(map[string]attr.Value{"b": attr.S("3")})}
	cases := []struct {
		name  string
		names []string
		want  attr.Item
		err   string
	}{
		{"projects the named attributes", []string{"a", "m"}, attr.Item{"a": attr.S("1"), "m": item["m"]}, ""},
		{"names are literal, dots included", []string{"a.b"}, attr.Item{"a.b": attr.S("2")}, ""},
		{"missing attributes are skipped", []string{"zz"}, attr.Item{}, ""},
		{"duplicates are rejected", []string{"a", "m", "a"}, nil, invalid + "Duplicate value in attribute name: a"},
		{"an empty list is rejected", []string{}, nil, "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CompileAttributesToGet(tc.names)
			if tc.err != "" {
				requireValidation(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, p.Apply(item))
		})
	}

	many := make([]string, MaxAttributesToGet+1)
	for i := range many {
		many[i] = "a" + strings.Repeat("x", i)
	}
	_, err := CompileAttributesToGet(many)
	require.Error(t, err)
	require.Contains(t, err.Error(), "failed to satisfy constraint: Member must have length less than or equal to 255")
	_, err = CompileAttributesToGet(many[:MaxAttributesToGet])
	require.NoError(t, err)

	p, err := CompileAttributesToGet(nil)
	require.NoError(t, err)
	require.Nil(t, p)
}

func TestNames(t *testing.T) {
	require.Equal(t, "UpdateItem", UpdateItem.String())
	require.Equal(t, "Operation?", Operation(77).String())
	require.Equal(t, "KeyConditionExpression", ParamKeyConditionExpression.String())
	require.Equal(t, "Param?", Param(1<<15).String())
	r := Request{Expected: map[string]ExpectedAttributeValue{}, ConditionalOperator: ConditionalOr, Expressions: params(ParamProjectionExpression)}
	got := r.Params()
	require.True(t, got.Has(ParamExpected))
	require.True(t, got.Has(ParamConditionalOperator))
	require.True(t, got.Has(ParamProjectionExpression))
	require.False(t, got.Has(ParamScanFilter))
}
