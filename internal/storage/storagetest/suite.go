// Package storagetest holds the conformance suite and the benchmarks that
// every storage.Engine must pass; dynamotest.TestStorage exports the suite to
// implementers of custom engines. It lives apart from dynamotest so that the
// built-in engines can run it without depending on the root package.
package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/storage"
)

// Options adds optional parts to the suite.
type Options struct {
	// OpenDir, when set, marks the engine durable: it opens an engine whose
	// data live in dir, finding there what an engine opened on dir before
	// wrote. The suite's reopen tests use it with a fresh t.TempDir().
	OpenDir func(t *testing.T, dir string) storage.Engine
}

// waitLimit bounds how long the suite waits for an operation that must not
// block (a write during an open snapshot) before it fails the test rather
// than hang.
const waitLimit = 30 * time.Second

// writeEvery is how many keys the iterate-while-writing tests step between
// writes: enough writes to matter, few enough to stay fast on engines that
// sync every commit.
const writeEvery = 16

// Run runs the conformance suite against engines made by open, each a new,
// empty engine. The suite closes every engine it opens.
func Run(t *testing.T, open func(t *testing.T) storage.Engine, opts Options) {
	s := &suite{open: open, opts: opts}
	t.Run("GetSetDelete", s.testGetSetDelete)
	t.Run("InvalidKeys", s.testInvalidKeys)
	t.Run("BatchOrder", s.testBatchOrder)
	t.Run("BatchLenSizeReset", s.testBatchLenSizeReset)
	t.Run("BatchAtomicForReaders", s.testBatchAtomicForReaders)
	t.Run("Iterate", s.testIterate)
	t.Run("IterateManyKeys", s.testIterateManyKeys)
	t.Run("IteratorLifecycle", s.testIteratorLifecycle)
	t.Run("SnapshotIsolation", s.testSnapshotIsolation)
	t.Run("SnapshotIterStableWhileWriting", s.testSnapshotIterStableWhileWriting)
	t.Run("LiveIterWhileWriting", s.testLiveIterWhileWriting)
	t.Run("Meta", s.testMeta)
	t.Run("MetaAtomicWithData", s.testMetaAtomicWithData)
	t.Run("DeleteRange", s.testDeleteRange)
	t.Run("ApproximateSize", s.testApproximateSize)
	t.Run("Closed", s.testClosed)
	t.Run("Copies", s.testCopies)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("ExportIngest", s.testExportIngest)
	t.Run("IngestCorrupt", s.testIngestCorrupt)
	t.Run("RandomOpsMatchModel", s.testRandomOpsMatchModel)
	if opts.OpenDir != nil {
		t.Run("Reopen", s.testReopen)
	}
}

type suite struct {
	open func(t *testing.T) storage.Engine
	opts Options
}

// engine opens a new engine and closes it at the end of the test.
func (s *suite) engine(t *testing.T) storage.Engine {
	t.Helper()
	e := s.open(t)
	require.NotNil(t, e)
	t.Cleanup(func() {
		if err := e.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
			t.Errorf("close engine: %v", err)
		}
	})
	return e
}

// kv is one expected key/value pair.
type kv struct{ key, value string }

func commit(t *testing.T, e storage.Engine, sync bool, fill func(b storage.Batch)) {
	t.Helper()
	b := e.NewBatch()
	fill(b)
	require.NoError(t, e.Commit(b, sync))
}

func set(t *testing.T, e storage.Engine, pairs ...kv) {
	t.Helper()
	commit(t, e, false, func(b storage.Batch) {
		for _, p := range pairs {
			b.Set([]byte(p.key), []byte(p.value))
		}
	})
}

// scan returns every pair of r in opts' bounds and order.
func scan(t *testing.T, r storage.Reader, opts storage.IterOptions) []kv {
	t.Helper()
	it, err := r.NewIter(opts)
	require.NoError(t, err)
	var out []kv
	for it.Next() {
		out = append(out, kv{string(it.Key()), string(it.Value())})
	}
	require.NoError(t, it.Err())
	require.NoError(t, it.Close())
	return out
}

func requireValue(t *testing.T, r storage.Reader, key, want string) {
	t.Helper()
	got, err := r.Get([]byte(key))
	require.NoError(t, err, "get %q", key)
	require.Equal(t, want, string(got), "value of %q", key)
}

func requireMissing(t *testing.T, r storage.Reader, key string) {
	t.Helper()
	_, err := r.Get([]byte(key))
	require.ErrorIs(t, err, storage.ErrNotFound, "get %q", key)
}

