package expr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

func m(kv map[string]attr.Value) attr.Value { return attr.M(kv) }

// updItem is the stored item the update cases start from.
func updItem() attr.Item {
	return attr.Item{
		"pk": attr.S("k"),
		"n":  attr.N("10"),
		"s":  attr.S("str"),
		"ss": attr.SS("a", "b"),
		"ns": attr.NS("1", "2"),
		"bs": attr.BS([]byte{1}),
		"l":  attr.L(attr.S("l0"), attr.S("l1"), attr.S("l2"), attr.S("l3")),
		"mp": m(map[string]attr.Value{"x": attr.N("1"), "sb": m(map[string]attr.Value{"y": attr.S("why")}), "lst": attr.L(attr.N("0"))}),
	}
}

var updValues = Values{
	":s": attr.S("new"), ":n1": attr.N("1"), ":n5": attr.N("5"), ":neg": attr.N("-15"), ":dec": attr.N("0.25"),
	":ss": attr.SS("b", "c"), ":ssAll": attr.SS("a", "b"), ":ns": attr.NS("2", "3"), ":ns2": attr.NS("2.0"), ":bs": attr.BS([]byte{2}),
	":l": attr.L(attr.S("x")), ":empty": attr.L(), ":m": m(map[string]attr.Value{"z": attr.N("9")}),
	":max": attr.N("9.9999999999999999999999999999999999999E+125"),
}

