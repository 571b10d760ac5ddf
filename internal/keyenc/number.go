package keyenc

import "fmt"

// Number body classes: the first byte of an N component's body. Their order is
// the order of the classes.
const (
	numNegative byte = 0x01
	numZero     byte = 0x02
	numPositive byte = 0x03
)

// The normalised exponent E of a nonzero number 0.d1d2...dn × 10^E (d1 ≠ 0)
// is stored as the byte E+expBias. DynamoDB's magnitudes, 1E-130 (E = -129) to
// 9.99...E+125 (E = 126), fill the 256 values of that byte exactly.
const (
	expBias = 129
	minExp  = -129
	maxExp  = 126
)

// numTerminator ends the centimal digits of a positive number's magnitude; it
// is below every digit byte, so a shorter mantissa that is a prefix of a
// longer one sorts first, as its value does.
const numTerminator byte = 0x00

// exponentCap bounds the exponent that parsing accumulates, far beyond any
// representable number, so that huge exponent texts cannot overflow an int,
// even a 32-bit one.
const exponentCap = 1 << 24

// decimal is a parsed number: value = (neg ? -1 : 1) × 0.digits × 10^exp, with
// digits holding ASCII decimal digits without leading or trailing zeros. Zero
// has no digits.
type decimal struct {
	neg    bool
	digits []byte
	exp    int
}

// parseNumber parses decimal text of the form [+-]d*[.d*][(e|E)[+-]d+] with at
// least one mantissa digit. It appends the significant digits to buf (which it
// returns as d.digits) so callers can reuse storage.
func parseNumber(text string, buf []byte) (decimal, error) {
	var d decimal
	i := 0
	if i < len(text) && (text[i] == '+' || text[i] == '-') {
		d.neg = text[i] == '-'
		i++
	}
	mantissaDigits := 0 // digits seen in the mantissa, zeros included
	fracDigits := 0     // of which after the decimal point
	leadingZeros := 0   // zeros before the first nonzero digit
	seenPoint := false
	digits := buf[:0]
	trailingZeros := 0 // zeros seen since the last nonzero digit
scan:
	for ; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			mantissaDigits++
			if seenPoint {
				fracDigits++
			}
			if c == '0' {
				if len(digits) == 0 {
					leadingZeros++
				} else {
					trailingZeros++
				}
				continue
			}
			for ; trailingZeros > 0; trailingZeros-- {
				digits = append(digits, '0')
			}
			digits = append(digits, c)
		case c == '.' && !seenPoint:
			seenPoint = true
		default:
			break scan
		}
	}
	if mantissaDigits == 0 {
		return decimal{}, fmt.Errorf("%w: %q has no digits", ErrBadNumber, text)
	}
	exp := 0
	if i < len(text) {
		if text[i] != 'e' && text[i] != 'E' {
			return decimal{}, fmt.Errorf("%w: unexpected %q in %q", ErrBadNumber, text[i], text)
		}
		i++
		expNeg := false
		if i < len(text) && (text[i] == '+' || text[i] == '-') {
			expNeg = text[i] == '-'
			i++
		}
		if i == len(text) {
			return decimal{}, fmt.Errorf("%w: %q has an empty exponent", ErrBadNumber, text)
		}
		for ; i < len(text); i++ {
			c := text[i]
			if c < '0' || c > '9' {
				return decimal{}, fmt.Errorf("%w: unexpected %q in %q", ErrBadNumber, c, text)
			}
			if exp < exponentCap {
				exp = exp*10 + int(c-'0')
			}
		}
		if expNeg {
			exp = -exp
		}
	}
	d.digits = digits
	if len(digits) == 0 {
		d.neg = false
		return d, nil
	}
	// mantissa = int(all digits) × 10^-fracDigits; the first significant digit
	// sits at position leadingZeros, so 0.digits × 10^E with:
	d.exp = mantissaDigits - leadingZeros - fracDigits + exp
	if d.exp < minExp || d.exp > maxExp {
		return decimal{}, fmt.Errorf("%w: %q", ErrNumberRange, text)
	}
	return d, nil
}

