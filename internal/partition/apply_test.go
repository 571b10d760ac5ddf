package partition

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/legacy"
	"github.com/embeddynamo/dynamo/internal/multiraft"
)

// stored is the item every case starts with (when a case asks for it).
var stored = item("a", 1, attr.Item{"n": attr.N("5"), "s": attr.S("x"), "tags": attr.SS("p", "q")})

func requireValidation(t *testing.T, err error, msg string) {
	t.Helper()
	var v *dberr.ValidationException
	require.ErrorAs(t, err, &v)
	require.Equal(t, msg, v.Message)
}

func requireConditionFailed(t *testing.T, err error, wantItem attr.Item) {
	t.Helper()
	var ccf *dberr.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	require.Equal(t, MsgConditionalCheckFailed, ccf.Message)
	require.True(t, attr.ItemsEqual(wantItem, ccf.Item), "item %v, want %v", ccf.Item, wantItem)
}

func requireItem(t *testing.T, want, got attr.Item) {
	t.Helper()
	require.True(t, attr.ItemsEqual(want, got), "got %v, want %v", got, want)
	require.Equal(t, want == nil, got == nil, "got %v, want %v", got, want)
}

// nested returns leaf wrapped in n maps under the key "k".
func nested(n int, leaf attr.Value) attr.Value {
	v := leaf
	for range n {
		v = attr.M(map[string]attr.Value{"k": v})
	}
	return v
}

