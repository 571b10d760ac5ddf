package catalog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
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
	return &decoder{b: body[2:], what: what}, nil
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
	d.end()
	return n, d.err
}

func (d *decoder) node() Node {
	var n Node
	n.ID = NodeID(d.uvarint("node id"))
	n.Zone = d.string("zone")
	n.Address = d.string("address")
	n.Capacity.Replicas = int(d.bounded("capacity replicas", 1<<31))
	n.Capacity.Bytes = int64(d.bounded("capacity bytes", 1<<62))
	n.Live = d.bool("live")
	if d.err == nil && (n.ID == 0 || n.Zone == "") {
		d.fail("node without an ID or a zone")
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
	d.end()
	return p, d.err
}

func (d *decoder) partition() Partition {
	var p Partition
	p.ID = d.uvarint("partition id")
	p.Table = d.uvarint("table id")
	p.Range.Start = bytes.Clone(d.bytes("range start"))
	if d.bool("range end flag") {
		p.Range.End = append([]byte{}, d.bytes("range end")...)
	}
	n := d.count("replica count", 2)
	if n > 0 {
		p.Replicas = make([]Replica, 0, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		r := Replica{Node: NodeID(d.uvarint("replica node"))}
		r.Kind = ReplicaKind(d.byte("replica kind"))
		if d.err == nil && (r.Node == 0 || (r.Kind != ReplicaFull && r.Kind != ReplicaLog)) {
			d.fail("replica %d: node %d kind %d", i, r.Node, r.Kind)
		}
		p.Replicas = append(p.Replicas, r)
	}
	p.Leader = NodeID(d.uvarint("leader"))
	if d.err == nil {
		switch {
		case p.ID == 0:
			d.fail("partition ID zero")
		case !bytes.HasPrefix(p.Range.Start, tableSpace(p.Table).Start):
			d.fail("range start %x outside table %d", p.Range.Start, p.Table)
		case p.Range.Empty():
			d.fail("empty range [%x, %x)", p.Range.Start, p.Range.End)
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
	d.end()
	return t, d.err
}

func (d *decoder) table() Table {
	var t Table
	t.ID = d.uvarint("table id")
	body := d.bytes("table body")
	if d.err != nil {
		return t
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var rec tableRecord
	if err := dec.Decode(&rec); err != nil {
		d.fail("table body: %v", err)
		return t
	}
	if dec.More() {
		d.fail("table body: data after the JSON value")
		return t
	}
	t.Description, t.Tags, t.Pending = rec.Description, rec.Tags, rec.Pending
	if err := checkDescription(t.ID, &t.Description); err != nil {
		d.fail("table %d: %v", t.ID, err)
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
	c.nextTableID = d.uvarint("next table id")
	c.nextPartitionID = d.uvarint("next partition id")
	nodes := d.count("node count", 4)
	for i := 0; i < nodes && d.err == nil; i++ {
		sub := d.sub("node")
		n := sub.node()
		sub.end()
		if d.adopt(sub) {
			if _, ok := c.nodes[n.ID]; ok {
				d.fail("node %d twice", n.ID)
				break
			}
			nn := n
			c.nodes[n.ID] = &nn
		}
	}
	tables := d.count("table count", 4)
	for i := 0; i < tables && d.err == nil; i++ {
		sub := d.sub("table")
		t := sub.table()
		sub.end()
		if !d.adopt(sub) {
			break
		}
		parts := d.count("partition count", 4)
		for j := 0; j < parts && d.err == nil; j++ {
			ps := d.sub("partition")
			p := ps.partition()
			ps.end()
			if d.adopt(ps) {
				t.Partitions = append(t.Partitions, p)
			}
		}
		if d.err != nil {
			break
		}
		name := t.Description.TableName
		if _, ok := c.tables[name]; ok {
			d.fail("table %s twice", name)
			break
		}
		if _, ok := c.byID[t.ID]; ok {
			d.fail("table ID %d twice", t.ID)
			break
		}
		tt := t
		c.tables[name] = &tt
		c.byID[t.ID] = &tt
	}
	d.end()
	if d.err != nil {
		return nil, d.err
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

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// decoder reads the fields of a record body; the first failure sticks.
type decoder struct {
	b    []byte
	err  error
	what string
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s: %s", ErrCorrupt, d.what, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) byte(field string) byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail("truncated in %s", field)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bool(field string) bool {
	switch c := d.byte(field); c {
	case 0:
		return false
	case 1:
		return true
	default:
		d.fail("%s: boolean byte 0x%02x", field, c)
		return false
	}
}

func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint in %s", field)
		return 0
	}
	// Reject non-minimal encodings so that every value has one encoding.
	if n > 1 && d.b[n-1] == 0 {
		d.fail("non-minimal varint in %s", field)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bounded reads a varint that must not exceed limit.
func (d *decoder) bounded(field string, limit uint64) uint64 {
	v := d.uvarint(field)
	if v > limit {
		d.fail("%s %d above %d", field, v, limit)
		return 0
	}
	return v
}

// count reads an element count, each element taking at least minSize
// bytes, so a corrupt count cannot make the decoder allocate or loop beyond
// the input.
func (d *decoder) count(field string, minSize int) int {
	v := d.uvarint(field)
	if d.err == nil && v > uint64(len(d.b)/minSize) {
		d.fail("%s %d exceeds the %d bytes left", field, v, len(d.b))
		return 0
	}
	return int(v)
}

func (d *decoder) bytes(field string) []byte {
	n := d.uvarint(field + " length")
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("%s of %d bytes, %d left", field, n, len(d.b))
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string(field string) string { return string(d.bytes(field)) }

// sub returns a decoder over the next length-prefixed body.
func (d *decoder) sub(what string) *decoder {
	body := d.bytes(what)
	return &decoder{b: body, err: d.err, what: d.what + ": " + what}
}

// adopt takes a sub-decoder's error; it reports whether there was none.
func (d *decoder) adopt(sub *decoder) bool {
	if d.err == nil && sub.err != nil {
		d.err = sub.err
	}
	return d.err == nil
}

func (d *decoder) end() {
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the end", len(d.b))
	}
}
