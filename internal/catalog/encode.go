package catalog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"

	"github.com/embeddynamo/dynamo/internal/binenc"
)

// FormatVersion is the version of every record encoding of this package.
// It follows the record's kind byte.
const FormatVersion byte = 1

// Record kinds: the first byte of each encoding.
const (
	kindNode      byte = 'N'
	kindPartition byte = 'P'
	kindTable     byte = 'T'
	kindCatalog   byte = 'C'
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal appends the CRC-32C of b, little endian.
func seal(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// open checks the envelope (kind, version, checksum) and returns a decoder
// over the body.
func open(b []byte, kind byte, what string) (*decoder, error) {
	if len(b) < 6 {
		return nil, fmt.Errorf("%w: %s of %d bytes", ErrCorrupt, what, len(b))
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return nil, fmt.Errorf("%w: %s checksum %08x, computed %08x", ErrCorrupt, what, sum, got)
	}
	if body[0] != kind {
		return nil, fmt.Errorf("%w: %s kind byte 0x%02x", ErrCorrupt, what, body[0])
	}
	if body[1] != FormatVersion {
		return nil, fmt.Errorf("%w: %s format version %d", ErrCorrupt, what, body[1])
	}
	return newDecoder(body[2:], what), nil
}

// EncodeNode returns the binary form of a node record:
//
//	'N' version id zone address capacityReplicas capacityBytes live crc
//
// Integers are unsigned varints, strings length-prefixed, live one byte 0
// or 1, crc the CRC-32C of everything before it, 4 bytes little endian.
func EncodeNode(n Node) []byte {
	b := []byte{kindNode, FormatVersion}
	b = appendNode(b, n)
	return seal(b)
}

func appendNode(b []byte, n Node) []byte {
	b = binary.AppendUvarint(b, uint64(n.ID))
	b = appendString(b, n.Zone)
	b = appendString(b, n.Address)
	b = binary.AppendUvarint(b, uint64(max(n.Capacity.Replicas, 0)))
	b = binary.AppendUvarint(b, uint64(max(n.Capacity.Bytes, 0)))
	return appendBool(b, n.Live)
}

// DecodeNode parses bytes written by EncodeNode. Corrupt input yields an
// error wrapping ErrCorrupt.
func DecodeNode(b []byte) (Node, error) {
	d, err := open(b, kindNode, "node")
	if err != nil {
		return Node{}, err
	}
	n := d.node()
	d.End()
	return n, d.Err()
}

func (d *decoder) node() Node {
	var n Node
	n.ID = NodeID(d.Uvarint("node id"))
	n.Zone = d.String("zone")
	n.Address = d.String("address")
	n.Capacity.Replicas = int(d.bounded("capacity replicas", 1<<31))
	n.Capacity.Bytes = int64(d.bounded("capacity bytes", 1<<62))
	n.Live = d.Bool("live")
	if d.Err() == nil && (n.ID == 0 || n.Zone == "") {
		d.Fail("node without an ID or a zone")
	}
	return n
}

// EncodePartition returns the binary form of a partition record:
//
//	'P' version id table start hasEnd [end] replicas (node kind)* leader crc
//
// with the conventions of EncodeNode; kind is one byte (1 full, 2 log).
func EncodePartition(p Partition) []byte {
	b := []byte{kindPartition, FormatVersion}
	b = appendPartition(b, p)
	return seal(b)
}

func appendPartition(b []byte, p Partition) []byte {
	b = binary.AppendUvarint(b, p.ID)
	b = binary.AppendUvarint(b, p.Table)
	b = appendBytes(b, p.Range.Start)
	b = appendBool(b, p.Range.End != nil)
	if p.Range.End != nil {
		b = appendBytes(b, p.Range.End)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Replicas)))
	for _, r := range p.Replicas {
		b = binary.AppendUvarint(b, uint64(r.Node))
		b = append(b, byte(r.Kind))
	}
	return binary.AppendUvarint(b, uint64(p.Leader))
}

// DecodePartition parses bytes written by EncodePartition. Corrupt input,
// including an empty range, an unknown replica kind or a replica node of
// ID zero, yields an error wrapping ErrCorrupt. The result does not alias
// b.
func DecodePartition(b []byte) (Partition, error) {
	d, err := open(b, kindPartition, "partition")
	if err != nil {
		return Partition{}, err
	}
	p := d.partition()
	d.End()
	return p, d.Err()
}