func TestUpdateApply(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		old    attr.Item // nil means updItem()
		change attr.Item // attributes expected to differ from old (value or removal below)
		gone   []string  // attributes expected to be removed
		err    string    // exact ValidationException message
	}{
		{name: "set new attribute", src: "SET a = :s", change: attr.Item{"a": attr.S("new")}},
		{name: "set overwrites", src: "SET s = :s", change: attr.Item{"s": attr.S("new")}},
		{name: "set changes the type", src: "SET n = :s", change: attr.Item{"n": attr.S("new")}},
		{name: "set copies another attribute", src: "SET a = s", change: attr.Item{"a": attr.S("str")}},
		{name: "set copies a nested value", src: "SET a = mp.sb.y", change: attr.Item{"a": attr.S("why")}},
		{name: "set plus", src: "SET n = n + :n5", change: attr.Item{"n": attr.N("15")}},
		{name: "set minus", src: "SET n = n - :dec", change: attr.Item{"n": attr.N("9.75")}},
		{name: "set plus of two values", src: "SET a = :n5 + :neg", change: attr.Item{"a": attr.N("-10")}},
		{name: "set plus of two paths", src: "SET a = n + mp.x", change: attr.Item{"a": attr.N("11")}},
		{name: "set plus overflows", src: "SET a = :max + :max", err: "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{name: "set plus on string", src: "SET a = s + :n1", err: MsgIncorrectOperandType},
		{name: "set minus on missing", src: "SET a = absent - :n1", err: MsgMissingOperand},
		{name: "set from missing attribute", src: "SET a = absent", err: MsgMissingOperand},
		{name: "set from missing nested attribute", src: "SET a = mp.nothing", err: MsgMissingOperand},
		{name: "if_not_exists keeps existing", src: "SET n = if_not_exists(n, :n5)", change: attr.Item{}},
		{name: "if_not_exists uses fallback", src: "SET a = if_not_exists(a, :n5)", change: attr.Item{"a": attr.N("5")}},
		{name: "if_not_exists of another path", src: "SET a = if_not_exists(s, :n5)", change: attr.Item{"a": attr.S("str")}},
		{name: "if_not_exists counter idiom", src: "SET c = if_not_exists(c, :n1) + :n5", change: attr.Item{"c": attr.N("6")}},
		{name: "if_not_exists fallback path missing", src: "SET a = if_not_exists(a, absent)", err: MsgMissingOperand},
		{name: "if_not_exists on missing item reads key", src: "SET b = if_not_exists(b, pk)", old: attr.Item{"pk": attr.S("k")}, change: attr.Item{"b": attr.S("k")}},
		{name: "list_append at the end", src: "SET l = list_append(l, :l)", change: attr.Item{"l": attr.L(attr.S("l0"), attr.S("l1"), attr.S("l2"), attr.S("l3"), attr.S("x"))}},
		{name: "list_append at the front", src: "SET l = list_append(:l, l)", change: attr.Item{"l": attr.L(attr.S("x"), attr.S("l0"), attr.S("l1"), attr.S("l2"), attr.S("l3"))}},
		{name: "list_append of empty lists", src: "SET a = list_append(:empty, :empty)", change: attr.Item{"a": attr.L()}},
		{name: "list_append creating a list", src: "SET a = list_append(if_not_exists(a, :empty), :l)", change: attr.Item{"a": attr.L(attr.S("x"))}},
		{name: "list_append of a string", src: "SET a = list_append(s, :l)", err: MsgIncorrectOperandType},
		{name: "list_append of a map", src: "SET a = list_append(:l, mp)", err: MsgIncorrectOperandType},
		{name: "list_append of missing", src: "SET a = list_append(absent, :l)", err: MsgMissingOperand},
		{name: "set nested map key", src: "SET mp.x = :s", change: attr.Item{"mp": m(map[string]attr.Value{"x": attr.S("new"), "sb": m(map[string]attr.Value{"y": attr.S("why")}), "lst": attr.L(attr.N("0"))})}},
		{name: "set new nested map key", src: "SET mp.sb.z = :n1", change: attr.Item{"mp": m(map[string]attr.Value{"x": attr.N("1"), "sb": m(map[string]attr.Value{"y": attr.S("why"), "z": attr.N("1")}), "lst": attr.L(attr.N("0"))})}},
		{name: "set key under missing map", src: "SET mp.nothing.z = :n1", err: MsgInvalidPathForUpdate},
		{name: "set key under missing attribute", src: "SET absent.z = :n1", err: MsgInvalidPathForUpdate},
		{name: "set key under a string", src: "SET s.z = :n1", err: MsgInvalidPathForUpdate},
		{name: "set key under a list", src: "SET l.z = :n1", err: MsgInvalidPathForUpdate},
		{name: "set index under a map", src: "SET mp[0] = :n1", err: MsgInvalidPathForUpdate},
		{name: "set index under missing attribute", src: "SET absent[0] = :n1", err: MsgInvalidPathForUpdate},
		{name: "set nested key in missing item", src: "SET b.a = :n1", old: attr.Item{"pk": attr.S("k")}, err: MsgInvalidPathForUpdate},
		{name: "set list element", src: "SET l[1] = :s", change: attr.Item{"l": attr.L(attr.S("l0"), attr.S("new"), attr.S("l2"), attr.S("l3"))}},
		{name: "set past the end appends", src: "SET l[10] = :s", change: attr.Item{"l": attr.L(attr.S("l0"), attr.S("l1"), attr.S("l2"), attr.S("l3"), attr.S("new"))}},
		{name: "set past the end appends in index order", src: "SET l[9] = :n5, l[7] = :n1", change: attr.Item{"l": attr.L(attr.S("l0"), attr.S("l1"), attr.S("l2"), attr.S("l3"), attr.N("1"), attr.N("5"))}},
		{name: "set inside list element", src: "SET mp.lst[0] = :s", change: attr.Item{"mp": m(map[string]attr.Value{"x": attr.N("1"), "sb": m(map[string]attr.Value{"y": attr.S("why")}), "lst": attr.L(attr.S("new"))})}},
		{name: "set under element past the end", src: "SET l[9].x = :s", err: MsgInvalidPathForUpdate},
		{name: "set reads old values only", src: "SET a = s, s = :s", change: attr.Item{"a": attr.S("str"), "s": attr.S("new")}},
		{name: "set swaps two attributes", src: "SET n = s, s = n", change: attr.Item{"n": attr.S("str"), "s": attr.N("10")}},
		{name: "remove attribute", src: "REMOVE s", gone: []string{"s"}},
		{name: "remove missing attribute is a no-op", src: "REMOVE absent", change: attr.Item{}},
		{name: "remove several", src: "REMOVE s, n", gone: []string{"s", "n"}},
		{name: "remove nested key", src: "REMOVE mp.x", change: attr.Item{"mp": m(map[string]attr.Value{"sb": m(map[string]attr.Value{"y": attr.S("why")}), "lst": attr.L(attr.N("0"))})}},
		{name: "remove missing nested key is a no-op", src: "REMOVE mp.nothing", change: attr.Item{}},
		{name: "remove under missing attribute", src: "REMOVE absent.a", err: MsgInvalidPathForUpdate},
		{name: "remove under a string", src: "REMOVE s.a", err: MsgInvalidPathForUpdate},
		{name: "remove index of a map", src: "REMOVE mp[1]", err: MsgInvalidPathForUpdate},
		{name: "remove key of a list", src: "REMOVE l.a", err: MsgInvalidPathForUpdate},
		{name: "remove list element shifts the rest", src: "REMOVE l[1]", change: attr.Item{"l": attr.L(attr.S("l0"), attr.S("l2"), attr.S("l3"))}},
		{name: "remove list elements by old index", src: "REMOVE l[1], l[2]", change: attr.Item{"l": attr.L(attr.S("l0"), attr.S("l3"))}},
		{name: "remove last list elements", src: "REMOVE l[3], l[0]", change: attr.Item{"l": attr.L(attr.S("l1"), attr.S("l2"))}},
		{name: "remove element past the end is a no-op", src: "REMOVE l[9]", change: attr.Item{}},
		{name: "remove and set in one list", src: "REMOVE l[0] SET l[2] = :s", change: attr.Item{"l": attr.L(attr.S("l1"), attr.S("new"), attr.S("l3"))}},
		{name: "remove and append in one list", src: "REMOVE l[0] SET l[8] = :s", change: attr.Item{"l": attr.L(attr.S("l1"), attr.S("l2"), attr.S("l3"), attr.S("new"))}},
		{name: "remove every element leaves an empty list", src: "REMOVE l[0], l[1], l[2], l[3]", change: attr.Item{"l": attr.L()}},
		{name: "add to number", src: "ADD n :n5", change: attr.Item{"n": attr.N("15")}},
		{name: "add negative number", src: "ADD n :neg", change: attr.Item{"n": attr.N("-5")}},
		{name: "add creates number", src: "ADD c :n5", change: attr.Item{"c": attr.N("5")}},
		{name: "add decimal", src: "ADD n :dec", change: attr.Item{"n": attr.N("10.25")}},
		{name: "add overflows", src: "ADD c :max, d :max SET e = c", err: MsgMissingOperand},
		{name: "add to string set", src: "ADD ss :ss", change: attr.Item{"ss": attr.SS("a", "b", "c")}},
		{name: "add to number set compares numerically", src: "ADD ns :ns2", change: attr.Item{}},
		{name: "add to number set", src: "ADD ns :ns", change: attr.Item{"ns": attr.NS("1", "2", "3")}},
		{name: "add to binary set", src: "ADD bs :bs", change: attr.Item{"bs": attr.BS([]byte{1}, []byte{2})}},
		{name: "add creates set", src: "ADD c :ss", change: attr.Item{"c": attr.SS("b", "c")}},
		{name: "add number to string", src: "ADD s :n1", err: MsgIncorrectOperandType},
		{name: "add number to set", src: "ADD ns :n1", err: MsgIncorrectOperandType},
		{name: "add string set to number set", src: "ADD ns :ss", err: MsgIncorrectOperandType},
		{name: "add set to number", src: "ADD n :ss", err: MsgIncorrectOperandType},
		{name: "add to nested number", src: "ADD mp.x :n5", change: attr.Item{"mp": m(map[string]attr.Value{"x": attr.N("6"), "sb": m(map[string]attr.Value{"y": attr.S("why")}), "lst": attr.L(attr.N("0"))})}},
		{name: "add creates nested number", src: "ADD mp.sb.c :n5", change: attr.Item{"mp": m(map[string]attr.Value{"x": attr.N("1"), "sb": m(map[string]attr.Value{"y": attr.S("why"), "c": attr.N("5")}), "lst": attr.L(attr.N("0"))})}},
		{name: "add under missing map", src: "ADD absent.c :n5", err: MsgInvalidPathForUpdate},
		{name: "add past the end of a list appends", src: "ADD mp.lst[4] :n5", change: attr.Item{"mp": m(map[string]attr.Value{"x": attr.N("1"), "sb": m(map[string]attr.Value{"y": attr.S("why")}), "lst": attr.L(attr.N("0"), attr.N("5"))})}},
		{name: "delete from set", src: "DELETE ss :ss", change: attr.Item{"ss": attr.SS("a")}},
		{name: "delete last members removes attribute", src: "DELETE ss :ssAll", gone: []string{"ss"}},
		{name: "delete number set members numerically", src: "DELETE ns :ns2", change: attr.Item{"ns": attr.NS("1")}},
		{name: "delete from missing set is a no-op", src: "DELETE c :ss", change: attr.Item{}},
		{name: "delete from other set type", src: "DELETE ns :ss", err: MsgIncorrectOperandType},
		{name: "delete from string", src: "DELETE s :ss", err: MsgIncorrectOperandType},
		{name: "delete under missing map", src: "DELETE absent.x :ss", err: MsgInvalidPathForUpdate},
		{name: "all clauses together", src: "SET a = :s REMOVE s ADD n :n1 DELETE ss :ss", change: attr.Item{"a": attr.S("new"), "n": attr.N("11"), "ss": attr.SS("a")}, gone: []string{"s"}},
		{name: "set map value", src: "SET a = :m", change: attr.Item{"a": m(map[string]attr.Value{"z": attr.N("9")})}},
		{name: "set on missing item", src: "SET a = :s", old: attr.Item{}, change: attr.Item{"a": attr.S("new")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUpdate(tc.src, nil, updValues)
			require.NoError(t, err)
			old := tc.old
			if old == nil {
				old = updItem()
			}
			before := old.Clone()
			got, err := u.Apply(old)
			require.True(t, attr.ItemsEqual(before, old), "Apply modified its input")
			if tc.err != "" {
				require.Error(t, err)
				var ve *dberr.ValidationException
				require.ErrorAs(t, err, &ve)
				require.Equal(t, tc.err, ve.Message)
				return
			}
			require.NoError(t, err)
			if tc.change == nil && tc.gone == nil {
				return
			}
			want := old.Clone()
			for k, v := range tc.change {
				want[k] = v
			}
			for _, k := range tc.gone {
				delete(want, k)
			}
			require.True(t, attr.ItemsEqual(want, got), "want %s\ngot  %s", want, got)
		})
	}
}