func TestApplyWrites(t *testing.T) {
	deepPath := "m" + strings.Repeat(".k", 30) + ".extra"
	cases := []struct {
		name string
		// seed is stored before the command when set.
		seed attr.Item
		cmd  *Command
		// check inspects the result; after it the case checks that the
		// stored item at the command's key is wantStored.
		check      func(t *testing.T, r *Result)
		wantStored attr.Item
	}{
		{
			name: "put of a new item stores it and returns no attributes",
			cmd:  putCmd(item("a", 1, attr.Item{"v": attr.S("new")})),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				require.Nil(t, r.Old)
				require.Nil(t, r.Attributes)
				require.Equal(t, 0, r.OldSize)
				require.Equal(t, itemcheck.Size(item("a", 1, attr.Item{"v": attr.S("new")})), r.NewSize)
			},
			wantStored: item("a", 1, attr.Item{"v": attr.S("new")}),
		},
		{
			name: "put over an item with ALL_OLD returns the old item",
			seed: stored,
			cmd: func() *Command {
				c := putCmd(item("a", 1, attr.Item{"v": attr.S("new")}))
				c.ReturnValues = "ALL_OLD"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, stored, r.Attributes)
				requireItem(t, stored, r.Old)
				require.Equal(t, itemcheck.Size(stored), r.OldSize)
			},
			wantStored: item("a", 1, attr.Item{"v": attr.S("new")}),
		},
		{
			name: "put with a true condition on a missing item writes",
			cmd: func() *Command {
				c := putCmd(item("a", 1, nil))
				c.ConditionExpression = "attribute_not_exists(pk)"
				return c
			}(),
			check:      func(t *testing.T, r *Result) { require.NoError(t, r.Err) },
			wantStored: item("a", 1, nil),
		},
		{
			name: "put with a false condition fails without the item by default",
			seed: stored,
			cmd: func() *Command {
				c := putCmd(item("a", 1, nil))
				c.ConditionExpression = "attribute_not_exists(pk)"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				requireConditionFailed(t, r.Err, nil)
				require.Equal(t, r.OldSize, r.NewSize)
				require.Nil(t, r.New)
			},
			wantStored: stored,
		},
		{
			name: "put with a false condition and ALL_OLD returns the old item in the error",
			seed: stored,
			cmd: func() *Command {
				c := putCmd(item("a", 1, nil))
				c.ConditionExpression = "#n > :v"
				c.Names = expr.Names{"#n": "n"}
				c.Values = expr.Values{":v": attr.N("10")}
				c.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
				return c
			}(),
			check:      func(t *testing.T, r *Result) { requireConditionFailed(t, r.Err, stored) },
			wantStored: stored,
		},
		{
			name: "condition on a missing item with ALL_OLD fails with no item",
			cmd: func() *Command {
				c := putCmd(item("a", 1, nil))
				c.ConditionExpression = "attribute_exists(pk)"
				c.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
				return c
			}(),
			check:      func(t *testing.T, r *Result) { requireConditionFailed(t, r.Err, nil) },
			wantStored: nil,
		},
		{
			name: "update of a missing item creates it from the key with ALL_NEW",
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "SET v = :v", nil, expr.Values{":v": attr.S("x")})
				c.ReturnValues = "ALL_NEW"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, item("a", 1, attr.Item{"v": attr.S("x")}), r.Attributes)
				require.Nil(t, r.Old)
			},
			wantStored: item("a", 1, attr.Item{"v": attr.S("x")}),
		},
		{
			name: "update of a missing item with ALL_OLD returns nothing",
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "SET v = :v", nil, expr.Values{":v": attr.S("x")})
				c.ReturnValues = "ALL_OLD"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				require.Nil(t, r.Attributes)
			},
			wantStored: item("a", 1, attr.Item{"v": attr.S("x")}),
		},
		{
			name: "update with UPDATED_OLD returns the touched attributes before",
			seed: stored,
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "SET n = n + :one, w = :one", nil, expr.Values{":one": attr.N("1")})
				c.ReturnValues = "UPDATED_OLD"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, attr.Item{"n": attr.N("5")}, r.Attributes)
			},
			wantStored: item("a", 1, attr.Item{"n": attr.N("6"), "s": attr.S("x"), "tags": attr.SS("p", "q"), "w": attr.N("1")}),
		},
		{
			name: "update with UPDATED_NEW returns the touched attributes after",
			seed: stored,
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "SET n = n + :one REMOVE s", nil, expr.Values{":one": attr.N("1")})
				c.ReturnValues = "UPDATED_NEW"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, attr.Item{"n": attr.N("6")}, r.Attributes)
				require.Equal(t, itemcheck.Size(stored), r.OldSize)
				require.Equal(t, itemcheck.Size(r.New), r.NewSize)
			},
			wantStored: item("a", 1, attr.Item{"n": attr.N("6"), "tags": attr.SS("p", "q")}),
		},
		{
			name: "update with ALL_OLD returns the whole old item",
			seed: stored,
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "DELETE tags :p", nil, expr.Values{":p": attr.SS("p")})
				c.ReturnValues = "ALL_OLD"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, stored, r.Attributes)
			},
			wantStored: item("a", 1, attr.Item{"n": attr.N("5"), "s": attr.S("x"), "tags": attr.SS("q")}),
		},
		{
			name: "update with a false condition changes nothing",
			seed: stored,
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "SET n = :v", nil, expr.Values{":v": attr.N("1"), ":s": attr.S("other")})
				c.ConditionExpression = "s = :s"
				return c
			}(),
			check:      func(t *testing.T, r *Result) { requireConditionFailed(t, r.Err, nil) },
			wantStored: stored,
		},
		{
			name: "update adding a number to a string is a validation error",
			seed: stored,
			cmd:  updateCmd(key("a", 1), "SET s = s + :one", nil, expr.Values{":one": attr.N("1")}),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, expr.MsgIncorrectOperandType)
				require.Nil(t, r.New)
			},
			wantStored: stored,
		},
		{
			name: "update through a missing map is an invalid document path",
			seed: stored,
			cmd:  updateCmd(key("a", 1), "SET nomap.x = :one", nil, expr.Values{":one": attr.N("1")}),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, expr.MsgInvalidPathForUpdate)
			},
			wantStored: stored,
		},
		{
			name: "update growing the item past 400 KB is refused",
			seed: stored,
			cmd:  updateCmd(key("a", 1), "SET big = :big", nil, expr.Values{":big": attr.S(strings.Repeat("x", itemcheck.MaxItemSize))}),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, "Item size to update has exceeded the maximum allowed size")
			},
			wantStored: stored,
		},
		{
			name: "update nesting a value beyond 32 levels is refused",
			seed: item("a", 1, attr.Item{"m": nested(31, attr.S("leaf"))}),
			cmd: updateCmd(key("a", 1), "SET "+deepPath+" = :v", nil,
				expr.Values{":v": attr.M(map[string]attr.Value{"x": attr.S("y")})}),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, itemcheck.MsgNestingUpdate)
			},
			wantStored: item("a", 1, attr.Item{"m": nested(31, attr.S("leaf"))}),
		},
		{
			name: "update changing a key attribute is refused",
			seed: stored,
			cmd:  updateCmd(key("a", 1), "SET sk = :v", nil, expr.Values{":v": attr.N("2")}),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key")
			},
			wantStored: stored,
		},
		{
			name: "update of a missing item keeps only the key's attributes, in canonical form",
			cmd: &Command{Op: OpUpdate, Table: testTable, Schema: testSchema, ReturnValues: "ALL_NEW",
				Key: attr.Item{"pk": attr.S("a"), "sk": attr.N("1.00"), "stray": attr.S("x")}},
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, key("a", 1), r.Attributes)
			},
			wantStored: key("a", 1),
		},
		{
			name: "update that only removes does not create a missing item",
			cmd: func() *Command {
				c := updateCmd(key("a", 1), "REMOVE s DELETE tags :t", nil, expr.Values{":t": attr.SS("p")})
				c.ReturnValues = "ALL_NEW"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				require.Nil(t, r.Attributes)
				require.Nil(t, r.New)
				require.Zero(t, r.NewSize)
			},
			wantStored: nil,
		},
		{
			name: "legacy update that only deletes does not create a missing item",
			cmd: &Command{Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("a", 1),
				AttributeUpdates: map[string]legacy.AttributeValueUpdate{
					"s":    {Action: legacy.ActionDelete},
					"tags": {Value: ptr(attr.SS("p")), Action: legacy.ActionDelete},
				}},
			check:      func(t *testing.T, r *Result) { require.NoError(t, r.Err) },
			wantStored: nil,
		},
		{
			name: "legacy update with no action creates the key of a missing item",
			cmd: &Command{Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("a", 1),
				AttributeUpdates: map[string]legacy.AttributeValueUpdate{}},
			check:      func(t *testing.T, r *Result) { require.NoError(t, r.Err) },
			wantStored: key("a", 1),
		},
		{
			name: "update that removes from an existing item writes it",
			seed: stored,
			cmd:  updateCmd(key("a", 1), "REMOVE s, n", nil, nil),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
			},
			wantStored: item("a", 1, attr.Item{"tags": attr.SS("p", "q")}),
		},
		{
			name: "update with no action creates the key of a missing item",
			cmd:  &Command{Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("a", 1), ReturnValues: "UPDATED_NEW"},
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				require.Nil(t, r.Attributes)
			},
			wantStored: key("a", 1),
		},
		{
			name: "legacy AttributeUpdates put, add and delete with an Expected that holds",
			seed: stored,
			cmd: &Command{
				Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("a", 1),
				Expected: map[string]legacy.ExpectedAttributeValue{
					"s": {Value: ptr(attr.S("x"))},
					"z": {Exists: ptr(false)},
				},
				AttributeUpdates: map[string]legacy.AttributeValueUpdate{
					"v":    {Value: ptr(attr.S("put")), Action: legacy.ActionPut},
					"n":    {Value: ptr(attr.N("2")), Action: legacy.ActionAdd},
					"tags": {Value: ptr(attr.SS("p")), Action: legacy.ActionDelete},
					"s":    {Action: legacy.ActionDelete},
				},
				ReturnValues: "UPDATED_NEW",
			},
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, attr.Item{"v": attr.S("put"), "n": attr.N("7"), "tags": attr.SS("q")}, r.Attributes)
			},
			wantStored: item("a", 1, attr.Item{"n": attr.N("7"), "tags": attr.SS("q"), "v": attr.S("put")}),
		},
		{
			name: "legacy ADD to a string is a type mismatch",
			seed: stored,
			cmd: &Command{
				Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key("a", 1),
				AttributeUpdates: map[string]legacy.AttributeValueUpdate{"s": {Value: ptr(attr.N("1")), Action: legacy.ActionAdd}},
			},
			check:      func(t *testing.T, r *Result) { requireValidation(t, r.Err, legacy.MsgTypeMismatch) },
			wantStored: stored,
		},
		{
			name: "legacy Expected that fails with AND",
			seed: stored,
			cmd: &Command{
				Op: OpDelete, Table: testTable, Schema: testSchema, Key: key("a", 1),
				Expected: map[string]legacy.ExpectedAttributeValue{
					"n": {ComparisonOperator: legacy.OpGT, AttributeValueList: []attr.Value{attr.N("1")}},
					"s": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.S("other")}},
				},
				ReturnValuesOnConditionCheckFailure: "ALL_OLD",
			},
			check:      func(t *testing.T, r *Result) { requireConditionFailed(t, r.Err, stored) },
			wantStored: stored,
		},
		{
			name: "legacy Expected that holds with OR deletes",
			seed: stored,
			cmd: &Command{
				Op: OpDelete, Table: testTable, Schema: testSchema, Key: key("a", 1),
				Expected: map[string]legacy.ExpectedAttributeValue{
					"n": {ComparisonOperator: legacy.OpGT, AttributeValueList: []attr.Value{attr.N("1")}},
					"s": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.S("other")}},
				},
				ConditionalOperator: legacy.ConditionalOr,
			},
			check:      func(t *testing.T, r *Result) { require.NoError(t, r.Err) },
			wantStored: nil,
		},
		{
			name: "delete with ALL_OLD returns the deleted item",
			seed: stored,
			cmd: func() *Command {
				c := deleteCmd(key("a", 1))
				c.ReturnValues = "ALL_OLD"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				requireItem(t, stored, r.Attributes)
				require.Equal(t, 0, r.NewSize)
				require.Nil(t, r.New)
			},
			wantStored: nil,
		},
		{
			name: "delete of a missing item succeeds and returns nothing",
			cmd: func() *Command {
				c := deleteCmd(key("a", 1))
				c.ReturnValues = "ALL_OLD"
				return c
			}(),
			check: func(t *testing.T, r *Result) {
				require.NoError(t, r.Err)
				require.Nil(t, r.Attributes)
			},
			wantStored: nil,
		},
		{
			name: "delete with a false condition keeps the item",
			seed: stored,
			cmd: func() *Command {
				c := deleteCmd(key("a", 1))
				c.ConditionExpression = "contains(tags, :t)"
				c.Values = expr.Values{":t": attr.S("zz")}
				return c
			}(),
			check:      func(t *testing.T, r *Result) { requireConditionFailed(t, r.Err, nil) },
			wantStored: stored,
		},
	}
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				p := createPartition(t, newEngine(t, kind), Options{})
				f := newFeeder(t, p)
				if tc.seed != nil {
					require.NoError(t, f.one(putCmd(tc.seed)).Err)
				}
				before := p.AppliedIndex()
				r := f.one(tc.cmd)
				tc.check(t, r)
				require.Equal(t, before+1, p.AppliedIndex(), "the applied index advances whatever the outcome")
				k := tc.cmd.Key
				if k == nil {
					k = testSchema.KeyOf(tc.cmd.Item)
				}
				got, err := p.Get(testSchema.KeyOf(k))
				require.NoError(t, err)
				requireItem(t, tc.wantStored, got)
				requireCounts(t, p)
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestApplyRefusals(t *testing.T) {
	// The partition owns exactly the key of item a/2.
	owned := storageKeyOf(t, key("a", 2))
	end := append(append([]byte{}, owned...), 0x00)
	otherSchema := itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS}, Sort: &itemcheck.KeyDef{Name: "other", Type: attr.TypeN}}
	cases := []struct {
		name  string
		data  func(t *testing.T) []byte
		check func(t *testing.T, r *Result)
	}{
		{
			name: "a key above the range is a wrong-range error",
			data: encoded(putCmd(item("a", 3, nil))),
			check: func(t *testing.T, r *Result) {
				var wr *WrongRangeError
				require.ErrorAs(t, r.Err, &wr)
				require.Equal(t, uint64(testGroup), wr.Group)
				require.Equal(t, end, wr.Range.End)
				require.Equal(t, storageKeyOf(t, key("a", 3)), wr.Key)
			},
		},
		{
			name: "a key below the range is a wrong-range error",
			data: encoded(updateCmd(key("a", 1), "SET x = :x", nil, expr.Values{":x": attr.S("x")})),
			check: func(t *testing.T, r *Result) {
				var wr *WrongRangeError
				require.ErrorAs(t, r.Err, &wr)
				require.Equal(t, owned, wr.Range.Start)
			},
		},
		{
			name: "a key of another table is a wrong-range error",
			data: encoded(&Command{Op: OpPut, Table: testTable + 1, Schema: testSchema, Item: item("a", 1, nil)}),
			check: func(t *testing.T, r *Result) {
				var wr *WrongRangeError
				require.ErrorAs(t, r.Err, &wr)
			},
		},
		{
			name: "a command of another key schema is refused",
			data: encoded(&Command{Op: OpPut, Table: testTable, Schema: otherSchema, Item: attr.Item{"pk": attr.S("a"), "other": attr.N("2")}}),
			check: func(t *testing.T, r *Result) {
				require.ErrorIs(t, r.Err, ErrSchemaMismatch)
			},
		},
		{
			name: "an item without its key is a validation error",
			data: encoded(putCmd(attr.Item{"pk": attr.S("a")})),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, itemcheck.MsgKeySchemaMismatch)
			},
		},
		{
			name: "an oversized put is refused",
			data: encoded(putCmd(item("a", 2, attr.Item{"big": attr.S(strings.Repeat("x", itemcheck.MaxItemSize))}))),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, itemcheck.MsgItemTooLarge)
			},
		},
		{
			name: "a key longer than the engine allows is a validation error",
			data: encoded(putCmd(item(strings.Repeat("k", 40<<10), 2, nil))),
			check: func(t *testing.T, r *Result) {
				requireValidation(t, r.Err, itemcheck.MsgKeySchemaMismatch)
			},
		},
		{
			name: "corrupt command bytes are refused",
			data: func(*testing.T) []byte { return []byte{CommandVersion, byte(OpPut), 0xFF} },
			check: func(t *testing.T, r *Result) {
				require.ErrorIs(t, r.Err, ErrCorruptCommand)
			},
		},
	}
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				e := newEngine(t, kind)
				p, err := Create(e, testGroup, Meta{Table: testTable, Schema: testSchema, Range: keyenc.Range{Start: owned, End: end}}, Options{})
				require.NoError(t, err)
				f := newFeeder(t, p)
				require.NoError(t, f.one(putCmd(item("a", 2, nil))).Err)
				dataBefore, _ := engineDump(t, e)
				out, err := p.Apply([]multiraft.Command{{Index: 2, Data: tc.data(t)}})
				require.NoError(t, err)
				tc.check(t, out[0].(*Result))
				require.Equal(t, uint64(2), p.AppliedIndex())
				dataAfter, _ := engineDump(t, e)
				require.Equal(t, dataBefore, dataAfter, "a refused command changes no data")
				require.Equal(t, uint64(1), p.Meta().Items)
			})
		}
	})
}

