package keyenc

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// parseDecimal parses number text with apd, the reference the encoding is
// checked against.
func parseDecimal(t testing.TB, text string) *apd.Decimal {
	t.Helper()
	d, _, err := apd.NewFromString(text)
	require.NoError(t, err, "reference parse of %q", text)
	return d
}

// compareValues is DynamoDB's order of two key values of one type, computed
// without this package: bytes for S and B, numeric value for N.
func compareValues(t testing.TB, a, b attr.Value) int {
	t.Helper()
	require.Equal(t, a.Type(), b.Type())
	if a.Type() == attr.TypeN {
		return parseDecimal(t, a.N()).Cmp(parseDecimal(t, b.N()))
	}
	return strings.Compare(a.Scalar(), b.Scalar())
}

// sameValue reports whether two key values are equal in DynamoDB's sense.
func sameValue(t testing.TB, a, b attr.Value) bool {
	t.Helper()
	return a.Type() == b.Type() && compareValues(t, a, b) == 0
}

func mustEncode(t testing.TB, v attr.Value) []byte {
	t.Helper()
	b, err := AppendValue(nil, v)
	require.NoError(t, err, "encode %v", v)
	return b
}

// randomNumberText returns a random number within DynamoDB's range, written in
// one of several textual forms, so that equal values arrive as different text.
func randomNumberText(r *rand.Rand) string {
	if r.IntN(20) == 0 {
		return numberForm(r, false, "", 0)
	}
	n := 1 + r.IntN(38)
	digits := make([]byte, n)
	for i := range digits {
		digits[i] = byte('0' + r.IntN(10))
	}
	digits[0] = byte('1' + r.IntN(9))
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	var exp int
	switch r.IntN(3) {
	case 0: // the whole range
		exp = minExp + r.IntN(maxExp-minExp+1)
	case 1: // near one, where most values cluster
		exp = r.IntN(9) - 4
	default: // the edges of the range
		if r.IntN(2) == 0 {
			exp = minExp + r.IntN(3)
		} else {
			exp = maxExp - r.IntN(3)
		}
	}
	return numberForm(r, r.IntN(2) == 0, string(digits), exp)
}

// numberForm writes ±0.digits × 10^exp (digits without leading or trailing
// zeros, "" for zero) in a randomly chosen notation.
func numberForm(r *rand.Rand, neg bool, digits string, exp int) string {
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	} else if r.IntN(10) == 0 {
		sb.WriteByte('+')
	}
	if digits == "" {
		sb.WriteString(strings.Repeat("0", 1+r.IntN(3)))
		if r.IntN(2) == 0 {
			sb.WriteString(".00")
		}
		return sb.String()
	}
	leading := strings.Repeat("0", r.IntN(3))
	trailing := strings.Repeat("0", r.IntN(3))
	switch r.IntN(3) {
	case 0: // 0.digits E exp
		fmt.Fprintf(&sb, "%s0.%s%sE%d", leading, digits, trailing, exp)
	case 1: // digits E (exp - len)
		fmt.Fprintf(&sb, "%s%s%se%+d", leading, digits, trailing, exp-len(digits)-len(trailing))
	default: // plain notation when it stays short, else d.ddd E
		switch {
		case exp > 0 && exp <= 45:
			if exp >= len(digits) {
				sb.WriteString(digits + strings.Repeat("0", exp-len(digits)))
			} else {
				sb.WriteString(digits[:exp] + "." + digits[exp:] + trailing)
			}
		case exp <= 0 && exp > -45:
			sb.WriteString("0." + strings.Repeat("0", -exp) + digits + trailing)
		default:
			sb.WriteString(digits[:1])
			if len(digits) > 1 {
				sb.WriteString("." + digits[1:])
			}
			sb.WriteString("E" + strconv.Itoa(exp-1))
		}
	}
	return sb.String()
}

// neighbourNumbers returns numbers next to text: the last digit nudged up
// and down, a digit appended, the sign flipped, the same value rewritten.
func neighbourNumbers(t testing.TB, r *rand.Rand, text string) []string {
	t.Helper()
	d := parseDecimal(t, text)
	if d.IsZero() {
		return []string{"0", "-0.0", "1E-130", "-1E-130"}
	}
	coeff := d.Coeff.String()
	exp := int(d.Exponent)
	var out []string
	var ctx = apd.BaseContext.WithPrecision(60)
	for _, delta := range []int64{-1, 1} {
		step := apd.New(delta, int32(exp))
		var next apd.Decimal
		_, err := ctx.Add(&next, d, step)
		require.NoError(t, err)
		out = append(out, next.Text('E'))
	}
	out = append(out,
		coeff+strconv.Itoa(r.IntN(10))+"E"+strconv.Itoa(exp-1),
		coeff+"0E"+strconv.Itoa(exp-1),
	)
	neg := *d
	neg.Negative = !neg.Negative
	out = append(out, neg.Text('E'))
	var kept []string
	for _, s := range out {
		if _, err := AppendValue(nil, attr.N(s)); err == nil {
			kept = append(kept, s)
		}
	}
	return kept
}

// randomBytes returns short byte strings over a small alphabet that includes
// 0x00, 0x01 and 0xFF, so prefixes, escapes and near-terminators are common.
func randomBytes(r *rand.Rand) []byte {
	alphabet := []byte{0x00, 0x01, 0x02, 'a', 'b', 0x7f, 0xfe, 0xff}
	b := make([]byte, r.IntN(8))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return b
}

// randomString returns short strings over a small alphabet including a zero
// byte and multi-byte UTF-8.
func randomString(r *rand.Rand) string {
	alphabet := []string{"\x00", "\x01", "a", "b", "z", "é", "€", "😀", "\u007f"}
	var sb strings.Builder
	for range r.IntN(6) {
		sb.WriteString(alphabet[r.IntN(len(alphabet))])
	}
	return sb.String()
}

func randomValue(t testing.TB, r *rand.Rand, typ attr.Type) attr.Value {
	t.Helper()
	switch typ {
	case attr.TypeS:
		return attr.S(randomString(r))
	case attr.TypeB:
		return attr.B(randomBytes(r))
	default:
		return attr.N(randomNumberText(r))
	}
}

func sign(x int) int { return cmp.Compare(x, 0) }

// requireOrder checks that the encodings of a and b compare as the values do.
func requireOrder(t testing.TB, a, b attr.Value) {
	t.Helper()
	want := sign(compareValues(t, a, b))
	got := sign(bytes.Compare(mustEncode(t, a), mustEncode(t, b)))
	require.Equal(t, want, got, "compare %v with %v", a, b)
}