func (s *suite) testGetSetDelete(t *testing.T) {
	e := s.engine(t)
	requireMissing(t, e, "a")

	set(t, e, kv{"a", "1"}, kv{"b", "2"})
	requireValue(t, e, "a", "1")
	requireValue(t, e, "b", "2")

	set(t, e, kv{"a", "one"})
	requireValue(t, e, "a", "one")

	commit(t, e, true, func(b storage.Batch) { b.Delete([]byte("a")) })
	requireMissing(t, e, "a")
	requireValue(t, e, "b", "2")

	// Deleting a missing key is not an error.
	commit(t, e, false, func(b storage.Batch) { b.Delete([]byte("never")) })

	// An empty value is a value, not a missing key.
	commit(t, e, false, func(b storage.Batch) {
		b.Set([]byte("empty"), nil)
		b.Set([]byte("empty2"), []byte{})
	})
	for _, key := range []string{"empty", "empty2"} {
		got, err := e.Get([]byte(key))
		require.NoError(t, err)
		require.Empty(t, got)
	}

	// An empty commit is fine.
	require.NoError(t, e.Commit(e.NewBatch(), true))

	// Get of an empty key finds nothing (no empty key can be stored).
	_, err := e.Get(nil)
	require.ErrorIs(t, err, storage.ErrNotFound)

	// Values up to large sizes round-trip.
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	commit(t, e, false, func(b storage.Batch) { b.Set([]byte("big"), big) })
	got, err := e.Get([]byte("big"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(big, got), "1 MiB value round-trips")
}

func (s *suite) testInvalidKeys(t *testing.T) {
	tests := []struct {
		name string
		fill func(b storage.Batch)
		want error
	}{
		{"empty key in Set", func(b storage.Batch) { b.Set(nil, []byte("v")) }, storage.ErrInvalidKey},
		{"empty key in Delete", func(b storage.Batch) { b.Delete([]byte{}) }, storage.ErrInvalidKey},
		{"key over MaxKeySize in Set", func(b storage.Batch) {
			b.Set(make([]byte, storage.MaxKeySize+1), []byte("v"))
		}, storage.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.engine(t)
			set(t, e, kv{"keep", "old"})
			b := e.NewBatch()
			b.Set([]byte("valid"), []byte("v"))
			b.SetMeta(1, []byte("m"))
			b.Delete([]byte("keep"))
			tt.fill(b)
			b.Set([]byte("after"), []byte("v"))
			err := e.Commit(b, true)
			require.ErrorIs(t, err, tt.want)
			// Nothing of the refused batch is applied.
			requireMissing(t, e, "valid")
			requireMissing(t, e, "after")
			requireValue(t, e, "keep", "old")
			_, err = e.Meta(1)
			require.ErrorIs(t, err, storage.ErrNotFound)
		})
	}
	t.Run("key of MaxKeySize is accepted", func(t *testing.T) {
		e := s.engine(t)
		key := bytes.Repeat([]byte{0xab}, storage.MaxKeySize)
		commit(t, e, true, func(b storage.Batch) { b.Set(key, []byte("v")) })
		got, err := e.Get(key)
		require.NoError(t, err)
		require.Equal(t, "v", string(got))
	})
}

func (s *suite) testBatchOrder(t *testing.T) {
	initial := []kv{{"a", "0"}, {"b", "0"}, {"c", "0"}, {"d", "0"}}
	tests := []struct {
		name string
		fill func(b storage.Batch)
		want []kv
	}{
		{
			name: "set after a delete range covering it survives",
			fill: func(b storage.Batch) {
				b.DeleteRange([]byte("a"), []byte("d"))
				b.Set([]byte("b"), []byte("1"))
			},
			want: []kv{{"b", "1"}, {"d", "0"}},
		},
		{
			name: "delete range after a set removes it",
			fill: func(b storage.Batch) {
				b.Set([]byte("b"), []byte("1"))
				b.DeleteRange([]byte("a"), []byte("d"))
			},
			want: []kv{{"d", "0"}},
		},
		{
			name: "delete then set keeps the set",
			fill: func(b storage.Batch) {
				b.Delete([]byte("a"))
				b.Set([]byte("a"), []byte("1"))
			},
			want: []kv{{"a", "1"}, {"b", "0"}, {"c", "0"}, {"d", "0"}},
		},
		{
			name: "set then delete removes the key",
			fill: func(b storage.Batch) {
				b.Set([]byte("e"), []byte("1"))
				b.Delete([]byte("e"))
			},
			want: initial,
		},
		{
			name: "the last of several sets wins",
			fill: func(b storage.Batch) {
				b.Set([]byte("c"), []byte("1"))
				b.Set([]byte("c"), []byte("2"))
				b.Set([]byte("c"), []byte("3"))
			},
			want: []kv{{"a", "0"}, {"b", "0"}, {"c", "3"}, {"d", "0"}},
		},
		{
			name: "delete range with nil end removes through the last key",
			fill: func(b storage.Batch) {
				b.DeleteRange([]byte("b"), nil)
				b.Set([]byte("z"), []byte("1"))
			},
			want: []kv{{"a", "0"}, {"z", "1"}},
		},
		{
			name: "delete range with nil start removes from the first key",
			fill: func(b storage.Batch) { b.DeleteRange(nil, []byte("c")) },
			want: []kv{{"c", "0"}, {"d", "0"}},
		},
		{
			name: "delete range of everything then set",
			fill: func(b storage.Batch) {
				b.DeleteRange(nil, nil)
				b.Set([]byte("b"), []byte("1"))
			},
			want: []kv{{"b", "1"}},
		},
		{
			name: "delete range with start after end deletes nothing",
			fill: func(b storage.Batch) { b.DeleteRange([]byte("d"), []byte("a")) },
			want: initial,
		},
		{
			name: "delete range with start equal to end deletes nothing",
			fill: func(b storage.Batch) { b.DeleteRange([]byte("b"), []byte("b")) },
			want: initial,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := s.engine(t)
			set(t, e, initial...)
			commit(t, e, true, tt.fill)
			require.Equal(t, tt.want, scan(t, e, storage.IterOptions{}))
		})
	}
}

