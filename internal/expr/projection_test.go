package expr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func TestProjectionApply(t *testing.T) {
	item := attr.Item{
		"a": attr.S("x"),
		"b": attr.N("1"),
		"m": attr.M(map[string]attr.Value{"k": attr.S("v"), "j": attr.N("2"), "n": attr.M(map[string]attr.Value{"deep": attr.Bool(true)})}),
		"l": attr.L(attr.S("l0"), attr.M(map[string]attr.Value{"x": attr.N("1"), "y": attr.N("2")}), attr.S("l2"), attr.S("l3")),
	}
	tests := []struct {
		name string
		src  string
		want attr.Item
	}{
		{"top level names", "a, b", attr.Item{"a": attr.S("x"), "b": attr.N("1")}},
		{"missing names are skipped", "a, zz", attr.Item{"a": attr.S("x")}},
		{"nothing found", "zz, yy", attr.Item{}},
		{"nested map key", "m.k", attr.Item{"m": attr.M(map[string]attr.Value{"k": attr.S("v")})}},
		{"two keys of one map merge", "m.k, m.n.deep", attr.Item{"m": attr.M(map[string]attr.Value{"k": attr.S("v"), "n": attr.M(map[string]attr.Value{"deep": attr.Bool(true)})})}},
		{"list element", "l[2]", attr.Item{"l": attr.L(attr.S("l2"))}},
		{"list elements keep index order", "l[3], l[0]", attr.Item{"l": attr.L(attr.S("l0"), attr.S("l3"))}},
		{"element past the end is skipped", "l[9], l[0]", attr.Item{"l": attr.L(attr.S("l0"))}},
		{"key inside list element", "l[1].y", attr.Item{"l": attr.L(attr.M(map[string]attr.Value{"y": attr.N("2")}))}},
		{"keys inside one element merge", "l[1].x, l[1].y", attr.Item{"l": attr.L(attr.M(map[string]attr.Value{"x": attr.N("1"), "y": attr.N("2")}))}},
		{"index into a map is skipped", "m[0]", attr.Item{}},
		{"key into a scalar is skipped", "a.b", attr.Item{}},
		{"placeholder", "#m.k", attr.Item{"m": attr.M(map[string]attr.Value{"k": attr.S("v")})}},
		{"whole map", "m", attr.Item{"m": item["m"]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseProjection(tc.src, Names{"#m": "m"})
			require.NoError(t, err)
			got := p.Apply(item)
			require.True(t, attr.ItemsEqual(tc.want, got), "want %s\ngot  %s", tc.want, got)
		})
	}
	t.Run("nil item", func(t *testing.T) {
		require.Empty(t, NewProjection(AttrPath("a")).Apply(nil))
	})
	t.Run("attributes to get", func(t *testing.T) {
		got := NewProjection(AttrPath("a"), AttrPath("zz")).Apply(item)
		require.True(t, attr.ItemsEqual(attr.Item{"a": attr.S("x")}, got))
	})
}