func TestUpdateNumberSubtraction(t *testing.T) {
	u, err := ParseUpdate("SET n = n - :n5", nil, updValues)
	require.NoError(t, err)
	got, err := u.Apply(updItem())
	require.NoError(t, err)
	require.Equal(t, attr.N("5"), got["n"])
	got, err = u.Apply(got)
	require.NoError(t, err)
	require.Equal(t, attr.N("0"), got["n"])
	got, err = u.Apply(got)
	require.NoError(t, err)
	require.Equal(t, attr.N("-5"), got["n"])
}

// TestUpdateNestedExample is the nested update DynamoDB's own behaviour
// was recorded for: all operands read the old item, list indexes are old
// indexes, appends land in index order, and UPDATED_NEW projects the
// touched paths of the new item.
func TestUpdateNestedExample(t *testing.T) {
	old := attr.Item{
		"a": attr.S("key"),
		"b": m(map[string]attr.Value{"a": attr.N("1"), "b": attr.N("2"), "c": attr.N("3")}),
		"c": attr.L(attr.N("1"), attr.N("3")),
	}
	u, err := ParseUpdate("set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a",
		nil, Values{":a": attr.N("2"), ":b": attr.SS("a")})
	require.NoError(t, err)
	got, err := u.Apply(old)
	require.NoError(t, err)
	want := attr.Item{
		"a": attr.S("key"),
		"b": m(map[string]attr.Value{"a": attr.S("key"), "b": attr.N("2"), "c": attr.N("4")}),
		"c": attr.L(attr.N("1"), attr.S("key"), attr.N("3"), attr.N("-1"), attr.N("2"), attr.SS("a")),
	}
	require.True(t, attr.ItemsEqual(want, got), "got %s", got)
	updatedNew := attr.Item{
		"b": m(map[string]attr.Value{"a": attr.S("key"), "c": attr.N("4")}),
		"c": attr.L(attr.S("key"), attr.N("3"), attr.N("2")),
	}
	require.True(t, attr.ItemsEqual(updatedNew, u.ReturnValues("UPDATED_NEW", old, got)), "got %s", u.ReturnValues("UPDATED_NEW", old, got))
}

