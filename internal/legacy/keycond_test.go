package legacy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

var (
	hashSchema  = itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS}}
	rangeSchema = itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeN},
	}
	stringRangeSchema = itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeS},
	}
)

func cond(operator string, vs ...attr.Value) Condition {
	return Condition{ComparisonOperator: operator, AttributeValueList: list(vs...)}
}

// keyItems are the items a key condition is matched against, by sort key.
var keyItems = []attr.Item{
	{"pk": attr.S("p"), "sk": attr.N("1")},
	{"pk": attr.S("p"), "sk": attr.N("5")},
	{"pk": attr.S("p"), "sk": attr.N("10")},
	{"pk": attr.S("q"), "sk": attr.N("5")},
}

var stringKeyItems = []attr.Item{
	{"pk": attr.S("p"), "sk": attr.S("apple")},
	{"pk": attr.S("p"), "sk": attr.S("apricot")},
	{"pk": attr.S("p"), "sk": attr.S("banana")},
}

type keyCase struct {
	name   string
	conds  map[string]Condition
	schema itemcheck.KeySchema
	items  []attr.Item
	match  []bool // per item
	op     expr.KeyOp
	err    string
}

var keyCases = []keyCase{
	{name: "EQ on the partition key alone", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p"))}, match: []bool{true, true, true, false}, op: expr.KeyNone},
	{name: "EQ on a hash-only table", schema: hashSchema, items: []attr.Item{{"pk": attr.S("p")}, {"pk": attr.S("q")}},
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p"))}, match: []bool{true, false}, op: expr.KeyNone},
	{name: "sort key EQ", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpEQ, np("5.0"))}, match: []bool{false, true, false, false}, op: expr.KeyEQ},
	{name: "sort key LT", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpLT, np("5"))}, match: []bool{true, false, false, false}, op: expr.KeyLT},
	{name: "sort key LE", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpLE, np("5"))}, match: []bool{true, true, false, false}, op: expr.KeyLE},
	{name: "sort key GT compares numbers numerically", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpGT, np("5"))}, match: []bool{false, false, true, false}, op: expr.KeyGT},
	{name: "sort key GE", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpGE, np("5"))}, match: []bool{false, true, true, false}, op: expr.KeyGE},
	{name: "sort key BETWEEN", schema: rangeSchema, items: keyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpBetween, np("2"), np("10"))}, match: []bool{false, true, true, false}, op: expr.KeyBetween},
	{name: "sort key BEGINS_WITH", schema: stringRangeSchema, items: stringKeyItems,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpBeginsWith, sp("ap"))}, match: []bool{true, true, false}, op: expr.KeyBeginsWith},
	{name: "missing KeyConditions", schema: rangeSchema, err: MsgKeyConditionsMissing},
	{name: "no conditions", schema: rangeSchema, conds: map[string]Condition{}, err: MsgKeyConditionsCount},
	{name: "three conditions", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpEQ, np("1")), "x": cond(OpEQ, sp("x"))}, err: MsgKeyConditionsCount},
	{name: "only the sort key", schema: rangeSchema,
		conds: map[string]Condition{"sk": cond(OpEQ, np("1"))}, err: "Query condition missed key schema element: pk"},
	{name: "partition key and a non-key attribute", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "x": cond(OpEQ, sp("x"))}, err: "Query condition missed key schema element: sk"},
	{name: "two conditions on a hash-only table", schema: hashSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "x": cond(OpEQ, sp("x"))}, err: MsgKeyConditionSupported},
	{name: "partition key NE is not indexable", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpNE, sp("p"))}, err: MsgKeyNotIndexable},
	{name: "partition key NULL is not indexable", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpNull)}, err: MsgKeyNotIndexable},
	{name: "sort key IN is not indexable", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpIn, np("1"), np("2"))}, err: MsgKeyNotIndexable},
	{name: "sort key CONTAINS is not indexable", schema: stringRangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpContains, sp("a"))}, err: MsgKeyNotIndexable},
	{name: "partition key of another type", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, np("1"))}, err: MsgKeyTypeMismatch},
	{name: "sort key of another type", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpEQ, sp("1"))}, err: MsgKeyTypeMismatch},
	{name: "partition key GT is not supported", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpGT, sp("p"))}, err: MsgKeyConditionSupported},
	{name: "partition key BEGINS_WITH is not supported", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpBeginsWith, sp("p"))}, err: MsgKeyConditionSupported},
	{name: "BEGINS_WITH of a number is rejected before the schema is consulted", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpBeginsWith, np("1"))}, err: invalid + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
	{name: "reversed BETWEEN bounds", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpBetween, np("10"), np("2"))}, err: MsgBetweenBounds},
	{name: "partition key without a value", schema: rangeSchema,
		conds: map[string]Condition{"pk": cond(OpEQ)}, err: invalid + "Invalid number of argument(s) for the EQ ComparisonOperator"},
	{name: "missing ComparisonOperator", schema: rangeSchema,
		conds: map[string]Condition{"pk": {AttributeValueList: list(sp("p"))}}, err: "1 validation error detected: Value null at 'keyConditions.pk.member.comparisonOperator' failed to satisfy constraint: Member must not be null"},
}

func TestCompileKeyConditions(t *testing.T) {
	for _, tc := range keyCases {
		t.Run(tc.name, func(t *testing.T) {
			kc, err := CompileKeyConditions(tc.conds, tc.schema)
			if tc.err != "" {
				requireValidation(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.op, kc.SortOp)
			for i, item := range tc.items {
				require.Equal(t, tc.match[i], kc.Match(item), "item %v", item)
			}
		})
	}
}

// TestKeyConditionsThroughCompile checks that Compile reports the
// table-independent KeyConditions errors and hands back conditions that
// CompileKeyConditions accepts.
func TestKeyConditionsThroughCompile(t *testing.T) {
	out, err := Compile(Query, &Request{KeyConditions: map[string]Condition{"pk": cond(OpEQ, sp("p")), "sk": cond(OpGT, np("1.50"))}})
	require.NoError(t, err)
	require.Equal(t, np("1.5"), out.KeyConditions["sk"].AttributeValueList[0])
	kc, err := CompileKeyConditions(out.KeyConditions, rangeSchema)
	require.NoError(t, err)
	require.True(t, kc.Match(attr.Item{"pk": attr.S("p"), "sk": attr.N("2")}))

	_, err = Compile(Query, &Request{KeyConditions: map[string]Condition{}})
	requireValidation(t, err, MsgKeyConditionsCount)
	_, err = Compile(Query, &Request{})
	requireValidation(t, err, MsgKeyConditionsMissing)
	out, err = Compile(Query, &Request{Expressions: Params(0).With(ParamKeyConditionExpression)})
	require.NoError(t, err)
	require.Nil(t, out.KeyConditions)
}

func TestCheckQueryFilterKeys(t *testing.T) {
	filter := map[string]Condition{"a": cond(OpNotNull), "sk": cond(OpNotNull)}
	requireValidation(t, CheckQueryFilterKeys(filter, "pk", "sk"), "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk")
	require.NoError(t, CheckQueryFilterKeys(filter, "pk"))
}
