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
//   - Accepted syntax: optional sign ("+3" too), digits with an optional
//     decimal point (".123" too), optional exponent ("1e+5", "-17.4E37").
//     "0e1000" is a valid zero. "NaN", "Infinity", and text with spaces
//     (" 1", "1 ") are rejected (ScyllaDB's test/alternator/test_number.py,
//     run against DynamoDB). "1." is accepted by inference: it is valid in
//     Java's BigDecimal grammar, which every other case matches.
//   - Messages and the order of the checks, overflow then underflow then
//     precision (dynalite validations/index.js checkNum and its tests; the
//     same texts in DynamoDB Local's ErrorFactory).
//   - Read-back form: "00042" → "42", "-0" → "0", "1.5E2" → "150",
//     "1.0" → "1" (ExtendDB pull request 7, "verified against real
//     DynamoDB"); "-0015.789e6" → "-15789000" and "0001.000e-130" →
//     "0.000…0001" with 129 zeros after the point (dynalite's putItem tests);
//     "1e100" and "1.00000000000000007629769841092E+50" come back
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
	sh, err := check(text)
	if err != nil {
		return nil, err
	}
	if sh.zero() {
		return new(apd.Decimal), nil
	}
	d := new(apd.Decimal)
	if _, ok := d.Coeff.SetString(sh.digits(), 10); !ok {
		return nil, notNumeric(text)
	}
	d.Exponent = int32(sh.exp)
	d.Negative = sh.neg
	return d, nil
}

// shape describes valid number text without allocating: the mantissa (digits
// and at most one point), where its significant digits start and end, and the
// exponent of the last significant digit.
type shape struct {
	neg         bool
	mant        string
	point       int   // index of '.' in mant, or len(mant)
	first, last int   // indices of the first and last nonzero digits; first < 0 for zero
	exp         int64 // exponent of the digit at last
	hasExp      bool  // the text had an exponent part
	plus        bool  // the text had a leading '+'
}

func (sh *shape) zero() bool { return sh.first < 0 }

// ndigits returns the number of significant digits.
func (sh *shape) ndigits() int64 {
	n := int64(sh.last - sh.first + 1)
	if sh.first < sh.point && sh.point < sh.last {
		n--
	}
	return n
}

// digits returns the significant digits.
func (sh *shape) digits() string {
	if sh.first < sh.point && sh.point < sh.last {
		return sh.mant[sh.first:sh.point] + sh.mant[sh.point+1:sh.last+1]
	}
	return sh.mant[sh.first : sh.last+1]
}

// canonical reports whether the text is already in canonical form.
func (sh *shape) canonical(text string) bool {
	if sh.hasExp || sh.plus {
		return false
	}
	if sh.zero() {
		return text == "0"
	}
	if sh.point == len(sh.mant) {
		return sh.first == 0
	}
	if sh.last != len(sh.mant)-1 {
		return false
	}
	if sh.first < sh.point {
		return sh.first == 0
	}
	return sh.point == 1 && sh.mant[0] == '0'
}

// scan reads number text into a shape.
func scan(text string) (shape, bool) {
	var sh shape
	s := text
	if s == "" {
		return sh, false
	}
	switch s[0] {
	case '+':
		sh.plus = true
		s = s[1:]
	case '-':
		sh.neg = true
		s = s[1:]
	}
	sh.mant = s
	var e int64
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		sh.mant = s[:i]
		sh.hasExp = true
		var good bool
		if e, good = parseExponent(s[i+1:]); !good {
			return sh, false
		}
	}
	sh.point = len(sh.mant)
	sh.first, sh.last = -1, -1
	ndig := 0
	for i := 0; i < len(sh.mant); i++ {
		c := sh.mant[i]
		switch {
		case c == '.':
			if sh.point != len(sh.mant) {
				return sh, false
			}
			sh.point = i
		case c >= '0' && c <= '9':
			ndig++
			if c != '0' {
				if sh.first < 0 {
					sh.first = i
				}
				sh.last = i
			}
		default:
			return sh, false
		}
	}
	if ndig == 0 {
		return sh, false
	}
	if sh.zero() {
		sh.neg = false
		return sh, true
	}
	// A digit left of the point at index i has place value point-i-1; right
	// of it, point-i.
	place := int64(sh.point - sh.last)
	if sh.last < sh.point {
		place--
	}
	sh.exp = e + place
	return sh, true
}

// check scans text and applies DynamoDB's limits.
func check(text string) (shape, error) {
	sh, ok := scan(text)
	if !ok {
		return sh, notNumeric(text)
	}
	if sh.zero() {
		return sh, nil
	}
	if err := checkLimits(sh.ndigits(), sh.exp, MsgPrecision); err != nil {
		return sh, err
	}
	return sh, nil
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
	sh, err := check(text)
	if err != nil {
		return "", err
	}
	if sh.canonical(text) {
		return text, nil
	}
	if sh.zero() {
		return "0", nil
	}
	return render(sh.neg, sh.digits(), sh.exp), nil
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
	if isCanonical(a) && isCanonical(b) {
		return compareCanonical(a, b), nil
	}
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
// dynalite's item-size code uses and that its tests, run against DynamoDB,
// confirm at the 400 KB boundary.
func ByteSize(d *apd.Decimal) int {
	if d.Form != apd.Finite {
		return 1
	}
	neg, digits, exp := split(d)
	if digits == "" {
		return 1
	}
	return byteSize(neg, int64(len(digits)), exp)
}

func byteSize(neg bool, n, exp int64) int {
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

// TextByteSize returns ByteSize of number text without allocating, or 0 if
// the text is not a valid number.
func TextByteSize(text string) int {
	sh, err := check(text)
	if err != nil {
		return 0
	}
	if sh.zero() {
		return 1
	}
	return byteSize(sh.neg, sh.ndigits(), sh.exp)
}

// isCanonical reports whether text has the shape Canonical returns: an
// optional "-", an integer part without leading zeros (or a lone "0"), and
// an optional fraction without trailing zeros; "0" itself has no sign. It
// does not check DynamoDB's digit and range limits, which do not matter for
// ordering.
func isCanonical(text string) bool {
	s := text
	if s == "" {
		return false
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	intEnd := 0
	for intEnd < len(s) && s[intEnd] >= '0' && s[intEnd] <= '9' {
		intEnd++
	}
	if intEnd == 0 || (intEnd > 1 && s[0] == '0') {
		return false
	}
	if intEnd == len(s) {
		return !(neg && s == "0")
	}
	if s[intEnd] != '.' || intEnd+1 == len(s) || s[len(s)-1] == '0' {
		return false
	}
	for i := intEnd + 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareCanonical orders two canonical texts without parsing them: by sign,
// then by the length of the integer part, then digit by digit. With no
// leading zeros in the integer part and no trailing zeros in the fraction,
// plain byte order of the parts is numeric order.
func compareCanonical(a, b string) int {
	aNeg, bNeg := a[0] == '-', b[0] == '-'
	switch {
	case aNeg && !bNeg:
		return -1
	case !aNeg && bNeg:
		return 1
	case aNeg:
		return compareMagnitude(b[1:], a[1:])
	}
	return compareMagnitude(a, b)
}

func compareMagnitude(a, b string) int {
	aInt, aFrac := splitPoint(a)
	bInt, bFrac := splitPoint(b)
	if len(aInt) != len(bInt) {
		if len(aInt) < len(bInt) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(aInt, bInt); c != 0 {
		return c
	}
	return strings.Compare(aFrac, bFrac)
}

func splitPoint(s string) (intPart, frac string) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
