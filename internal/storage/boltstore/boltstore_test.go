package boltstore_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
	"github.com/embeddynamo/dynamo/internal/storage/storagetest"
)

func openIn(t *testing.T, dir string, opts *boltstore.Options) *boltstore.Engine {
	t.Helper()
	e, err := boltstore.Open(filepath.Join(dir, "data.db"), opts)
	require.NoError(t, err)
	return e
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *boltstore.Options
	}{
		{"default", nil},
		{"relaxed sync", &boltstore.Options{RelaxedSync: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.Run(t,
				func(t *testing.T) storage.Engine { return openIn(t, t.TempDir(), tc.opts) },
				storagetest.Options{OpenDir: func(t *testing.T, dir string) storage.Engine { return openIn(t, dir, tc.opts) }})
		})
	}
}

// TestGrowPastInitialMmap writes far past a small InitialMmapSize, so that
// commits must remap, with snapshots opened and closed between commits: the
// remap path works, and a snapshot taken before growth still reads its data.
func TestGrowPastInitialMmap(t *testing.T) {
	e := openIn(t, t.TempDir(), &boltstore.Options{InitialMmapSize: 64 << 10})
	defer e.Close()
	value := make([]byte, 8<<10)
	for i := range 40 {
		b := e.NewBatch()
		for j := range 64 {
			value[0] = byte(i)
			b.Set(fmt.Appendf(nil, "k%03d-%03d", i, j), value)
		}
		require.NoError(t, e.Commit(b, false))
		snap, err := e.NewSnapshot()
		require.NoError(t, err)
		got, err := snap.Get(fmt.Appendf(nil, "k%03d-%03d", i, 0))
		require.NoError(t, err)
		require.Equal(t, byte(i), got[0])
		require.NoError(t, snap.Close())
	}
	size, err := e.ApproximateSize(nil, nil)
	require.NoError(t, err)
	require.Greater(t, size, int64(40*64*8<<10))
}

// TestCloseEndsOpenSnapshots closes an engine with a snapshot still open:
// Close must not hang on the snapshot's read transaction, and the snapshot
// refuses further reads.
func TestCloseEndsOpenSnapshots(t *testing.T) {
	e := openIn(t, t.TempDir(), nil)
	b := e.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	require.NoError(t, e.Commit(b, true))
	snap, err := e.NewSnapshot()
	require.NoError(t, err)
	it, err := snap.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	require.NoError(t, e.Close())
	_, err = snap.Get([]byte("a"))
	require.ErrorIs(t, err, storage.ErrClosed)
	require.False(t, it.Next())
	require.ErrorIs(t, it.Close(), storage.ErrClosed)
	require.ErrorIs(t, snap.Close(), storage.ErrClosed)
}

// TestOpenErrors covers files bbolt cannot open: a path in a missing
// directory, a file that is not a bolt database, and a file locked by
// another open engine (bounded by LockTimeout).
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	require.NoError(t, os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 1000), 0o600))
	held := openIn(t, dir, nil)
	defer held.Close()
	tests := []struct {
		name string
		path string
		opts *boltstore.Options
	}{
		{"missing directory", filepath.Join(dir, "missing", "data.db"), nil},
		{"not a bolt file", garbage, nil},
		{"locked by another engine", held.Path(), &boltstore.Options{LockTimeout: 50 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := boltstore.Open(tt.path, tt.opts)
			require.Error(t, err)
			require.Nil(t, e)
			require.Contains(t, err.Error(), tt.path)
		})
	}
}

// TestOpenFileSeam checks that Options.OpenFile is the file system seam:
// its error reaches the caller.
func TestOpenFileSeam(t *testing.T) {
	injected := errors.New("injected open failure")
	var opened []string
	_, err := boltstore.Open(filepath.Join(t.TempDir(), "x.db"), &boltstore.Options{
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			opened = append(opened, name)
			return nil, injected
		},
	})
	require.ErrorIs(t, err, injected)
	require.Len(t, opened, 1)
}

// TestFileMode checks the permission bits of a new file.
func TestFileMode(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode os.FileMode
		want os.FileMode
	}{
		{"zero means 0600", 0, 0o600},
		{"explicit 0640", 0o640, 0o640},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openIn(t, t.TempDir(), &boltstore.Options{FileMode: tc.mode})
			defer e.Close()
			info, err := os.Stat(e.Path())
			require.NoError(t, err)
			require.Equal(t, tc.want, info.Mode().Perm(), "umask 022 or narrower assumed")
		})
	}
}

