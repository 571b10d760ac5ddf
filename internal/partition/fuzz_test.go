package partition

import (
	"bytes"
	"testing"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
)

// FuzzDecodeCommand checks that the command decoder never panics, and that
// whatever it accepts encodes back to the same bytes (the encoding is
// canonical) and applies to a partition without a storage-level error.
func FuzzDecodeCommand(f *testing.F) {
	for _, c := range sampleCommands() {
		b, err := c.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{CommandVersion, byte(OpSplit), 0x80, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			return
		}
		again, err := c.Encode()
		if err != nil {
			t.Fatalf("decoded command does not encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, data)
		}
		// Whatever decodes must apply without stopping the partition: a
		// command's own failure is its result, never Apply's error.
		e := memstore.New()
		defer e.Close()
		p, err := Create(e, testGroup, Meta{Table: testTable, Schema: testSchema, Range: wholeTable()}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		seed, err := putCmd(stored).Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Apply([]multiraft.Command{{Index: 1, Data: seed}, {Index: 2, Data: data}, {Index: 3, Data: data}}); err != nil {
			t.Fatalf("apply: %v", err)
		}
	})
}

// FuzzDecodeMeta checks that the meta decoder never panics and that what
// it accepts encodes back to the same bytes.
func FuzzDecodeMeta(f *testing.F) {
	f.Add(EncodeMeta(Meta{AppliedIndex: 3, Table: testTable, Schema: testSchema, Range: wholeTable(), Items: 2, Bytes: 100}))
	f.Add(EncodeMeta(*emptyMeta()))
	f.Add([]byte{FormatVersion})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeMeta(data)
		if err != nil {
			return
		}
		if again := EncodeMeta(m); !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs:\n got %x\nwant %x", again, data)
		}
	})
}

// FuzzRestore feeds arbitrary streams to Restore: it either installs a
// state that reopens, or fails and leaves the engine as it was.
func FuzzRestore(f *testing.F) {
	src := memstore.New()
	defer src.Close()
	p, err := Create(src, testGroup, Meta{Table: testTable, Schema: testSchema, Range: wholeTable()}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	var cmds []multiraft.Command
	for i := range 5 {
		data, err := putCmd(item("k", i, nil)).Encode()
		if err != nil {
			f.Fatal(err)
		}
		cmds = append(cmds, multiraft.Command{Index: uint64(i + 1), Data: data})
	}
	if _, err := p.Apply(cmds); err != nil {
		f.Fatal(err)
	}
	snap, err := p.Snapshot()
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := snap.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	if err := snap.Close(); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("DYPS\x01"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		e := memstore.New()
		defer e.Close()
		dst, err := Open(e, testGroup, Options{})
		if err != nil {
			t.Fatal(err)
		}
		index, err := dst.Restore(bytes.NewReader(stream))
		if err != nil {
			if metas, merr := e.Metas(); merr != nil || len(metas) != 0 {
				t.Fatalf("a failed restore wrote metadata: %v %v", metas, merr)
			}
			return
		}
		reopened, err := Open(e, testGroup, Options{})
		if err != nil {
			t.Fatalf("restored state does not reopen: %v", err)
		}
		if reopened.AppliedIndex() != index {
			t.Fatalf("reopened at %d, restored %d", reopened.AppliedIndex(), index)
		}
	})
}
