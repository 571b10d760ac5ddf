package legacy

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// stored is the item most condition cases are evaluated against.
var stored = attr.Item{
	"pk":   attr.S("key"),
	"s":    attr.S("hello"),
	"n":    attr.N("5"),
	"b":    attr.B([]byte("hi there")),
	"t":    attr.Bool(true),
	"null": attr.Null(),
	"ss":   attr.SS("a", "b"),
	"ns":   attr.NS("1", "2"),
	"bs":   attr.BS([]byte("x"), []byte("y")),
	"l":    attr.L(attr.N("2"), attr.S("x")),
	"m":    attr.M(map[string]attr.Value{"k": attr.S("v")}),
}

func val(v attr.Value) *attr.Value { return &v }

func boolp(b bool) *bool { return &b }

// list returns a non-nil AttributeValueList, empty when no values are given.
func list(vs ...attr.Value) []attr.Value { return append([]attr.Value{}, vs...) }

func sp(s string) attr.Value { return attr.S(s) }
func np(s string) attr.Value { return attr.N(s) }
func bp(s string) attr.Value { return attr.B([]byte(s)) }

// eval evaluates a compiled condition; nil means no condition, which holds.
func eval(t *testing.T, c *expr.Condition, item attr.Item) bool {
	t.Helper()
	if c == nil {
		return true
	}
	ok, err := c.Eval(item)
	require.NoError(t, err)
	return ok
}

// requireValidation checks that err is a ValidationException with msg.
func requireValidation(t *testing.T, err error, msg string) {
	t.Helper()
	require.Error(t, err)
	var ve *dberr.ValidationException
	require.ErrorAs(t, err, &ve)
	require.Equal(t, msg, ve.Message)
}

const invalid = "One or more parameter values were invalid: "
