package itemcodec

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

func mustEncode(t testing.TB, item attr.Item) []byte {
	t.Helper()
	b, err := Encode(nil, item)
	require.NoError(t, err)
	return b
}

// requireRoundTrip encodes item, decodes it, and checks equality and that
// the decoded item re-encodes to the same bytes.
func requireRoundTrip(t testing.TB, item attr.Item) []byte {
	t.Helper()
	enc := mustEncode(t, item)
	got, err := Decode(enc)
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(item, got), "want %v\ngot  %v", item, got)
	require.Equal(t, enc, mustEncode(t, got))
	return enc
}

func TestRoundTripEveryType(t *testing.T) {
	tests := []struct {
		name  string
		value attr.Value
	}{
		{"string", attr.S("héllo\x00world")},
		{"empty string", attr.S("")},
		{"number", attr.N("-123.456E+7")},
		{"non-canonical number text is kept", attr.N("001.50")},
		{"38-digit number", attr.N("-0.12345678901234567890123456789012345678")},
		{"number text outside the nibble alphabet", attr.N("Infinity")},
		{"binary", attr.B([]byte{0, 1, 0xff})},
		{"empty binary", attr.B(nil)},
		{"true", attr.Bool(true)},
		{"false", attr.Bool(false)},
		{"null", attr.Null()},
		{"map", attr.M(map[string]attr.Value{"b": attr.N("1"), "a": attr.S("x"), "": attr.Null()})},
		{"empty map", attr.M(nil)},
		{"list", attr.L(attr.S("a"), attr.N("2"), attr.L(), attr.M(nil))},
		{"empty list", attr.L()},
		{"string set", attr.SS("b", "a", "", "c")},
		{"number set", attr.NS("10", "9", "-1.5", "1E3")},
		{"binary set", attr.BS([]byte{2}, []byte{}, []byte{1, 0})},
		{"set with duplicates is kept", attr.SS("a", "a")},
		{"empty set", attr.NS()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRoundTrip(t, attr.Item{"attr": tc.value})

			enc, err := EncodeValue(nil, tc.value)
			require.NoError(t, err)
			got, err := DecodeValue(enc)
			require.NoError(t, err)
			require.True(t, attr.Equal(tc.value, got), "want %v got %v", tc.value, got)
		})
	}
}

func TestRoundTripEmptyItem(t *testing.T) {
	enc := requireRoundTrip(t, attr.Item{})
	require.Equal(t, []byte{Version, 0}, enc)
	require.Equal(t, enc, mustEncode(t, nil), "a nil item encodes as an empty one")
}

// TestEncodingGolden pins the format version 1 bytes.
func TestEncodingGolden(t *testing.T) {
	item := attr.Item{
		"pk":  attr.S("a"),
		"n":   attr.N("-1.5"),
		"odd": attr.N("123"),
		"b":   attr.B([]byte{0xff}),
		"ok":  attr.Bool(true),
		"no":  attr.Bool(false),
		"nil": attr.Null(),
		"m":   attr.M(map[string]attr.Value{"z": attr.L(attr.Null())}),
		"ss":  attr.SS("y", "x"),
		"ns":  attr.NS("2", "10"),
		"bs":  attr.BS([]byte{1}),
		"raw": attr.N("x1"),
	}
	want := "01 0c" +
		"01 62 03 01 ff" + // b: B [ff]
		"02 6273 0b 01 01 01" + // bs: BS {01}
		"01 6d 07 01 01 7a 08 01 06" + // m: M{z: L[NULL]}
		"01 6e 02 09 b1 a5" + // n: N "-1.5" packed: b 1 a 5
		"03 6e696c 06" + // nil: NULL
		"02 6e6f 04" + // no: false
		"02 6e73 0a 02 05 10 03 2f" + // ns: NS sorted by text "10","2"
		"03 6f6464 02 07 12 3f" + // odd: N "123" packed, padded
		"02 6f6b 05" + // ok: true
		"02 706b 01 01 61" + // pk: S "a"
		"03 726177 02 04 7831" + // raw: N "x1" as raw text
		"02 7373 09 02 01 78 01 79" // ss: SS sorted "x","y"
	require.Equal(t, mustHex(t, want), mustEncode(t, item))
	requireRoundTrip(t, item)
}

func TestNumbersArePacked(t *testing.T) {
	long := "-1234567890123456789012345678901234567.8E-120"
	enc, err := EncodeValue(nil, attr.N(long))
	require.NoError(t, err)
	require.Equal(t, 1+1+1+(len(long)+1)/2, len(enc), "version, tag, header, two characters a byte")
	got, err := DecodeValue(enc)
	require.NoError(t, err)
	require.Equal(t, long, got.N())
}

