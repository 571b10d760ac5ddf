package itemcodec

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodeRejectsCorruptInput(t *testing.T) {
	deep := append([]byte{0x01, 0x01, 0x01, 'a'}, bytes.Repeat([]byte{tagM, 0x01, 0x01, 'm'}, MaxDepth)...)
	deep = append(deep, tagNull)
	tests := []struct {
		name string
		in   string // hex
		raw  []byte // used instead of in when set
		want error
	}{
		{name: "empty input", in: "", want: ErrTruncated},
		{name: "unknown version", in: "02 00", want: ErrVersion},
		{name: "version zero", in: "00 00", want: ErrVersion},
		{name: "version only", in: "01", want: ErrTruncated},
		{name: "count past the end", in: "01 01", want: ErrLength},
		{name: "absurd attribute count", in: "01 ffffffff0f 00", want: ErrLength},
		{name: "name length past the end", in: "01 01 05 61 01", want: ErrLength},
		{name: "value missing after name", in: "01 01 01 61", want: ErrTruncated},
		{name: "unknown tag", in: "01 01 01 61 0c", want: ErrTag},
		{name: "tag zero", in: "01 01 01 61 00", want: ErrTag},
		{name: "string length past the end", in: "01 01 01 61 01 05 61", want: ErrLength},
		{name: "absurd string length", in: "01 01 01 61 01 ffffffffffffffffff01", want: ErrLength},
		{name: "varint overflowing 64 bits", in: "01 01 01 61 01 ffffffffffffffffffff7f", want: ErrVarint},
		{name: "varint not in shortest form", in: "01 01 01 61 01 8100 61", want: ErrVarint},
		{name: "varint cut short", in: "01 01 01 61 01 ff", want: ErrTruncated},
		{name: "absurd list count", in: "01 01 01 61 08 ffffff0f", want: ErrLength},
		{name: "list element cut short", in: "01 01 01 61 08 01 01", want: ErrTruncated},
		{name: "absurd map count", in: "01 01 01 61 07 ffffff0f", want: ErrLength},
		{name: "nested map truncated", in: "01 01 01 61 07 01 01 62", want: ErrTruncated},
		{name: "set count past the end", in: "01 01 01 61 09 05 01 61", want: ErrLength},
		{name: "binary set member past the end", in: "01 01 01 61 0b 02 01 61 04 62", want: ErrLength},
		{name: "names out of order", in: "01 02 01 62 06 01 61 06", want: ErrOrder},
		{name: "duplicate names", in: "01 02 01 61 06 01 61 06", want: ErrOrder},
		{name: "nested names out of order", in: "01 01 01 61 07 02 01 7a 06 01 79 06", want: ErrOrder},
		{name: "string set out of order", in: "01 01 01 61 09 02 01 62 01 61", want: ErrOrder},
		{name: "number set out of order", in: "01 01 01 61 0a 02 03 2f 03 1f", want: ErrOrder},
		{name: "number pad nibble inside", in: "01 01 01 61 02 07 1f 2f", want: ErrNumber},
		{name: "number pad nibble in high half", in: "01 01 01 61 02 05 f1", want: ErrNumber},
		{name: "odd-length number without pad", in: "01 01 01 61 02 03 12", want: ErrNumber},
		{name: "raw number text that packs", in: "01 01 01 61 02 02 31", want: ErrNumber},
		{name: "packed number past the end", in: "01 01 01 61 02 41 12", want: ErrLength},
		{name: "raw number past the end", in: "01 01 01 61 02 40 78", want: ErrLength},
		{name: "trailing bytes", in: "01 01 01 61 06 00", want: ErrTrailing},
		{name: "nesting beyond MaxDepth", raw: deep, want: ErrTooDeep},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.raw
			if in == nil {
				in = mustHex(t, tc.in)
			}
			item, err := Decode(in)
			require.Nil(t, item)
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestDecodeValueRejectsCorruptInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty input", "", ErrTruncated},
		{"unknown version", "07 06", ErrVersion},
		{"version only", "01", ErrTruncated},
		{"unknown tag", "01 ee", ErrTag},
		{"trailing bytes", "01 06 06", ErrTrailing},
		{"truncated list", "01 08 01", ErrLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodeValue(mustHex(t, tc.in))
			require.False(t, v.IsValid())
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// TestTruncationsAndBitFlipsNeverPanic decodes every prefix of valid
// encodings and every single-bit corruption of them.
func TestTruncationsAndBitFlipsNeverPanic(t *testing.T) {
	r := newRand(13)
	for range 200 {
		enc := mustEncode(t, randomItem(r))
		for n := range len(enc) {
			_, err := Decode(enc[:n])
			require.ErrorIs(t, err, ErrCorrupt, "a proper prefix never decodes")
		}
		for i := range enc {
			for bit := range 8 {
				flipped := bytes.Clone(enc)
				flipped[i] ^= 1 << bit
				item, err := Decode(flipped)
				if err != nil {
					require.True(t, errors.Is(err, ErrCorrupt))
					continue
				}
				require.Equal(t, flipped, mustEncode(t, item), "what decodes is canonical")
			}
		}
	}
}
