package vfs

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDefaultFS(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	require.NoError(t, Default.MkdirAll(dir))
	name := filepath.Join(dir, "f")
	f, err := Default.Create(name)
	require.NoError(t, err)
	_, err = Default.Create(name)
	require.Error(t, err, "Create refuses an existing file")
	_, err = f.Write([]byte("hello world"))
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, f.Truncate(5))
	_, err = f.Write([]byte("!"))
	require.NoError(t, err, "writes append at the new end")
	size, err := f.Size()
	require.NoError(t, err)
	require.Equal(t, int64(6), size)
	buf := make([]byte, 6)
	_, err = f.ReadAt(buf, 0)
	require.NoError(t, err)
	require.Equal(t, "hello!", string(buf))
	require.NoError(t, f.Close())

	f, err = Default.OpenAppend(name)
	require.NoError(t, err)
	_, err = f.Write([]byte("?"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, "hello!?", string(data))

	require.NoError(t, Default.Rename(name, filepath.Join(dir, "g")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "e"), nil, 0o644))
	names, err := Default.ReadDir(dir)
	require.NoError(t, err)
	require.Equal(t, []string{"e", "g"}, names)
	require.NoError(t, Default.SyncDir(dir))
	require.NoError(t, Default.Remove(filepath.Join(dir, "g")))
	_, err = Default.OpenAppend(filepath.Join(dir, "g"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestLockIsExclusive(t *testing.T) {
	name := filepath.Join(t.TempDir(), "LOCK")
	l, err := Default.Lock(name)
	require.NoError(t, err)
	_, err = Default.Lock(name)
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, l.Close())
	l, err = Default.Lock(name)
	require.NoError(t, err, "free again once released")
	require.NoError(t, l.Close())
}

func TestFaultFS(t *testing.T) {
	dir := t.TempDir()
	fs := NewFaultFS(Default)
	f, err := fs.Create(filepath.Join(dir, "f"))
	require.NoError(t, err)

	fs.FailAfter(OpWrite, 1)
	_, err = f.Write([]byte("one"))
	require.NoError(t, err, "the first write passes")
	_, err = f.Write([]byte("two"))
	require.ErrorIs(t, err, ErrInjected, "the second fails")
	_, err = f.Write([]byte("three"))
	require.NoError(t, err, "one failure per injection")

	fs.ShortWriteAfter(0)
	n, err := f.Write([]byte("abcdef"))
	require.ErrorIs(t, err, ErrInjected)
	require.Equal(t, 3, n, "a short write writes half")

	fs.FailAfter(OpSync, 0)
	require.ErrorIs(t, f.Sync(), ErrInjected)
	require.NoError(t, f.Sync())

	fs.FailAfter(OpTruncate, 0)
	require.ErrorIs(t, f.Truncate(0), ErrInjected)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(filepath.Join(dir, "f"))
	require.NoError(t, err)
	require.Equal(t, "onethreeabc", string(data))

	fs.FailAfter(OpCreate, 0)
	_, err = fs.Create(filepath.Join(dir, "g"))
	require.ErrorIs(t, err, ErrInjected)
	fs.FailAfter(OpSyncDir, 0)
	require.ErrorIs(t, fs.SyncDir(dir), ErrInjected)
	fs.FailAfter(OpRename, 0)
	require.ErrorIs(t, fs.Rename(filepath.Join(dir, "f"), filepath.Join(dir, "h")), ErrInjected)
	fs.FailAfter(OpRemove, 0)
	require.ErrorIs(t, fs.Remove(filepath.Join(dir, "f")), ErrInjected)
	require.NoError(t, fs.Remove(filepath.Join(dir, "f")))

	require.Equal(t, 4, fs.Count(OpWrite))
	require.Equal(t, 2, fs.Count(OpSync))
	require.Equal(t, 2, fs.Count(OpCreate))
	require.Equal(t, "syncdir", OpSyncDir.String())
}

func TestMemFSCrash(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		m := NewMemFS()
		require.NoError(t, m.MkdirAll("/d"))
		f, err := m.Create("/d/synced")
		require.NoError(t, err)
		_, err = f.Write([]byte("durable"))
		require.NoError(t, err)
		require.NoError(t, f.Sync())
		require.NoError(t, m.SyncDir("/d"))
		_, err = f.Write([]byte("+maybe"))
		require.NoError(t, err)
		g, err := m.Create("/d/unsynced-entry")
		require.NoError(t, err)
		_, err = g.Write([]byte("x"))
		require.NoError(t, err)
		require.NoError(t, g.Sync())

		c := m.Crash(rng)
		h, err := c.OpenAppend("/d/synced")
		require.NoError(t, err, "a synced file in a synced directory survives")
		size, err := h.Size()
		require.NoError(t, err)
		buf := make([]byte, size)
		_, err = h.ReadAt(buf, 0)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(buf), "durable"), "synced bytes survive: %q", buf)
		require.LessOrEqual(t, len(buf), len("durable+maybe"))
		rest := string(buf[len("durable"):])
		require.True(t, strings.HasPrefix("+maybe", rest) || strings.Trim(rest, "+maybe\x00") == "",
			"only a prefix of the unsynced bytes, maybe zero-filled: %q", rest)
		names, err := c.ReadDir("/d")
		require.NoError(t, err)
		require.Contains(t, names, "synced")
	}
}

func TestMemFSCrashAfter(t *testing.T) {
	m := NewMemFS()
	f, err := m.Create("/f")
	require.NoError(t, err)
	m.CrashAfter(1)
	_, err = f.Write([]byte("a"))
	require.NoError(t, err)
	_, err = f.Write([]byte("b"))
	require.ErrorIs(t, err, ErrCrashed)
	require.ErrorIs(t, f.Sync(), ErrCrashed)
	_, err = m.Create("/g")
	require.ErrorIs(t, err, ErrCrashed)
	// Nothing was synced: the crash image has at most the directory entry,
	// with at most the unsynced byte.
	c := m.Crash(rand.New(rand.NewPCG(1, 1)))
	if h, err := c.OpenAppend("/f"); err == nil {
		size, err := h.Size()
		require.NoError(t, err)
		require.LessOrEqual(t, size, int64(1))
	}
}