func (s *suite) testBatchLenSizeReset(t *testing.T) {
	e := s.engine(t)
	b := e.NewBatch()
	require.Equal(t, 0, b.Len())
	require.Equal(t, 0, b.Size())
	b.Set([]byte("key"), []byte("value"))
	b.Delete([]byte("gone"))
	require.Equal(t, 2, b.Len())
	require.GreaterOrEqual(t, b.Size(), len("key")+len("value")+len("gone"))
	b.Reset()
	require.Equal(t, 0, b.Len())
	require.Equal(t, 0, b.Size())
	b.Set([]byte("reused"), []byte("1"))
	require.NoError(t, e.Commit(b, false))
	// Only what was added after Reset is applied.
	require.Equal(t, []kv{{"reused", "1"}}, scan(t, e, storage.IterOptions{}))
}

// testBatchAtomicForReaders commits batches that rewrite a set of keys and a
// meta to one version number while readers check, through snapshots, that
// every key and the meta always carry the same version.
func (s *suite) testBatchAtomicForReaders(t *testing.T) {
	e := s.engine(t)
	const keys, versions, readers = 50, 60, 3
	write := func(version int) {
		commit(t, e, version%10 == 0, func(b storage.Batch) {
			v := fmt.Appendf(nil, "v%06d", version)
			for i := range keys {
				b.Set(fmt.Appendf(nil, "key%03d", i), v)
			}
			b.SetMeta(7, v)
		})
	}
	write(0)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := checkOneVersion(e, keys); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for v := 1; v <= versions; v++ {
		write(v)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, checkOneVersion(e, keys))
}

func checkOneVersion(e storage.Engine, keys int) error {
	snap, err := e.NewSnapshot()
	if err != nil {
		return err
	}
	defer snap.Close()
	meta, err := snap.Meta(7)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	it, err := snap.NewIter(storage.IterOptions{})
	if err != nil {
		return err
	}
	n := 0
	for it.Next() {
		if !bytes.Equal(it.Value(), meta) {
			it.Close()
			return fmt.Errorf("key %q holds %q, meta holds %q: a batch was seen in part", it.Key(), it.Value(), meta)
		}
		n++
	}
	if err := it.Close(); err != nil {
		return err
	}
	if n != keys {
		return fmt.Errorf("snapshot holds %d keys, want %d", n, keys)
	}
	return nil
}

// iterKeys is the data set of the iteration tests: keys that are prefixes of
// one another, and keys made of 0x00 and 0xff bytes.
var iterKeys = []string{
	"\x00", "\x00\x00", "\x00\x01", "\x00\xff",
	"a", "ab", "abc", "abd", "b", "ba",
	"\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff",
}

func (s *suite) testIterate(t *testing.T) {
	e := s.engine(t)
	var all []kv
	for i, k := range iterKeys {
		all = append(all, kv{k, fmt.Sprintf("v%d", i)})
	}
	// Insert in a shuffled order so that order comes from the engine.
	shuffled := slices.Clone(all)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	set(t, e, shuffled...)
	sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })

	bound := func(s string) []byte { return []byte(s) }
	tests := []struct {
		name         string
		lower, upper []byte
	}{
		{"unbounded", nil, nil},
		{"lower only", bound("ab"), nil},
		{"upper only", nil, bound("ab")},
		{"both bounds on keys", bound("ab"), bound("b")},
		{"bounds between keys", bound("aa"), bound("abcd")},
		{"lower is a prefix of several keys", bound("a"), bound("ac")},
		{"upper is a prefix of the next keys", nil, bound("a")},
		{"zero byte lower bound", bound("\x00"), bound("\x00\xff")},
		{"0xff bounds", bound("\xff"), bound("\xff\xff")},
		{"upper past all 0xff keys", bound("\xff\xff"), bound("\xff\xff\xff\xff")},
		{"empty range, lower equals upper", bound("ab"), bound("ab")},
		{"empty range, lower after upper", bound("b"), bound("a")},
		{"empty range between adjacent keys", bound("abc\x00"), bound("abd")},
		{"range below every key", nil, bound("\x00")},
		{"range above every key", bound("\xff\xff\xff\x00"), nil},
		{"empty lower bound is the first key", []byte{}, bound("a")},
	}
	for _, tt := range tests {
		var want []kv
		for _, p := range all {
			if (tt.lower == nil || p.key >= string(tt.lower)) && (tt.upper == nil || p.key < string(tt.upper)) {
				want = append(want, p)
			}
		}
		reversed := slices.Clone(want)
		slices.Reverse(reversed)
		t.Run(tt.name+"/forward", func(t *testing.T) {
			require.Equal(t, want, scan(t, e, storage.IterOptions{Lower: tt.lower, Upper: tt.upper}))
		})
		t.Run(tt.name+"/reverse", func(t *testing.T) {
			require.Equal(t, reversed, scan(t, e, storage.IterOptions{Lower: tt.lower, Upper: tt.upper, Reverse: true}))
		})
		t.Run(tt.name+"/snapshot", func(t *testing.T) {
			snap, err := e.NewSnapshot()
			require.NoError(t, err)
			defer snap.Close()
			require.Equal(t, want, scan(t, snap, storage.IterOptions{Lower: tt.lower, Upper: tt.upper}))
			require.Equal(t, reversed, scan(t, snap, storage.IterOptions{Lower: tt.lower, Upper: tt.upper, Reverse: true}))
		})
	}
	t.Run("empty engine", func(t *testing.T) {
		empty := s.engine(t)
		require.Empty(t, scan(t, empty, storage.IterOptions{}))
		require.Empty(t, scan(t, empty, storage.IterOptions{Reverse: true}))
	})
}

