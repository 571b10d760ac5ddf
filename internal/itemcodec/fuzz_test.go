package itemcodec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func addEncodedSeeds(f *testing.F) {
	seeds := []attr.Item{
		{},
		{"pk": attr.S("a"), "n": attr.N("-1.5"), "b": attr.B([]byte{0})},
		{"m": attr.M(map[string]attr.Value{"l": attr.L(attr.Null(), attr.Bool(true))})},
		{"ss": attr.SS("x", "y"), "ns": attr.NS("1", "10"), "bs": attr.BS([]byte{1})},
		{"raw": attr.N("NaN"), "odd": attr.N("123")},
		{"deep": nest(MaxDepth-1, attr.S("leaf"))},
	}
	for _, item := range seeds {
		b, err := Encode(nil, item)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{Version, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{Version, 1, 1, 'a', tagN, 0x07, 0x1f, 0x2f})
}

// FuzzDecode feeds arbitrary bytes to Decode and DecodeValue: they never
// panic, and whatever they accept is the canonical encoding of what they
// return.
func FuzzDecode(f *testing.F) {
	addEncodedSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		item, err := Decode(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
		} else {
			again, err := Encode(nil, item)
			require.NoError(t, err)
			require.Equal(t, b, again)
			back, err := Decode(again)
			require.NoError(t, err)
			require.True(t, attr.ItemsEqual(item, back))
		}

		v, err := DecodeValue(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCorrupt)
			return
		}
		again, err := EncodeValue(nil, v)
		require.NoError(t, err)
		require.Equal(t, b, again)
	})
}

// FuzzRoundTrip builds an item from the fuzz input and checks that it
// survives encoding and that equal items encode identically.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 1, 'a', 0, 2, 'h', 'i', 1, 'b', 6, 3, 1, 'k', 8, 2, 3, 9, 2})
	f.Add([]byte{7, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6})
	f.Fuzz(func(t *testing.T, data []byte) {
		item := (&byteSource{data: data}).item()
		enc, err := Encode(nil, item)
		require.NoError(t, err)
		got, err := Decode(enc)
		require.NoError(t, err)
		require.True(t, attr.ItemsEqual(item, got), "want %v\ngot  %v", item, got)
		again, err := Encode(nil, rebuild(got))
		require.NoError(t, err)
		require.Equal(t, enc, again)
	})
}
