package keyenc

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

// TestAppendValueGolden pins the component format: these bytes are stored on
// disk, so a change here is a format change.
func TestAppendValueGolden(t *testing.T) {
	tests := []struct {
		name  string
		value attr.Value
		want  string
	}{
		{"empty string", attr.S(""), "53 0001"},
		{"string", attr.S("ab"), "53 6162 0001"},
		{"string with zero byte is escaped", attr.S("a\x00b"), "53 61 00ff 62 0001"},
		{"binary with zero and 0xff", attr.B([]byte{0x00, 0xff}), "42 00ff ff 0001"},
		{"empty binary", attr.B(nil), "42 0001"},
		{"zero", attr.N("0"), "4e 02"},
		{"one", attr.N("1"), "4e 03 82 0b 00"},
		{"minus one", attr.N("-1"), "4e 01 7d f4 ff"},
		{"odd digit count pads with zero", attr.N("123.45"), "4e 03 84 0d2333 00"},
		{"fraction", attr.N("0.05"), "4e 03 80 33 00"},
		{"smallest positive", attr.N("0." + strings.Repeat("0", 129) + "1"), "4e 03 00 0b 00"},
		{"smallest negative magnitude", attr.N("-0." + strings.Repeat("0", 129) + "1"), "4e 01 ff f4 ff"},
		{"largest positive", attr.N(strings.Repeat("9", 38) + strings.Repeat("0", 88)),
			"4e 03 ff" + strings.Repeat("64", 19) + "00"},
		{"largest negative magnitude", attr.N("-" + strings.Repeat("9", 38) + strings.Repeat("0", 88)),
			"4e 01 00" + strings.Repeat("9b", 19) + "ff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendValue(nil, tc.value)
			require.NoError(t, err)
			require.Equal(t, mustHex(t, tc.want), got)

			back, n, err := DecodeValue(got)
			require.NoError(t, err)
			require.Equal(t, len(got), n)
			require.Equal(t, tc.value.Type(), back.Type())
			require.Equal(t, tc.value.Scalar(), back.Scalar(), "these inputs are canonical")
		})
	}
}

func TestEqualNumbersEncodeIdentically(t *testing.T) {
	tests := []struct {
		name  string
		forms []string
	}{
		{"one", []string{"1", "1.0", "1.000", "01", "+1", "10E-1", "0.1e1", "0.01E+2", "100e-2", "1.", ".1e1"}},
		{"zero", []string{"0", "-0", "0.0", "000", "0e10", "-0.000E-99", "+0", ".0", "0.", "0e999999999999999999"}},
		{"negative fraction", []string{"-0.25", "-.25", "-25e-2", "-2.5E-1", "-0.2500"}},
		{"large", []string{"12300000000000000000000000000000000000000", "1.23E+40", "123e38", "0.000123E+44"}},
		{"tiny", []string{"1E-130", "0.1E-129", "10E-131", "0.0000000001E-120"}},
		{"zeros inside the mantissa stay", []string{"1001", "1.001e3", "1001.000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, err := AppendValue(nil, attr.N(tc.forms[0]))
			require.NoError(t, err)
			for _, form := range tc.forms[1:] {
				got, err := AppendValue(nil, attr.N(form))
				require.NoError(t, err, form)
				require.Equal(t, first, got, "%q and %q", tc.forms[0], form)
			}
		})
	}
}

func TestDecodeValueCanonicalText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "1"},
		{"-0", "0"},
		{"100", "100"},
		{"1E+2", "100"},
		{"0.001", "0.001"},
		{"-12.50", "-12.5"},
		{"1E-7", "0.0000001"},
		{"1.5E-12", "0.0000000000015"},
		{"1E37", "10000000000000000000000000000000000000"},
		{"-9.25E+40", "-92500000000000000000000000000000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			enc, err := AppendValue(nil, attr.N(tc.in))
			require.NoError(t, err)
			v, _, err := DecodeValue(enc)
			require.NoError(t, err)
			require.Equal(t, tc.want, v.N())
			again, err := AppendValue(nil, v)
			require.NoError(t, err)
			require.Equal(t, enc, again, "canonical text encodes to the same bytes")
		})
	}
}

func TestAppendValueRejects(t *testing.T) {
	tests := []struct {
		name  string
		value attr.Value
		want  error
	}{
		{"zero value", attr.Value{}, ErrBadType},
		{"bool", attr.Bool(true), ErrBadType},
		{"string set", attr.SS("a"), ErrBadType},
		{"empty number", attr.N(""), ErrBadNumber},
		{"sign only", attr.N("-"), ErrBadNumber},
		{"point only", attr.N("."), ErrBadNumber},
		{"letters", attr.N("12a"), ErrBadNumber},
		{"two points", attr.N("1.2.3"), ErrBadNumber},
		{"empty exponent", attr.N("1e"), ErrBadNumber},
		{"exponent sign only", attr.N("1e+"), ErrBadNumber},
		{"exponent without mantissa", attr.N("e5"), ErrBadNumber},
		{"space", attr.N(" 1"), ErrBadNumber},
		{"hex", attr.N("0x10"), ErrBadNumber},
		{"too large", attr.N("1E+126"), ErrNumberRange},
		{"too small", attr.N("9.9E-131"), ErrNumberRange},
		{"huge exponent", attr.N("1e99999999999999999999"), ErrNumberRange},
		{"huge negative exponent", attr.N("-1e-99999999999999999999"), ErrNumberRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("kept")
			got, err := AppendValue(dst, tc.value)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, []byte("kept"), got, "dst is returned unchanged")
		})
	}
}

func TestDecodeValueRejectsCorrupt(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"unknown tag", "58 0001"},
		{"string without terminator", "53 6162"},
		{"string ending in escape byte", "53 61 00"},
		{"bad escape", "53 61 0002"},
		{"number without class", "4e"},
		{"bad number class", "4e 04"},
		{"number without exponent", "4e 03"},
		{"number without terminator", "4e 03 82 0b"},
		{"number without digits", "4e 03 82 00"},
		{"centimal digit byte too large", "4e 03 82 65 00"},
		{"leading zero digit", "4e 03 82 02 00"},
		{"trailing zero pair", "4e 03 82 0b 01 00"},
		{"negative without terminator", "4e 01 7d f4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeValue(mustHex(t, tc.in))
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
}
