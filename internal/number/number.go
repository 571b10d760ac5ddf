// Package number implements DynamoDB's number type: exact decimals of at most
// 38 significant digits whose magnitude is zero or lies between 1E-130 and
// 9.9999999999999999999999999999999999999E+125.
//
// Numbers travel as decimal text ("42", "-1.50", "6.02E23"). Parse checks the
// text against DynamoDB's rules and returns an *apd.Decimal; Canonical and
// Format give the text DynamoDB hands back when the number is read: no
// exponent, no leading or trailing zeros, "0" for every zero. Errors are
// *dberr.ValidationException values carrying DynamoDB's own messages, so a
// caller can pass them straight back to a client.
//
// The facts behind the rules (all checked against the real service by the
// sources' authors):
//
//   - Accepted syntax: optional sign, digits with an optional decimal point
//     (".123" and "1." included), optional exponent ("1e+5", "-17.4E37").
//     "0e1000" is a valid zero. "NaN", "Infinity", and text with spaces
//     (" 1", "1 ") are rejected (ScyllaDB's test/alternator/test_number.py,
//     run against DynamoDB).
//   - Messages and the order of the checks, overflow then underflow then
//     precision (dynalite validations/index.js checkNum and its tests; the
//     same texts in DynamoDB Local's ErrorFactory).
//   - Read-back form: "00042" → "42", "-0" → "0", "1.5E2" → "150",
//     "1.0" → "1" (ExtendDB pull request 7, "verified against real
//     DynamoDB"); "1e100" and "1.00000000000000007629769841092E+50" come back
//     as plain digit strings with no exponent (boto3 issues 2500 and 4636).
//   - Arithmetic (SET a = b + c, ADD): a result outside the range fails with
//     the overflow or underflow message (ExtendDB issue 94); a result that
//     would need more than 38 significant digits, such as 1E+50 + 1, fails
//     with the overflow message too, not the precision message (ScyllaDB's
//     test_update_expression_plus_imprecise records this DynamoDB quirk).
package number