func encoded(c *Command) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		b, err := c.Encode()
		require.NoError(t, err)
		return b
	}
}

func TestApplyBatchSeesEarlierCommands(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		p := createPartition(t, newEngine(t, kind), Options{})
		f := newFeeder(t, p)
		cond := func(c *Command, expression string) *Command {
			c.ConditionExpression = expression
			return c
		}
		results := f.apply(
			putCmd(item("a", 1, attr.Item{"n": attr.N("1")})),
			updateCmd(key("a", 1), "SET n = n + :one", nil, expr.Values{":one": attr.N("1")}),
			cond(putCmd(item("a", 1, attr.Item{"x": attr.S("y")})), "attribute_not_exists(pk)"),
			putCmd(item("b", 1, nil)),
			deleteCmd(key("b", 1)),
			cond(putCmd(item("b", 1, attr.Item{"again": attr.Bool(true)})), "attribute_not_exists(pk)"),
			cond(updateCmd(key("a", 1), "SET n = n * :one", nil, expr.Values{":one": attr.N("1")}), "n = :two"),
		)
		require.NoError(t, results[0].Err)
		require.NoError(t, results[1].Err)
		requireItem(t, item("a", 1, attr.Item{"n": attr.N("1")}), results[1].Old)
		requireConditionFailed(t, results[2].Err, nil)
		require.NoError(t, results[3].Err)
		require.NoError(t, results[4].Err)
		requireItem(t, item("b", 1, nil), results[4].Old)
		require.NoError(t, results[5].Err, "the delete before makes the key absent")
		// "n * :one" does not parse: the update's error is its own.
		require.Error(t, results[6].Err)
		require.Equal(t, uint64(7), p.AppliedIndex())

		got, err := p.Get(key("a", 1))
		require.NoError(t, err)
		requireItem(t, item("a", 1, attr.Item{"n": attr.N("2")}), got)
		got, err = p.Get(key("b", 1))
		require.NoError(t, err)
		requireItem(t, item("b", 1, attr.Item{"again": attr.Bool(true)}), got)
		requireCounts(t, p)
	})
}