// testIterateManyKeys crosses whatever chunking an engine uses internally.
func (s *suite) testIterateManyKeys(t *testing.T) {
	e := s.engine(t)
	const n = 3000
	rng := rand.New(rand.NewPCG(3, 4))
	var all []kv
	b := e.NewBatch()
	for i := range n {
		key := fmt.Sprintf("k%05d", i)
		value := string(bytes.Repeat([]byte{byte('a' + i%26)}, rng.IntN(2000)))
		all = append(all, kv{key, value})
		b.Set([]byte(key), []byte(value))
	}
	require.NoError(t, e.Commit(b, false))
	require.Equal(t, all, scan(t, e, storage.IterOptions{}))
	reversed := slices.Clone(all)
	slices.Reverse(reversed)
	require.Equal(t, reversed, scan(t, e, storage.IterOptions{Reverse: true}))
	require.Equal(t, all[100:2900], scan(t, e, storage.IterOptions{Lower: []byte("k00100"), Upper: []byte("k02900")}))
	sub := slices.Clone(all[100:2900])
	slices.Reverse(sub)
	require.Equal(t, sub, scan(t, e, storage.IterOptions{Lower: []byte("k00100"), Upper: []byte("k02900"), Reverse: true}))
}

func (s *suite) testIteratorLifecycle(t *testing.T) {
	e := s.engine(t)
	set(t, e, kv{"a", "1"}, kv{"b", "2"})
	it, err := e.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	require.True(t, it.Next())
	require.Equal(t, "a", string(it.Key()))
	require.True(t, it.Next())
	require.Equal(t, "b", string(it.Key()))
	require.False(t, it.Next())
	require.False(t, it.Next(), "Next after the end stays false")
	require.NoError(t, it.Err())
	require.NoError(t, it.Close())
	require.False(t, it.Next(), "Next after Close is false")
}

func (s *suite) testSnapshotIsolation(t *testing.T) {
	e := s.engine(t)
	set(t, e, kv{"a", "1"}, kv{"c", "3"})
	commit(t, e, false, func(b storage.Batch) { b.SetMeta(1, []byte("m1")) })
	snap, err := e.NewSnapshot()
	require.NoError(t, err)

	commit(t, e, true, func(b storage.Batch) {
		b.Set([]byte("a"), []byte("2"))
		b.Set([]byte("b"), []byte("new"))
		b.Delete([]byte("c"))
		b.SetMeta(1, []byte("m2"))
		b.SetMeta(2, []byte("other"))
	})

	requireValue(t, snap, "a", "1")
	requireMissing(t, snap, "b")
	requireValue(t, snap, "c", "3")
	m, err := snap.Meta(1)
	require.NoError(t, err)
	require.Equal(t, "m1", string(m))
	_, err = snap.Meta(2)
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.Equal(t, []kv{{"a", "1"}, {"c", "3"}}, scan(t, snap, storage.IterOptions{}))

	requireValue(t, e, "a", "2")
	requireValue(t, e, "b", "new")
	requireMissing(t, e, "c")

	// A second snapshot sees the new state while the first still sees the old.
	snap2, err := e.NewSnapshot()
	require.NoError(t, err)
	require.Equal(t, []kv{{"a", "2"}, {"b", "new"}}, scan(t, snap2, storage.IterOptions{}))
	require.Equal(t, []kv{{"a", "1"}, {"c", "3"}}, scan(t, snap, storage.IterOptions{}))
	require.NoError(t, snap2.Close())

	require.NoError(t, snap.Close())
	_, err = snap.Get([]byte("a"))
	require.ErrorIs(t, err, storage.ErrClosed, "a closed snapshot refuses reads")
}

// withinLimit runs fn and fails the test if it does not return in time: for
// operations the contract says must not block.
func withinLimit(t *testing.T, what string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		require.NoError(t, err, what)
	case <-time.After(waitLimit):
		t.Fatalf("%s: still blocked after %v", what, waitLimit)
	}
}

// testSnapshotIterStableWhileWriting writes inside an open snapshot
// iteration: every write must go through at once (writes are not blocked by
// an open snapshot), and the iteration must still return exactly the state
// as of the snapshot.
func (s *suite) testSnapshotIterStableWhileWriting(t *testing.T) {
	e := s.engine(t)
	const n = 2000
	var want []kv
	b := e.NewBatch()
	for i := range n {
		p := kv{fmt.Sprintf("k%05d", i*2), fmt.Sprintf("v%d", i)}
		want = append(want, p)
		b.Set([]byte(p.key), []byte(p.value))
	}
	require.NoError(t, e.Commit(b, false))

	for _, reverse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reverse=%v", reverse), func(t *testing.T) {
			snap, err := e.NewSnapshot()
			require.NoError(t, err)
			defer snap.Close()
			it, err := snap.NewIter(storage.IterOptions{Reverse: reverse})
			require.NoError(t, err)
			var got []kv
			i := 0
			for it.Next() {
				got = append(got, kv{string(it.Key()), string(it.Value())})
				i++
				if i%writeEvery != 1 {
					continue
				}
				// Overwrite, delete and insert around the iterator, with
				// values large enough to make the engine allocate.
				withinLimit(t, "commit during snapshot iteration", func() error {
					wb := e.NewBatch()
					wb.Set(fmt.Appendf(nil, "k%05d", (i*7)%(2*n)), bytes.Repeat([]byte("x"), 4096))
					wb.Delete(fmt.Appendf(nil, "k%05d", (i*13+2)%(2*n)))
					wb.Set(fmt.Appendf(nil, "k%05d", i*2+1), []byte("inserted"))
					return e.Commit(wb, i%10 == 1)
				})
			}
			require.NoError(t, it.Close())
			expect := slices.Clone(want)
			if reverse {
				slices.Reverse(expect)
			}
			require.Equal(t, expect, got)
			// Restore the original data for the next case.
			rb := e.NewBatch()
			rb.DeleteRange(nil, nil)
			for _, p := range want {
				rb.Set([]byte(p.key), []byte(p.value))
			}
			require.NoError(t, e.Commit(rb, false))
		})
	}
}