func TestNestingUpToMaxDepth(t *testing.T) {
	for _, leaf := range []attr.Value{attr.S("leaf"), attr.M(nil), attr.L()} {
		deepest := nest(MaxDepth-1, leaf) // leaf at level MaxDepth
		requireRoundTrip(t, attr.Item{"deep": deepest})
		enc, err := EncodeValue(nil, deepest)
		require.NoError(t, err)
		_, err = DecodeValue(enc)
		require.NoError(t, err)

		tooDeep := nest(MaxDepth, leaf)
		_, err = Encode(nil, attr.Item{"deep": tooDeep})
		require.ErrorIs(t, err, ErrTooDeep)
		_, err = EncodeValue(nil, tooDeep)
		require.ErrorIs(t, err, ErrTooDeep)
	}
}

func TestDecodeRejectsTooDeep(t *testing.T) {
	// MaxDepth+1 lists of one element around a NULL, written by hand since
	// Encode refuses to.
	var b []byte
	b = append(b, Version, 1, 1, 'x')
	for range MaxDepth {
		b = append(b, tagL, 1)
	}
	b = append(b, tagNull)
	_, err := Decode(b)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorIs(t, err, ErrTooDeep)

	// One list fewer is fine.
	ok := append(append([]byte{Version, 1, 1, 'x'}, bytes.Repeat([]byte{tagL, 1}, MaxDepth-1)...), tagNull)
	_, err = Decode(ok)
	require.NoError(t, err)
}

func TestEncodeRejectsInvalidValue(t *testing.T) {
	dst := []byte("kept")
	got, err := Encode(dst, attr.Item{"a": attr.S("x"), "z": attr.L(attr.Value{})})
	require.ErrorIs(t, err, ErrInvalidValue)
	require.ErrorContains(t, err, `attribute "z": list element 0`)
	require.Equal(t, []byte("kept"), got)

	got, err = EncodeValue(dst, attr.Value{})
	require.ErrorIs(t, err, ErrInvalidValue)
	require.Equal(t, []byte("kept"), got)
}

func TestLargeItems(t *testing.T) {
	tests := []struct {
		name string
		item attr.Item
	}{
		{"400 KB string", attr.Item{"big": attr.S(strings.Repeat("x", 400*1024))}},
		{"400 KB binary", attr.Item{"big": attr.B(bytes.Repeat([]byte{0, 0xff}, 200*1024))}},
		{"10000 attributes", func() attr.Item {
			it := attr.Item{}
			for i := range 10000 {
				it["attr"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = attr.N("1")
			}
			return it
		}()},
		{"long list", attr.Item{"l": attr.L(func() []attr.Value {
			vs := make([]attr.Value, 50000)
			for i := range vs {
				vs[i] = attr.Bool(i%2 == 0)
			}
			return vs
		}()...)}},
		{"large number set", attr.Item{"ns": attr.NS(func() []string {
			ns := make([]string, 20000)
			for i := range ns {
				ns[i] = strings.Repeat("7", 1+i%38)
			}
			return ns
		}()...)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRoundTrip(t, tc.item)
		})
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for range 500 {
		item := randomItem(r)
		first := mustEncode(t, item)
		// The same item rebuilt: fresh maps (new iteration order) and sets in
		// reverse member order.
		again := mustEncode(t, rebuild(item))
		require.Equal(t, first, again)
	}
	a := mustEncode(t, attr.Item{"s": attr.SS("a", "b", "c"), "x": attr.N("1"), "y": attr.N("2")})
	b := mustEncode(t, attr.Item{"y": attr.N("2"), "x": attr.N("1"), "s": attr.SS("c", "a", "b")})
	require.Equal(t, a, b)
}

// rebuild copies an item value by value, reversing set members.
func rebuild(item attr.Item) attr.Item {
	out := attr.Item{}
	for k, v := range item {
		out[k] = rebuildValue(v)
	}
	return out
}

func rebuildValue(v attr.Value) attr.Value {
	switch v.Type() {
	case attr.TypeM:
		return attr.M(rebuild(v.M()))
	case attr.TypeL:
		var elems []attr.Value
		for _, e := range v.L() {
			elems = append(elems, rebuildValue(e))
		}
		return attr.L(elems...)
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		members := v.SetMembers()
		reversed := make([]string, len(members))
		for i, m := range members {
			reversed[len(members)-1-i] = m
		}
		return attr.NewSetUnchecked(v.Type(), reversed)
	}
	return v
}

func TestRandomItemsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	for range 5000 {
		requireRoundTrip(t, randomItem(r))
	}
}

func TestEncodeAppends(t *testing.T) {
	item := attr.Item{"a": attr.S("b")}
	prefix := []byte("prefix")
	out, err := Encode(bytes.Clone(prefix), item)
	require.NoError(t, err)
	require.Equal(t, prefix, out[:len(prefix)])
	require.Equal(t, mustEncode(t, item), out[len(prefix):])
}

func TestDecodeDoesNotAliasInput(t *testing.T) {
	enc := mustEncode(t, attr.Item{"s": attr.S("abc"), "b": attr.B([]byte("xyz"))})
	got, err := Decode(enc)
	require.NoError(t, err)
	for i := range enc {
		enc[i] = 0
	}
	require.Equal(t, "abc", got["s"].S())
	require.Equal(t, []byte("xyz"), got["b"].B())
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
