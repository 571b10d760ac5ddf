package itemcheck

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/number"
)

func requireValidation(t *testing.T, err error, msg string) {
	t.Helper()
	var ve *dberr.ValidationException
	require.True(t, errors.As(err, &ve), "want ValidationException, got %v", err)
	require.Equal(t, msg, ve.Message)
}

// nestMaps wraps leaf in n single-entry maps.
func nestMaps(n int, leaf attr.Value) attr.Value {
	v := leaf
	for i := 0; i < n; i++ {
		v = attr.M(map[string]attr.Value{"n": v})
	}
	return v
}

// nestLists wraps leaf in n single-element lists.
func nestLists(n int, leaf attr.Value) attr.Value {
	v := leaf
	for i := 0; i < n; i++ {
		v = attr.L(v)
	}
	return v
}

func TestItemRejects(t *testing.T) {
	cases := []struct {
		name string
		item attr.Item
		msg  string
	}{
		{"zero value", attr.Item{"a": {}}, MsgEmptyValue},
		{"zero value inside a list", attr.Item{"a": attr.L(attr.S("x"), attr.Value{})}, MsgEmptyValue},
		{"zero value inside a map", attr.Item{"a": attr.M(map[string]attr.Value{"b": {}})}, MsgEmptyValue},
		{"empty attribute name", attr.Item{"": attr.S("x")}, MsgEmptyName},
		{"attribute name of 65536 bytes", attr.Item{strings.Repeat("n", 65536): attr.S("x")}, MsgNameTooLarge},
		{"empty string set", attr.Item{"a": attr.SS()}, "One or more parameter values were invalid: An string set  may not be empty"},
		{"empty number set", attr.Item{"a": attr.NS()}, "One or more parameter values were invalid: An number set  may not be empty"},
		{"empty binary set", attr.Item{"a": attr.BS()}, "One or more parameter values were invalid: Binary sets should not be empty"},
		{"duplicate strings", attr.Item{"a": attr.SS("a", "a")}, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{"duplicate strings listed in order given", attr.Item{"a": attr.SS("x", "a", "b", "a")}, "One or more parameter values were invalid: Input collection [x, a, b, a] contains duplicates."},
		{"duplicate binaries in base64", attr.Item{"a": attr.BS([]byte("b"), []byte("b"))}, "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates."},
		{"duplicate empty binaries", attr.Item{"a": attr.BS([]byte{}, nil)}, "One or more parameter values were invalid: Input collection [, ]of type BS contains duplicates."},
		{"duplicate numbers", attr.Item{"a": attr.NS("1", "1")}, "Input collection contains duplicates"},
		{"numerically equal numbers", attr.Item{"a": attr.NS("1", "1.0")}, "Input collection contains duplicates"},
		{"numerically equal numbers in exponent form", attr.Item{"a": attr.NS("100", "2", "1E2")}, "Input collection contains duplicates"},
		{"duplicates in a large set", attr.Item{"a": attr.SS(strings.Split("a b c d e f g h i j k a", " ")...)}, "One or more parameter values were invalid: Input collection [a, b, c, d, e, f, g, h, i, j, k, a] contains duplicates."},
		{"non-numeric number", attr.Item{"a": attr.N("abc")}, "The parameter cannot be converted to a numeric value: abc"},
		{"empty number", attr.Item{"a": attr.N("")}, "The parameter cannot be converted to a numeric value"},
		{"empty number set member", attr.Item{"a": attr.NS("1", "")}, "The parameter cannot be converted to a numeric value"},
		{"non-numeric number set member", attr.Item{"a": attr.NS("1", "b")}, "The parameter cannot be converted to a numeric value: b"},
		{"number overflow", attr.Item{"a": attr.N("1E+126")}, number.MsgOverflow},
		{"number underflow", attr.Item{"a": attr.N("1E-131")}, number.MsgUnderflow},
		{"39 digits", attr.Item{"a": attr.N(strings.Repeat("1", 39))}, number.MsgPrecision},
		{"number error nested in a map in a list", attr.Item{"a": attr.L(attr.M(map[string]attr.Value{"x": attr.N("1e200")}))}, number.MsgOverflow},
		{"maps nested to level 33", attr.Item{"a": nestMaps(32, attr.S("leaf"))}, MsgNesting},
		{"lists nested to level 33", attr.Item{"a": nestLists(32, attr.N("1"))}, MsgNesting},
		{"empty map at level 33", attr.Item{"a": nestMaps(32, attr.M(nil))}, MsgNesting},
		{"nesting checked before contents", attr.Item{"a": nestLists(32, attr.N("bad"))}, MsgNesting},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Item(tc.item)
			requireValidation(t, err, tc.msg)
		})
	}
}

