package keyenc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// sanityBuffer is the input of the xxHash reference implementation's sanity
// check: 101 bytes from a 32-bit generator seeded with the prime 2654435761.
func sanityBuffer() []byte {
	const prime uint32 = 2654435761
	gen := prime
	buf := make([]byte, 101)
	for i := range buf {
		buf[i] = byte(gen >> 24)
		gen *= gen
	}
	return buf
}

func sequence(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// TestXXH64ReferenceVectors pins the hash to the published xxHash64 outputs.
// The first group is the reference implementation's own sanity check; the
// second was produced with xxhsum -H1 (xxHash 0.8.1) and covers every tail
// length path around the 32-byte stripe. If this test fails, every stored key
// would move: never change the vectors, fix the hash.
func TestXXH64ReferenceVectors(t *testing.T) {
	const prime = 2654435761
	sanity := sanityBuffer()
	tests := []struct {
		name  string
		input []byte
		seed  uint64
		want  uint64
	}{
		{"empty seed 0", nil, 0, 0xEF46DB3751D8E999},
		{"empty seed prime", nil, prime, 0xAC75FDA2929B17EF},
		{"1 byte seed 0", sanity[:1], 0, 0x4FCE394CC88952D8},
		{"1 byte seed prime", sanity[:1], prime, 0x739840CB819FA723},
		{"14 bytes seed 0", sanity[:14], 0, 0xCFFA8DB881BC3A3D},
		{"14 bytes seed prime", sanity[:14], prime, 0x5B9611585EFCC9CB},
		{"101 bytes seed 0", sanity, 0, 0x0EAB543384F878AD},
		{"101 bytes seed prime", sanity, prime, 0xCAA65939306F1E21},
		{"a", []byte("a"), 0, 0xD24EC4F1A98C6E5B},
		{"abc", []byte("abc"), 0, 0x44BC2CF5AD770999},
		{"sentence", []byte("Nobody inspects the spammish repetition"), 0, 0xFBCEA83C8A378BF1},
		{"31 bytes", sequence(31), 0, 0xC346D2B59B4D8EE1},
		{"32 bytes", sequence(32), 0, 0xCBF59C5116FF32B4},
		{"33 bytes", sequence(33), 0, 0x0C535D1ACAFB8EAD},
		{"63 bytes", sequence(63), 0, 0xE26AA9E2A95F8E4F},
		{"64 bytes", sequence(64), 0, 0xF7C67301DB6713F0},
		{"100 bytes", sequence(100), 0, 0x6AC1E58032166597},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, xxh64(tc.input, tc.seed))
			if tc.seed == 0 {
				require.Equal(t, tc.want, Hash64(tc.input))
			}
		})
	}
}
