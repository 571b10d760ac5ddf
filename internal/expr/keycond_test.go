package expr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

var rangeSchema = KeySchemaInfo{PartitionKey: "pk", PartitionType: attr.TypeS, SortKey: "sk", SortType: attr.TypeS}
var hashSchema = KeySchemaInfo{PartitionKey: "pk", PartitionType: attr.TypeS}
var numberSortSchema = KeySchemaInfo{PartitionKey: "pk", PartitionType: attr.TypeS, SortKey: "sk", SortType: attr.TypeN}

var keyValues = Values{":p": attr.S("p1"), ":a": attr.S("a"), ":c": attr.S("c"), ":n": attr.N("1"), ":n2": attr.N("2"), ":b": attr.B([]byte{1}), ":tS": attr.S("S"), ":t": attr.Bool(true), ":f": attr.Bool(false)}

func TestKeyConditionParse(t *testing.T) {
	const kce = "Invalid KeyConditionExpression: "
	tests := []struct {
		name   string
		src    string
		schema KeySchemaInfo
		err    string
		op     KeyOp
		sort   []attr.Value
	}{
		{name: "partition key only", src: "pk = :p", schema: rangeSchema, op: KeyNone},
		{name: "partition key on hash table", src: "pk = :p", schema: hashSchema, op: KeyNone},
		{name: "value first", src: ":p = pk", schema: rangeSchema, op: KeyNone},
		{name: "sort equal", src: "pk = :p AND sk = :a", schema: rangeSchema, op: KeyEQ, sort: []attr.Value{attr.S("a")}},
		{name: "sort less", src: "pk = :p AND sk < :a", schema: rangeSchema, op: KeyLT, sort: []attr.Value{attr.S("a")}},
		{name: "sort less or equal", src: "pk = :p AND sk <= :a", schema: rangeSchema, op: KeyLE, sort: []attr.Value{attr.S("a")}},
		{name: "sort greater", src: "pk = :p AND sk > :a", schema: rangeSchema, op: KeyGT, sort: []attr.Value{attr.S("a")}},
		{name: "sort greater or equal", src: "pk = :p AND sk >= :a", schema: rangeSchema, op: KeyGE, sort: []attr.Value{attr.S("a")}},
		{name: "sort between", src: "pk = :p AND sk BETWEEN :a AND :c", schema: rangeSchema, op: KeyBetween, sort: []attr.Value{attr.S("a"), attr.S("c")}},
		{name: "sort begins_with", src: "pk = :p AND begins_with(sk, :a)", schema: rangeSchema, op: KeyBeginsWith, sort: []attr.Value{attr.S("a")}},
		{name: "sort first", src: "sk > :a AND pk = :p", schema: rangeSchema, op: KeyGT, sort: []attr.Value{attr.S("a")}},
		{name: "reversed sort comparison flips", src: "pk = :p AND :a < sk", schema: rangeSchema, op: KeyGT, sort: []attr.Value{attr.S("a")}},
		{name: "reversed less or equal flips", src: "pk = :p AND :a >= sk", schema: rangeSchema, op: KeyLE, sort: []attr.Value{attr.S("a")}},
		{name: "parentheses", src: "(pk = :p) AND (sk = :a)", schema: rangeSchema, op: KeyEQ, sort: []attr.Value{attr.S("a")}},
		{name: "placeholders", src: "#p = :p AND #s = :a", schema: rangeSchema, op: KeyEQ, sort: []attr.Value{attr.S("a")}},
		{name: "number sort key", src: "pk = :p AND sk BETWEEN :n AND :n2", schema: numberSortSchema, op: KeyBetween, sort: []attr.Value{attr.N("1"), attr.N("2")}},
		{name: "or", src: "pk = :p OR sk = :a", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: OR"},
		{name: "not", src: "NOT pk = :p", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: NOT"},
		{name: "in", src: "pk IN (:p)", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: IN"},
		{name: "not equal", src: "pk <> :p", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: <>"},
		{name: "attribute_exists", src: "pk = :p AND attribute_exists(sk)", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: attribute_exists"},
		{name: "attribute_not_exists", src: "attribute_not_exists(sk) AND pk = :p", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: attribute_not_exists"},
		{name: "attribute_type", src: "pk = :p AND attribute_type(sk, :tS)", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: attribute_type"},
		{name: "contains", src: "pk = :p AND contains(sk, :a)", schema: rangeSchema, err: kce + "Invalid operator used in KeyConditionExpression: contains"},
		{name: "size", src: "pk = :p AND size(sk) = :n", schema: rangeSchema, err: kce + "KeyConditionExpressions cannot contain nested operations"},
		{name: "between of a value", src: "pk = :p AND :a BETWEEN sk AND :c", schema: rangeSchema, err: kce + "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"},
		{name: "begins_with of a value", src: "pk = :p AND begins_with(:a, sk)", schema: rangeSchema, err: kce + "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"},
		{name: "two names in one condition", src: "pk = sk", schema: rangeSchema, err: kce + "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{name: "nested key path", src: "pk.x = :p", schema: rangeSchema, err: kce + "KeyConditionExpressions cannot have conditions on nested attributes"},
		{name: "no key name", src: ":p = :a", schema: rangeSchema, err: kce + "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{name: "key twice", src: "pk = :p AND pk = :a", schema: rangeSchema, err: kce + "KeyConditionExpressions must only contain one condition per key"},
		{name: "three conditions", src: "pk = :p AND sk = :a AND x = :c", schema: rangeSchema, err: "The number of query conditions (3) exceeds the number of key attributes defined in the schema (2)"},
		{name: "two conditions on hash table", src: "pk = :p AND x = :c", schema: hashSchema, err: "The number of query conditions (2) exceeds the number of key attributes defined in the schema (1)"},
		{name: "two conditions on the sort key", src: "pk = :p AND sk > :a AND sk < :c", schema: rangeSchema, err: kce + "KeyConditionExpressions must only contain one condition per key"},
		{name: "begins_with number operand", src: "pk = :p AND begins_with(sk, :n)", schema: numberSortSchema, err: kce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{name: "begins_with boolean operand", src: "pk = :p AND begins_with(sk, :t)", schema: rangeSchema, err: kce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: BOOL"},
		{name: "ordering with boolean operand", src: "pk = :p AND sk < :t", schema: numberSortSchema, err: kce + "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"},
		{name: "ordering written value first", src: "pk = :p AND :t >= sk", schema: numberSortSchema, err: kce + "Incorrect operand type for operator or function; operator or function: >=, operand type: BOOL"},
		{name: "between with boolean bounds", src: "pk = :p AND sk BETWEEN :f AND :t", schema: numberSortSchema, err: kce + "Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: BOOL"},
		{name: "equality with boolean fails the schema check", src: "pk = :p AND sk = :t", schema: numberSortSchema, err: "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{name: "undefined value before bad operand", src: "pk = :missing AND begins_with(sk, :n)", schema: rangeSchema, err: kce + "An expression attribute value used in expression is not defined; attribute value: :missing"},
		{name: "bad operand before undefined value", src: "begins_with(sk, :n) AND pk = :missing", schema: rangeSchema, err: kce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{name: "bad operand in middle clause before later undefined value", src: "pk = :p AND begins_with(sk, :n) AND sk = :missing", schema: rangeSchema, err: kce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{name: "bad operand before a third condition", src: "pk = :p AND begins_with(sk, :n) AND sk > :a", schema: rangeSchema, err: kce + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{name: "missing partition key", src: "sk = :a", schema: rangeSchema, err: "Query condition missed key schema element: pk"},
		{name: "non key attribute with sort key", src: "pk = :p AND x1 = :a", schema: rangeSchema, err: "Query condition missed key schema element: sk"},
		{name: "non key attribute on hash table", src: "pk = :p AND x1 = :a", schema: hashSchema, err: "The number of query conditions (2) exceeds the number of key attributes defined in the schema (1)"},
		{name: "partition key range", src: "pk > :p", schema: rangeSchema, err: "Query key condition not supported"},
		{name: "partition key begins_with", src: "begins_with(pk, :p)", schema: rangeSchema, err: "Query key condition not supported"},
		{name: "partition key type mismatch", src: "pk = :n", schema: rangeSchema, err: "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{name: "sort key type mismatch", src: "pk = :p AND sk > :n", schema: rangeSchema, err: "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{name: "begins_with on number sort key", src: "pk = :p AND begins_with(sk, :a)", schema: numberSortSchema, err: "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{name: "syntax error", src: "pk = ", schema: rangeSchema, err: kce + `Syntax error; token: "<EOF>", near: "="`},
		{name: "empty", src: "", schema: rangeSchema, err: kce + "The expression can not be empty;"},
		{name: "reserved word", src: "key = :p", schema: rangeSchema, err: kce + "Attribute name is a reserved keyword; reserved keyword: key"},
		{name: "undefined value", src: "pk = :zz", schema: rangeSchema, err: kce + "An expression attribute value used in expression is not defined; attribute value: :zz"},
		{name: "between bounds reversed", src: "pk = :p AND sk BETWEEN :c AND :a", schema: rangeSchema, err: kce + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:c}, upper bound operand: AttributeValue: {S:a}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kc, err := ParseKeyCondition(tc.src, Names{"#p": "pk", "#s": "sk"}, keyValues, tc.schema)
			if tc.err != "" {
				require.Error(t, err)
				var ve *dberr.ValidationException
				require.ErrorAs(t, err, &ve)
				require.Equal(t, tc.err, ve.Message)
				return
			}
			require.NoError(t, err)
			require.Equal(t, attr.S("p1"), kc.PartitionValue)
			require.Equal(t, tc.op, kc.SortOp)
			require.Equal(t, tc.sort, kc.SortValues)
		})
	}
}

func TestKeyConditionMatch(t *testing.T) {
	tests := []struct {
		src  string
		sk   attr.Value
		want bool
	}{
		{"pk = :p", attr.S("anything"), true},
		{"pk = :p AND sk = :a", attr.S("a"), true},
		{"pk = :p AND sk = :a", attr.S("b"), false},
		{"pk = :p AND sk < :c", attr.S("b"), true},
		{"pk = :p AND sk < :c", attr.S("c"), false},
		{"pk = :p AND sk <= :c", attr.S("c"), true},
		{"pk = :p AND sk > :a", attr.S("b"), true},
		{"pk = :p AND sk >= :a", attr.S("a"), true},
		{"pk = :p AND sk BETWEEN :a AND :c", attr.S("b"), true},
		{"pk = :p AND sk BETWEEN :a AND :c", attr.S("d"), false},
		{"pk = :p AND begins_with(sk, :a)", attr.S("abc"), true},
		{"pk = :p AND begins_with(sk, :a)", attr.S("bc"), false},
	}
	for _, tc := range tests {
		t.Run(tc.src+"/"+tc.sk.S(), func(t *testing.T) {
			kc, err := ParseKeyCondition(tc.src, nil, keyValues, rangeSchema)
			require.NoError(t, err)
			require.Equal(t, tc.want, kc.Match(attr.Item{"pk": attr.S("p1"), "sk": tc.sk}))
			require.False(t, kc.Match(attr.Item{"pk": attr.S("p2"), "sk": tc.sk}), "other partition")
		})
	}
	t.Run("numeric sort order", func(t *testing.T) {
		kc := NewKeyCondition(numberSortSchema, attr.S("p1"), KeyLT, attr.N("10"))
		require.True(t, kc.Match(attr.Item{"pk": attr.S("p1"), "sk": attr.N("9")}))
		require.False(t, kc.Match(attr.Item{"pk": attr.S("p1"), "sk": attr.N("100")}))
	})
	t.Run("binary begins_with", func(t *testing.T) {
		kc := NewKeyCondition(KeySchemaInfo{PartitionKey: "pk", PartitionType: attr.TypeS, SortKey: "sk", SortType: attr.TypeB}, attr.S("p1"), KeyBeginsWith, attr.B([]byte{1}))
		require.True(t, kc.Match(attr.Item{"pk": attr.S("p1"), "sk": attr.B([]byte{1, 2})}))
		require.False(t, kc.Match(attr.Item{"pk": attr.S("p1"), "sk": attr.B([]byte{2, 1})}))
	})
}
