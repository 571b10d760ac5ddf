// Package meta keeps the cluster's metadata in the system table and runs the
// control plane over it.
//
// # The system table
//
// The catalog (internal/catalog: tables, partition maps, replica placement,
// the node registry) is stored in the system table, table ID 0, whose one
// partition is the raft group Group, replicated like any user partition on
// the first node of each zone (Voters). Its items, keyed by the string
// attribute "k", are records:
//
//	"ids"           next table ID ("t") and next partition ID ("p")
//	"node/<id>"     a node (catalog.EncodeNode) in "v"
//	"table/<name>"  a table (catalog.EncodeTable) in "v" and its partitions
//	                (catalog.EncodePartition each) in the list "p"
//	"move/<part>"   a replica move under way (JSON in "v"), so the next
//	                controller finishes what this one began
//	"event/<seq>"   one of the latest MaxEvents events (JSON in "v"), seq
//	                16 hex digits, so events outlive the controller
//
// Every record carries a version "ver" that each write checks and bumps, so
// a controller whose view is stale cannot overwrite a newer record. A table
// and its partition map change together in one item, so a crash never
// leaves a partition map half written; a change that spans records writes
// the counters first, so a crash at worst skips IDs.
//
// # The controller
//
// Every node runs a Controller. The one on the leader of Group is the
// active control plane: it loads the catalog when it gains leadership,
// serves control requests (CreateTable, DescribeTable, UpdateTable,
// DeleteTable, ListTables, the tagging operations, node registration),
// persists each change before answering, and reconciles: the partitions of a
// CREATING table are created on their replicas' nodes before it turns
// ACTIVE, those of a DELETING table removed before it goes. The others
// answer control requests with a redirect to the leader.
//
// Clients (routers) reach the controller with Client, which follows
// redirects among the system table's voters, and read table records from
// the system table to route data-plane requests.
package meta

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// SystemTable is the table ID of the system table; user tables start at 1.
const SystemTable uint64 = 0

// Group is the raft group of the system table's partition. User partitions
// take IDs from 1 upwards (catalog.AllocatePartitionID), far below it.
const Group uint64 = 1 << 62

// MaxVoters is the number of replicas of the system table.
const MaxVoters = 3

// Schema is the system table's primary key: the string "k".
var Schema = itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "k", Type: attr.TypeS}}

// PartitionMeta is the system table's partition: the whole of table 0.
func PartitionMeta() partition.Meta {
	start := keyenc.TablePrefix(SystemTable)
	return partition.Meta{
		Table:  SystemTable,
		Schema: Schema,
		Range:  keyenc.Range{Start: start, End: keyenc.PrefixEnd(start)},
	}
}

// Member is a node of the cluster as its configuration lists it.
type Member struct {
	ID      transport.NodeID
	Zone    string
	Address string
}

// Voters returns the nodes that host the system table: the lowest-numbered
// node of each zone, zones taken in the order of their lowest node, up to
// MaxVoters; with fewer zones than MaxVoters the next lowest nodes fill in.
// Every node computes the same list from the same members.
func Voters(members []Member) []transport.NodeID {
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int { return compareIDs(a.ID, b.ID) })
	var out []transport.NodeID
	zones := map[string]bool{}
	for _, m := range ms {
		if len(out) == MaxVoters {
			break
		}
		if !zones[m.Zone] {
			zones[m.Zone] = true
			out = append(out, m.ID)
		}
	}
	for _, m := range ms {
		if len(out) == MaxVoters {
			break
		}
		if !slices.Contains(out, m.ID) {
			out = append(out, m.ID)
		}
	}
	slices.SortFunc(out, compareIDs)
	return out
}

