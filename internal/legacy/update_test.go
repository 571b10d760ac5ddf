package legacy

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

type updateCase struct {
	name       string
	updates    map[string]AttributeValueUpdate
	old        attr.Item // the stored item; nil: none stored
	want       attr.Item // the item after the update
	compileErr string    // error from compiling
	applyErr   string    // error from applying to old
}

func put(v attr.Value) AttributeValueUpdate {
	return AttributeValueUpdate{Value: &v, Action: ActionPut}
}
func add(v attr.Value) AttributeValueUpdate {
	return AttributeValueUpdate{Value: &v, Action: ActionAdd}
}
func del(v attr.Value) AttributeValueUpdate {
	return AttributeValueUpdate{Value: &v, Action: ActionDelete}
}

func upd(name string, u AttributeValueUpdate) map[string]AttributeValueUpdate {
	return map[string]AttributeValueUpdate{name: u}
}

func with(item attr.Item, kv ...any) attr.Item {
	out := item.Clone()
	if out == nil {
		out = attr.Item{}
	}
	for i := 0; i < len(kv); i += 2 {
		name := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, name)
			continue
		}
		out[name] = kv[i+1].(attr.Value)
	}
	return out
}

var base = attr.Item{
	"pk": attr.S("k"),
	"n":  attr.N("5"),
	"s":  attr.S("text"),
	"ss": attr.SS("a", "b"),
	"ns": attr.NS("1", "2", "3"),
	"bs": attr.BS([]byte{1}, []byte{2}),
	"l":  attr.L(attr.S("a"), attr.N("1")),
	"m":  attr.M(map[string]attr.Value{"x": attr.N("1")}),
}

var key = attr.Item{"pk": attr.S("k")}