import (
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// The limits of DynamoDB's number type.
const (
	// MaxDigits is the largest number of significant digits a number may have.
	MaxDigits = 38
	// MaxAdjustedExponent is the largest exponent of a number's leading digit
	// in scientific notation: 9.99...E+125.
	MaxAdjustedExponent = 125
	// MinAdjustedExponent is the smallest exponent of a nonzero number's
	// leading digit: 1E-130.
	MinAdjustedExponent = -130
)

// DynamoDB's messages for numbers it cannot store.
const (
	// MsgNotNumeric prefixes the message for text that is not a number; the
	// text follows after ": ". For empty text DynamoDB sends the prefix alone.
	MsgNotNumeric = "The parameter cannot be converted to a numeric value"
	// MsgOverflow is the message for a magnitude above 9.99...E+125, and for an
	// arithmetic result that would need more than 38 digits.
	MsgOverflow = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	// MsgUnderflow is the message for a nonzero magnitude below 1E-130.
	MsgUnderflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	// MsgPrecision is the message for number text with more than 38
	// significant digits.
	MsgPrecision = "Attempting to store more than 38 significant digits in a Number"
)

// Context is an apd context with DynamoDB's precision and exponent limits, for
// callers doing their own arithmetic. Operations that round or leave the range
// report an apd condition error, not a DynamoDB one; pass results through
// Result to get DynamoDB's message and canonical text. Do not modify it.
var Context = apd.Context{
	Precision:   MaxDigits,
	MaxExponent: MaxAdjustedExponent,
	MinExponent: MinAdjustedExponent,
	Traps:       apd.DefaultTraps | apd.Inexact,
	Rounding:    apd.RoundHalfEven,
}

// exact is wide enough that the sum or difference of any two valid numbers is
// exact: their digits span at most 125 - (-130 - 37) + 1 = 293 places.
var exact = apd.Context{
	Precision:   400,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.DefaultTraps | apd.Inexact,
}

// maxExponentText bounds the exponent part of number text. Java's BigDecimal,
// which DynamoDB's text follows, rejects exponents outside the int32 range.
const maxExponentText = 1<<31 - 1

// Parse parses DynamoDB number text and enforces DynamoDB's limits. The result
// is reduced: its coefficient has no trailing zeros, and zero is positive with
// exponent 0.
func Parse(text string) (*apd.Decimal, error) {
	neg, digits, exp, ok := scan(text)
	if !ok {
		return nil, notNumeric(text)
	}
	if digits == "" {
		return new(apd.Decimal), nil
	}
	if err := checkLimits(int64(len(digits)), exp, MsgPrecision); err != nil {
		return nil, err
	}
	d := new(apd.Decimal)
	if _, ok := d.Coeff.SetString(digits, 10); !ok {
		return nil, notNumeric(text)
	}
	d.Exponent = int32(exp)
	d.Negative = neg
	return d, nil
}

// scan splits number text into its sign, its significant digits (no leading
// or trailing zeros; empty for zero) and the exponent that goes with those
// digits, so that the value is ±digits × 10^exp.
func scan(text string) (neg bool, digits string, exp int64, ok bool) {
	s := text
	if s == "" {
		return false, "", 0, false
	}
	switch s[0] {
	case '+':
		s = s[1:]
	case '-':
		neg = true
		s = s[1:]
	}
	mantissa := s
	expText := ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mantissa, expText = s[:i], s[i+1:]
	}
	intPart, fracPart := mantissa, ""
	if i := strings.IndexByte(mantissa, '.'); i >= 0 {
		intPart, fracPart = mantissa[:i], mantissa[i+1:]
	}
	if intPart == "" && fracPart == "" {
		return false, "", 0, false
	}
	if !allDigits(intPart) || !allDigits(fracPart) {
		return false, "", 0, false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, good := parseExponent(expText)
		if !good {
			return false, "", 0, false
		}
		exp = e
	}
	// Value = (intPart fracPart) × 10^(exp - len(fracPart)). Strip zeros.
	all := intPart + fracPart
	exp -= int64(len(fracPart))
	start := 0
	for start < len(all) && all[start] == '0' {
		start++
	}
	end := len(all)
	for end > start && all[end-1] == '0' {
		end--
		exp++
	}
	digits = all[start:end]
	if digits == "" {
		return false, "", 0, true
	}
	return neg, digits, exp, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseExponent(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || !allDigits(s) {
		return 0, false
	}
	var e int64
	for i := 0; i < len(s); i++ {
		e = e*10 + int64(s[i]-'0')
		if e > maxExponentText+1 {
			return 0, false
		}
	}
	if neg {
		e = -e
	}
	if e > maxExponentText || e < -maxExponentText-1 {
		return 0, false
	}
	return e, true
}

// checkLimits applies DynamoDB's checks, in DynamoDB's order, to a nonzero
// number of ndigits significant digits whose last digit has exponent exp.
// precisionMsg is the message for too many digits.
func checkLimits(ndigits, exp int64, precisionMsg string) error {
	adjusted := exp + ndigits - 1
	switch {
	case adjusted > MaxAdjustedExponent:
		return &dberr.ValidationException{Message: MsgOverflow}
	case adjusted < MinAdjustedExponent:
		return &dberr.ValidationException{Message: MsgUnderflow}
	case ndigits > MaxDigits:
		return &dberr.ValidationException{Message: precisionMsg}
	}
	return nil
}

func notNumeric(text string) error {
	if text == "" {
		return &dberr.ValidationException{Message: MsgNotNumeric}
	}
	return &dberr.ValidationException{Message: MsgNotNumeric + ": " + text}
}

// Canonical returns the text DynamoDB returns for the number text: plain
// decimal notation without exponent, no leading zeros before the first
// significant integer digit, no trailing fractional zeros, and "0" for zero of
// any sign. "1.0" → "1", "1E+2" → "100", "1.5e-3" → "0.0015", "-0.0" → "0".
func Canonical(text string) (string, error) {
	neg, digits, exp, ok := scan(text)
	if !ok {
		return "", notNumeric(text)
	}
	if digits == "" {
		return "0", nil
	}
	if err := checkLimits(int64(len(digits)), exp, MsgPrecision); err != nil {
		return "", err
	}
	return render(neg, digits, exp), nil
}

// Format returns the canonical text of a finite decimal (see Canonical). It
// does not check DynamoDB's limits; a decimal from Parse is always within
// them. Infinities and NaNs are rendered by apd ("Infinity", "NaN").
func Format(d *apd.Decimal) string {
	if d.Form != apd.Finite {
		return d.String()
	}
	neg, digits, exp := split(d)
	if digits == "" {
		return "0"
	}
	return render(neg, digits, int64(exp))
}

// split returns a finite decimal's sign, significant digits without trailing
// zeros (empty for zero) and the exponent of the last digit.
func split(d *apd.Decimal) (neg bool, digits string, exp int64) {
	if d.Coeff.Sign() == 0 {
		return false, "", 0
	}
	digits = d.Coeff.Text(10)
	exp = int64(d.Exponent)
	end := len(digits)
	for end > 1 && digits[end-1] == '0' {
		end--
		exp++
	}
	return d.Negative, digits[:end], exp
}

// render writes ±digits × 10^exp in plain notation.
func render(neg bool, digits string, exp int64) string {
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	n := int64(len(digits))
	switch {
	case exp >= 0:
		sb.Grow(int(n + exp))
		sb.WriteString(digits)
		for i := int64(0); i < exp; i++ {
			sb.WriteByte('0')
		}
	case n+exp > 0:
		point := n + exp
		sb.WriteString(digits[:point])
		sb.WriteByte('.')
		sb.WriteString(digits[point:])
	default:
		sb.WriteString("0.")
		for i := int64(0); i < -(n + exp); i++ {
			sb.WriteByte('0')
		}
		sb.WriteString(digits)
	}
	return sb.String()
}

// Compare parses two number texts and returns -1, 0 or +1 as a is less than,
// equal to or greater than b.
func Compare(a, b string) (int, error) {
	x, err := Parse(a)
	if err != nil {
		return 0, err
	}
	y, err := Parse(b)
	if err != nil {
		return 0, err
	}
	return x.Cmp(y), nil
}

// Add returns the canonical text of a + b, computed exactly. A sum outside
// DynamoDB's range, or one that needs more than 38 significant digits, fails
// with the ValidationException DynamoDB returns for that update.
func Add(a, b string) (string, error) {
	return arith(a, b, false)
}

// Sub returns the canonical text of a - b, computed exactly, with the same
// errors as Add.
func Sub(a, b string) (string, error) {
	return arith(a, b, true)
}

func arith(a, b string, subtract bool) (string, error) {
	x, err := Parse(a)
	if err != nil {
		return "", err
	}
	y, err := Parse(b)
	if err != nil {
		return "", err
	}
	var sum apd.Decimal
	if subtract {
		_, err = exact.Sub(&sum, x, y)
	} else {
		_, err = exact.Add(&sum, x, y)
	}
	if err != nil {
		// Unreachable for valid operands: exact has room for every sum.
		return "", &dberr.ValidationException{Message: MsgOverflow}
	}
	return Result(&sum)
}

// Result checks a computed decimal, such as the outcome of arithmetic in an
// update expression, against DynamoDB's limits and returns its canonical
// text. Unlike Parse it reports too many significant digits with the
// overflow message, as DynamoDB does for arithmetic.
func Result(d *apd.Decimal) (string, error) {
	if d.Form != apd.Finite {
		return "", &dberr.ValidationException{Message: MsgOverflow}
	}
	neg, digits, exp := split(d)
	if digits == "" {
		return "0", nil
	}
	if err := checkLimits(int64(len(digits)), exp, MsgOverflow); err != nil {
		return "", err
	}
	return render(neg, digits, exp), nil
}

// Validate checks a decimal against DynamoDB's limits for stored numbers,
// with the messages Parse uses.
func Validate(d *apd.Decimal) error {
	if d.Form != apd.Finite {
		return notNumeric(d.String())
	}
	_, digits, exp := split(d)
	if digits == "" {
		return nil
	}
	return checkLimits(int64(len(digits)), exp, MsgPrecision)
}

// ByteSize returns the number of bytes DynamoDB counts for a number's value
// in an item's size (the attribute name is counted separately). DynamoDB
// stores a number as one exponent byte followed by its significant digits in
// base-100 pairs aligned on the decimal point, plus one terminating byte for
// negative numbers; zero takes one byte. So 12 takes 2 bytes, 1.2 takes 3
// (pairs "01" "20"), -12 takes 3. The Developer Guide's approximation is
// "1 byte per two significant digits + 1 byte"; this is the exact form that
// dynalite's item-size code uses and checks against DynamoDB's consumed
// capacity.
func ByteSize(d *apd.Decimal) int {
	if d.Form != apd.Finite {
		return 1
	}
	neg, digits, exp := split(d)
	if digits == "" {
		return 1
	}
	n := int64(len(digits))
	adjusted := exp + n - 1
	pairs := (n + 1) / 2
	// A leading digit at an even power of ten sits alone in its pair, which
	// costs an extra pair when the digit count is even.
	if n%2 == 0 && adjusted%2 == 0 {
		pairs++
	}
	size := 1 + pairs
	if neg {
		size++
	}
	return int(size)
}

// TextByteSize returns ByteSize of number text, or 0 if the text is not a
// valid number.
func TextByteSize(text string) int {
	d, err := Parse(text)
	if err != nil {
		return 0
	}
	return ByteSize(d)
}
