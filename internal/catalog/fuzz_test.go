package catalog

import (
	"bytes"
	"testing"
)

// resealed returns b with its last four bytes replaced by the checksum of
// the rest, so that the fuzzer's mutations of a record's body reach the
// body parser instead of stopping at the checksum.
func resealed(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	return seal(bytes.Clone(b[:len(b)-4]))
}

// seedRecords returns encodings of every kind from a rich catalog.
func seedRecords(t testing.TB) (nodes, parts, tables [][]byte, catalog []byte) {
	c := richCatalog(t)
	for _, n := range c.Nodes() {
		nodes = append(nodes, EncodeNode(n))
	}
	for _, name := range c.TableNames() {
		tbl, _ := c.Table(name)
		b, err := EncodeTable(tbl)
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, b)
		for _, p := range tbl.Partitions {
			parts = append(parts, EncodePartition(p))
		}
	}
	catalog, err := EncodeCatalog(c)
	if err != nil {
		t.Fatal(err)
	}
	return nodes, parts, tables, catalog
}

// FuzzDecodeNode checks that DecodeNode never panics and that what it
// accepts re-encodes to the same bytes (the encoding is canonical).
func FuzzDecodeNode(f *testing.F) {
	nodes, _, _, _ := seedRecords(f)
	for _, b := range nodes {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, b := range [][]byte{raw, resealed(raw)} {
			n, err := DecodeNode(b)
			if err != nil {
				continue
			}
			if again := EncodeNode(n); !bytes.Equal(again, b) {
				t.Fatalf("node %+v re-encodes to %x, decoded from %x", n, again, b)
			}
		}
	})
}

// FuzzDecodePartition checks that DecodePartition never panics and that
// what it accepts re-encodes to the same bytes.
func FuzzDecodePartition(f *testing.F) {
	_, parts, _, _ := seedRecords(f)
	for _, b := range parts {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, b := range [][]byte{raw, resealed(raw)} {
			p, err := DecodePartition(b)
			if err != nil {
				continue
			}
			if again := EncodePartition(p); !bytes.Equal(again, b) {
				t.Fatalf("partition %+v re-encodes to %x, decoded from %x", p, again, b)
			}
			if p.Range.Empty() {
				t.Fatalf("accepted an empty range: %+v", p)
			}
		}
	})
}

// FuzzDecodeTable checks that DecodeTable never panics and that what it
// accepts survives an encode-decode round trip unchanged.
func FuzzDecodeTable(f *testing.F) {
	_, _, tables, _ := seedRecords(f)
	for _, b := range tables {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, b := range [][]byte{raw, resealed(raw)} {
			tbl, err := DecodeTable(b)
			if err != nil {
				continue
			}
			enc, err := EncodeTable(tbl)
			if err != nil {
				t.Fatalf("accepted table does not encode: %v", err)
			}
			again, err := DecodeTable(enc)
			if err != nil {
				t.Fatalf("re-encoded table does not decode: %v", err)
			}
			enc2, err := EncodeTable(again)
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("table encoding unstable: %v", err)
			}
		}
	})
}

// FuzzDecodeCatalog checks that DecodeCatalog never panics, that what it
// accepts passes Check, and that it round-trips to stable bytes.
func FuzzDecodeCatalog(f *testing.F) {
	_, _, _, catalog := seedRecords(f)
	f.Add(catalog)
	empty, err := EncodeCatalog(New(Options{}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(empty)
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, b := range [][]byte{raw, resealed(raw)} {
			c, err := DecodeCatalog(b, Options{})
			if err != nil {
				continue
			}
			if err := c.Check(); err != nil {
				t.Fatalf("accepted catalog breaks invariants: %v", err)
			}
			enc, err := EncodeCatalog(c)
			if err != nil {
				t.Fatalf("accepted catalog does not encode: %v", err)
			}
			again, err := DecodeCatalog(enc, Options{})
			if err != nil {
				t.Fatalf("re-encoded catalog does not decode: %v", err)
			}
			enc2, err := EncodeCatalog(again)
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("catalog encoding unstable: %v", err)
			}
		}
	})
}
