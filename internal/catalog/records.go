package catalog

import "fmt"

// Counters returns the next table ID and the next partition ID the catalog
// will allocate: with its nodes and tables, all a store must keep to
// rebuild it (Assemble).
func (c *Catalog) Counters() (nextTable, nextPartition uint64) {
	return c.nextTableID, c.nextPartitionID
}

// Assemble rebuilds a catalog from the records a store keeps one by one: the
// counters, every node, and every table with its partitions. It verifies
// the catalog's invariants (Check) and fails with an error wrapping
// ErrCorrupt when they do not hold or a name or ID appears twice.
func Assemble(opts Options, nextTable, nextPartition uint64, nodes []Node, tables []Table) (*Catalog, error) {
	c := New(opts)
	c.nextTableID, c.nextPartitionID = nextTable, nextPartition
	for _, n := range nodes {
		if _, ok := c.nodes[n.ID]; ok {
			return nil, fmt.Errorf("%w: node %d twice", ErrCorrupt, n.ID)
		}
		nn := n
		c.nodes[n.ID] = &nn
	}
	for _, t := range tables {
		name := t.Description.TableName
		if _, ok := c.tables[name]; ok {
			return nil, fmt.Errorf("%w: table %s twice", ErrCorrupt, name)
		}
		if _, ok := c.byID[t.ID]; ok {
			return nil, fmt.Errorf("%w: table ID %d twice", ErrCorrupt, t.ID)
		}
		tt := t.Clone()
		c.tables[name] = &tt
		c.byID[t.ID] = &tt
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return c, nil
}
