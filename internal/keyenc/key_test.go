package keyenc

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// TestKeyGolden pins whole keys, hash included. The hash values were checked
// with xxhsum -H1 on the partition key component bytes.
func TestKeyGolden(t *testing.T) {
	tests := []struct {
		name   string
		table  uint64
		pk, sk attr.Value
		want   string
	}{
		{"string partition key only", 7, attr.S("Station#1"), attr.Value{},
			"0000000000000007 240b1ad3db5363f6 53 53746174696f6e2331 0001"},
		{"string partition key and number sort key", 7, attr.S("Station#1"), attr.N("42.0"),
			"0000000000000007 240b1ad3db5363f6 53 53746174696f6e2331 0001 4e 03 83 2b 00"},
		{"number partition key and binary sort key", 1 << 40, attr.N("-1"), attr.B([]byte{0, 1}),
			"0000010000000000 eec1c058b27d1fd3 4e 01 7d f4 ff 42 00ff 01 0001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Key(tc.table, tc.pk, tc.sk)
			require.NoError(t, err)
			require.Equal(t, mustHex(t, tc.want), got)
		})
	}
}

func TestKeyRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	types := []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN}
	tables := []uint64{0, 1, 42, math.MaxUint32 + 1, math.MaxUint64}
	for range 10000 {
		table := tables[r.IntN(len(tables))]
		pk := randomValue(t, r, types[r.IntN(3)])
		var sk attr.Value
		if r.IntN(3) > 0 {
			sk = randomValue(t, r, types[r.IntN(3)])
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

		prefix, err := CollectionPrefix(table, pk)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(key, prefix))
		require.True(t, bytes.HasPrefix(key, TablePrefix(table)))
	}
}

func TestKeyEqualNumbersGiveEqualKeys(t *testing.T) {
	a, err := Key(3, attr.N("1"), attr.N("2.50"))
	require.NoError(t, err)
	b, err := Key(3, attr.N("1.0"), attr.N("25E-1"))
	require.NoError(t, err)
	require.Equal(t, a, b)
}

// TestKeyOrderWithinTable checks the key space order: table, then hash, then
// partition key, then sort key.
func TestKeyOrderWithinTable(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for range 10000 {
		ta, tb := uint64(r.IntN(3)), uint64(r.IntN(3))
		pkType := []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN}[r.IntN(3)]
		skType := []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN}[r.IntN(3)]
		pa, pb := randomValue(t, r, pkType), randomValue(t, r, pkType)
		if r.IntN(2) == 0 {
			pb = pa
		}
		sa, sb := randomValue(t, r, skType), randomValue(t, r, skType)
		ka, err := Key(ta, pa, sa)
		require.NoError(t, err)
		kb, err := Key(tb, pb, sb)
		require.NoError(t, err)

		want := sign(int(ta) - int(tb))
		if want == 0 {
			ha, hb := Hash64(mustEncode(t, pa)), Hash64(mustEncode(t, pb))
			switch {
			case ha < hb:
				want = -1
			case ha > hb:
				want = 1
			default:
				want = sign(compareValues(t, pa, pb))
				if want == 0 {
					want = sign(compareValues(t, sa, sb))
				}
			}
		}
		require.Equal(t, want, sign(bytes.Compare(ka, kb)))
	}
}

func TestKeyRejects(t *testing.T) {
	tests := []struct {
		name   string
		pk, sk attr.Value
		want   error
	}{
		{"missing partition key", attr.Value{}, attr.Value{}, ErrBadType},
		{"bool partition key", attr.Bool(true), attr.Value{}, ErrBadType},
		{"list sort key", attr.S("a"), attr.L(), ErrBadType},
		{"malformed number partition key", attr.N("1x"), attr.Value{}, ErrBadNumber},
		{"number sort key out of range", attr.S("a"), attr.N("1e200"), ErrNumberRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Key(1, tc.pk, tc.sk)
			require.ErrorIs(t, err, tc.want)
			dst, err := AppendKey([]byte("x"), 1, tc.pk, tc.sk)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, []byte("x"), dst)
		})
	}
}

func TestDecodeRejectsCorrupt(t *testing.T) {
	valid, err := Key(9, attr.S("pk"), attr.N("5"))
	require.NoError(t, err)
	badHash := bytes.Clone(valid)
	badHash[10] ^= 1
	tests := []struct {
		name string
		key  []byte
	}{
		{"empty", nil},
		{"shorter than header", valid[:15]},
		{"header only", valid[:16]},
		{"hash mismatch", badHash},
		{"truncated partition key", valid[:18]},
		{"truncated sort key", valid[:len(valid)-1]},
		{"trailing bytes", append(bytes.Clone(valid), 0x00)},
		{"bad sort key tag", append(bytes.Clone(valid[:len(valid)-5]), 'X', 0x02)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := Decode(tc.key)
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
}

func TestTablePrefix(t *testing.T) {
	require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 1, 2}, TablePrefix(0x0102))
	for _, table := range []uint64{0, 1, 255, 256, math.MaxUint64 - 1} {
		end := PrefixEnd(TablePrefix(table))
		last, err := Key(table, attr.B(bytes.Repeat([]byte{0xff}, 64)), attr.B(bytes.Repeat([]byte{0xff}, 64)))
		require.NoError(t, err)
		require.Negative(t, bytes.Compare(last, end), "table %d", table)
		require.LessOrEqual(t, bytes.Compare(end, TablePrefix(table+1)), 0, "table %d", table)
	}
	require.Nil(t, PrefixEnd(TablePrefix(math.MaxUint64)), "the last table has no upper bound")
	key, err := Key(5, attr.S("a"), attr.Value{})
	require.NoError(t, err)
	require.Equal(t, uint64(5), binary.BigEndian.Uint64(key))
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct {
		name   string
		prefix []byte
		want   []byte
	}{
		{"empty is unbounded", nil, nil},
		{"all 0xff is unbounded", []byte{0xff, 0xff}, nil},
		{"increments last byte", []byte{1, 2}, []byte{1, 3}},
		{"drops trailing 0xff", []byte{1, 0xff, 0xff}, []byte{2}},
		{"zero byte", []byte{0}, []byte{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := bytes.Clone(tc.prefix)
			require.Equal(t, tc.want, PrefixEnd(in))
			require.Equal(t, tc.prefix, in, "input is not modified")
		})
	}
}

// TestPrefixEndBoundsExtensions checks the defining property on random
// prefixes: every extension sorts below PrefixEnd, and PrefixEnd itself does
// not have the prefix.
func TestPrefixEndBoundsExtensions(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 5000 {
		prefix := randomBytes(r)
		end := PrefixEnd(prefix)
		for range 10 {
			ext := append(bytes.Clone(prefix), randomBytes(r)...)
			if end != nil {
				require.Negative(t, bytes.Compare(ext, end))
			}
		}
		if end != nil {
			require.False(t, bytes.HasPrefix(end, prefix))
			require.Positive(t, bytes.Compare(end, prefix))
		}
	}
}
