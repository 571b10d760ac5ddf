package partition

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// sampleCommands covers every field of every operation.
func sampleCommands() map[string]*Command {
	return map[string]*Command{
		"put": putCmd(item("a", 1, attr.Item{"m": attr.M(map[string]attr.Value{"x": attr.L(attr.N("1.5"), attr.Null())}), "b": attr.B([]byte{0, 1})})),
		"put with condition and ALL_OLD": {
			Op: OpPut, Table: testTable, Schema: testSchema, Item: item("a", 1, nil),
			ConditionExpression: "attribute_not_exists(#p) OR #n < :v",
			Names:               expr.Names{"#p": "pk", "#n": "n"},
			Values:              expr.Values{":v": attr.N("10"), ":s": attr.SS("a", "b")},
			ReturnValues:        "ALL_OLD", ReturnValuesOnConditionCheckFailure: "ALL_OLD",
		},
		"update": updateCmd(key("a", 1), "SET n = n + :one REMOVE s", nil, expr.Values{":one": attr.N("1")}),
		"update without sort key schema": {
			Op: OpUpdate, Table: 1 << 40, Schema: itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "id", Type: attr.TypeB}},
			Key: attr.Item{"id": attr.B([]byte("k"))},
		},
		"legacy update": {
			Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("b", 2),
			Expected: map[string]legacy.ExpectedAttributeValue{
				"a": {Value: ptr(attr.S("x"))},
				"b": {Exists: ptr(false)},
				"c": {ComparisonOperator: legacy.OpBetween, AttributeValueList: []attr.Value{attr.N("1"), attr.N("2")}},
				"d": {ComparisonOperator: legacy.OpNotNull, AttributeValueList: []attr.Value{}},
				"e": {Value: ptr(attr.N("3")), Exists: ptr(true)},
			},
			ConditionalOperator: legacy.ConditionalOr,
			AttributeUpdates: map[string]legacy.AttributeValueUpdate{
				"x": {Value: ptr(attr.S("v"))},
				"y": {Action: legacy.ActionDelete},
				"z": {Value: ptr(attr.NS("1", "2")), Action: legacy.ActionAdd},
			},
			ReturnValues: "UPDATED_NEW",
		},
		"legacy empty maps": {
			Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("b", 2),
			Expected:         map[string]legacy.ExpectedAttributeValue{},
			AttributeUpdates: map[string]legacy.AttributeValueUpdate{},
		},
		"delete": deleteCmd(key("c", -3)),
		"split":  {Op: OpSplit, SplitKey: []byte{0, 0, 0, 0, 0, 0, 0, 7, 0x80}, NewGroup: 12345},
	}
}

func TestCommandRoundTrip(t *testing.T) {
	for name, c := range sampleCommands() {
		t.Run(name, func(t *testing.T) {
			b, err := c.Encode()
			require.NoError(t, err)
			got, err := DecodeCommand(b)
			require.NoError(t, err)
			requireCommandsEqual(t, c, got)
			again, err := got.Encode()
			require.NoError(t, err)
			require.Equal(t, b, again, "the encoding is canonical")
		})
	}
}

// requireCommandsEqual compares commands field by field, items by value,
// treating nil and empty Names and Values alike (they encode alike).
func requireCommandsEqual(t testing.TB, want, got *Command) {
	t.Helper()
	require.Equal(t, want.Op, got.Op)
	require.Equal(t, want.Table, got.Table)
	require.True(t, schemasEqual(want.Schema, got.Schema))
	if want.Op == OpPut {
		require.True(t, attr.ItemsEqual(want.Item, got.Item))
	}
	if want.Op == OpUpdate || want.Op == OpDelete {
		require.True(t, attr.ItemsEqual(want.Key, got.Key))
	}
	require.Equal(t, want.ConditionExpression, got.ConditionExpression)
	require.Equal(t, want.UpdateExpression, got.UpdateExpression)
	require.Equal(t, len(want.Names), len(got.Names))
	for k, v := range want.Names {
		require.Equal(t, v, got.Names[k])
	}
	require.True(t, attr.ItemsEqual(want.Values, got.Values))
	require.Equal(t, want.ConditionalOperator, got.ConditionalOperator)
	require.Equal(t, want.Expected == nil, got.Expected == nil)
	require.Len(t, got.Expected, len(want.Expected))
	for k, w := range want.Expected {
		g := got.Expected[k]
		require.Equal(t, w.ComparisonOperator, g.ComparisonOperator)
		require.Equal(t, w.Exists, g.Exists)
		require.Equal(t, w.Value == nil, g.Value == nil)
		if w.Value != nil {
			require.True(t, attr.Equal(*w.Value, *g.Value))
		}
		require.Equal(t, w.AttributeValueList == nil, g.AttributeValueList == nil)
		require.Len(t, g.AttributeValueList, len(w.AttributeValueList))
		for i := range w.AttributeValueList {
			require.True(t, attr.Equal(w.AttributeValueList[i], g.AttributeValueList[i]))
		}
	}
	require.Equal(t, want.AttributeUpdates == nil, got.AttributeUpdates == nil)
	require.Len(t, got.AttributeUpdates, len(want.AttributeUpdates))
	for k, w := range want.AttributeUpdates {
		g := got.AttributeUpdates[k]
		require.Equal(t, w.Action, g.Action)
		require.Equal(t, w.Value == nil, g.Value == nil)
		if w.Value != nil {
			require.True(t, attr.Equal(*w.Value, *g.Value))
		}
	}
	require.Equal(t, want.ReturnValues, got.ReturnValues)
	require.Equal(t, want.ReturnValuesOnConditionCheckFailure, got.ReturnValuesOnConditionCheckFailure)
	require.Equal(t, want.SplitKey, got.SplitKey)
	require.Equal(t, want.NewGroup, got.NewGroup)
}