func TestItemReportsFirstAttributeByName(t *testing.T) {
	item := attr.Item{
		"c": attr.N("x"),
		"b": attr.SS(),
		"d": attr.NS(),
		"e": attr.M(map[string]attr.Value{"z": attr.N("z"), "y": attr.N("y")}),
	}
	for i := 0; i < 20; i++ {
		_, err := Item(item)
		requireValidation(t, err, MsgEmptyStringSet)
	}
	nested := attr.Item{"a": attr.M(map[string]attr.Value{"z": attr.N("z"), "y": attr.N("y"), "x1": attr.N("x1")})}
	for i := 0; i < 20; i++ {
		_, err := Item(nested)
		requireValidation(t, err, number.MsgNotNumeric+": x1")
	}
}

func TestItemAccepts(t *testing.T) {
	cases := []struct {
		name string
		item attr.Item
	}{
		{"every type", attr.Item{
			"s": attr.S("x"), "n": attr.N("1"), "b": attr.B([]byte{1}), "t": attr.Bool(true), "f": attr.Bool(false),
			"null": attr.Null(), "m": attr.M(map[string]attr.Value{"k": attr.S("v")}), "l": attr.L(attr.N("2")),
			"ss": attr.SS("a", "b"), "ns": attr.NS("1", "2"), "bs": attr.BS([]byte("a"), []byte("b")),
		}},
		{"empty string and binary outside keys", attr.Item{"s": attr.S(""), "b": attr.B(nil)}},
		{"empty string and binary as set members", attr.Item{"ss": attr.SS(""), "bs": attr.BS([]byte{})}},
		{"empty map and list", attr.Item{"m": attr.M(nil), "l": attr.L()}},
		{"maps nested to level 32", attr.Item{"a": nestMaps(31, attr.S("leaf"))}},
		{"lists nested to level 32", attr.Item{"a": nestLists(31, attr.N("1"))}},
		{"empty map at level 32", attr.Item{"a": nestMaps(31, attr.M(nil))}},
		{"set at level 32", attr.Item{"a": nestLists(31, attr.SS("x"))}},
		{"38 digits", attr.Item{"a": attr.N(strings.Repeat("9", 38))}},
		{"smallest magnitude", attr.Item{"a": attr.N("0." + strings.Repeat("0", 129) + "1")}},
		{"largest magnitude", attr.Item{"a": attr.N(strings.Repeat("9", 38) + strings.Repeat("0", 88))}},
		{"large set without duplicates", attr.Item{"a": attr.SS(strings.Split("a b c d e f g h i j k", " ")...)}},
		{"no attributes", attr.Item{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Item(tc.item)
			require.NoError(t, err)
			require.True(t, attr.ItemsEqual(tc.item, out))
		})
	}
}

func TestItemCanonicalisesNumbers(t *testing.T) {
	in := attr.Item{
		"pk": attr.S("k"),
		"n":  attr.N("1.50"),
		"ns": attr.NS("1E+2", "-0.0", "7"),
		"l":  attr.L(attr.S("x"), attr.N("0010")),
		"m": attr.M(map[string]attr.Value{
			"deep": attr.L(attr.M(map[string]attr.Value{"x": attr.N("-15.789e6")})),
			"same": attr.N("3"),
		}),
	}
	before := in.String()
	out, err := Item(in)
	require.NoError(t, err)
	want := attr.Item{
		"pk": attr.S("k"),
		"n":  attr.N("1.5"),
		"ns": attr.NS("100", "0", "7"),
		"l":  attr.L(attr.S("x"), attr.N("10")),
		"m": attr.M(map[string]attr.Value{
			"deep": attr.L(attr.M(map[string]attr.Value{"x": attr.N("-15789000")})),
			"same": attr.N("3"),
		}),
	}
	require.True(t, attr.ItemsEqual(want, out), "got %s", out)
	require.Equal(t, before, in.String(), "the input item must not change")
}

func TestItemReturnsInputWhenCanonical(t *testing.T) {
	in := attr.Item{"a": attr.N("1"), "b": attr.L(attr.N("2"))}
	out, err := Item(in)
	require.NoError(t, err)
	out["marker"] = attr.S("x")
	_, same := in["marker"]
	require.True(t, same, "an already canonical item is returned as is")
}

