package catalog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// richCatalog returns a catalog with nodes, several tables in several
// states, splits, log replicas and leader hints.
func richCatalog(t testing.TB) *Catalog {
	c := newCluster(t, 3, 2)
	require.NoError(t, c.AddNode(Node{ID: 50, Zone: "zone-d", Address: "far:1", Capacity: Capacity{Replicas: 10, Bytes: 1 << 40}}))
	in := baseCreate()
	withIndexes(in)
	in.Tags = []Tag{{Key: "team", Value: "db"}}
	in.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeNewAndOldImages}
	in.SSESpecification = &SSESpecification{Enabled: Bool(true)}
	in.TableClass = TableClassStandardInfrequentAccess
	in.ProvisionedThroughput = pt(7000, 500)
	active(t, c, in)
	od := baseCreate()
	od.TableName = "ondemand"
	od.BillingMode = BillingModePayPerRequest
	od.ProvisionedThroughput = nil
	mustCreate(t, c, od)
	_, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(8000, 400)}, t0.Add(time.Minute))
	require.NoError(t, err)
	tbl, _ := c.Table("orders")
	right := c.AllocatePartitionID()
	mid := append(bytes.Clone(tbl.Partitions[0].Range.Start), 0x10)
	require.NoError(t, c.ApplySplit("orders", tbl.Partitions[0].ID, mid, right))
	p := tbl.Partitions[1]
	require.NoError(t, c.SetLeader("orders", p.ID, p.Replicas[1].Node))
	for _, n := range c.Nodes() {
		if !p.Holds(n.ID) && n.Live {
			if err := c.AddReplica("orders", p.ID, Replica{Node: n.ID, Kind: ReplicaLog}); err == nil {
				break
			}
		}
	}
	require.NoError(t, c.Check())
	return c
}

func TestRecordRoundTrips(t *testing.T) {
	c := richCatalog(t)
	for _, n := range c.Nodes() {
		got, err := DecodeNode(EncodeNode(n))
		require.NoError(t, err)
		require.Equal(t, n, got)
	}
	for _, name := range c.TableNames() {
		tbl, _ := c.Table(name)
		b, err := EncodeTable(tbl)
		require.NoError(t, err)
		got, err := DecodeTable(b)
		require.NoError(t, err)
		want := tbl
		want.Partitions = nil
		require.Equal(t, want, got)
		for _, p := range tbl.Partitions {
			gp, err := DecodePartition(EncodePartition(p))
			require.NoError(t, err)
			require.Equal(t, p, gp)
		}
	}
}

func TestCatalogRoundTrip(t *testing.T) {
	c := richCatalog(t)
	b, err := EncodeCatalog(c)
	require.NoError(t, err)
	got, err := DecodeCatalog(b, Options{})
	require.NoError(t, err)
	require.Equal(t, c.Nodes(), got.Nodes())
	require.Equal(t, c.TableNames(), got.TableNames())
	for _, name := range c.TableNames() {
		want, _ := c.Table(name)
		have, _ := got.Table(name)
		require.Equal(t, want, have)
	}
	again, err := EncodeCatalog(got)
	require.NoError(t, err)
	require.Equal(t, b, again, "equal catalogs encode to equal bytes")
	// The decoded catalog goes on allocating fresh IDs.
	require.Equal(t, c.AllocatePartitionID(), got.AllocatePartitionID())
	// And an empty one round-trips too.
	empty, err := EncodeCatalog(New(Options{}))
	require.NoError(t, err)
	e, err := DecodeCatalog(empty, Options{})
	require.NoError(t, err)
	require.Empty(t, e.TableNames())
}

func reseal(b []byte) []byte {
	body := b[:len(b)-4]
	return binary.LittleEndian.AppendUint32(bytes.Clone(body), crc32.Checksum(body, castagnoli))
}

