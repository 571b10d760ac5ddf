package expr

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func TestCheckUnused(t *testing.T) {
	names := Names{"#a": "a", "#b": "b"}
	values := Values{":a": attr.S("a"), ":b": attr.S("b"), ":c": attr.S("c")}
	update, err := ParseUpdate("remove #a set b = list_append(b, if_not_exists(a, :a))", names, values)
	require.NoError(t, err)
	cond, err := ParseCondition("a = :b", names, values)
	require.NoError(t, err)
	proj, err := ParseProjection("#b", names)
	require.NoError(t, err)

	tests := []struct {
		name   string
		names  Names
		values Values
		used   []Usage
		err    string
	}{
		{"all used across expressions", names, Values{":a": attr.S("a"), ":b": attr.S("b")}, []Usage{update.Usage(), cond.Usage(), proj.Usage()}, ""},
		{"unused name", names, nil, []Usage{update.Usage(), cond.Usage()}, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"},
		{"unused names sorted", names, nil, []Usage{cond.Usage()}, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
		{"unused value", nil, values, []Usage{update.Usage(), cond.Usage()}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c}"},
		{"unused values sorted", nil, values, []Usage{update.Usage()}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :c}"},
		{"names reported before values", names, values, nil, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"},
		{"nothing given", nil, nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckUnused(tc.names, tc.values, tc.used...)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "ValidationException: "+tc.err)
		})
	}
}

func TestUsageIgnoresFailedExpressions(t *testing.T) {
	_, err := ParseCondition("#a = :a AND", Names{"#a": "a"}, Values{":a": attr.S("a")})
	require.Error(t, err)
	c, err := ParseCondition("#a = :a OR b = :a", Names{"#a": "a"}, Values{":a": attr.S("a")})
	require.NoError(t, err)
	require.True(t, c.Usage().UsesName("#a"))
	require.True(t, c.Usage().UsesValue(":a"))
	require.False(t, c.Usage().UsesName("#b"))
}

func TestCheckPlaceholders(t *testing.T) {
	tests := []struct {
		name   string
		names  Names
		values Values
		err    string
	}{
		{"absent maps", nil, nil, ""},
		{"valid keys", Names{"#a_1": "a"}, Values{":v0": attr.S("x")}, ""},
		{"empty names", Names{}, nil, "ExpressionAttributeNames must not be empty"},
		{"empty values", nil, Values{}, "ExpressionAttributeValues must not be empty"},
		{"name without hash", Names{"a": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "a"`},
		{"bare hash", Names{"#": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "#"`},
		{"name with dash", Names{"#a-b": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"`},
		{"value without colon", nil, Values{":b": attr.S("a"), "b": attr.S("a")}, `ExpressionAttributeValues contains invalid key: Syntax error; key: "b"`},
		{"value with dot", nil, Values{":a.b": attr.S("a")}, `ExpressionAttributeValues contains invalid key: Syntax error; key: ":a.b"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPlaceholders(tc.names, tc.values)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "ValidationException: "+tc.err)
		})
	}
}