func BenchmarkEngine(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts *boltstore.Options
	}{
		{"default", nil},
		{"relaxed sync", &boltstore.Options{RelaxedSync: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			storagetest.Bench(b, func(b *testing.B) storage.Engine {
				e, err := boltstore.Open(filepath.Join(b.TempDir(), "bench.db"), tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				return e
			})
		})
	}
}

// TestSnapshotDoesNotBlockGrowth grows the file by 64 MiB while a snapshot is
// open and iterating: with the file inside InitialMmapSize no commit waits
// for the snapshot, and the snapshot still reads the state it was taken at.
func TestSnapshotDoesNotBlockGrowth(t *testing.T) {
	e := openIn(t, t.TempDir(), &boltstore.Options{InitialMmapSize: 256 << 20})
	defer e.Close()
	b := e.NewBatch()
	for i := range 100 {
		b.Set(fmt.Appendf(nil, "old%03d", i), []byte("old"))
	}
	require.NoError(t, e.Commit(b, true))
	snap, err := e.NewSnapshot()
	require.NoError(t, err)
	defer snap.Close()
	it, err := snap.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	defer it.Close()
	require.True(t, it.Next())

	value := bytes.Repeat([]byte("n"), 64<<10)
	done := make(chan error, 1)
	go func() {
		for round := range 16 {
			wb := e.NewBatch()
			for j := range 64 { // 4 MiB per commit
				wb.Set(fmt.Appendf(nil, "new%02d-%02d", round, j), value)
			}
			if err := e.Commit(wb, round%4 == 0); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("commits blocked behind an open snapshot")
	}
	n := 1
	for it.Next() {
		require.Equal(t, "old", string(it.Value()))
		n++
	}
	require.NoError(t, it.Err())
	require.Equal(t, 100, n, "the snapshot sees only what was there when it was taken")
	_, err = snap.Get([]byte("new00-00"))
	require.ErrorIs(t, err, storage.ErrNotFound)
	size, err := e.ApproximateSize([]byte("new"), nil)
	require.NoError(t, err)
	require.Greater(t, size, int64(64<<20))
}

// TestCommitWriteErrorAppliesNothing opens the file read-only through the
// OpenFile seam, so that every page write fails: Commit must report the
// error and leave the engine as it was, readable and closable.
func TestCommitWriteErrorAppliesNothing(t *testing.T) {
	dir := t.TempDir()
	e := openIn(t, dir, nil)
	b := e.NewBatch()
	b.Set([]byte("a"), []byte("old"))
	b.SetMeta(1, []byte("old"))
	require.NoError(t, e.Commit(b, true))
	require.NoError(t, e.Close())

	e = openIn(t, dir, &boltstore.Options{
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			return os.OpenFile(name, os.O_RDONLY, perm)
		},
	})
	defer e.Close()
	for _, sync := range []bool{true, false} {
		b = e.NewBatch()
		b.Set([]byte("a"), bytes.Repeat([]byte("new"), 2000))
		b.Set([]byte("b"), []byte("new"))
		b.SetMeta(1, []byte("new"))
		require.Error(t, e.Commit(b, sync))
		got, err := e.Get([]byte("a"))
		require.NoError(t, err)
		require.Equal(t, "old", string(got))
		_, err = e.Get([]byte("b"))
		require.ErrorIs(t, err, storage.ErrNotFound)
		m, err := e.Meta(1)
		require.NoError(t, err)
		require.Equal(t, "old", string(m))
	}
}

// TestLiveIterDoesNotBlockRemap keeps an engine iterator open, mid-way,
// while commits grow the file far past a 64 KiB InitialMmapSize: bbolt must
// remap, which waits for every open read transaction, so this passes only
// because a live iterator holds no transaction between chunks.
func TestLiveIterDoesNotBlockRemap(t *testing.T) {
	e := openIn(t, t.TempDir(), &boltstore.Options{InitialMmapSize: 64 << 10})
	defer e.Close()
	b := e.NewBatch()
	for i := range 1000 {
		b.Set(fmt.Appendf(nil, "a%04d", i), []byte("old"))
	}
	require.NoError(t, e.Commit(b, false))
	it, err := e.NewIter(storage.IterOptions{Upper: []byte("b")})
	require.NoError(t, err)
	defer it.Close()
	require.True(t, it.Next())

	done := make(chan error, 1)
	go func() {
		value := bytes.Repeat([]byte("n"), 64<<10)
		for round := range 8 { // 8 MiB in all
			wb := e.NewBatch()
			for j := range 16 {
				wb.Set(fmt.Appendf(nil, "b%02d-%02d", round, j), value)
			}
			if err := e.Commit(wb, false); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("commits blocked behind an open live iterator")
	}
	n := 1
	for it.Next() {
		n++
	}
	require.NoError(t, it.Err())
	require.Equal(t, 1000, n)
}
