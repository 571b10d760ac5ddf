package binenc

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

var errTest = errors.New("corrupt test input")

func TestRoundTrip(t *testing.T) {
	var b []byte
	b = AppendString(b, "hello")
	b = AppendBool(b, true)
	b = AppendBytes(b, []byte{0, 1, 2})
	b = append(b, 0x2a)
	d := NewDecoder(b, errTest)
	require.Equal(t, "hello", d.String("s"))
	require.Equal(t, len(b)-6, len(d.Rest()), "Rest is what follows the string")
	require.True(t, d.Bool("flag"))
	require.Equal(t, []byte{0, 1, 2}, d.CopyBytes("b"))
	require.Equal(t, byte(0x2a), d.Byte("byte"))
	d.End()
	require.NoError(t, d.Err())
}

func TestRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		input []byte
		read  func(d *Decoder)
	}{
		"truncated byte":       {nil, func(d *Decoder) { d.Byte("x") }},
		"bad boolean":          {[]byte{2}, func(d *Decoder) { d.Bool("x") }},
		"malformed varint":     {[]byte{0x80}, func(d *Decoder) { d.Uvarint("x") }},
		"non-minimal varint":   {[]byte{0x81, 0x00}, func(d *Decoder) { d.Uvarint("x") }},
		"length past the end":  {[]byte{5, 'a'}, func(d *Decoder) { d.Bytes("x") }},
		"count past the end":   {[]byte{200, 1, 0, 0}, func(d *Decoder) { d.Count("x", 2) }},
		"trailing bytes":       {[]byte{1}, func(d *Decoder) { d.End() }},
		"read after a failure": {[]byte{0x80, 1}, func(d *Decoder) { d.Uvarint("x"); d.Byte("y") }},
	} {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder(tc.input, errTest)
			tc.read(d)
			require.ErrorIs(t, d.Err(), errTest)
		})
	}
}

func TestFirstFailureSticks(t *testing.T) {
	d := NewDecoder([]byte{3}, errTest)
	require.Equal(t, byte(3), d.Byte("a"))
	require.Zero(t, d.Byte("b"))
	first := d.Err()
	d.Fail("later")
	require.Equal(t, first, d.Err())
	require.Contains(t, first.Error(), "truncated in b")
}

func TestAdoptTakesANestedFailureOnce(t *testing.T) {
	outer := NewDecoder([]byte{1}, errTest)
	inner := NewDecoder(nil, errTest)
	inner.Byte("inner field")
	require.False(t, outer.Adopt(inner))
	require.ErrorIs(t, outer.Err(), errTest)
	require.Contains(t, outer.Err().Error(), "inner field")
	clean := NewDecoder(nil, errTest)
	require.False(t, outer.Adopt(clean), "a failure already taken stays")
	fresh := NewDecoder([]byte{1}, errTest)
	require.True(t, fresh.Adopt(clean))
}