// appendNumber appends the body of an N component (after its type tag).
//
//	zero:      0x02
//	positive:  0x03, E+129, centimal digits as bytes 1..100, 0x00
//	negative:  0x01, then the positive form's bytes after the class, each
//	           complemented (so the terminator is 0xFF)
//
// Centimal digits pair the decimal digits from the first significant one,
// padding an odd count with a final 0. The positive magnitude encoding is
// prefix-free, so complementing it exactly reverses its order.
func appendNumber(dst []byte, text string) ([]byte, error) {
	var scratch [48]byte
	d, err := parseNumber(text, scratch[:0])
	if err != nil {
		return dst, err
	}
	if len(d.digits) == 0 {
		return append(dst, numZero), nil
	}
	var flip byte
	if d.neg {
		flip = 0xFF
		dst = append(dst, numNegative)
	} else {
		dst = append(dst, numPositive)
	}
	dst = append(dst, byte(d.exp+expBias)^flip)
	for i := 0; i < len(d.digits); i += 2 {
		pair := (d.digits[i] - '0') * 10
		if i+1 < len(d.digits) {
			pair += d.digits[i+1] - '0'
		}
		dst = append(dst, (pair+1)^flip)
	}
	return append(dst, numTerminator^flip), nil
}

// decodeNumber decodes an N component body from b and returns its canonical
// text and the number of bytes read. It accepts exactly the bytes
// appendNumber produces: a normalised, trailing-zero-free mantissa.
func decodeNumber(b []byte) (string, int, error) {
	if len(b) == 0 {
		return "", 0, fmt.Errorf("%w: number class missing", ErrCorrupt)
	}
	var flip byte
	switch b[0] {
	case numZero:
		return "0", 1, nil
	case numPositive:
	case numNegative:
		flip = 0xFF
	default:
		return "", 0, fmt.Errorf("%w: bad number class 0x%02x", ErrCorrupt, b[0])
	}
	if len(b) < 2 {
		return "", 0, fmt.Errorf("%w: number exponent missing", ErrCorrupt)
	}
	exp := int(b[1]^flip) - expBias
	var scratch [48]byte
	digits := scratch[:0]
	i := 2
	for {
		if i >= len(b) {
			return "", 0, fmt.Errorf("%w: number not terminated", ErrCorrupt)
		}
		c := b[i] ^ flip
		i++
		if c == numTerminator {
			break
		}
		if c > 100 {
			return "", 0, fmt.Errorf("%w: bad centimal digit byte 0x%02x", ErrCorrupt, b[i-1])
		}
		pair := c - 1
		digits = append(digits, '0'+pair/10, '0'+pair%10)
	}
	if len(digits) == 0 {
		return "", 0, fmt.Errorf("%w: nonzero number without digits", ErrCorrupt)
	}
	if digits[0] == '0' {
		return "", 0, fmt.Errorf("%w: number mantissa not normalised", ErrCorrupt)
	}
	if digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		if digits[len(digits)-1] == '0' {
			return "", 0, fmt.Errorf("%w: number mantissa has a trailing zero digit pair", ErrCorrupt)
		}
	}
	return formatNumber(decimal{neg: flip != 0, digits: digits, exp: exp}), i, nil
}

// formatNumber renders d as canonical text, the form DynamoDB returns and
// internal/number's Canonical produces: plain notation without exponent, no
// leading zeros before the first integer digit, no trailing fractional
// zeros, "0" for zero ("-12.5", "0.001", "1000").
func formatNumber(d decimal) string {
	if len(d.digits) == 0 {
		return "0"
	}
	n := len(d.digits)
	size := n + 2
	if d.exp > n {
		size = d.exp + 1
	} else if d.exp < 0 {
		size = n - d.exp + 3
	}
	out := make([]byte, 0, size)
	if d.neg {
		out = append(out, '-')
	}
	switch {
	case d.exp <= 0:
		out = append(out, '0', '.')
		for range -d.exp {
			out = append(out, '0')
		}
		out = append(out, d.digits...)
	case d.exp >= n:
		out = append(out, d.digits...)
		for range d.exp - n {
			out = append(out, '0')
		}
	default:
		out = append(out, d.digits[:d.exp]...)
		out = append(out, '.')
		out = append(out, d.digits[d.exp:]...)
	}
	return string(out)
}