func TestUpdateReturnValues(t *testing.T) {
	old := attr.Item{"pk": attr.S("k"), "b": attr.S("a"), "c": attr.S("a"), "d": attr.N("1")}
	u, err := ParseUpdate("SET b = :b REMOVE c ADD e :n", nil, Values{":b": attr.S("b"), ":n": attr.N("1")})
	require.NoError(t, err)
	updated, err := u.Apply(old)
	require.NoError(t, err)
	tests := []struct {
		mode string
		want attr.Item
	}{
		{"NONE", nil},
		{"ALL_OLD", old},
		{"ALL_NEW", attr.Item{"pk": attr.S("k"), "b": attr.S("b"), "d": attr.N("1"), "e": attr.N("1")}},
		{"UPDATED_OLD", attr.Item{"b": attr.S("a"), "c": attr.S("a")}},
		{"UPDATED_NEW", attr.Item{"b": attr.S("b"), "e": attr.N("1")}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			got := u.ReturnValues(tc.mode, old, updated)
			if tc.want == nil {
				require.Nil(t, got)
				return
			}
			require.True(t, attr.ItemsEqual(tc.want, got), "got %s", got)
		})
	}
	t.Run("UPDATED_OLD of a new item is empty", func(t *testing.T) {
		require.Nil(t, u.ReturnValues("UPDATED_OLD", nil, updated))
	})
}