func TestDecodeRejectsCorruptInput(t *testing.T) {
	c := richCatalog(t)
	tbl, _ := c.Table("orders")
	node := EncodeNode(c.Nodes()[0])
	part := EncodePartition(tbl.Partitions[0])
	table, err := EncodeTable(tbl)
	require.NoError(t, err)
	cat, err := EncodeCatalog(c)
	require.NoError(t, err)

	badTable := func(mutate func(*tableRecord)) []byte {
		rec := tableRecord{Description: cloneDescription(tbl.Description)}
		mutate(&rec)
		body, err := json.Marshal(rec)
		require.NoError(t, err)
		b := binary.AppendUvarint([]byte{kindTable, FormatVersion}, tbl.ID)
		return seal(appendBytes(b, body))
	}
	badPartition := func(mutate func(*Partition)) []byte {
		p := tbl.Partitions[0].Clone()
		mutate(&p)
		return EncodePartition(p)
	}
	decoders := map[string]func([]byte) error{
		"node":      func(b []byte) error { _, err := DecodeNode(b); return err },
		"partition": func(b []byte) error { _, err := DecodePartition(b); return err },
		"table":     func(b []byte) error { _, err := DecodeTable(b); return err },
		"catalog":   func(b []byte) error { _, err := DecodeCatalog(b, Options{}); return err },
	}
	cases := []struct {
		name    string
		decoder string
		input   []byte
	}{
		{"empty node", "node", nil},
		{"truncated node", "node", node[:len(node)-5]},
		{"node checksum", "node", append(bytes.Clone(node[:len(node)-1]), node[len(node)-1]^1)},
		{"node body bit flip", "node", func() []byte { b := bytes.Clone(node); b[3] ^= 0x40; return b }()},
		{"node version", "node", func() []byte { b := bytes.Clone(node); b[1] = 9; return reseal(b) }()},
		{"node kind", "node", func() []byte { b := bytes.Clone(node); b[0] = 'X'; return reseal(b) }()},
		{"node trailing byte", "node", reseal(append(bytes.Clone(node[:len(node)-4]), 0, 0, 0, 0, 0))},
		{"node bad bool", "node", func() []byte { b := bytes.Clone(node); b[len(b)-5] = 2; return reseal(b) }()},
		{"node without zone", "node", EncodeNode(Node{ID: 4})},
		{"node of ID zero", "node", EncodeNode(Node{Zone: "a"})},
		{"partition as node", "node", part},
		{"truncated partition", "partition", reseal(part[:len(part)-6])},
		{"partition ID zero", "partition", badPartition(func(p *Partition) { p.ID = 0 })},
		{"partition replica kind", "partition", badPartition(func(p *Partition) { p.Replicas[0].Kind = 9 })},
		{"partition replica node zero", "partition", badPartition(func(p *Partition) { p.Replicas[0].Node = 0 })},
		{"partition empty range", "partition", badPartition(func(p *Partition) { p.Range.End = p.Range.Start })},
		{"partition range of another table", "partition", badPartition(func(p *Partition) { p.Table++ })},
		{"partition huge replica count", "partition", func() []byte {
			p := tbl.Partitions[0].Clone()
			p.Replicas = nil
			b := EncodePartition(p)
			// Replace the count byte (0) after the range with a huge varint.
			body := b[:len(b)-4]
			i := bytes.LastIndexByte(body[:len(body)-1], 0)
			out := append(bytes.Clone(body[:i]), 0xff, 0xff, 0xff, 0xff, 0x0f)
			out = append(out, body[i+1:]...)
			return seal(out)
		}()},
		{"table unknown JSON field", "table", func() []byte {
			body := binary.AppendUvarint([]byte{kindTable, FormatVersion}, tbl.ID)
			return seal(appendBytes(body, []byte(`{"Description":{},"Bogus":1}`)))
		}()},
		{"table JSON not an object", "table", func() []byte {
			body := binary.AppendUvarint([]byte{kindTable, FormatVersion}, tbl.ID)
			return seal(appendBytes(body, []byte(`[1,2]`)))
		}()},
		{"table JSON with trailing value", "table", func() []byte {
			body, err := json.Marshal(tableRecord{Description: tbl.Description})
			require.NoError(t, err)
			b := binary.AppendUvarint([]byte{kindTable, FormatVersion}, tbl.ID)
			return seal(appendBytes(b, append(body, []byte(" {}")...)))
		}()},
		{"table bad name", "table", badTable(func(r *tableRecord) { r.Description.TableName = "a;" })},
		{"table bad status", "table", badTable(func(r *tableRecord) { r.Description.TableStatus = "SLEEPING" })},
		{"table key schema reversed", "table", badTable(func(r *tableRecord) {
			ks := r.Description.KeySchema
			r.Description.KeySchema = []KeySchemaElement{ks[1], ks[0]}
		})},
		{"table key not defined", "table", badTable(func(r *tableRecord) { r.Description.AttributeDefinitions = nil })},
		{"table key of bad type", "table", badTable(func(r *tableRecord) { r.Description.AttributeDefinitions[0].AttributeType = "SS" })},
		{"table without billing mode", "table", badTable(func(r *tableRecord) { r.Description.BillingModeSummary = nil })},
		{"table bad billing mode", "table", badTable(func(r *tableRecord) { r.Description.BillingModeSummary.BillingMode = "X" })},
		{"table checksum", "table", append(bytes.Clone(table[:len(table)-1]), table[len(table)-1]^0xff)},
		{"catalog truncated", "catalog", reseal(cat[:len(cat)/2])},
		{"catalog checksum", "catalog", func() []byte { b := bytes.Clone(cat); b[len(b)/2] ^= 1; return b }()},
		{"catalog trailing bytes", "catalog", reseal(append(bytes.Clone(cat[:len(cat)-4]), 7, 0, 0, 0, 0))},
		{"catalog with a gap in a partition map", "catalog", func() []byte {
			broken := richCatalog(t)
			tb := broken.tables["orders"]
			require.GreaterOrEqual(t, len(tb.Partitions), 3)
			tb.Partitions = append(tb.Partitions[:1], tb.Partitions[2:]...)
			b, err := EncodeCatalog(broken)
			require.NoError(t, err)
			return b
		}()},
		{"catalog with next IDs reset", "catalog", func() []byte {
			b := bytes.Clone(cat[:len(cat)-4])
			b[2], b[3] = 1, 1 // nextTableID = 1 would reuse IDs.
			return reseal(b)
		}()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := decoders[tc.decoder](tc.input)
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
}

func TestEncodeTableRejectsUnencodableTime(t *testing.T) {
	c := newCluster(t, 1, 1)
	mustCreate(t, c, baseCreate())
	tbl, _ := c.Table("orders")
	tbl.Description.CreationDateTime = time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := EncodeTable(tbl)
	require.Error(t, err)
}

func TestRandomCatalogsRoundTrip(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 5))
		c := newCluster(t, 1+r.IntN(4), 1+r.IntN(3))
		for i := 0; i < 1+r.IntN(5); i++ {
			in := baseCreate()
			in.TableName = fmt.Sprintf("t-%d-%s", i, strings.Repeat("x", r.IntN(5)))
			in.ProvisionedThroughput = pt(int64(1+r.IntN(20000)), int64(1+r.IntN(5000)))
			mustCreate(t, c, in)
			if r.IntN(2) == 0 {
				require.NoError(t, c.CompleteTransition(in.TableName))
			}
		}
		b, err := EncodeCatalog(c)
		require.NoError(t, err)
		got, err := DecodeCatalog(b, Options{})
		require.NoError(t, err, "seed %d", seed)
		again, err := EncodeCatalog(got)
		require.NoError(t, err)
		require.Equal(t, b, again, "seed %d", seed)
	}
}