func TestApplyCountsAndBytes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		p := createPartition(t, newEngine(t, kind), Options{})
		f := newFeeder(t, p)
		small := item("a", 1, attr.Item{"v": attr.S("x")})
		big := item("a", 1, attr.Item{"v": attr.S(strings.Repeat("y", 1000))})
		steps := []struct {
			cmd        *Command
			items      uint64
			wantBytes  int
			descriptor string
		}{
			{putCmd(small), 1, itemcheck.Size(small), "put of a new item"},
			{putCmd(big), 1, itemcheck.Size(big), "put over an item replaces its bytes"},
			{updateCmd(key("a", 1), "SET v = :v", nil, expr.Values{":v": attr.S("z")}), 1, itemcheck.Size(item("a", 1, attr.Item{"v": attr.S("z")})), "update shrinking the item"},
			{putCmd(item("b", 2, nil)), 2, itemcheck.Size(item("a", 1, attr.Item{"v": attr.S("z")})) + itemcheck.Size(item("b", 2, nil)), "second item"},
			{deleteCmd(key("c", 3)), 2, itemcheck.Size(item("a", 1, attr.Item{"v": attr.S("z")})) + itemcheck.Size(item("b", 2, nil)), "delete of a missing item"},
			{deleteCmd(key("a", 1)), 1, itemcheck.Size(item("b", 2, nil)), "delete"},
		}
		for _, s := range steps {
			require.NoError(t, f.one(s.cmd).Err, s.descriptor)
			m := p.Meta()
			require.Equal(t, s.items, m.Items, s.descriptor)
			require.Equal(t, uint64(s.wantBytes), m.Bytes, s.descriptor)
			requireCounts(t, p)
		}
	})
}

