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