func compareIDs(a, b transport.NodeID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Record keys.
const (
	idsKey      = "ids"
	nodePrefix  = "node/"
	tablePrefix = "table/"
	movePrefix  = "move/"
	eventPrefix = "event/"
)

// Record attributes.
const (
	attrKey       = "k"
	attrVersion   = "ver"
	attrValue     = "v"
	attrParts     = "p"
	attrNextTable = "t"
)

func tableKey(name string) string { return tablePrefix + name }

func nodeKey(id catalog.NodeID) string { return nodePrefix + strconv.FormatUint(uint64(id), 10) }

// recordKey is the primary key of the record called k.
func recordKey(k string) attr.Item { return attr.Item{attrKey: attr.S(k)} }

// tableItem is a table's record without its version.
func tableItem(t catalog.Table) (attr.Item, error) {
	body, err := catalog.EncodeTable(t)
	if err != nil {
		return nil, err
	}
	parts := make([]attr.Value, len(t.Partitions))
	for i, p := range t.Partitions {
		parts[i] = attr.B(catalog.EncodePartition(p))
	}
	return attr.Item{
		attrKey:   attr.S(tableKey(t.Description.TableName)),
		attrValue: attr.B(body),
		attrParts: attr.L(parts...),
	}, nil
}

// decodeTable parses a table record.
func decodeTable(item attr.Item) (catalog.Table, error) {
	body, ok := item[attrValue]
	if !ok || body.Type() != attr.TypeB {
		return catalog.Table{}, fmt.Errorf("meta: table record %v without its body", item[attrKey])
	}
	t, err := catalog.DecodeTable(body.B())
	if err != nil {
		return catalog.Table{}, err
	}
	parts := item[attrParts]
	if parts.Type() != attr.TypeL {
		return catalog.Table{}, fmt.Errorf("meta: table record %s without its partitions", t.Description.TableName)
	}
	for _, v := range parts.L() {
		if v.Type() != attr.TypeB {
			return catalog.Table{}, fmt.Errorf("meta: table record %s: partition of type %s", t.Description.TableName, v.Type())
		}
		p, err := catalog.DecodePartition(v.B())
		if err != nil {
			return catalog.Table{}, err
		}
		t.Partitions = append(t.Partitions, p)
	}
	return t, nil
}

func nodeItem(n catalog.Node) attr.Item {
	return attr.Item{attrKey: attr.S(nodeKey(n.ID)), attrValue: attr.B(catalog.EncodeNode(n))}
}

func idsItem(nextTable, nextPartition uint64) attr.Item {
	return attr.Item{
		attrKey:       attr.S(idsKey),
		attrNextTable: attr.N(strconv.FormatUint(nextTable, 10)),
		attrParts:     attr.N(strconv.FormatUint(nextPartition, 10)),
	}
}

// state is what the control plane keeps in the system table beside the
// catalog.
type state struct {
	// moves are the replica moves under way.
	moves []catalog.Move
	// events are the latest events, oldest first; firstEvent is the
	// sequence number of events[0].
	events     []Event
	firstEvent uint64
}

func eventKey(seq uint64) string { return fmt.Sprintf("%s%016x", eventPrefix, seq) }

func moveKey(partition uint64) string { return movePrefix + strconv.FormatUint(partition, 10) }

// jsonItem is the record k holding v as JSON.
func jsonItem(k string, v any) (attr.Item, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("meta: encode record %s: %w", k, err)
	}
	return attr.Item{attrKey: attr.S(k), attrValue: attr.B(b)}, nil
}

// decodeJSON parses the JSON body of a record written by jsonItem.
func decodeJSON(item attr.Item, v any) error {
	body, ok := item[attrValue]
	if !ok || body.Type() != attr.TypeB {
		return fmt.Errorf("meta: record %v without its body", item[attrKey])
	}
	if err := json.Unmarshal(body.B(), v); err != nil {
		return fmt.Errorf("meta: record %v: %w", item[attrKey], err)
	}
	return nil
}

// records are the catalog and the control plane's state as the system
// table holds them: items by key, without versions. An event never changes
// once recorded: its item is taken from saved when there.
func records(c *catalog.Catalog, st state, saved map[string]attr.Item) (map[string]attr.Item, error) {
	out := map[string]attr.Item{}
	for _, m := range st.moves {
		k := moveKey(m.Partition)
		item, err := jsonItem(k, m)
		if err != nil {
			return nil, err
		}
		out[k] = item
	}
	for i, ev := range st.events {
		k := eventKey(st.firstEvent + uint64(i))
		if item, ok := saved[k]; ok {
			out[k] = item
			continue
		}
		item, err := jsonItem(k, ev)
		if err != nil {
			return nil, err
		}
		out[k] = item
	}
	nt, np := c.Counters()
	out[idsKey] = idsItem(nt, np)
	for _, n := range c.Nodes() {
		out[nodeKey(n.ID)] = nodeItem(n)
	}
	for _, name := range c.TableNames() {
		t, _ := c.Table(name)
		item, err := tableItem(t)
		if err != nil {
			return nil, err
		}
		out[tableKey(name)] = item
	}
	return out, nil
}