// testLiveIterWhileWriting checks the weakest promise of an engine's own
// iterator while writes go on: keys come in order, each at most once, and
// every key not written during the iteration is seen with its value.
func (s *suite) testLiveIterWhileWriting(t *testing.T) {
	e := s.engine(t)
	const n = 2000
	for _, reverse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reverse=%v", reverse), func(t *testing.T) {
			b := e.NewBatch()
			b.DeleteRange(nil, nil)
			for i := range n {
				b.Set(fmt.Appendf(nil, "k%05d", i), []byte("stable"))
			}
			require.NoError(t, e.Commit(b, false))
			it, err := e.NewIter(storage.IterOptions{Reverse: reverse})
			require.NoError(t, err)
			touched := map[string]bool{}
			seen := map[string]bool{}
			var prev []byte
			i := 0
			for it.Next() {
				key := string(it.Key())
				if prev != nil {
					if reverse {
						require.Less(t, key, string(prev))
					} else {
						require.Greater(t, key, string(prev))
					}
				}
				prev = append(prev[:0], key...)
				require.False(t, seen[key], "key %q seen twice", key)
				seen[key] = true
				if !touched[key] {
					require.Equal(t, "stable", string(it.Value()), "untouched key %q", key)
				}
				i++
				if i%writeEvery != 1 {
					continue
				}
				// A new key between existing ones, and an existing key.
				extra := fmt.Sprintf("k%05d.%d", (i*31)%n, i)
				victim := fmt.Sprintf("k%05d", (i*17)%n)
				touched[extra], touched[victim] = true, true
				withinLimit(t, "commit during live iteration", func() error {
					wb := e.NewBatch()
					wb.Set([]byte(extra), []byte("new"))
					wb.Set([]byte(victim), []byte("changed"))
					return e.Commit(wb, false)
				})
			}
			require.NoError(t, it.Close())
			for j := range n {
				key := fmt.Sprintf("k%05d", j)
				require.True(t, seen[key], "key %q present throughout was not visited", key)
			}
		})
	}
}

func (s *suite) testMeta(t *testing.T) {
	e := s.engine(t)
	_, err := e.Meta(1)
	require.ErrorIs(t, err, storage.ErrNotFound)
	metas, err := e.Metas()
	require.NoError(t, err)
	require.Empty(t, metas)

	commit(t, e, true, func(b storage.Batch) {
		b.SetMeta(1, []byte("one"))
		b.SetMeta(0, []byte("zero"))
		b.SetMeta(^uint64(0), []byte("max"))
		b.SetMeta(1<<32, []byte("big"))
		b.SetMeta(5, nil)
	})
	for group, want := range map[uint64]string{0: "zero", 1: "one", ^uint64(0): "max", 1 << 32: "big", 5: ""} {
		got, err := e.Meta(group)
		require.NoError(t, err, "group %d", group)
		require.Equal(t, want, string(got), "group %d", group)
	}
	commit(t, e, false, func(b storage.Batch) {
		b.DeleteMeta(0)
		b.SetMeta(1, []byte("uno"))
		b.DeleteMeta(99) // missing: not an error
	})
	_, err = e.Meta(0)
	require.ErrorIs(t, err, storage.ErrNotFound)
	metas, err = e.Metas()
	require.NoError(t, err)
	require.Len(t, metas, 4)
	require.Equal(t, "uno", string(metas[1]))
	require.Equal(t, "max", string(metas[^uint64(0)]))
	require.Equal(t, "big", string(metas[1<<32]))
	require.Empty(t, metas[5])

	// Metadata is not data: data iteration and data deletion leave it alone.
	set(t, e, kv{"a", "1"})
	require.Equal(t, []kv{{"a", "1"}}, scan(t, e, storage.IterOptions{}))
	commit(t, e, false, func(b storage.Batch) { b.DeleteRange(nil, nil) })
	got, err := e.Meta(1)
	require.NoError(t, err)
	require.Equal(t, "uno", string(got))
}

// testMetaAtomicWithData commits data and meta together and checks that a
// refused batch applies neither, and that a snapshot sees both or neither.
func (s *suite) testMetaAtomicWithData(t *testing.T) {
	e := s.engine(t)
	commit(t, e, true, func(b storage.Batch) {
		b.Set([]byte("applied"), []byte("5"))
		b.SetMeta(9, []byte("5"))
	})
	snap, err := e.NewSnapshot()
	require.NoError(t, err)
	defer snap.Close()
	commit(t, e, true, func(b storage.Batch) {
		b.Set([]byte("applied"), []byte("6"))
		b.SetMeta(9, []byte("6"))
	})
	requireValue(t, snap, "applied", "5")
	m, err := snap.Meta(9)
	require.NoError(t, err)
	require.Equal(t, "5", string(m))
	requireValue(t, e, "applied", "6")
	m, err = e.Meta(9)
	require.NoError(t, err)
	require.Equal(t, "6", string(m))

	b := e.NewBatch()
	b.SetMeta(9, []byte("7"))
	b.Set([]byte("applied"), []byte("7"))
	b.Set(nil, []byte("bad key"))
	require.ErrorIs(t, e.Commit(b, true), storage.ErrInvalidKey)
	m, err = e.Meta(9)
	require.NoError(t, err)
	require.Equal(t, "6", string(m), "meta of a refused batch is not applied")
	requireValue(t, e, "applied", "6")
}

