package keyenc

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// satisfies evaluates a sort key condition directly on values.
func satisfies(t testing.TB, sk attr.Value, op Op, operands []attr.Value) bool {
	t.Helper()
	if op == OpBeginsWith {
		return sk.Type() == operands[0].Type() && strings.HasPrefix(sk.Scalar(), operands[0].Scalar())
	}
	c := compareValues(t, sk, operands[0])
	switch op {
	case OpEQ:
		return c == 0
	case OpLT:
		return c < 0
	case OpLE:
		return c <= 0
	case OpGT:
		return c > 0
	case OpGE:
		return c >= 0
	case OpBetween:
		return c >= 0 && compareValues(t, sk, operands[1]) <= 0
	}
	t.Fatalf("unknown op %v", op)
	return false
}

type testKey struct {
	key    []byte
	table  uint64
	pk, sk attr.Value
}

// TestSortKeyRangeSelectsExactlyMatchingKeys checks every operator against
// direct evaluation, over keys of the target collection, of other collections
// of the same table and of the neighbouring tables.
func TestSortKeyRangeSelectsExactlyMatchingKeys(t *testing.T) {
	ops := []Op{OpEQ, OpLT, OpLE, OpGT, OpGE, OpBetween, OpBeginsWith}
	for _, skType := range []attr.Type{attr.TypeS, attr.TypeB, attr.TypeN} {
		t.Run(skType.String(), func(t *testing.T) {
			r := rand.New(rand.NewPCG(8, uint64(skType)))
			const table = 10
			pk := attr.S("collection")
			var keys []testKey
			add := func(table uint64, pk, sk attr.Value) {
				k, err := Key(table, pk, sk)
				require.NoError(t, err)
				keys = append(keys, testKey{key: k, table: table, pk: pk, sk: sk})
			}
			const stored = 200
			for range stored {
				sk := randomValue(t, r, skType)
				add(table, pk, sk)
				add(table, attr.S("other"+randomString(r)), sk)
				add(table-1, pk, sk)
				add(table+1, pk, sk)
			}
			checked := 0
			for range 200 {
				op := ops[r.IntN(len(ops))]
				if op == OpBeginsWith && skType == attr.TypeN {
					continue
				}
				operands := []attr.Value{randomValue(t, r, skType)}
				if r.IntN(2) == 0 {
					// Operands equal to a stored sort key hit the boundaries.
					operands[0] = keys[4*r.IntN(stored)].sk
				}
				if op == OpBetween {
					operands = append(operands, randomValue(t, r, skType))
					if compareValues(t, operands[0], operands[1]) > 0 {
						_, err := SortKeyRange(table, pk, op, operands...)
						require.ErrorIs(t, err, ErrBadCondition)
						operands[0], operands[1] = operands[1], operands[0]
					}
				}
				rng, err := SortKeyRange(table, pk, op, operands...)
				require.NoError(t, err)
				for _, k := range keys {
					want := k.table == table && attr.Equal(k.pk, pk) && satisfies(t, k.sk, op, operands)
					require.Equal(t, want, rng.Contains(k.key), "%s %v on %v (table %d, pk %v)", op, operands, k.sk, k.table, k.pk)
					if want {
						checked++
					}
				}
			}
			require.Greater(t, checked, 1000, "conditions matched enough keys to mean something")
		})
	}
}

func TestCollectionRangeHoldsExactlyTheCollection(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	pk := attr.N("17")
	rng, err := CollectionRange(4, pk)
	require.NoError(t, err)
	for range 2000 {
		sk := randomValue(t, r, attr.TypeB)
		in, err := Key(4, attr.N("17.00"), sk)
		require.NoError(t, err)
		require.True(t, rng.Contains(in))
		other, err := Key(4, attr.N(randomNumberText(r)), sk)
		require.NoError(t, err)
		_, otherPK, _, err := Decode(other)
		require.NoError(t, err)
		require.Equal(t, otherPK.N() == "17", rng.Contains(other))
	}
	noSortKey, err := Key(4, pk, attr.Value{})
	require.NoError(t, err)
	require.True(t, rng.Contains(noSortKey), "a table without sort key has one key per collection")
}

func TestBeginsWithByteRange(t *testing.T) {
	tests := []struct {
		name       string
		prefix     attr.Value
		wantSuffix string // bytes after the collection prefix
		wantEnd    string
	}{
		{"plain string", attr.S("ab"), "53 6162", "53 6163"},
		{"empty string selects all strings", attr.S(""), "53", "54"},
		{"zero byte is escaped", attr.B([]byte{'a', 0}), "42 61 00ff", "42 61 01"},
		{"trailing 0xff carries", attr.B([]byte{'a', 0xff}), "42 61 ff", "42 62"},
	}
	prefix, err := CollectionPrefix(1, attr.S("p"))
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng, err := SortKeyRange(1, attr.S("p"), OpBeginsWith, tc.prefix)
			require.NoError(t, err)
			require.Equal(t, append(append([]byte{}, prefix...), mustHex(t, tc.wantSuffix)...), rng.Start)
			require.Equal(t, append(append([]byte{}, prefix...), mustHex(t, tc.wantEnd)...), rng.End)
		})
	}
}

func TestSortKeyRangeRejects(t *testing.T) {
	tests := []struct {
		name     string
		op       Op
		operands []attr.Value
		want     error
	}{
		{"begins_with on a number", OpBeginsWith, []attr.Value{attr.N("1")}, ErrBadCondition},
		{"between reversed", OpBetween, []attr.Value{attr.N("5"), attr.N("3")}, ErrBadCondition},
		{"between of mixed types", OpBetween, []attr.Value{attr.S("a"), attr.B([]byte("b"))}, ErrBadCondition},
		{"between with one operand", OpBetween, []attr.Value{attr.S("a")}, ErrBadCondition},
		{"equality with two operands", OpEQ, []attr.Value{attr.S("a"), attr.S("b")}, ErrBadCondition},
		{"no operands", OpLT, nil, ErrBadCondition},
		{"unknown operator", Op(99), []attr.Value{attr.S("a")}, ErrBadCondition},
		{"operand of a non-key type", OpGT, []attr.Value{attr.Bool(true)}, ErrBadType},
		{"malformed number operand", OpGE, []attr.Value{attr.N("1..2")}, ErrBadNumber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SortKeyRange(1, attr.S("p"), tc.op, tc.operands...)
			require.ErrorIs(t, err, tc.want)
		})
	}
	_, err := SortKeyRange(1, attr.Null(), OpEQ, attr.S("a"))
	require.ErrorIs(t, err, ErrBadType, "the partition key is checked too")
}

func TestRangeEmpty(t *testing.T) {
	require.True(t, Range{Start: []byte{2}, End: []byte{2}}.Empty())
	require.True(t, Range{Start: []byte{3}, End: []byte{2}}.Empty())
	require.False(t, Range{Start: []byte{1}, End: []byte{2}}.Empty())
	require.False(t, Range{Start: []byte{0xff}}.Empty(), "nil End is unbounded")
	require.Equal(t, "begins_with", OpBeginsWith.String())
	require.Equal(t, "Op(0)", Op(0).String())
}
