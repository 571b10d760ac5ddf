package keyenc

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

func TestEncodingOrderMatchesValueOrder(t *testing.T) {
	for _, typ := range []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN} {
		t.Run(typ.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(typ)))
			for range 20000 {
				requireOrder(t, randomValue(t, r, typ), randomValue(t, r, typ))
			}
		})
	}
}

func TestNumberOrderNearEqualValues(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	pairs := 0
	for range 5000 {
		base := randomNumberText(r)
		for _, other := range neighbourNumbers(t, r, base) {
			requireOrder(t, attr.N(base), attr.N(other))
			requireOrder(t, attr.N(other), attr.N(base))
			pairs++
		}
	}
	require.Greater(t, pairs, 4*5000*3/4, "most neighbours are in range")
}

func TestNumberOrderHandPicked(t *testing.T) {
	ascending := []string{
		"-9.9999999999999999999999999999999999999E+125",
		"-1E+125", "-100", "-99.99", "-10", "-1.0000000000000000000000000000000000001",
		"-1", "-0.99999999999999999999999999999999999999", "-0.5", "-0.1", "-0.01",
		"-1E-129", "-1E-130", "0", "1E-130", "1.1E-130", "2E-130", "1E-129",
		"0.01", "0.0100000000000000000000000000000000001", "0.1", "0.11", "0.5",
		"0.99999999999999999999999999999999999999", "1", "1.0000000000000000000000000000000000001",
		"1.01", "1.1", "2", "9", "10", "10.5", "11", "99", "100", "100.5", "101", "1E+38",
		"9.9999999999999999999999999999999999999E+125",
	}
	var encoded [][]byte
	for _, s := range ascending {
		encoded = append(encoded, mustEncode(t, attr.N(s)))
	}
	require.True(t, slices.IsSortedFunc(encoded, bytes.Compare))
	for i := 1; i < len(encoded); i++ {
		require.Negative(t, bytes.Compare(encoded[i-1], encoded[i]), "%s < %s", ascending[i-1], ascending[i])
	}
}

func TestStringAndBinaryOrderHandPicked(t *testing.T) {
	ascending := []string{"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "a", "a\x00", "a\x00\x00", "a\x01", "ab", "b", "\xff", "\xff\x00", "\xff\xff"}
	for _, typ := range []attr.Type{attr.TypeS, attr.TypeB} {
		var encoded [][]byte
		for _, s := range ascending {
			v := attr.S(s)
			if typ == attr.TypeB {
				v = attr.B([]byte(s))
			}
			encoded = append(encoded, mustEncode(t, v))
		}
		for i := 1; i < len(encoded); i++ {
			require.Negative(t, bytes.Compare(encoded[i-1], encoded[i]), "%s: %q < %q", typ, ascending[i-1], ascending[i])
		}
	}
}

// TestCompositeOrderIsComponentWise checks that concatenated components
// compare as tuples, which self-delimiting components guarantee.
func TestCompositeOrderIsComponentWise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	types := []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN}
	for range 20000 {
		pkType, skType := types[r.IntN(3)], types[r.IntN(3)]
		a1, b1 := randomValue(t, r, pkType), randomValue(t, r, pkType)
		if r.IntN(2) == 0 {
			b1 = a1
		}
		a2, b2 := randomValue(t, r, skType), randomValue(t, r, skType)
		want := sign(compareValues(t, a1, b1))
		if want == 0 {
			want = sign(compareValues(t, a2, b2))
		}
		ea := append(mustEncode(t, a1), mustEncode(t, a2)...)
		eb := append(mustEncode(t, b1), mustEncode(t, b2)...)
		require.Equal(t, want, sign(bytes.Compare(ea, eb)), "(%v,%v) vs (%v,%v)", a1, a2, b1, b2)
	}
}

func TestValueRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, typ := range []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN} {
		for range 10000 {
			v := randomValue(t, r, typ)
			enc := mustEncode(t, v)
			back, n, err := DecodeValue(append(enc, 0x42, 0x00)) // trailing bytes belong to the next component
			require.NoError(t, err)
			require.Equal(t, len(enc), n)
			require.True(t, sameValue(t, v, back), "%v decoded as %v", v, back)
			require.Equal(t, enc, mustEncode(t, back), "decoded value re-encodes identically")
		}
	}
}

// TestDecodedNumbersAreCanonical checks that decoding yields the text
// internal/number's Canonical gives, the form items are stored in.
func TestDecodedNumbersAreCanonical(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	for range 10000 {
		text := randomNumberText(r)
		want, err := number.Canonical(text)
		require.NoError(t, err, text)
		v, _, err := DecodeValue(mustEncode(t, attr.N(text)))
		require.NoError(t, err)
		require.Equal(t, want, v.N(), "decoded %q", text)
	}
}