func TestUpdateCheckKeyAttributes(t *testing.T) {
	tests := []struct {
		name string
		src  string
		keys []string
		err  string
	}{
		{"set non key", "SET b = :n", []string{"a"}, ""},
		{"set hash key", "remove d set b = :n, a = :n", []string{"a"}, "One or more parameter values were invalid: Cannot update attribute a. This attribute is part of the key"},
		{"add under hash key", "add a.b :n", []string{"a"}, "One or more parameter values were invalid: Cannot update attribute a. This attribute is part of the key"},
		{"remove hash key", "delete b :ns remove a", []string{"a"}, "One or more parameter values were invalid: Cannot update attribute a. This attribute is part of the key"},
		{"range key", "set d[1] = :n add b.b :n", []string{"a", "b"}, "One or more parameter values were invalid: Cannot update attribute b. This attribute is part of the key"},
		{"target before nested read", "set a = a.b + a[1]", []string{"a"}, "One or more parameter values were invalid: Cannot update attribute a. This attribute is part of the key"},
		{"nested read of key", "set x = a.b", []string{"a"}, "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: a"},
		{"plain read of key", "set x = a", []string{"a"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUpdate(tc.src, nil, Values{":n": attr.N("1"), ":ns": attr.NS("1")})
			require.NoError(t, err)
			err = u.CheckKeyAttributes(tc.keys...)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "ValidationException: "+tc.err)
		})
	}
}

func TestLegacyUpdate(t *testing.T) {
	const mismatch = "Type mismatch for attribute to update"
	old := attr.Item{"l": attr.L(attr.S("a")), "s": attr.S("x")}
	u := NewUpdate(mismatch, AddAction(AttrPath("l"), attr.L(attr.S("b"))), SetAction(AttrPath("t"), ValueOperand(attr.N("1"))))
	got, err := u.Apply(old)
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(attr.Item{"l": attr.L(attr.S("a"), attr.S("b")), "s": attr.S("x"), "t": attr.N("1")}, got))
	_, err = NewUpdate(mismatch, AddAction(AttrPath("s"), attr.N("1"))).Apply(old)
	require.EqualError(t, err, "ValidationException: "+mismatch)
	_, err = NewUpdate("", DeleteAction(AttrPath("s"), attr.SS("x"))).Apply(old)
	require.EqualError(t, err, "ValidationException: "+MsgIncorrectOperandType)
}

func TestUpdateRejectsMalformedLegacyPaths(t *testing.T) {
	for _, p := range []Path{nil, {Idx(0)}} {
		_, err := NewUpdate("", SetAction(p, ValueOperand(attr.N("1")))).Apply(attr.Item{})
		require.EqualError(t, err, "ValidationException: "+MsgInvalidPathForUpdate)
	}
}