func (s *suite) testDeleteRange(t *testing.T) {
	e := s.engine(t)
	b := e.NewBatch()
	const n = 5000
	for i := range n {
		b.Set(fmt.Appendf(nil, "r%05d", i), []byte("v"))
	}
	b.Set([]byte("a"), []byte("before"))
	b.Set([]byte("s"), []byte("after"))
	require.NoError(t, e.Commit(b, false))

	commit(t, e, true, func(b storage.Batch) { b.DeleteRange([]byte("r01000"), []byte("r04000")) })
	require.Len(t, scan(t, e, storage.IterOptions{Lower: []byte("r"), Upper: []byte("s")}), 2000)
	requireValue(t, e, "r00999", "v")
	requireMissing(t, e, "r01000")
	requireMissing(t, e, "r03999")
	requireValue(t, e, "r04000", "v")

	commit(t, e, true, func(b storage.Batch) { b.DeleteRange([]byte("r02000"), nil) })
	require.Equal(t, []kv{{"a", "before"}}, scan(t, e, storage.IterOptions{Upper: []byte("r")}))
	require.Len(t, scan(t, e, storage.IterOptions{}), 1001)
	requireMissing(t, e, "s")

	commit(t, e, true, func(b storage.Batch) { b.DeleteRange(nil, nil) })
	require.Empty(t, scan(t, e, storage.IterOptions{}))
	// The engine is usable after everything was deleted.
	set(t, e, kv{"x", "1"})
	requireValue(t, e, "x", "1")
}

func (s *suite) testApproximateSize(t *testing.T) {
	e := s.engine(t)
	size, err := e.ApproximateSize(nil, nil)
	require.NoError(t, err)
	require.Less(t, size, int64(64<<10), "an empty engine is (nearly) empty")

	const rounds, perRound, valueSize = 5, 200, 1000
	var prev int64
	actual := 0
	for r := range rounds {
		b := e.NewBatch()
		for i := range perRound {
			key := fmt.Appendf(nil, "s%d-%04d", r, i)
			b.Set(key, bytes.Repeat([]byte{'v'}, valueSize))
			actual += len(key) + valueSize
		}
		require.NoError(t, e.Commit(b, false))
		size, err := e.ApproximateSize(nil, nil)
		require.NoError(t, err)
		require.GreaterOrEqual(t, size, prev, "size does not shrink as data is added")
		require.InDelta(t, float64(actual), float64(size), float64(actual)/2, "size within 50%% of the bytes written")
		prev = size
	}
	// A sub-range counts about its share.
	part, err := e.ApproximateSize([]byte("s1"), []byte("s3"))
	require.NoError(t, err)
	require.InDelta(t, float64(actual)*2/5, float64(part), float64(actual)/5)
	none, err := e.ApproximateSize([]byte("t"), nil)
	require.NoError(t, err)
	require.Less(t, none, int64(valueSize), "a range with no keys is about empty")

	commit(t, e, false, func(b storage.Batch) { b.DeleteRange([]byte("s0"), []byte("s3")) })
	after, err := e.ApproximateSize(nil, nil)
	require.NoError(t, err)
	require.Less(t, after, prev, "deleting data shrinks the estimate")
}

func (s *suite) testClosed(t *testing.T) {
	e := s.open(t)
	set(t, e, kv{"a", "1"})
	snap, err := e.NewSnapshot()
	require.NoError(t, err)
	require.NoError(t, snap.Close())
	require.NoError(t, e.Close())

	_, err = e.Get([]byte("a"))
	require.ErrorIs(t, err, storage.ErrClosed, "Get")
	_, err = e.NewIter(storage.IterOptions{})
	require.ErrorIs(t, err, storage.ErrClosed, "NewIter")
	_, err = e.Meta(1)
	require.ErrorIs(t, err, storage.ErrClosed, "Meta")
	_, err = e.Metas()
	require.ErrorIs(t, err, storage.ErrClosed, "Metas")
	_, err = e.NewSnapshot()
	require.ErrorIs(t, err, storage.ErrClosed, "NewSnapshot")
	_, err = e.ApproximateSize(nil, nil)
	require.ErrorIs(t, err, storage.ErrClosed, "ApproximateSize")
	b := e.NewBatch()
	b.Set([]byte("b"), []byte("2"))
	require.ErrorIs(t, e.Commit(b, true), storage.ErrClosed, "Commit")
	require.ErrorIs(t, e.Close(), storage.ErrClosed, "second Close")
}

