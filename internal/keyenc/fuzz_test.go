package keyenc

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// fuzzNumberText turns fuzz bytes into number text that is often not
// canonical: data[0] picks the sign and notation and, with data[1], the
// exponent; the rest (mod 10) are the digits, leading and trailing zeros
// included.
func fuzzNumberText(data []byte) string {
	if len(data) < 2 {
		return "0"
	}
	var sb strings.Builder
	if data[0]&1 != 0 {
		sb.WriteByte('-')
	}
	digits := make([]byte, 0, 40)
	for _, c := range data[2:] {
		if len(digits) == 38 {
			break
		}
		digits = append(digits, '0'+c%10)
	}
	if len(digits) == 0 {
		digits = append(digits, '0')
	}
	exp := int(data[1]) - 140 + int(data[0]>>2) // -140..178: past both ends of the range
	if data[0]&2 != 0 {
		sb.WriteString("0.")
		sb.Write(digits)
	} else {
		sb.Write(digits)
		exp -= len(digits)
	}
	sb.WriteString("E" + strconv.Itoa(exp))
	return sb.String()
}

// fuzzValue builds a key value of the kind chosen by kind%3.
func fuzzValue(kind uint8, data []byte) attr.Value {
	switch kind % 3 {
	case 0:
		return attr.S(string(data))
	case 1:
		return attr.B(data)
	default:
		return attr.N(fuzzNumberText(data))
	}
}

// inDynamoRange reports whether a number text is zero or within DynamoDB's
// magnitude range, judged by apd.
func inDynamoRange(t *testing.T, text string) bool {
	d := parseDecimal(t, text)
	if d.IsZero() {
		return true
	}
	var abs apd.Decimal
	abs.Abs(d)
	lo, _, _ := apd.NewFromString("1E-130")
	hi, _, _ := apd.NewFromString("1E+126")
	return abs.Cmp(lo) >= 0 && abs.Cmp(hi) < 0
}

// encodeOrSkip encodes v; a number outside DynamoDB's range must be rejected
// with ErrNumberRange, and then the input is skipped.
func encodeOrSkip(t *testing.T, v attr.Value) ([]byte, bool) {
	enc, err := AppendValue(nil, v)
	if v.Type() == attr.TypeN {
		inRange := inDynamoRange(t, v.N())
		if !inRange {
			require.ErrorIs(t, err, ErrNumberRange, "%s", v.N())
			return nil, false
		}
	}
	require.NoError(t, err, "%v", v)
	return enc, true
}

func FuzzKeyOrder(f *testing.F) {
	f.Add(uint8(0), []byte("a"), []byte("a\x00"), []byte("b"))
	f.Add(uint8(1), []byte{0x00, 0xff}, []byte{0x00}, []byte{})
	f.Add(uint8(2), []byte{0, 140, 1, 0}, []byte{2, 141, 1}, []byte{1, 140, 9, 9, 9})
	f.Add(uint8(2), []byte{1, 12, 1}, []byte{0, 12, 1}, []byte{0, 0})
	f.Add(uint8(2), []byte{3, 255, 9, 9, 9}, []byte{2, 11, 1}, []byte{1, 140})
	f.Fuzz(func(t *testing.T, kind uint8, a, b, c []byte) {
		va, vb, vc := fuzzValue(kind, a), fuzzValue(kind, b), fuzzValue(kind, c)
		ea, ok := encodeOrSkip(t, va)
		if !ok {
			return
		}
		eb, ok := encodeOrSkip(t, vb)
		if !ok {
			return
		}
		ec, ok := encodeOrSkip(t, vc)
		if !ok {
			return
		}
		cab := sign(compareValues(t, va, vb))
		require.Equal(t, cab, sign(bytes.Compare(ea, eb)), "%v vs %v", va, vb)

		// Composite keys compare component-wise.
		cat := func(x, y []byte) []byte { return append(bytes.Clone(x), y...) }
		require.Equal(t, cab, sign(bytes.Compare(cat(ea, ec), cat(eb, ec))))
		want := cab
		if want == 0 {
			want = sign(compareValues(t, vb, vc))
		}
		require.Equal(t, want, sign(bytes.Compare(cat(ea, eb), cat(eb, ec))))
	})
}

func FuzzKeyRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint8(0), []byte("user#1"), uint8(2), []byte{0, 140, 4, 2})
	f.Add(uint64(0), uint8(1), []byte{0, 0, 0xff}, uint8(3), []byte{})
	f.Add(uint64(1<<63), uint8(2), []byte{1, 0, 5}, uint8(1), []byte("x\x00"))
	f.Fuzz(func(t *testing.T, table uint64, pkKind uint8, pkData []byte, skKind uint8, skData []byte) {
		// Arbitrary bytes never panic the decoder; what it accepts is canonical.
		for _, raw := range [][]byte{pkData, skData, append(bytes.Clone(pkData), skData...)} {
			if tbl, pk, sk, err := Decode(raw); err == nil {
				again, err := Key(tbl, pk, sk)
				require.NoError(t, err)
				require.Equal(t, raw, again)
			} else {
				require.True(t, errors.Is(err, ErrCorrupt), "%v", err)
			}
			if v, n, err := DecodeValue(raw); err == nil {
				require.Equal(t, raw[:n], mustEncode(t, v))
			}
		}

		pk := fuzzValue(pkKind, pkData)
		if _, ok := encodeOrSkip(t, pk); !ok {
			return
		}
		var sk attr.Value
		if skKind%4 != 3 {
			sk = fuzzValue(skKind, skData)
			if _, ok := encodeOrSkip(t, sk); !ok {
				return
			}
		}
		key, err := Key(table, pk, sk)
		require.NoError(t, err)
		gotTable, gotPK, gotSK, err := Decode(key)
		require.NoError(t, err)
		require.Equal(t, table, gotTable)
		require.True(t, sameValue(t, pk, gotPK), "pk %v decoded as %v", pk, gotPK)
		if sk.IsValid() {
			require.True(t, sameValue(t, sk, gotSK), "sk %v decoded as %v", sk, gotSK)
		} else {
			require.False(t, gotSK.IsValid())
		}
		again, err := Key(gotTable, gotPK, gotSK)
		require.NoError(t, err)
		require.Equal(t, key, again)
	})
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