// assemble rebuilds a catalog and the control plane's state from the
// system table's items.
func assemble(opts catalog.Options, items []attr.Item) (*catalog.Catalog, state, map[string]uint64, error) {
	versions := map[string]uint64{}
	var (
		nextTable, nextPartition uint64 = 1, 1
		nodes                    []catalog.Node
		tables                   []catalog.Table
		st                       state
		seqs                     []uint64
		events                   = map[uint64]Event{}
	)
	for _, item := range items {
		k := item[attrKey].S()
		ver, err := versionOf(item)
		if err != nil {
			return nil, state{}, nil, err
		}
		versions[k] = ver
		switch {
		case k == idsKey:
			if nextTable, err = uintAttr(item, attrNextTable); err != nil {
				return nil, state{}, nil, err
			}
			if nextPartition, err = uintAttr(item, attrParts); err != nil {
				return nil, state{}, nil, err
			}
		case strings.HasPrefix(k, nodePrefix):
			v := item[attrValue]
			if v.Type() != attr.TypeB {
				return nil, state{}, nil, fmt.Errorf("meta: node record %s without its body", k)
			}
			n, err := catalog.DecodeNode(v.B())
			if err != nil {
				return nil, state{}, nil, err
			}
			nodes = append(nodes, n)
		case strings.HasPrefix(k, tablePrefix):
			t, err := decodeTable(item)
			if err != nil {
				return nil, state{}, nil, err
			}
			tables = append(tables, t)
		case strings.HasPrefix(k, movePrefix):
			var m catalog.Move
			if err := decodeJSON(item, &m); err != nil {
				return nil, state{}, nil, err
			}
			st.moves = append(st.moves, m)
		case strings.HasPrefix(k, eventPrefix):
			seq, err := strconv.ParseUint(strings.TrimPrefix(k, eventPrefix), 16, 64)
			if err != nil {
				return nil, state{}, nil, fmt.Errorf("meta: event record %q: %w", k, err)
			}
			var ev Event
			if err := decodeJSON(item, &ev); err != nil {
				return nil, state{}, nil, err
			}
			seqs = append(seqs, seq)
			events[seq] = ev
		default:
			return nil, state{}, nil, fmt.Errorf("meta: unknown record %q", k)
		}
	}
	c, err := catalog.Assemble(opts, nextTable, nextPartition, nodes, tables)
	if err != nil {
		return nil, state{}, nil, err
	}
	slices.SortFunc(st.moves, func(a, b catalog.Move) int { return cmp.Compare(a.Partition, b.Partition) })
	// The events kept are the run of sequence numbers ending at the
	// latest (a crash between writing an event and deleting the oldest
	// leaves no gap at the end).
	slices.Sort(seqs)
	if n := len(seqs); n > 0 {
		i := n - 1
		for i > 0 && seqs[i-1] == seqs[i]-1 {
			i--
		}
		st.firstEvent = seqs[i]
		for _, seq := range seqs[i:] {
			st.events = append(st.events, events[seq])
		}
	}
	return c, st, versions, nil
}

func versionOf(item attr.Item) (uint64, error) {
	return uintAttr(item, attrVersion)
}

func uintAttr(item attr.Item, name string) (uint64, error) {
	v, ok := item[name]
	if !ok || v.Type() != attr.TypeN {
		return 0, fmt.Errorf("meta: record %v: attribute %s missing or not a number", item[attrKey], name)
	}
	n, err := strconv.ParseUint(v.N(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("meta: record %v: attribute %s: %w", item[attrKey], name, err)
	}
	return n, nil
}

// KeySchema returns the primary key of a table as its description defines
// it.
func KeySchema(d *catalog.TableDescription) (itemcheck.KeySchema, error) {
	typeOf := func(name string) (attr.Type, error) {
		for _, a := range d.AttributeDefinitions {
			if a.AttributeName == name {
				switch a.AttributeType {
				case catalog.ScalarAttributeTypeS:
					return attr.TypeS, nil
				case catalog.ScalarAttributeTypeN:
					return attr.TypeN, nil
				case catalog.ScalarAttributeTypeB:
					return attr.TypeB, nil
				}
			}
		}
		return 0, fmt.Errorf("meta: table %s: key attribute %s has no definition", d.TableName, name)
	}
	var s itemcheck.KeySchema
	for _, k := range d.KeySchema {
		typ, err := typeOf(k.AttributeName)
		if err != nil {
			return s, err
		}
		def := itemcheck.KeyDef{Name: k.AttributeName, Type: typ}
		switch k.KeyType {
		case catalog.KeyTypeHash:
			s.Partition = def
		case catalog.KeyTypeRange:
			s.Sort = &def
		}
	}
	if s.Partition.Name == "" {
		return s, fmt.Errorf("meta: table %s has no partition key", d.TableName)
	}
	return s, nil
}