func (s *suite) testCopies(t *testing.T) {
	e := s.engine(t)
	key := []byte("key")
	value := []byte("value")
	b := e.NewBatch()
	b.Set(key, value)
	b.SetMeta(1, value)
	// Mutating the caller's slices after Set must not change the batch.
	key[0], value[0] = 'X', 'X'
	require.NoError(t, e.Commit(b, false))
	requireValue(t, e, "key", "value")
	requireMissing(t, e, "Xey")

	// Reusing the batch after Reset must not change what was committed.
	b.Reset()
	b.Set([]byte("zzz"), []byte("ZZZZZ"))
	b.SetMeta(2, []byte("other"))
	require.NoError(t, e.Commit(b, false))
	requireValue(t, e, "key", "value")
	m, err := e.Meta(1)
	require.NoError(t, err)
	require.Equal(t, "value", string(m))

	// Mutating returned slices must not change the store.
	got, err := e.Get([]byte("key"))
	require.NoError(t, err)
	got[0] = 'Y'
	requireValue(t, e, "key", "value")
	m[0] = 'Y'
	m, err = e.Meta(1)
	require.NoError(t, err)
	require.Equal(t, "value", string(m))
	metas, err := e.Metas()
	require.NoError(t, err)
	metas[1][0] = 'Y'
	m, err = e.Meta(1)
	require.NoError(t, err)
	require.Equal(t, "value", string(m))

	it, err := e.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	for it.Next() {
		it.Key()[0] ^= 0xff
		if v := it.Value(); len(v) > 0 {
			v[0] ^= 0xff
		}
	}
	require.NoError(t, it.Close())
	require.Equal(t, []kv{{"key", "value"}, {"zzz", "ZZZZZ"}}, scan(t, e, storage.IterOptions{}))

	snap, err := e.NewSnapshot()
	require.NoError(t, err)
	sv, err := snap.Get([]byte("key"))
	require.NoError(t, err)
	sv[0] = 'Q'
	requireValue(t, snap, "key", "value")
	require.NoError(t, snap.Close())

	// Bounds passed to NewIter may be reused by the caller at once.
	lower, upper := []byte("a"), []byte("l")
	it, err = e.NewIter(storage.IterOptions{Lower: lower, Upper: upper})
	require.NoError(t, err)
	lower[0], upper[0] = 'z', 'z'
	var keys []string
	for it.Next() {
		keys = append(keys, string(it.Key()))
	}
	require.NoError(t, it.Close())
	require.Equal(t, []string{"key"}, keys)
}

