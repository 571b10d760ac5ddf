package expr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// evalItem is the item the evaluation cases read.
var evalItem = attr.Item{
	"pk":     attr.S("p1"),
	"s":      attr.S("hello world"),
	"emoji":  attr.S("é𝄞"),
	"n":      attr.N("10"),
	"neg":    attr.N("-2.5"),
	"big":    attr.N("12345678901234567890123456789012345678"),
	"b":      attr.B([]byte{1, 2, 3}),
	"t":      attr.Bool(true),
	"f":      attr.Bool(false),
	"nul":    attr.Null(),
	"ss":     attr.SS("x", "y", "z"),
	"ns":     attr.NS("1", "2.5", "100"),
	"bs":     attr.BS([]byte{1}, []byte{2, 3}),
	"l":      attr.L(attr.S("a"), attr.N("1"), attr.L(attr.S("deep"))),
	"m":      attr.M(map[string]attr.Value{"k": attr.S("v"), "n": attr.N("3"), "in2": attr.M(map[string]attr.Value{"z": attr.Bool(true)})}),
	"emptyl": attr.L(),
	"same":   attr.S("hello world"),
}

var evalValues = Values{
	":hello": attr.S("hello world"), ":he": attr.S("he"), ":wor": attr.S("wor"), ":zz": attr.S("zz"),
	":a": attr.S("a"), ":x": attr.S("x"), ":q": attr.S("q"), ":v": attr.S("v"), ":deep": attr.S("deep"),
	":n10": attr.N("10"), ":n10b": attr.N("10.000"), ":n9": attr.N("9"), ":n11": attr.N("11"), ":n1": attr.N("1"),
	":n2": attr.N("2"), ":n3": attr.N("3"), ":n0": attr.N("0"), ":n4": attr.N("4"), ":n11s": attr.N("11"), ":n2_5": attr.N("2.50"),
	":n100": attr.N("1E2"), ":neg3": attr.N("-3"), ":big": attr.N("12345678901234567890123456789012345677"),
	":s10": attr.S("10"), ":b": attr.B([]byte{1, 2, 3}), ":b12": attr.B([]byte{1, 2}), ":b2": attr.B([]byte{2}), ":b4": attr.B([]byte{4}),
	":b23": attr.B([]byte{2, 3}), ":t": attr.Bool(true), ":f": attr.Bool(false), ":null": attr.Null(),
	":ss": attr.SS("z", "y", "x"), ":ss2": attr.SS("x", "y"), ":ns": attr.NS("100", "1", "2.5"),
	":l": attr.L(attr.S("a"), attr.N("1"), attr.L(attr.S("deep"))), ":ldeep": attr.L(attr.S("deep")),
	":m":  attr.M(map[string]attr.Value{"k": attr.S("v"), "n": attr.N("3"), "in2": attr.M(map[string]attr.Value{"z": attr.Bool(true)})}),
	":tS": attr.S("S"), ":tN": attr.S("N"), ":tB": attr.S("B"), ":tBOOL": attr.S("BOOL"), ":tNULL": attr.S("NULL"),
	":tSS": attr.S("SS"), ":tNS": attr.S("NS"), ":tBS": attr.S("BS"), ":tL": attr.S("L"), ":tM": attr.S("M"),
}

