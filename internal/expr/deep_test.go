package expr

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestDeepNestingParses checks that the backtracking parser stays fast on
// the deepest nesting a 4 KB expression allows.
func TestDeepNestingParses(t *testing.T) {
	tests := []struct {
		name string
		src  string
		err  string
	}{
		{"balanced condition parentheses", strings.Repeat("(", 2040) + "a = :s" + strings.Repeat(")", 2040), ce + "The expression has redundant parentheses;"},
		{"unbalanced condition parentheses", strings.Repeat("(", 4000) + "a", ce + `Syntax error; token: "<EOF>", near: "a"`},
		{"nested not", strings.Repeat("NOT (", 600) + "a = :s" + strings.Repeat(")", 600), ""},
		{"nested functions", strings.Repeat("size(", 600) + "a" + strings.Repeat(")", 600) + " = :n", ce + "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := parseAny("cond", tc.src)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, "ValidationException: "+tc.err)
		})
	}
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