var updateCases = []updateCase{
	// PUT
	{name: "PUT sets a new attribute", updates: upd("z", put(attr.S("v"))), old: base, want: with(base, "z", attr.S("v"))},
	{name: "PUT replaces a value of another type", updates: upd("n", put(attr.SS("x"))), old: base, want: with(base, "n", attr.SS("x"))},
	{name: "PUT is the default action", updates: upd("s", AttributeValueUpdate{Value: val(attr.Bool(false))}), old: base, want: with(base, "s", attr.Bool(false))},
	{name: "PUT on a missing item adds to the key", updates: upd("z", put(attr.N("1"))), old: key, want: with(key, "z", attr.N("1"))},
	{name: "PUT stores numbers canonically", updates: upd("z", put(attr.N("007.50"))), old: key, want: with(key, "z", attr.N("7.5"))},
	{name: "PUT a map", updates: upd("z", put(attr.M(map[string]attr.Value{"a": attr.L()}))), old: key, want: with(key, "z", attr.M(map[string]attr.Value{"a": attr.L()}))},
	{name: "PUT without a value is rejected", updates: upd("z", AttributeValueUpdate{Action: ActionPut}), compileErr: invalid + "Only DELETE action is allowed when no attribute value is specified"},
	{name: "default action without a value is rejected", updates: upd("z", AttributeValueUpdate{}), compileErr: invalid + "Only DELETE action is allowed when no attribute value is specified"},
	{name: "PUT of an empty set is rejected", updates: upd("z", put(attr.NS())), compileErr: invalid + "An number set  may not be empty"},
	{name: "PUT of a bad number is rejected", updates: upd("z", put(attr.N("1e200"))), compileErr: number.MsgOverflow},
	// DELETE without a value
	{name: "DELETE without a value removes the attribute", updates: upd("s", AttributeValueUpdate{Action: ActionDelete}), old: base, want: with(base, "s", nil)},
	{name: "DELETE without a value on a missing attribute does nothing", updates: upd("zz", AttributeValueUpdate{Action: ActionDelete}), old: base, want: base},
	{name: "DELETE without a value on a missing item", updates: upd("zz", AttributeValueUpdate{Action: ActionDelete}), old: key, want: key},
	// DELETE with a set
	{name: "DELETE removes members of a string set", updates: upd("ss", del(attr.SS("a", "q"))), old: base, want: with(base, "ss", attr.SS("b"))},
	{name: "DELETE removes members of a number set numerically", updates: upd("ns", del(attr.NS("1.0", "4"))), old: base, want: with(base, "ns", attr.NS("2", "3"))},
	{name: "DELETE removes members of a binary set", updates: upd("bs", del(attr.BS([]byte{2}))), old: base, want: with(base, "bs", attr.BS([]byte{1}))},
	{name: "DELETE of every member removes the attribute", updates: upd("ns", del(attr.NS("1", "2", "3"))), old: base, want: with(base, "ns", nil)},
	{name: "DELETE from a missing attribute does nothing", updates: upd("zz", del(attr.SS("a", "b"))), old: base, want: base},
	{name: "DELETE from a missing item does nothing", updates: upd("c", del(attr.SS("a"))), old: key, want: key},
	{name: "DELETE of another set type is a type mismatch", updates: upd("ss", del(attr.NS("1"))), old: base, applyErr: MsgTypeMismatch},
	{name: "DELETE of a set from a number is a type mismatch", updates: upd("n", del(attr.NS("1"))), old: base, applyErr: MsgTypeMismatch},
	{name: "DELETE of a set from a list is a type mismatch", updates: upd("l", del(attr.SS("a"))), old: base, applyErr: MsgTypeMismatch},
	{name: "DELETE with a string is rejected", updates: upd("s", del(attr.S("1"))), compileErr: invalid + "DELETE action with value is not supported for the type S"},
	{name: "DELETE with a number is rejected", updates: upd("n", del(attr.N("1"))), compileErr: invalid + "DELETE action with value is not supported for the type N"},
	{name: "DELETE with a binary is rejected", updates: upd("b", del(attr.B([]byte("b")))), compileErr: invalid + "DELETE action with value is not supported for the type B"},
	{name: "DELETE with NULL is rejected", updates: upd("z", del(attr.Null())), compileErr: invalid + "DELETE action with value is not supported for the type NULL"},
	{name: "DELETE with BOOL is rejected", updates: upd("z", del(attr.Bool(true))), compileErr: invalid + "DELETE action with value is not supported for the type BOOL"},
	{name: "DELETE with a map is rejected", updates: upd("m", del(attr.M(nil))), compileErr: invalid + "DELETE action with value is not supported for the type M"},
	{name: "DELETE with a list is rejected", updates: upd("l", del(attr.L())), compileErr: invalid + "DELETE action with value is not supported for the type L"},
	// ADD
	{name: "ADD adds to a number", updates: upd("n", add(attr.N("3"))), old: base, want: with(base, "n", attr.N("8"))},
	{name: "ADD of a negative number subtracts", updates: upd("n", add(attr.N("-7.5"))), old: base, want: with(base, "n", attr.N("-2.5"))},
	{name: "ADD of a number creates a missing attribute", updates: upd("c", add(attr.N("5"))), old: key, want: with(key, "c", attr.N("5"))},
	{name: "ADD unites string sets", updates: upd("ss", add(attr.SS("b", "c"))), old: base, want: with(base, "ss", attr.SS("a", "b", "c"))},
	{name: "ADD unites number sets numerically", updates: upd("ns", add(attr.NS("2.0", "4"))), old: base, want: with(base, "ns", attr.NS("1", "2", "3", "4"))},
	{name: "ADD unites binary sets", updates: upd("bs", add(attr.BS([]byte{2}, []byte{3}))), old: base, want: with(base, "bs", attr.BS([]byte{1}, []byte{2}, []byte{3}))},
	{name: "ADD of a set creates a missing attribute", updates: upd("e", add(attr.SS("a", "b"))), old: key, want: with(key, "e", attr.SS("a", "b"))},
	{name: "ADD appends to a list", updates: upd("l", add(attr.L(attr.S("b"), attr.N("2")))), old: base, want: with(base, "l", attr.L(attr.S("a"), attr.N("1"), attr.S("b"), attr.N("2")))},
	{name: "ADD of a list creates a missing attribute", updates: upd("f", add(attr.L(attr.S("a")))), old: key, want: with(key, "f", attr.L(attr.S("a")))},
	{name: "ADD of a number to a number set is a type mismatch", updates: upd("ns", add(attr.N("1"))), old: base, applyErr: MsgTypeMismatch},
	{name: "ADD of a number set to a string set is a type mismatch", updates: upd("ss", add(attr.NS("1"))), old: base, applyErr: MsgTypeMismatch},
	{name: "ADD of a list to a string is a type mismatch", updates: upd("s", add(attr.L())), old: base, applyErr: MsgTypeMismatch},
	{name: "ADD of a number to a map is a type mismatch", updates: upd("m", add(attr.N("1"))), old: base, applyErr: MsgTypeMismatch},
	{name: "ADD beyond the number range overflows", updates: upd("n", add(attr.N("9.9999999999999999999999999999999999999E+125"))), old: with(base, "n", attr.N("9.9999999999999999999999999999999999999E+125")), applyErr: number.MsgOverflow},
	{name: "ADD of a string is rejected", updates: upd("s", add(attr.S("1"))), compileErr: invalid + "ADD action is not supported for the type S"},
	{name: "ADD of a binary is rejected", updates: upd("b", add(attr.B([]byte("b")))), compileErr: invalid + "ADD action is not supported for the type B"},
	{name: "ADD of NULL is rejected", updates: upd("z", add(attr.Null())), compileErr: invalid + "ADD action is not supported for the type NULL"},
	{name: "ADD of BOOL is rejected", updates: upd("z", add(attr.Bool(true))), compileErr: invalid + "ADD action is not supported for the type BOOL"},
	{name: "ADD of a map is rejected", updates: upd("m", add(attr.M(nil))), compileErr: invalid + "ADD action is not supported for the type M"},
	{name: "ADD without a value is rejected", updates: upd("n", AttributeValueUpdate{Action: ActionAdd}), compileErr: invalid + "Only DELETE action is allowed when no attribute value is specified"},
	// several actions and action names
	{name: "several actions apply together", updates: map[string]AttributeValueUpdate{
		"b": {Action: ActionDelete},
		"c": del(attr.SS("a", "b")),
		"d": add(attr.N("5")),
		"e": add(attr.SS("a", "b")),
		"f": add(attr.L(attr.S("a"), attr.N("1"))),
	}, old: key, want: with(key, "d", attr.N("5"), "e", attr.SS("a", "b"), "f", attr.L(attr.S("a"), attr.N("1")))},
	{name: "empty AttributeUpdates changes nothing", updates: map[string]AttributeValueUpdate{}, old: base, want: base},
	{name: "action names are case sensitive", updates: upd("s", AttributeValueUpdate{Value: val(attr.S("x")), Action: "put"}), compileErr: "1 validation error detected: Value 'put' at 'attributeUpdates.s.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
	{name: "value errors precede action errors", updates: upd("s", AttributeValueUpdate{Value: val(attr.SS("a", "a")), Action: ActionDelete}), compileErr: invalid + "Input collection [a, a] contains duplicates."},
	{name: "first invalid attribute by name is reported", updates: map[string]AttributeValueUpdate{"y": add(attr.S("x")), "x": del(attr.N("1"))}, compileErr: invalid + "DELETE action with value is not supported for the type N"},
}

func TestCompileAttributeUpdates(t *testing.T) {
	for _, tc := range updateCases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := CompileAttributeUpdates(tc.updates)
			if tc.compileErr != "" {
				requireValidation(t, err, tc.compileErr)
				require.Nil(t, u)
				return
			}
			require.NoError(t, err)
			before := tc.old.Clone()
			got, err := u.Apply(tc.old)
			require.True(t, attr.ItemsEqual(before, tc.old), "Apply must not modify the stored item")
			if tc.applyErr != "" {
				requireValidation(t, err, tc.applyErr)
				return
			}
			require.NoError(t, err)
			require.True(t, attr.ItemsEqual(tc.want, got), "want %v\n got %v", tc.want, got)
		})
	}
}