func (d *decoder) partition() Partition {
	var p Partition
	p.ID = d.Uvarint("partition id")
	p.Table = d.Uvarint("table id")
	p.Range.Start = bytes.Clone(d.Bytes("range start"))
	if d.Bool("range end flag") {
		p.Range.End = append([]byte{}, d.Bytes("range end")...)
	}
	n := d.Count("replica count", 2)
	if n > 0 {
		p.Replicas = make([]Replica, 0, n)
	}
	for i := 0; i < n && d.Err() == nil; i++ {
		r := Replica{Node: NodeID(d.Uvarint("replica node"))}
		r.Kind = ReplicaKind(d.Byte("replica kind"))
		if d.Err() == nil && (r.Node == 0 || (r.Kind != ReplicaFull && r.Kind != ReplicaLog)) {
			d.Fail("replica %d: node %d kind %d", i, r.Node, r.Kind)
		}
		p.Replicas = append(p.Replicas, r)
	}
	p.Leader = NodeID(d.Uvarint("leader"))
	if d.Err() == nil {
		switch {
		case p.ID == 0:
			d.Fail("partition ID zero")
		case !bytes.HasPrefix(p.Range.Start, tableSpace(p.Table).Start):
			d.Fail("range start %x outside table %d", p.Range.Start, p.Table)
		case p.Range.Empty():
			d.Fail("empty range [%x, %x)", p.Range.Start, p.Range.End)
		}
	}
	return p
}

// tableRecord is the JSON body of a table record.
type tableRecord struct {
	Description TableDescription
	Tags        []Tag          `json:",omitempty"`
	Pending     *PendingUpdate `json:",omitempty"`
}

// EncodeTable returns the binary form of a table record, without its
// partitions (they are records of their own):
//
//	'T' version id body crc
//
// where body is the length-prefixed JSON of the description, tags and
// pending update. JSON because the description is a wide, nested, slowly
// changing document that the control plane writes rarely and operators
// read; partitions and nodes, which routers read constantly, are compact
// binary.
//
// It fails only for a time outside the years 0 to 9999, which JSON cannot
// carry.
func EncodeTable(t Table) ([]byte, error) {
	b, err := appendTable([]byte{kindTable, FormatVersion}, t)
	if err != nil {
		return nil, err
	}
	return seal(b), nil
}

func appendTable(b []byte, t Table) ([]byte, error) {
	body, err := json.Marshal(tableRecord{Description: t.Description, Tags: t.Tags, Pending: t.Pending})
	if err != nil {
		return nil, fmt.Errorf("catalog: encode table %d: %w", t.ID, err)
	}
	b = binary.AppendUvarint(b, t.ID)
	return appendBytes(b, body), nil
}

// DecodeTable parses bytes written by EncodeTable; the result has no
// partitions. Corrupt input, unknown JSON fields and descriptions that break
// the catalog's rules (name, status, key schema, billing mode) yield an
// error wrapping ErrCorrupt.
func DecodeTable(b []byte) (Table, error) {
	d, err := open(b, kindTable, "table")
	if err != nil {
		return Table{}, err
	}
	t := d.table()
	d.End()
	return t, d.Err()
}

