package partition

import (
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
)

const (
	testTable = 7
	testGroup = 100
)

// testSchema is the key schema of the test table: pk (S) and sk (N).
var testSchema = itemcheck.KeySchema{
	Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
	Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeN},
}

// engineKind names a storage engine the tests run on.
type engineKind struct {
	name string
	// open opens the engine at dir (a fresh directory per engine); the
	// same dir reopens the same state for engines that persist.
	open func(t testing.TB, dir string) storage.Engine
	// persistent reports whether state survives Close.
	persistent bool
}

var engineKinds = []engineKind{
	{name: "memstore", open: func(t testing.TB, _ string) storage.Engine { return memstore.New() }},
	{name: "boltstore", persistent: true, open: func(t testing.TB, dir string) storage.Engine {
		e, err := boltstore.Open(filepath.Join(dir, "data.db"), &boltstore.Options{InitialMmapSize: 64 << 20})
		require.NoError(t, err)
		return e
	}},
}

// forEachEngine runs f once per engine kind, as subtests.
func forEachEngine(t *testing.T, f func(t *testing.T, kind engineKind)) {
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) { f(t, kind) })
	}
}

// newEngine opens a fresh engine of the kind, closed at the end of the test.
func newEngine(t testing.TB, kind engineKind) storage.Engine {
	e := kind.open(t, t.TempDir())
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// wholeTable is the range of the whole test table.
func wholeTable() keyenc.Range {
	start := keyenc.TablePrefix(testTable)
	return keyenc.Range{Start: start, End: keyenc.PrefixEnd(start)}
}

// newPartition creates a partition of the whole test table on e.
func createPartition(t testing.TB, e storage.Engine, opts Options) *Partition {
	p, err := Create(e, testGroup, Meta{Table: testTable, Schema: testSchema, Range: wholeTable()}, opts)
	require.NoError(t, err)
	return p
}

func key(pk string, sk int) attr.Item {
	return attr.Item{"pk": attr.S(pk), "sk": attr.N(itoa(sk))}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

func storageKeyOf(t testing.TB, k attr.Item) []byte {
	b, err := keyenc.Key(testTable, k["pk"], k["sk"])
	require.NoError(t, err)
	return b
}

// item returns the item with key (pk, sk) and extra attributes.
func item(pk string, sk int, attrs attr.Item) attr.Item {
	out := key(pk, sk)
	for k, v := range attrs {
		out[k] = v
	}
	return out
}

func putCmd(it attr.Item) *Command {
	return &Command{Op: OpPut, Table: testTable, Schema: testSchema, Item: it}
}

func updateCmd(k attr.Item, update string, names map[string]string, values expr.Values) *Command {
	return &Command{Op: OpUpdate, Table: testTable, Schema: testSchema, Key: k, UpdateExpression: update, Names: names, Values: values}
}

func deleteCmd(k attr.Item) *Command {
	return &Command{Op: OpDelete, Table: testTable, Schema: testSchema, Key: k}
}

// applier feeds commands to a partition with consecutive indexes.
type feeder struct {
	t     testing.TB
	p     *Partition
	index uint64
}

func newFeeder(t testing.TB, p *Partition) *feeder {
	return &feeder{t: t, p: p, index: p.AppliedIndex()}
}

// apply applies the commands in one Apply call and returns their results.
func (f *feeder) apply(cmds ...*Command) []*Result {
	f.t.Helper()
	batch := make([]multiraft.Command, len(cmds))
	for i, c := range cmds {
		data, err := c.Encode()
		require.NoError(f.t, err)
		f.index++
		batch[i] = multiraft.Command{Index: f.index, Data: data}
	}
	out, err := f.p.Apply(batch)
	require.NoError(f.t, err)
	require.Len(f.t, out, len(cmds))
	results := make([]*Result, len(out))
	for i, r := range out {
		results[i] = r.(*Result)
	}
	return results
}

// one applies one command and returns its result.
func (f *feeder) one(c *Command) *Result {
	f.t.Helper()
	return f.apply(c)[0]
}

// scanAll returns every item of the partition in key order.
func scanAll(t testing.TB, p *Partition) []attr.Item {
	t.Helper()
	it, err := p.Scan(ScanOptions{})
	require.NoError(t, err)
	var out []attr.Item
	for it.Next() {
		out = append(out, it.Item())
	}
	require.NoError(t, it.Close())
	return out
}

// requireCounts checks the partition's meta counts against its items.
func requireCounts(t testing.TB, p *Partition) {
	t.Helper()
	items := scanAll(t, p)
	var size uint64
	for _, it := range items {
		size += uint64(itemcheck.Size(it))
	}
	m := p.Meta()
	require.Equal(t, uint64(len(items)), m.Items, "item count")
	require.Equal(t, size, m.Bytes, "byte total")
}

// engineDump returns every data key/value and every meta of an engine.
func engineDump(t testing.TB, e storage.Engine) (map[string]string, map[uint64][]byte) {
	t.Helper()
	it, err := e.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	data := map[string]string{}
	for it.Next() {
		data[string(it.Key())] = string(it.Value())
	}
	require.NoError(t, it.Close())
	metas, err := e.Metas()
	require.NoError(t, err)
	return data, metas
}

func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

func crc32c(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(nil, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}
