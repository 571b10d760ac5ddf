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

// records are the catalog as the system table holds it: items by key,
// without versions.
func records(c *catalog.Catalog) (map[string]attr.Item, error) {
	out := map[string]attr.Item{}
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

// assemble rebuilds a catalog from the system table's items.
func assemble(opts catalog.Options, items []attr.Item) (*catalog.Catalog, map[string]uint64, error) {
	versions := map[string]uint64{}
	var (
		nextTable, nextPartition uint64 = 1, 1
		nodes                    []catalog.Node
		tables                   []catalog.Table
	)
	for _, item := range items {
		k := item[attrKey].S()
		ver, err := versionOf(item)
		if err != nil {
			return nil, nil, err
		}
		versions[k] = ver
		switch {
		case k == idsKey:
			if nextTable, err = uintAttr(item, attrNextTable); err != nil {
				return nil, nil, err
			}
			if nextPartition, err = uintAttr(item, attrParts); err != nil {
				return nil, nil, err
			}
		case strings.HasPrefix(k, nodePrefix):
			v := item[attrValue]
			if v.Type() != attr.TypeB {
				return nil, nil, fmt.Errorf("meta: node record %s without its body", k)
			}
			n, err := catalog.DecodeNode(v.B())
			if err != nil {
				return nil, nil, err
			}
			nodes = append(nodes, n)
		case strings.HasPrefix(k, tablePrefix):
			t, err := decodeTable(item)
			if err != nil {
				return nil, nil, err
			}
			tables = append(tables, t)
		default:
			return nil, nil, fmt.Errorf("meta: unknown record %q", k)
		}
	}
	c, err := catalog.Assemble(opts, nextTable, nextPartition, nodes, tables)
	if err != nil {
		return nil, nil, err
	}
	return c, versions, nil
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