// testConcurrent runs writers on disjoint keys alongside readers of every
// kind; run it with -race.
func (s *suite) testConcurrent(t *testing.T) {
	e := s.engine(t)
	const writers, readers, batches, perBatch = 3, 3, 30, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers+readers)
	for w := range writers {
		wg.Go(func() {
			b := e.NewBatch()
			for i := range batches {
				b.Reset()
				for j := range perBatch {
					b.Set(fmt.Appendf(nil, "w%d-%03d-%02d", w, i, j), fmt.Appendf(nil, "%d", i))
				}
				b.SetMeta(uint64(w), fmt.Appendf(nil, "%d", i))
				if i%3 == 0 {
					b.DeleteRange(fmt.Appendf(nil, "w%d-%03d", w, i-1), fmt.Appendf(nil, "w%d-%03d", w, i))
				}
				if err := e.Commit(b, i%10 == 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var readersWG sync.WaitGroup
	for r := range readers {
		readersWG.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch (r + i) % 4 {
				case 0:
					_, err = e.Get(fmt.Appendf(nil, "w%d-%03d-%02d", i%writers, i%batches, i%perBatch))
					if errors.Is(err, storage.ErrNotFound) {
						err = nil
					}
				case 1:
					err = drain(e, storage.IterOptions{Reverse: i%2 == 0})
				case 2:
					var snap storage.Snapshot
					if snap, err = e.NewSnapshot(); err == nil {
						err = errors.Join(drain(snap, storage.IterOptions{}), snap.Close())
					}
				case 3:
					_, err = e.Metas()
					if err == nil {
						_, err = e.ApproximateSize(nil, nil)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readersWG.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for w := range writers {
		m, err := e.Meta(uint64(w))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(batches-1), string(m))
		requireValue(t, e, fmt.Sprintf("w%d-%03d-%02d", w, batches-1, 0), fmt.Sprint(batches-1))
		// Batch 29 (not a multiple of 3) is the last; batch 26 was deleted
		// by batch 27.
		requireMissing(t, e, fmt.Sprintf("w%d-%03d-%02d", w, 26, 0))
	}
}

func drain(r storage.Reader, opts storage.IterOptions) error {
	it, err := r.NewIter(opts)
	if err != nil {
		return err
	}
	var prev []byte
	for it.Next() {
		if prev != nil && (bytes.Compare(it.Key(), prev) <= 0) != opts.Reverse {
			it.Close()
			return fmt.Errorf("iterator out of order: %q after %q", it.Key(), prev)
		}
		prev = append(prev[:0], it.Key()...)
	}
	return it.Close()
}

func (s *suite) testExportIngest(t *testing.T) {
	src := s.engine(t)
	var inRange []kv
	b := src.NewBatch()
	for i := range 500 {
		p := kv{fmt.Sprintf("p%04d", i), string(bytes.Repeat([]byte{byte(i)}, i%300))}
		b.Set([]byte(p.key), []byte(p.value))
		if p.key >= "p0100" && p.key < "p0400" {
			inRange = append(inRange, p)
		}
	}
	require.NoError(t, src.Commit(b, false))

	snap, err := src.NewSnapshot()
	require.NoError(t, err)
	var stream bytes.Buffer
	require.NoError(t, storage.ExportRange(snap, []byte("p0100"), []byte("p0400"), &stream))
	require.NoError(t, snap.Close())

	dst := s.engine(t)
	set(t, dst,
		kv{"a", "outside, below"},
		kv{"p0100", "stale"}, kv{"p0250x", "stale, not in the stream"}, kv{"p0399", "stale"},
		kv{"p0400", "outside, at the upper bound"}, kv{"z", "outside, above"})
	commit(t, dst, false, func(b storage.Batch) { b.SetMeta(3, []byte("old")); b.SetMeta(4, []byte("kept")) })

	require.NoError(t, storage.IngestRange(dst, []byte("p0100"), []byte("p0400"), bytes.NewReader(stream.Bytes()),
		map[uint64][]byte{3: []byte("new"), 8: []byte("added")}))

	require.Equal(t, inRange, scan(t, dst, storage.IterOptions{Lower: []byte("p0100"), Upper: []byte("p0400")}))
	requireValue(t, dst, "a", "outside, below")
	requireValue(t, dst, "p0400", "outside, at the upper bound")
	requireValue(t, dst, "z", "outside, above")
	metas, err := dst.Metas()
	require.NoError(t, err)
	require.Equal(t, map[uint64][]byte{3: []byte("new"), 4: []byte("kept"), 8: []byte("added")}, metas)

	t.Run("empty range", func(t *testing.T) {
		var empty bytes.Buffer
		require.NoError(t, storage.ExportRange(src, []byte("q"), nil, &empty))
		target := s.engine(t)
		set(t, target, kv{"q1", "gone"}, kv{"a", "kept"})
		require.NoError(t, storage.IngestRange(target, []byte("q"), nil, &empty, nil))
		require.Equal(t, []kv{{"a", "kept"}}, scan(t, target, storage.IterOptions{}))
	})
	t.Run("whole engine", func(t *testing.T) {
		var all bytes.Buffer
		require.NoError(t, storage.ExportRange(src, nil, nil, &all))
		target := s.engine(t)
		set(t, target, kv{"zz", "gone"})
		require.NoError(t, storage.IngestRange(target, nil, nil, &all, nil))
		require.Equal(t, scan(t, src, storage.IterOptions{}), scan(t, target, storage.IterOptions{}))
	})
}

func (s *suite) testIngestCorrupt(t *testing.T) {
	src := s.engine(t)
	set(t, src, kv{"k1", "v1"}, kv{"k2", "v2"}, kv{"k3", "v3"})
	var stream bytes.Buffer
	require.NoError(t, storage.ExportRange(src, []byte("k"), []byte("l"), &stream))
	good := stream.Bytes()

	tests := []struct {
		name         string
		data         []byte
		lower, upper []byte
	}{
		{"empty stream", nil, []byte("k"), []byte("l")},
		{"truncated before the end record", good[:len(good)-10], []byte("k"), []byte("l")},
		{"missing last byte", good[:len(good)-1], []byte("k"), []byte("l")},
		{"flipped byte in a value", flip(good, 12), []byte("k"), []byte("l")},
		{"flipped byte in the end record", flip(good, len(good)-3), []byte("k"), []byte("l")},
		{"trailing garbage", append(slices.Clone(good), 0), []byte("k"), []byte("l")},
		{"bad magic", flip(good, 0), []byte("k"), []byte("l")},
		{"keys outside the ingest range", good, []byte("k2"), []byte("l")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := s.engine(t)
			set(t, dst, kv{"k1", "original"}, kv{"k9", "original"})
			err := storage.IngestRange(dst, tt.lower, tt.upper, bytes.NewReader(tt.data), map[uint64][]byte{1: []byte("m")})
			require.ErrorIs(t, err, storage.ErrCorruptStream)
			// Nothing was applied.
			require.Equal(t, []kv{{"k1", "original"}, {"k9", "original"}}, scan(t, dst, storage.IterOptions{}))
			_, err = dst.Meta(1)
			require.ErrorIs(t, err, storage.ErrNotFound)
		})
	}
}

func flip(b []byte, i int) []byte {
	out := slices.Clone(b)
	out[i] ^= 0x40
	return out
}

func (s *suite) testReopen(t *testing.T) {
	dir := t.TempDir()
	e := s.opts.OpenDir(t, dir)
	commit(t, e, true, func(b storage.Batch) {
		b.Set([]byte("synced"), []byte("1"))
		b.SetMeta(1, []byte("m1"))
	})
	commit(t, e, false, func(b storage.Batch) {
		b.Set([]byte("unsynced"), []byte("2"))
		b.Set([]byte("synced"), []byte("1b"))
	})
	commit(t, e, true, func(b storage.Batch) { b.DeleteRange([]byte("x"), nil) })
	require.NoError(t, e.Close())

	e = s.opts.OpenDir(t, dir)
	// A clean Close keeps even unsynced commits.
	require.Equal(t, []kv{{"synced", "1b"}, {"unsynced", "2"}}, scan(t, e, storage.IterOptions{}))
	metas, err := e.Metas()
	require.NoError(t, err)
	require.Equal(t, map[uint64][]byte{1: []byte("m1")}, metas)
	commit(t, e, true, func(b storage.Batch) { b.Delete([]byte("unsynced")); b.DeleteMeta(1) })
	require.NoError(t, e.Close())

	e = s.opts.OpenDir(t, dir)
	defer e.Close()
	require.Equal(t, []kv{{"synced", "1b"}}, scan(t, e, storage.IterOptions{}))
	metas, err = e.Metas()
	require.NoError(t, err)
	require.Empty(t, metas)
}
