package number

import (
	"errors"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

func requireValidation(t *testing.T, err error, msg string) {
	t.Helper()
	var ve *dberr.ValidationException
	require.True(t, errors.As(err, &ve), "want ValidationException, got %v", err)
	require.Equal(t, msg, ve.Message)
}

var (
	max38    = "9.9999999999999999999999999999999999999E+125"
	digits38 = strings.Repeat("9", 38)
	digits39 = strings.Repeat("9", 39)
)

func TestCanonical(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"integer stays", "42", "42"},
		{"trailing fractional zero dropped", "1.0", "1"},
		{"positive exponent expanded", "1E+2", "100"},
		{"lower-case exponent", "1.5e2", "150"},
		{"negative exponent expanded", "1.5e-3", "0.0015"},
		{"negative zero is zero", "-0", "0"},
		{"negative zero with fraction is zero", "-0.0", "0"},
		{"zero with fraction", "0.000", "0"},
		{"zero with huge exponent", "0e1000", "0"},
		{"leading zeros dropped", "00042", "42"},
		{"leading zeros before point", "0001.23", "1.23"},
		{"explicit plus sign", "+3", "3"},
		{"no integer part", ".123", "0.123"},
		{"no fraction part", "1.", "1"},
		{"negative fraction", "-7.1234", "-7.1234"},
		{"negative exponent form", "-17e5", "-1700000"},
		{"fraction keeps inner zeros", "-1.50", "-1.5"},
		{"exponent with plus", "1e+5", "100000"},
		{"avogadro", "6.02E23", "602000000000000000000000"},
		{"trailing integer zeros are not significant", "1" + strings.Repeat("0", 45), "1" + strings.Repeat("0", 45)},
		{"smallest magnitude", "1E-130", "0." + strings.Repeat("0", 129) + "1"},
		{"largest magnitude", max38, digits38 + strings.Repeat("0", 126-38)},
		{"38 digits", digits38, digits38},
		{"38 digits with trailing zeros beyond", digits38 + "000", digits38 + "000"},
		{"fraction and exponent", "-17.4E37", "-174" + strings.Repeat("0", 36)},
		{"big exponent with many digits", "1.00000000000000007629769841092E+50", "100000000000000007629769841092" + strings.Repeat("0", 21)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonical(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			d, err := Parse(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, Format(d))
		})
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name, in, msg string
	}{
		{"empty text", "", MsgNotNumeric},
		{"word", "abc", MsgNotNumeric + ": abc"},
		{"leading space", " 1", MsgNotNumeric + ":  1"},
		{"trailing space", "1 ", MsgNotNumeric + ": 1 "},
		{"NaN", "NaN", MsgNotNumeric + ": NaN"},
		{"Infinity", "Infinity", MsgNotNumeric + ": Infinity"},
		{"negative infinity", "-Infinity", MsgNotNumeric + ": -Infinity"},
		{"sign only", "-", MsgNotNumeric + ": -"},
		{"point only", ".", MsgNotNumeric + ": ."},
		{"exponent only", "e5", MsgNotNumeric + ": e5"},
		{"missing exponent digits", "1e", MsgNotNumeric + ": 1e"},
		{"two points", "1.2.3", MsgNotNumeric + ": 1.2.3"},
		{"two signs", "--1", MsgNotNumeric + ": --1"},
		{"hex", "0x10", MsgNotNumeric + ": 0x10"},
		{"exponent beyond int32", "1e2147483648", MsgNotNumeric + ": 1e2147483648"},
		{"39 digits", digits39, MsgPrecision},
		{"39 digits with fraction", "-1.23456789012345678901234567890123456789", MsgPrecision},
		{"39 digits with zeros inside", "1" + strings.Repeat("0", 37) + "1", MsgPrecision},
		{"just over the maximum", "1E+126", MsgOverflow},
		{"negative over the maximum", "-1e126", MsgOverflow},
		{"eleven e125", "11e125", MsgOverflow},
		{"overflow checked before precision", digits39 + "E+100", MsgOverflow},
		{"just under the minimum", "1E-131", MsgUnderflow},
		{"negative under the minimum", "-1e-131", MsgUnderflow},
		{"0.9e-130", "0.9e-130", MsgUnderflow},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			requireValidation(t, err, tc.msg)
			_, err = Canonical(tc.in)
			requireValidation(t, err, tc.msg)
		})
	}
}

func TestParseBoundariesAccepted(t *testing.T) {
	for _, in := range []string{max38, "-" + max38, "1E-130", "-1E-130", digits38, "1E+125", "9.99999999e125"} {
		t.Run(in, func(t *testing.T) {
			d, err := Parse(in)
			require.NoError(t, err)
			require.NoError(t, Validate(d))
		})
	}
}

func TestCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1", "1.0", 0},
		{"-0", "0", 0},
		{"2", "10", -1},
		{"-2", "-10", 1},
		{"1E-130", "0", 1},
		{"100", "1e2", 0},
		{"0.1", "0.09", 1},
	}
	for _, tc := range cases {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			got, err := Compare(tc.a, tc.b)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	_, err := Compare("x", "1")
	requireValidation(t, err, MsgNotNumeric+": x")
	_, err = Compare("1", "y")
	requireValidation(t, err, MsgNotNumeric+": y")
}