func (d *decoder) table() Table {
	var t Table
	t.ID = d.Uvarint("table id")
	body := d.Bytes("table body")
	if d.Err() != nil {
		return t
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var rec tableRecord
	if err := dec.Decode(&rec); err != nil {
		d.Fail("table body: %v", err)
		return t
	}
	if dec.More() {
		d.Fail("table body: data after the JSON value")
		return t
	}
	t.Description, t.Tags, t.Pending = rec.Description, rec.Tags, rec.Pending
	if err := checkDescription(t.ID, &t.Description); err != nil {
		d.Fail("table %d: %v", t.ID, err)
	}
	return t
}

// checkDescription applies the rules every stored description obeys.
func checkDescription(id uint64, desc *TableDescription) error {
	if id == 0 {
		return fmt.Errorf("table ID zero")
	}
	if !validName(desc.TableName) || len(desc.TableName) < MinNameLength || len(desc.TableName) > MaxNameLength {
		return fmt.Errorf("invalid table name %q", desc.TableName)
	}
	switch desc.TableStatus {
	case TableStatusCreating, TableStatusActive, TableStatusUpdating, TableStatusDeleting:
	default:
		return fmt.Errorf("invalid table status %q", desc.TableStatus)
	}
	ks := desc.KeySchema
	if len(ks) < 1 || len(ks) > 2 || keyOrder(ks) != nil {
		return fmt.Errorf("invalid key schema")
	}
	for _, k := range ks {
		found := false
		for _, def := range desc.AttributeDefinitions {
			if def.AttributeName == k.AttributeName {
				found = true
				switch def.AttributeType {
				case ScalarAttributeTypeS, ScalarAttributeTypeN, ScalarAttributeTypeB:
				default:
					return fmt.Errorf("key attribute %s of type %q", k.AttributeName, def.AttributeType)
				}
			}
		}
		if !found {
			return fmt.Errorf("key attribute %s not defined", k.AttributeName)
		}
	}
	if desc.BillingModeSummary == nil {
		return fmt.Errorf("no billing mode")
	}
	switch desc.BillingModeSummary.BillingMode {
	case BillingModeProvisioned, BillingModePayPerRequest:
	default:
		return fmt.Errorf("invalid billing mode %q", desc.BillingModeSummary.BillingMode)
	}
	return nil
}

// EncodeCatalog returns the binary form of a whole catalog, the snapshot
// the metadata system table stores:
//
//	'C' version nextTableID nextPartitionID
//	    nodes (length-prefixed node bodies)
//	    tables (length-prefixed table bodies, each followed by its
//	            partitions as length-prefixed partition bodies)
//	    crc
//
// Bodies are the records of EncodeNode, EncodeTable and EncodePartition
// without their envelopes. Nodes and tables are in ID order, so equal
// catalogs encode to equal bytes. Options are not encoded. It fails only as
// EncodeTable does.
func EncodeCatalog(c *Catalog) ([]byte, error) {
	b := []byte{kindCatalog, FormatVersion}
	b = binary.AppendUvarint(b, c.nextTableID)
	b = binary.AppendUvarint(b, c.nextPartitionID)
	nodes := c.Nodes()
	b = binary.AppendUvarint(b, uint64(len(nodes)))
	for _, n := range nodes {
		b = appendBytes(b, appendNode(nil, n))
	}
	ids := make([]uint64, 0, len(c.byID))
	for id := range c.byID {
		ids = append(ids, id)
	}
	sortUint64(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		t := c.byID[id]
		body, err := appendTable(nil, *t)
		if err != nil {
			return nil, err
		}
		b = appendBytes(b, body)
		b = binary.AppendUvarint(b, uint64(len(t.Partitions)))
		for _, p := range t.Partitions {
			b = appendBytes(b, appendPartition(nil, p))
		}
	}
	return seal(b), nil
}

// DecodeCatalog parses bytes written by EncodeCatalog into a catalog with the
// given options, and verifies its invariants (Check). Corrupt input yields
// an error wrapping ErrCorrupt.
func DecodeCatalog(b []byte, opts Options) (*Catalog, error) {
	d, err := open(b, kindCatalog, "catalog")
	if err != nil {
		return nil, err
	}
	c := New(opts)
	c.nextTableID = d.Uvarint("next table id")
	c.nextPartitionID = d.Uvarint("next partition id")
	nodes := d.Count("node count", 4)
	for i := 0; i < nodes && d.Err() == nil; i++ {
		sub := d.sub("node")
		n := sub.node()
		sub.End()
		if d.adopt(sub) {
			if _, ok := c.nodes[n.ID]; ok {
				d.Fail("node %d twice", n.ID)
				break
			}
			nn := n
			c.nodes[n.ID] = &nn
		}
	}
	tables := d.Count("table count", 4)
	for i := 0; i < tables && d.Err() == nil; i++ {
		sub := d.sub("table")
		t := sub.table()
		sub.End()
		if !d.adopt(sub) {
			break
		}
		parts := d.Count("partition count", 4)
		for j := 0; j < parts && d.Err() == nil; j++ {
			ps := d.sub("partition")
			p := ps.partition()
			ps.End()
			if d.adopt(ps) {
				t.Partitions = append(t.Partitions, p)
			}
		}
		if d.Err() != nil {
			break
		}
		name := t.Description.TableName
		if _, ok := c.tables[name]; ok {
			d.Fail("table %s twice", name)
			break
		}
		if _, ok := c.byID[t.ID]; ok {
			d.Fail("table ID %d twice", t.ID)
			break
		}
		tt := t
		c.tables[name] = &tt
		c.byID[t.ID] = &tt
	}
	d.End()
	if d.Err() != nil {
		return nil, d.Err()
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return c, nil
}

func sortUint64(s []uint64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func appendString(b []byte, s string) []byte { return binenc.AppendString(b, s) }

func appendBytes(b, v []byte) []byte { return binenc.AppendBytes(b, v) }

func appendBool(b []byte, v bool) []byte { return binenc.AppendBool(b, v) }

// decoder reads the fields of a record body over binenc's primitives; the
// first failure sticks. what names the record in error messages.
type decoder struct {
	*binenc.Decoder
	what string
}

func newDecoder(body []byte, what string) *decoder {
	return &decoder{binenc.NewDecoder(body, fmt.Errorf("%w: %s", ErrCorrupt, what)), what}
}

// bounded reads a varint that must not exceed limit.
func (d *decoder) bounded(field string, limit uint64) uint64 {
	v := d.Uvarint(field)
	if v > limit {
		d.Fail("%s %d above %d", field, v, limit)
		return 0
	}
	return v
}

// sub returns a decoder over the next length-prefixed body.
func (d *decoder) sub(what string) *decoder {
	return newDecoder(d.Bytes(what), d.what+": "+what)
}

// adopt takes a sub-decoder's error; it reports whether there was none.
func (d *decoder) adopt(sub *decoder) bool { return d.Adopt(sub.Decoder) }
