package storagetest

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/storage"
)

// model is the reference an engine is checked against: a plain map.
type model struct {
	data map[string]string
	meta map[uint64]string
}

func (m *model) clone() *model {
	return &model{data: maps.Clone(m.data), meta: maps.Clone(m.meta)}
}

// scan returns the model's pairs in [lower, upper), in order.
func (m *model) scan(lower, upper []byte, reverse bool) []kv {
	var out []kv
	for k, v := range m.data {
		if (lower == nil || k >= string(lower)) && (upper == nil || k < string(upper)) {
			out = append(out, kv{k, v})
		}
	}
	slices.SortFunc(out, func(a, b kv) int { return bytes.Compare([]byte(a.key), []byte(b.key)) })
	if reverse {
		slices.Reverse(out)
	}
	return out
}

// randomKey draws from a small alphabet with 0x00 and 0xff so that keys
// collide, nest as prefixes and sit at the edges of the byte order.
func randomKey(rng *rand.Rand) []byte {
	const alphabet = "\x00\x01ab\xfe\xff"
	key := make([]byte, 1+rng.IntN(4))
	for i := range key {
		key[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return key
}

func randomBound(rng *rand.Rand) []byte {
	if rng.IntN(4) == 0 {
		return nil
	}
	return randomKey(rng)
}

// testRandomOpsMatchModel applies seeded random batches to the engine and to
// the model, and after each batch compares point reads, bounded scans in
// both directions, metadata, and snapshots taken earlier against the model
// as it was when they were taken.
func (s *suite) testRandomOpsMatchModel(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			e := s.engine(t)
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			m := &model{data: map[string]string{}, meta: map[uint64]string{}}
			type heldSnapshot struct {
				snap storage.Snapshot
				at   *model
			}
			var held []heldSnapshot
			defer func() {
				for _, h := range held {
					h.snap.Close()
				}
			}()
			for batchNo := range 150 {
				b := e.NewBatch()
				for range 1 + rng.IntN(12) {
					switch op := rng.IntN(10); {
					case op < 5:
						k, v := randomKey(rng), fmt.Sprintf("v%d-%d", batchNo, rng.IntN(1000))
						b.Set(k, []byte(v))
						m.data[string(k)] = v
					case op < 7:
						k := randomKey(rng)
						b.Delete(k)
						delete(m.data, string(k))
					case op < 8:
						lo, hi := randomBound(rng), randomBound(rng)
						b.DeleteRange(lo, hi)
						for _, p := range m.scan(lo, hi, false) {
							delete(m.data, p.key)
						}
					case op < 9:
						g, v := uint64(rng.IntN(5)), fmt.Sprintf("m%d", batchNo)
						b.SetMeta(g, []byte(v))
						m.meta[g] = v
					default:
						g := uint64(rng.IntN(5))
						b.DeleteMeta(g)
						delete(m.meta, g)
					}
				}
				require.NoError(t, e.Commit(b, rng.IntN(8) == 0))
				checkAgainstModel(t, rng, e, m, fmt.Sprintf("after batch %d", batchNo))
				if rng.IntN(10) == 0 {
					snap, err := e.NewSnapshot()
					require.NoError(t, err)
					held = append(held, heldSnapshot{snap, m.clone()})
				}
				for _, h := range held {
					checkReaderAgainstModel(t, rng, h.snap, h.at, fmt.Sprintf("snapshot, after batch %d", batchNo))
				}
				if len(held) > 3 {
					require.NoError(t, held[0].snap.Close())
					held = held[1:]
				}
			}
		})
	}
}

func checkAgainstModel(t *testing.T, rng *rand.Rand, e storage.Engine, m *model, when string) {
	t.Helper()
	checkReaderAgainstModel(t, rng, e, m, when)
	metas, err := e.Metas()
	require.NoError(t, err)
	got := map[uint64]string{}
	for g, v := range metas {
		got[g] = string(v)
	}
	require.Equal(t, m.meta, got, "metas %s", when)
}

func checkReaderAgainstModel(t *testing.T, rng *rand.Rand, r storage.Reader, m *model, when string) {
	t.Helper()
	for range 4 {
		lo, hi := randomBound(rng), randomBound(rng)
		reverse := rng.IntN(2) == 0
		want := m.scan(lo, hi, reverse)
		got := scan(t, r, storage.IterOptions{Lower: lo, Upper: hi, Reverse: reverse})
		require.Equal(t, want, got, "scan [%q, %q) reverse=%v %s", lo, hi, reverse, when)
	}
	for range 4 {
		k := randomKey(rng)
		v, err := r.Get(k)
		if want, ok := m.data[string(k)]; ok {
			require.NoError(t, err, "get %q %s", k, when)
			require.Equal(t, want, string(v), "get %q %s", k, when)
		} else {
			require.ErrorIs(t, err, storage.ErrNotFound, "get %q %s", k, when)
		}
	}
	for g := range uint64(5) {
		v, err := r.Meta(g)
		if want, ok := m.meta[g]; ok {
			require.NoError(t, err, "meta %d %s", g, when)
			require.Equal(t, want, string(v), "meta %d %s", g, when)
		} else {
			require.ErrorIs(t, err, storage.ErrNotFound, "meta %d %s", g, when)
		}
	}
}
