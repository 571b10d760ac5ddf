package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
)

func exportAll(t testing.TB, pairs map[string]string) []byte {
	t.Helper()
	e := memstore.New()
	defer e.Close()
	b := e.NewBatch()
	for k, v := range pairs {
		b.Set([]byte(k), []byte(v))
	}
	require.NoError(t, e.Commit(b, false))
	var buf bytes.Buffer
	require.NoError(t, storage.ExportRange(e, nil, nil, &buf))
	return buf.Bytes()
}

func TestExportRangeFormat(t *testing.T) {
	got := exportAll(t, map[string]string{"a": "xy"})
	// header, one pair record, end record.
	require.Equal(t, []byte("DYRS\x01"), got[:5])
	require.Equal(t, []byte{0x01, 1, 2, 'a', 'x', 'y'}, got[5:11])
	require.Equal(t, byte(0x02), got[15], "end record after the pair's 4-byte checksum")
	require.Equal(t, byte(1), got[16], "end record counts one pair")
	require.Len(t, got, 16+1+4+4)
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		return 0, errors.New("disk full")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestExportRangeReportsWriteErrors(t *testing.T) {
	e := memstore.New()
	defer e.Close()
	b := e.NewBatch()
	for i := range 3000 {
		b.Set(fmt.Appendf(nil, "k%05d", i), bytes.Repeat([]byte("v"), 100))
	}
	require.NoError(t, e.Commit(b, false))
	err := storage.ExportRange(e, nil, nil, &failingWriter{after: 1000})
	require.ErrorContains(t, err, "disk full")
}

type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestIngestRangeReportsReadErrors(t *testing.T) {
	stream := exportAll(t, map[string]string{"a": "1", "b": "2"})
	e := memstore.New()
	defer e.Close()
	readErr := errors.New("connection reset")
	err := storage.IngestRange(e, nil, nil, &failingReader{data: stream[:len(stream)-3], err: readErr}, nil)
	require.ErrorIs(t, err, readErr)
	require.NotErrorIs(t, err, storage.ErrCorruptStream, "a failed read is not corruption")
}

func TestIngestRangeRejectsMalformedStreams(t *testing.T) {
	good := exportAll(t, map[string]string{"a": "1", "b": "2"})
	pair := func(key, value string) []byte {
		rec := []byte{0x01, byte(len(key)), byte(len(value))}
		rec = append(rec, key...)
		rec = append(rec, value...)
		return rec // checksum deliberately missing or wrong
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"unknown version", append([]byte("DYRS\x02"), good[5:]...)},
		{"unknown record tag", append([]byte("DYRS\x01"), 0x07)},
		{"zero-length key", append([]byte("DYRS\x01"), 0x01, 0, 0, 0, 0, 0, 0)},
		{"key longer than MaxKeySize", append([]byte("DYRS\x01"), 0x01, 0x81, 0x80, 0x02, 0)},
		{"value length past MaxValueSize", append([]byte("DYRS\x01"), 0x01, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a')},
		{"value length overflowing a varint", append([]byte("DYRS\x01"), 0x01, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"bad pair checksum", append(append([]byte("DYRS\x01"), pair("a", "1")...), 0, 0, 0, 0)},
		{"huge declared value, little data", append([]byte("DYRS\x01"), 0x01, 1, 0xff, 0xff, 0xff, 0x3f, 'a', 'b')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := memstore.New()
			defer e.Close()
			err := storage.IngestRange(e, nil, nil, bytes.NewReader(tt.data), nil)
			require.ErrorIs(t, err, storage.ErrCorruptStream)
		})
	}
}

func TestIngestRangeRejectsUnorderedKeys(t *testing.T) {
	// Splice the pair records (between the 5-byte header and the 10-byte end
	// record) of two exports so that keys go down.
	first := exportAll(t, map[string]string{"b": "2"})
	second := exportAll(t, map[string]string{"a": "1"})
	pairB := first[5 : len(first)-10]
	pairA := second[5 : len(second)-10]
	for _, tc := range []struct {
		name  string
		pairs [][]byte
	}{
		{"descending keys", [][]byte{pairB, pairA}},
		{"duplicate key", [][]byte{pairA, pairA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream := []byte("DYRS\x01")
			for _, p := range tc.pairs {
				stream = append(stream, p...)
			}
			e := memstore.New()
			defer e.Close()
			err := storage.IngestRange(e, nil, nil, bytes.NewReader(stream), nil)
			require.ErrorIs(t, err, storage.ErrCorruptStream)
			require.ErrorContains(t, err, "not after")
		})
	}
}

// FuzzIngestRange feeds arbitrary bytes to the stream decoder: it must never
// panic, must leave the engine untouched when it fails, and a stream it
// accepts is canonical: exporting what it ingested reproduces it byte for
// byte.
func FuzzIngestRange(f *testing.F) {
	f.Add(exportAll(f, nil))
	f.Add(exportAll(f, map[string]string{"a": "1"}))
	f.Add(exportAll(f, map[string]string{"\x00": "", "\xff\xff": "z", "ab": "long value long value"}))
	f.Add([]byte("DYRS\x01\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := memstore.New()
		defer e.Close()
		seed := e.NewBatch()
		seed.Set([]byte("seed"), []byte("kept unless replaced"))
		require.NoError(t, e.Commit(seed, false))
		err := storage.IngestRange(e, nil, nil, bytes.NewReader(data), map[uint64][]byte{1: []byte("m")})
		if err != nil {
			require.ErrorIs(t, err, storage.ErrCorruptStream)
			v, gerr := e.Get([]byte("seed"))
			require.NoError(t, gerr)
			require.Equal(t, "kept unless replaced", string(v))
			_, merr := e.Meta(1)
			require.ErrorIs(t, merr, storage.ErrNotFound)
			return
		}
		var out bytes.Buffer
		require.NoError(t, storage.ExportRange(e, nil, nil, &out))
		require.Equal(t, data, out.Bytes())
		m, merr := e.Meta(1)
		require.NoError(t, merr)
		require.Equal(t, "m", string(m))
	})
}

var _ io.Reader = (*failingReader)(nil)

func TestIngestRangeRejectsNonMinimalVarints(t *testing.T) {
	// Key length 1 encoded in two bytes (0x81 0x00).
	stream := append([]byte("DYRS\x01"), 0x01, 0x81, 0x00, 0x00, 'a')
	e := memstore.New()
	defer e.Close()
	err := storage.IngestRange(e, nil, nil, bytes.NewReader(stream), nil)
	require.ErrorIs(t, err, storage.ErrCorruptStream)
	require.ErrorContains(t, err, "non-minimal")
}