func TestAddSub(t *testing.T) {
	cases := []struct {
		name     string
		a, b     string
		sub      bool
		want     string
		errorMsg string
	}{
		{"small sum", "1", "2", false, "3", ""},
		{"exact decimal sum", "0.1", "0.2", false, "0.3", ""},
		{"exact decimal difference", "0.3", "0.1", true, "0.2", ""},
		{"large plus one", "10000000000000000000000", "1", false, "10000000000000000000001", ""},
		{"large minus one", "10000000000000000000000", "1", true, "9999999999999999999999", ""},
		{"difference to zero", "1.5", "1.50", true, "0", ""},
		{"negative result", "1", "3", true, "-2", ""},
		{"38-digit result", digits38, "-" + strings.Repeat("9", 37), false, "9" + strings.Repeat("0", 37), ""},
		{"overflow in range", max38, "1E+125", false, "", MsgOverflow},
		{"overflow of two large", "9e125", "9e125", false, "", MsgOverflow},
		{"overflow by subtracting a negative", "9e125", "-9e125", true, "", MsgOverflow},
		{"too precise sum reports overflow", "1e50", "1", false, "", MsgOverflow},
		{"too precise difference reports overflow", "1e50", "1", true, "", MsgOverflow},
		{"underflow", "1E-130", "0.9E-130", true, "", MsgUnderflow},
		{"invalid left operand", "a", "1", false, "", MsgNotNumeric + ": a"},
		{"invalid right operand", "1", "b", true, "", MsgNotNumeric + ": b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			var err error
			if tc.sub {
				got, err = Sub(tc.a, tc.b)
			} else {
				got, err = Add(tc.a, tc.b)
			}
			if tc.errorMsg != "" {
				requireValidation(t, err, tc.errorMsg)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestResultAndValidate(t *testing.T) {
	d, _, err := apd.NewFromString("1.000")
	require.NoError(t, err)
	got, err := Result(d)
	require.NoError(t, err)
	require.Equal(t, "1", got)

	tooLong, _, err := apd.NewFromString(digits39)
	require.NoError(t, err)
	_, err = Result(tooLong)
	requireValidation(t, err, MsgOverflow)
	requireValidation(t, Validate(tooLong), MsgPrecision)

	inf, _, err := apd.NewFromString("Infinity")
	require.NoError(t, err)
	_, err = Result(inf)
	requireValidation(t, err, MsgOverflow)
	requireValidation(t, Validate(inf), MsgNotNumeric+": Infinity")
	require.Equal(t, "Infinity", Format(inf))
}

func TestContextEnforcesLimits(t *testing.T) {
	var d apd.Decimal
	a, _, _ := apd.NewFromString("1e50")
	b, _, _ := apd.NewFromString("1")
	_, err := Context.Add(&d, a, b)
	require.Error(t, err, "a 51-digit sum must not round silently")
	big, _, _ := apd.NewFromString("9e125")
	_, err = Context.Add(&d, big, big)
	require.Error(t, err, "a sum above the range must fail")
	_, err = Context.Add(&d, b, b)
	require.NoError(t, err)
	require.Equal(t, "2", Format(&d))
}

func TestByteSize(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{"0", 1},
		{"-0.0", 1},
		{"1", 2},
		{"12", 2},
		{"123", 3},
		{"1234", 3},
		{"12345", 4},
		{"1.2", 3},
		{"12.3", 3},
		{"0.1", 2},
		{"0.01", 2},
		{"0.12", 2},
		{"100", 2},
		{"-1", 3},
		{"-12", 3},
		{digits38, 20},
		{"9" + digits38[1:] + "0", 21},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			require.Equal(t, tc.want, TextByteSize(tc.in))
		})
	}
	require.Equal(t, 0, TextByteSize("x"))
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"0", "-0.0", "1", "1.0", "1E+2", "1.5e-3", "0e1000", ".5", "1.", "+3",
		"-17.4E37", "NaN", " 1", "1e2147483648", max38, "1E-130", "1E-131", "1E+126", digits38, digits39, "abc", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := Parse(text)
		canon, cerr := Canonical(text)
		if err != nil {
			var ve *dberr.ValidationException
			require.True(t, errors.As(err, &ve))
			require.Error(t, cerr)
			require.Equal(t, err.Error(), cerr.Error())
			return
		}
		require.NoError(t, cerr)
		require.Equal(t, canon, Format(d))
		again, err := Canonical(canon)
		require.NoError(t, err, "canonical text %q must parse", canon)
		require.Equal(t, canon, again, "Canonical must be idempotent")
		d2, err := Parse(canon)
		require.NoError(t, err)
		require.Equal(t, 0, d.Cmp(d2))
		require.Equal(t, d.Negative, d2.Negative)
		require.Equal(t, d.Exponent, d2.Exponent)
		require.Equal(t, 0, d.Coeff.Cmp(&d2.Coeff))
		require.NoError(t, Validate(d))
		require.Equal(t, ByteSize(d), TextByteSize(text))
		require.False(t, strings.ContainsAny(canon, "eE+"), "canonical text has no exponent or plus: %q", canon)
		if canon != "0" {
			require.False(t, strings.HasPrefix(canon, "-0") && !strings.HasPrefix(canon, "-0."))
		}
	})
}