func TestCommandEncodeRejects(t *testing.T) {
	cases := map[string]*Command{
		"unknown operation":         {Op: 99},
		"zero value in the item":    putCmd(attr.Item{"pk": attr.S("a"), "sk": attr.N("1"), "bad": {}}),
		"zero value in Values":      {Op: OpDelete, Table: 1, Schema: testSchema, Key: key("a", 1), Values: expr.Values{":v": {}}},
		"zero value in Expected":    {Op: OpDelete, Table: 1, Schema: testSchema, Key: key("a", 1), Expected: map[string]legacy.ExpectedAttributeValue{"a": {Value: &attr.Value{}}}},
		"zero value in the updates": {Op: OpUpdate, Table: 1, Schema: testSchema, Key: key("a", 1), AttributeUpdates: map[string]legacy.AttributeValueUpdate{"a": {Value: &attr.Value{}}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := c.Encode()
			require.Error(t, err)
			dst := []byte("prefix")
			out, err := c.AppendEncode(dst)
			require.Error(t, err)
			require.Equal(t, []byte("prefix"), out, "dst comes back unchanged")
		})
	}
}

func TestDecodeCommandRejectsCorrupt(t *testing.T) {
	valid, err := sampleCommands()["legacy update"].Encode()
	require.NoError(t, err)
	split, err := sampleCommands()["split"].Encode()
	require.NoError(t, err)
	cases := map[string][]byte{
		"empty":                  nil,
		"unknown version":        append([]byte{2}, valid[1:]...),
		"unknown operation":      append([]byte{CommandVersion, 9}, valid[2:]...),
		"trailing byte":          append(bytes.Clone(valid), 0),
		"split trailing byte":    append(bytes.Clone(split), 0),
		"non-minimal varint":     {CommandVersion, byte(OpSplit), 0x80, 0x00, 0x01},
		"oversized length":       {CommandVersion, byte(OpSplit), 0x7F},
		"huge count":             {CommandVersion, byte(OpDelete), 1, 1, 'p', byte(attr.TypeS), 0},
		"bad key type":           {CommandVersion, byte(OpDelete), 1, 1, 'p', byte(attr.TypeBOOL), 0},
		"bad boolean":            {CommandVersion, byte(OpDelete), 1, 1, 'p', byte(attr.TypeS), 2},
		"truncated after header": {CommandVersion, byte(OpPut)},
	}
	for i := 1; i < len(valid); i++ {
		cases["truncated at "+itoa(i)] = valid[:i]
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeCommand(b)
			require.ErrorIs(t, err, ErrCorruptCommand)
		})
	}
}

func TestDecodeCommandRejectsUnsortedNames(t *testing.T) {
	c := &Command{Op: OpDelete, Table: 1, Schema: testSchema, Key: key("a", 1), Names: expr.Names{"#a": "x", "#b": "y"}}
	b, err := c.Encode()
	require.NoError(t, err)
	i := bytes.Index(b, []byte("#a"))
	j := bytes.Index(b, []byte("#b"))
	require.Positive(t, i)
	require.Positive(t, j)
	b[i+1], b[j+1] = 'b', 'a'
	_, err = DecodeCommand(b)
	require.ErrorIs(t, err, ErrCorruptCommand)
}

func TestMetaRoundTrip(t *testing.T) {
	cases := map[string]Meta{
		"bounded": {AppliedIndex: 42, Table: testTable, Schema: testSchema, Range: keyenc.Range{Start: []byte{1, 2}, End: []byte{3}}, Items: 10, Bytes: 1 << 40},
		"unbounded end, no sort key": {Table: 1, Schema: itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "id", Type: attr.TypeN}},
			Range: keyenc.Range{Start: []byte{9}}},
		"empty replica": *emptyMeta(),
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			b := EncodeMeta(m)
			require.Equal(t, FormatVersion, b[0])
			got, err := DecodeMeta(b)
			require.NoError(t, err)
			require.Equal(t, m, got)
			require.Equal(t, m.Range.Empty(), got.Range.Empty())
		})
	}
}

func TestDecodeMetaRejectsCorrupt(t *testing.T) {
	valid := EncodeMeta(Meta{AppliedIndex: 3, Table: testTable, Schema: testSchema, Range: wholeTable(), Items: 2, Bytes: 100})
	for i := range valid {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(valid)
			b[i] ^= bit
			_, err := DecodeMeta(b)
			require.ErrorIs(t, err, ErrCorruptMeta, "byte %d bit %#x", i, bit)
		}
	}
	for i := range len(valid) {
		_, err := DecodeMeta(valid[:i])
		require.ErrorIs(t, err, ErrCorruptMeta, "truncated at %d", i)
	}
	_, err := DecodeMeta(append(bytes.Clone(valid), 0))
	require.ErrorIs(t, err, ErrCorruptMeta)
}