func TestCompileAttributeUpdatesAbsent(t *testing.T) {
	u, err := CompileAttributeUpdates(nil)
	require.NoError(t, err)
	require.Nil(t, u)
}

// TestAttributeUpdatesRefuseKeyAttributes checks that the compiled update
// carries the key check of UpdateExpression with DynamoDB's message.
func TestAttributeUpdatesRefuseKeyAttributes(t *testing.T) {
	u, err := CompileAttributeUpdates(map[string]AttributeValueUpdate{"d": put(attr.N("1")), "b": put(attr.S("x"))})
	require.NoError(t, err)
	requireValidation(t, u.CheckKeyAttributes("a", "b"), invalid+"Cannot update attribute b. This attribute is part of the key")
	require.NoError(t, u.CheckKeyAttributes("a"))
}

// TestAttributeUpdatesReturnValues checks UPDATED_OLD and UPDATED_NEW over
// the attributes the legacy update names, as dynalite's UpdateItem tests
// record DynamoDB returning them.
func TestAttributeUpdatesReturnValues(t *testing.T) {
	old := attr.Item{"a": attr.S("k"), "b": attr.S("a"), "c": attr.S("a")}
	u, err := CompileAttributeUpdates(map[string]AttributeValueUpdate{"b": {Action: ActionDelete}, "c": put(attr.S("a"))})
	require.NoError(t, err)
	updated, err := u.Apply(old)
	require.NoError(t, err)
	require.Equal(t, attr.Item{"c": attr.S("a")}, u.ReturnValues("UPDATED_NEW", old, updated))
	require.Equal(t, attr.Item{"b": attr.S("a"), "c": attr.S("a")}, u.ReturnValues("UPDATED_OLD", old, updated))
}