func TestItemSizeLimit(t *testing.T) {
	// "pk"+"a" = 3 bytes, "b" = 1 byte, so the string fills the rest.
	build := func(total int) attr.Item {
		return attr.Item{"pk": attr.S("a"), "b": attr.S(strings.Repeat("x", total-4))}
	}
	exact := build(MaxItemSize)
	require.Equal(t, MaxItemSize, Size(exact))
	_, err := Item(exact)
	require.NoError(t, err, "an item of exactly 400 KB is accepted")

	over := build(MaxItemSize + 1)
	require.Equal(t, MaxItemSize+1, Size(over))
	_, err = Item(over)
	requireValidation(t, err, MsgItemTooLarge)

	// Values skips the size limit.
	_, err = Values(over)
	require.NoError(t, err)

	// Attribute names count: a longer name tips the same value over.
	long := attr.Item{"pk": attr.S("a"), "bb": attr.S(strings.Repeat("x", MaxItemSize-4))}
	_, err = Item(long)
	requireValidation(t, err, MsgItemTooLarge)
}

// dynalite's putItem tests, run against DynamoDB, put items just at and just
// over the limit with a string and numbers of known size; these mirror them.
func TestItemSizeLimitWithNumbers(t *testing.T) {
	c := strings.Repeat("1", 7) + strings.Repeat("0", 119) // 1.111111E+125: 5 bytes
	key := "k"
	fill := func(n int) attr.Item {
		return attr.Item{"a": attr.S(key), "b": attr.S(strings.Repeat("a", n)), "c": attr.N(c), "d": attr.N(c)}
	}
	justFits := fill(MaxItemSize - len(key) - 14)
	require.Equal(t, MaxItemSize, Size(justFits))
	_, err := Item(justFits)
	require.NoError(t, err)
	_, err = Item(fill(MaxItemSize - len(key) - 13))
	requireValidation(t, err, MsgItemTooLarge)

	big := strings.Repeat("1", 38) + strings.Repeat("0", 88) // 20 bytes
	over := attr.Item{"a": attr.S(key), "b": attr.S(strings.Repeat("a", MaxItemSize-len(key)-22)), "c": attr.N(big)}
	require.Equal(t, MaxItemSize+1, Size(over))
	_, err = Item(over)
	requireValidation(t, err, MsgItemTooLarge)
}

func TestSize(t *testing.T) {
	cases := []struct {
		name string
		item attr.Item
		want int
	}{
		// Developer Guide, Service Quotas: "shirt-color"="R", "shirt-size"="M" is 23 bytes.
		{"developer guide example", attr.Item{"shirt-color": attr.S("R"), "shirt-size": attr.S("M")}, 23},
		{"utf-8 bytes of strings and names", attr.Item{"é": attr.S("日本")}, 2 + 6},
		{"binary raw bytes", attr.Item{"b": attr.B([]byte{0, 1, 2})}, 1 + 3},
		{"bool and null", attr.Item{"t": attr.Bool(true), "z": attr.Null()}, 2 + 2},
		{"number", attr.Item{"n": attr.N("12345")}, 1 + 4},
		{"negative number", attr.Item{"n": attr.N("-12")}, 1 + 3},
		{"zero", attr.Item{"n": attr.N("0")}, 1 + 1},
		{"number text form does not matter", attr.Item{"n": attr.N("1.2345E4")}, 1 + 4},
		{"empty list", attr.Item{"l": attr.L()}, 1 + 3},
		{"empty map", attr.Item{"m": attr.M(nil)}, 1 + 3},
		{"list counts 1 byte per element", attr.Item{"l": attr.L(attr.S("xy"))}, 1 + 3 + 1 + 2},
		{"map counts names and 1 byte per element", attr.Item{"m": attr.M(map[string]attr.Value{"ab": attr.S("xyz"), "c": attr.Bool(true)})}, 1 + 3 + (1 + 2 + 3) + (1 + 1 + 1)},
		{"string set sums members", attr.Item{"s": attr.SS("ab", "cde")}, 1 + 5},
		{"binary set sums members", attr.Item{"s": attr.BS([]byte{1}, []byte{2, 3})}, 1 + 3},
		{"number set sums members", attr.Item{"s": attr.NS("1", "12345")}, 1 + 2 + 4},
		{"mixed item", attr.Item{"id": attr.S("abc"), "n": attr.N("12345"), "flag": attr.Bool(true), "l": attr.L(attr.S("xy"))}, 5 + 5 + 5 + 7},
		{"zero value counts nothing", attr.Item{"x": {}}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Size(tc.item))
		})
	}
}

func TestValueCanonical(t *testing.T) {
	v, changed, err := Value(attr.N("1.0"))
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, "1", v.N())

	v, changed, err = Value(attr.S("x"))
	require.NoError(t, err)
	require.False(t, changed)
	require.Equal(t, "x", v.S())

	_, _, err = Value(nestMaps(32, attr.Null()))
	requireValidation(t, err, MsgNesting)
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