func TestApplyRejectsReplayedIndex(t *testing.T) {
	p := createPartition(t, newEngine(t, engineKinds[0]), Options{})
	f := newFeeder(t, p)
	f.one(putCmd(item("a", 1, nil)))
	data, err := putCmd(item("b", 1, nil)).Encode()
	require.NoError(t, err)
	_, err = p.Apply([]multiraft.Command{{Index: 1, Data: data}})
	require.Error(t, err)
	require.Equal(t, uint64(1), p.AppliedIndex())
	got, err := p.Get(key("b", 1))
	require.NoError(t, err)
	require.Nil(t, got, "nothing of a failed Apply is committed")
}

func TestOnWriteHook(t *testing.T) {
	type call struct {
		key              string
		oldSize, newSize int
	}
	var calls []call
	p := createPartition(t, newEngine(t, engineKinds[0]), Options{OnWrite: func(key []byte, oldSize, newSize int) {
		calls = append(calls, call{string(key), oldSize, newSize})
	}})
	f := newFeeder(t, p)
	it := item("a", 1, attr.Item{"v": attr.S("x")})
	cond := putCmd(item("a", 1, nil))
	cond.ConditionExpression = "attribute_not_exists(pk)"
	f.apply(putCmd(it), cond, deleteCmd(key("a", 1)), putCmd(item("zz", 1, nil)))
	k := string(storageKeyOf(t, key("a", 1)))
	size := itemcheck.Size(it)
	require.Equal(t, []call{
		{k, 0, size},
		{k, size, size},
		{k, size, 0},
		{string(storageKeyOf(t, key("zz", 1))), 0, itemcheck.Size(item("zz", 1, nil))},
	}, calls)
}

func TestWrongRangeErrorIsTyped(t *testing.T) {
	err := error(&WrongRangeError{Group: 1, Table: 2, Key: []byte{1}})
	var wr *WrongRangeError
	require.True(t, errors.As(err, &wr))
	require.Contains(t, err.Error(), "outside range")
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