func TestConditionEval(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want bool
	}{
		{"string equal", "s = :hello", true},
		{"string not equal", "s <> :hello", false},
		{"string differs", "s = :he", false},
		{"number equal", "n = :n10", true},
		{"number equal whatever the notation", "n = :n10b", true},
		{"number in exponent notation", "ns = :ns AND n < :n100", true},
		{"number less", "n < :n11", true},
		{"number not less", "n < :n10", false},
		{"number less or equal", "n <= :n10", true},
		{"number greater", "n > :n9", true},
		{"number greater or equal", "n >= :n11", false},
		{"negative numbers order numerically", "neg < :n0 AND neg > :neg3", true},
		{"38 digit numbers compare exactly", "big > :big", true},
		{"strings order by bytes", "s < :zz AND s > :he", true},
		{"binary equal", "b = :b", true},
		{"binary ordering", "b > :b12 AND b < :b2", true},
		{"different types are never equal", "n = :s10", false},
		{"different types are always not equal", "n <> :s10", true},
		{"different types never order", "n < :s10 OR n > :s10 OR n <= :s10 OR n >= :s10", false},
		{"booleans equal", "t = :t AND f = :f", true},
		{"booleans do not order", "t > f", false},
		{"null equals null", "nul = :null", true},
		{"sets equal in any order", "ss = :ss", true},
		{"number sets equal in any order", "ns = :ns", true},
		{"subset is not equal", "ss = :ss2", false},
		{"subset is not equal with <>", "ss <> :ss2", true},
		{"sets do not order", "ss > ns OR ss < ns", false},
		{"lists equal element by element", "l = :l", true},
		{"maps equal", "m = :m", true},
		{"absent attribute equals nothing", "absent = :hello", false},
		{"absent attribute is not equal", "absent <> :hello", true},
		{"two absent attributes are not equal", "absent <> gone", true},
		{"two absent attributes are not equal with =", "absent = gone", false},
		{"absent attribute does not order", "absent < :n10 OR absent >= :n10", false},
		{"two paths compare values", "s = same", true},
		{"two paths of different types", "s = n", false},
		{"nested map path", "m.k = :v", true},
		{"nested list path", "l[0] = :a AND l[1] = :n1", true},
		{"deep path", "l[2][0] = :deep AND m.in2.z = :t", true},
		{"index past the end is absent", "l[7] = :a", false},
		{"index into a map is absent", "m[0] = :v", false},
		{"key into a list is absent", "l.k = :v", false},
		{"key into a scalar is absent", "s.k = :v", false},
		{"placeholder path", "#a.k = :v", true},
		{"between inclusive low", "n BETWEEN :n10 AND :n11", true},
		{"between inclusive high", "n BETWEEN :n9 AND :n10", true},
		{"between outside", "n BETWEEN :n11 AND :n11s", false},
		{"between strings", "s BETWEEN :he AND :zz", true},
		{"between other type", "s BETWEEN :n1 AND :n11", false},
		{"between absent", "absent BETWEEN :n1 AND :n11", false},
		{"between binary", "b BETWEEN :b12 AND :b2", true},
		{"in found", "n IN (:n1, :n10)", true},
		{"in not found", "n IN (:n1, :n2)", false},
		{"in of different type", "n IN (:s10)", false},
		{"in with path operand", "s IN (:he, same)", true},
		{"in absent", "absent IN (:n1)", false},
		{"in sets", "ss IN (:ss2, :ss)", true},
		{"attribute_exists present", "attribute_exists(s)", true},
		{"attribute_exists null is present", "attribute_exists(nul)", true},
		{"attribute_exists absent", "attribute_exists(absent)", false},
		{"attribute_exists nested", "attribute_exists(m.in2.z)", true},
		{"attribute_exists nested absent", "attribute_exists(m.in2.y)", false},
		{"attribute_not_exists absent", "attribute_not_exists(absent)", true},
		{"attribute_not_exists present", "attribute_not_exists(s)", false},
		{"attribute_not_exists list element", "attribute_not_exists(l[3])", true},
		{"attribute_type S", "attribute_type(s, :tS)", true},
		{"attribute_type N", "attribute_type(n, :tN)", true},
		{"attribute_type B", "attribute_type(b, :tB)", true},
		{"attribute_type BOOL", "attribute_type(t, :tBOOL)", true},
		{"attribute_type NULL", "attribute_type(nul, :tNULL)", true},
		{"attribute_type SS", "attribute_type(ss, :tSS)", true},
		{"attribute_type NS", "attribute_type(ns, :tNS)", true},
		{"attribute_type BS", "attribute_type(bs, :tBS)", true},
		{"attribute_type L", "attribute_type(l, :tL)", true},
		{"attribute_type M", "attribute_type(m, :tM)", true},
		{"attribute_type mismatch", "attribute_type(s, :tN)", false},
		{"attribute_type absent", "attribute_type(absent, :tS)", false},
		{"attribute_type of a value", "attribute_type(:n10, :tN)", true},
		{"begins_with string", "begins_with(s, :he)", true},
		{"begins_with string not prefix", "begins_with(s, :wor)", false},
		{"begins_with whole string", "begins_with(s, :hello)", true},
		{"begins_with binary", "begins_with(b, :b12)", true},
		{"begins_with binary not prefix", "begins_with(b, :b2)", false},
		{"begins_with number attribute", "begins_with(n, :he)", false},
		{"begins_with absent", "begins_with(absent, :he)", false},
		{"contains substring", "contains(s, :wor)", true},
		{"contains no substring", "contains(s, :zz)", false},
		{"contains binary substring", "contains(b, :b23)", true},
		{"contains string set member", "contains(ss, :x)", true},
		{"contains string set non member", "contains(ss, :q)", false},
		{"contains number set member numerically", "contains(ns, :n2_5)", true},
		{"contains number set non member", "contains(ns, :n3)", false},
		{"contains binary set member", "contains(bs, :b23)", true},
		{"contains binary set non member", "contains(bs, :b4)", false},
		{"contains list element", "contains(l, :a)", true},
		{"contains list element of list type", "contains(l, :ldeep)", true},
		{"contains list non element", "contains(l, :x)", false},
		{"contains on number", "contains(n, :n1)", false},
		{"contains on map", "contains(m, :v)", false},
		{"contains absent", "contains(absent, :a)", false},
		{"contains string set of number", "contains(ss, :n1)", false},
		{"size of string", "size(s) = :n11", true},
		{"size of string counts UTF-16 code units", "size(emoji) = :n3", true},
		{"size of binary", "size(b) = :n3", true},
		{"size of string set", "size(ss) = :n3", true},
		{"size of number set", "size(ns) = :n3", true},
		{"size of binary set", "size(bs) = :n2", true},
		{"size of list", "size(l) = :n3", true},
		{"size of empty list", "size(emptyl) = :n0", true},
		{"size of map", "size(m) = :n3", true},
		{"size of number is no value", "size(n) = :n2 OR size(n) < :n100", false},
		{"size of absent", "size(absent) >= :n0", false},
		{"size of absent is not equal", "size(absent) <> :n0", true},
		{"size of nested", "size(l[2]) = :n1", true},
		{"size compared to size", "size(s) = size(same)", true},
		{"size of value", "size(:hello) = :n11", true},
		{"and both true", "s = :hello AND n = :n10", true},
		{"and one false", "s = :hello AND n = :n9", false},
		{"or one true", "s = :he OR n = :n10", true},
		{"or both false", "s = :he OR n = :n9", false},
		{"not true", "NOT s = :hello", false},
		{"not false", "NOT s = :he", true},
		{"not of absent comparison", "NOT absent = :he", true},
		{"and before or", "s = :he AND n = :n9 OR n = :n10", true},
		{"or inside parentheses", "s = :he AND (n = :n9 OR n = :n10)", false},
		{"not before and", "NOT s = :he AND n = :n10", true},
		{"not of parentheses", "NOT (s = :he OR n = :n10)", false},
		{"value on the left", ":n9 < n", true},
		{"value compared to value", ":n9 < :n10", true},
		{"reserved word through placeholder", "#s = :hello", true},
	}
	names := Names{"#a": "m", "#s": "s"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCondition(tc.src, names, evalValues)
			require.NoError(t, err)
			got, err := c.Eval(evalItem)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestConditionEvalWithoutItem(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"attribute_not_exists(pk)", true},
		{"attribute_exists(pk)", false},
		{"pk = :a", false},
		{"pk <> :a", true},
		{"NOT contains(pk, :a)", true},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			c, err := ParseCondition(tc.src, nil, evalValues)
			require.NoError(t, err)
			got, err := c.Eval(nil)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestConditionFromConstructors(t *testing.T) {
	tests := []struct {
		name string
		cond *Cond
		want bool
	}{
		{"empty and is true", And(), true},
		{"empty or is false", Or(), false},
		{"legacy EQ", Compare(EQ, PathOperand(AttrPath("n")), ValueOperand(attr.N("10"))), true},
		{"legacy NOT_CONTAINS", Not(Contains(PathOperand(AttrPath("ss")), ValueOperand(attr.S("q")))), true},
		{"legacy NULL", AttributeNotExists(AttrPath("absent")), true},
		{"legacy NOT_NULL", AttributeExists(AttrPath("s")), true},
		{"legacy BEGINS_WITH", BeginsWith(PathOperand(AttrPath("s")), ValueOperand(attr.S("hell"))), true},
		{"legacy IN", In(PathOperand(AttrPath("n")), ValueOperand(attr.N("1")), ValueOperand(attr.N("10"))), true},
		{"legacy BETWEEN", Between(PathOperand(AttrPath("n")), ValueOperand(attr.N("1")), ValueOperand(attr.N("9"))), false},
		{"attribute type", AttributeType(AttrPath("l"), attr.TypeL), true},
		{"size operand", Compare(GT, SizeOf(PathOperand(AttrPath("l"))), ValueOperand(attr.N("2"))), true},
		{"conditional operator OR", Or(Compare(EQ, PathOperand(AttrPath("n")), ValueOperand(attr.N("1"))), AttributeExists(AttrPath("t"))), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NewCondition(tc.cond).Eval(evalItem)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestConditionCheckNotKeys(t *testing.T) {
	tests := []struct {
		name string
		src  string
		keys []string
		err  string
	}{
		{"non key attributes", "a = :a AND size(b) > :n1", []string{"pk", "sk"}, ""},
		{"sort key in filter", "a = :a AND sk > :a", []string{"pk", "sk"}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{"partition key reported first", "sk > :a OR #p = :a", []string{"pk", "sk"}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk"},
		{"nested path under key", "attribute_exists(pk.x)", []string{"pk"}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: pk"},
		{"key inside size", "size(sk) = :n1", []string{"pk", "sk"}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseFilter(tc.src, Names{"#p": "pk"}, evalValues)
			require.NoError(t, err)
			err = c.CheckNotKeys("Filter Expression", tc.keys...)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "ValidationException: "+tc.err)
		})
	}
	t.Run("top level names in order", func(t *testing.T) {
		c, err := ParseCondition("b.c = :a AND (a = :a OR contains(b, :a)) AND size(l[0]) > :n1", nil, evalValues)
		require.NoError(t, err)
		require.Equal(t, []string{"b", "a", "l"}, c.TopLevelNames())
	})
}
