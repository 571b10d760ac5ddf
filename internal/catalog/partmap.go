package catalog

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// tableSpace returns the bounds of a table's key space.
func tableSpace(table uint64) keyenc.Range {
	start := keyenc.TablePrefix(table)
	return keyenc.Range{Start: start, End: keyenc.PrefixEnd(start)}
}

// locateIndex returns the index of the partition of ps containing key, by
// binary search on the starts, or -1.
func locateIndex(ps []Partition, key []byte) int {
	// The first partition whose start is greater than key; key lies in
	// the one before it.
	i := sort.Search(len(ps), func(i int) bool { return bytes.Compare(ps[i].Range.Start, key) > 0 }) - 1
	if i < 0 || !ps[i].Range.Contains(key) {
		return -1
	}
	return i
}

// Partitions returns copies of a table's partitions in key order.
func (c *Catalog) Partitions(table string) ([]Partition, error) {
	t, ok := c.tables[table]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoTable, table)
	}
	out := make([]Partition, len(t.Partitions))
	for i, p := range t.Partitions {
		out[i] = p.Clone()
	}
	return out, nil
}

// Locate returns the partition of the table whose range contains key.
func (c *Catalog) Locate(table string, key []byte) (Partition, error) {
	t, ok := c.tables[table]
	if !ok {
		return Partition{}, fmt.Errorf("%w: %s", ErrNoTable, table)
	}
	i := locateIndex(t.Partitions, key)
	if i < 0 {
		return Partition{}, fmt.Errorf("%w: table %s key %x", ErrKeyOutsideTable, table, key)
	}
	return t.Partitions[i].Clone(), nil
}

// Overlapping returns, in key order, the partitions of the table that
// intersect [lo, hi), for Query and Scan. lo below the table's space starts
// at its first partition; hi nil or beyond the table's space ends at its
// last.
func (c *Catalog) Overlapping(table string, lo, hi []byte) ([]Partition, error) {
	t, ok := c.tables[table]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoTable, table)
	}
	var out []Partition
	for _, p := range t.Partitions {
		if hi != nil && bytes.Compare(p.Range.Start, hi) >= 0 {
			break
		}
		if p.Range.End != nil && bytes.Compare(p.Range.End, lo) <= 0 {
			continue
		}
		out = append(out, p.Clone())
	}
	return out, nil
}

// AllocatePartitionID reserves a new partition ID (a raft group ID) for the
// right side of a split; IDs are never reused.
func (c *Catalog) AllocatePartitionID() uint64 {
	id := c.nextPartitionID
	c.nextPartitionID++
	return id
}

// partition finds a table's partition by ID.
func (c *Catalog) partition(table string, id uint64) (*Table, int, error) {
	t, ok := c.tables[table]
	if !ok {
		return nil, 0, fmt.Errorf("%w: %s", ErrNoTable, table)
	}
	for i := range t.Partitions {
		if t.Partitions[i].ID == id {
			return t, i, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: %d in table %s", ErrNoPartition, id, table)
}

// partitionIDUsed reports whether any table holds a partition with the ID.
func (c *Catalog) partitionIDUsed(id uint64) bool {
	for _, t := range c.tables {
		for _, p := range t.Partitions {
			if p.ID == id {
				return true
			}
		}
	}
	return false
}

// ApplySplit divides partition id, [s, e), at splitKey into [s, splitKey)
// keeping id and [splitKey, e) with ID rightID, on the same replicas and
// with the same leader hint. splitKey must lie strictly inside the range and
// rightID must be a fresh ID from AllocatePartitionID.
func (c *Catalog) ApplySplit(table string, id uint64, splitKey []byte, rightID uint64) error {
	t, i, err := c.partition(table, id)
	if err != nil {
		return err
	}
	p := &t.Partitions[i]
	if bytes.Compare(splitKey, p.Range.Start) <= 0 || (p.Range.End != nil && bytes.Compare(splitKey, p.Range.End) >= 0) {
		return fmt.Errorf("%w: key %x not strictly inside partition %d", ErrBadSplit, splitKey, id)
	}
	if rightID == 0 || rightID >= c.nextPartitionID || c.partitionIDUsed(rightID) {
		return fmt.Errorf("%w: partition ID %d is not a fresh allocated ID", ErrBadSplit, rightID)
	}
	right := p.Clone()
	right.ID = rightID
	right.Range.Start = bytes.Clone(splitKey)
	p.Range.End = bytes.Clone(splitKey)
	t.Partitions = append(t.Partitions, Partition{})
	copy(t.Partitions[i+2:], t.Partitions[i+1:])
	t.Partitions[i+1] = right
	return nil
}

// zoneAllowed reports whether a replica of p may go to node in place of
// the one on except (zero: an added replica): its zone holds no other
// replica of p, or every zone with a live node free of p already holds
// one. The node free counts as free of p too (a replica moving off it).
func (c *Catalog) zoneAllowed(p *Partition, node *Node, except, free NodeID) bool {
	used := make(map[string]bool)
	for _, r := range p.Replicas {
		if r.Node == except {
			continue
		}
		if n, ok := c.nodes[r.Node]; ok {
			used[n.Zone] = true
		}
	}
	if !used[node.Zone] {
		return true
	}
	for _, n := range c.nodes {
		if n.Live && !used[n.Zone] && (!p.Holds(n.ID) || (free != 0 && n.ID == free)) {
			return false
		}
	}
	return true
}

// target checks that node to can receive a replica of p in place of the
// one on except (zero: an added replica); free is a node that counts as
// free of p (see zoneAllowed).
func (c *Catalog) target(p *Partition, to, except, free NodeID) error {
	n, ok := c.nodes[to]
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoNode, to)
	}
	if !n.Live {
		return fmt.Errorf("%w: %d", ErrNodeNotLive, to)
	}
	if p.Holds(to) {
		return fmt.Errorf("%w: node %d partition %d", ErrReplicaExists, to, p.ID)
	}
	if !c.zoneAllowed(p, n, except, free) {
		return fmt.Errorf("%w: node %d zone %s partition %d", ErrZoneConflict, to, n.Zone, p.ID)
	}
	return nil
}

// MoveReplica moves partition id's replica from one node to another,
// keeping its kind. The target must be live, hold no replica of the
// partition, and not share a zone with another replica while zones suffice
// (the replica's own node counts: a move never takes a partition out of a
// zone only that replica covers).
func (c *Catalog) MoveReplica(table string, id uint64, from, to NodeID) error {
	return c.moveReplica(table, id, from, to, true)
}

// ReplaceReplica records that partition id's replica on node from, which
// is lost (its node died, or it left the group), was replaced by one on
// to, under the rules of MoveReplica except that from does not count as a
// place for the replica.
func (c *Catalog) ReplaceReplica(table string, id uint64, from, to NodeID) error {
	return c.moveReplica(table, id, from, to, false)
}

func (c *Catalog) moveReplica(table string, id uint64, from, to NodeID, fromCounts bool) error {
	t, i, err := c.partition(table, id)
	if err != nil {
		return err
	}
	p := &t.Partitions[i]
	ri := p.replicaIndex(from)
	if ri < 0 {
		return fmt.Errorf("%w: node %d partition %d", ErrNoReplica, from, id)
	}
	free := from
	if !fromCounts {
		free = 0
	}
	if err := c.target(p, to, from, free); err != nil {
		return err
	}
	p.Replicas[ri].Node = to
	if p.Leader == from {
		p.Leader = 0
	}
	return nil
}

// AddReplica adds a replica of partition id, under the rules of
// MoveReplica.
func (c *Catalog) AddReplica(table string, id uint64, r Replica) error {
	t, i, err := c.partition(table, id)
	if err != nil {
		return err
	}
	if r.Kind != ReplicaFull && r.Kind != ReplicaLog {
		return fmt.Errorf("%w: replica kind %d", ErrInvariant, r.Kind)
	}
	p := &t.Partitions[i]
	if err := c.target(p, r.Node, 0, 0); err != nil {
		return err
	}
	p.Replicas = append(p.Replicas, r)
	return nil
}

// RemoveReplica removes partition id's replica on node. The last full
// replica cannot be removed.
func (c *Catalog) RemoveReplica(table string, id uint64, node NodeID) error {
	t, i, err := c.partition(table, id)
	if err != nil {
		return err
	}
	p := &t.Partitions[i]
	ri := p.replicaIndex(node)
	if ri < 0 {
		return fmt.Errorf("%w: node %d partition %d", ErrNoReplica, node, id)
	}
	if p.Replicas[ri].Kind == ReplicaFull {
		full := 0
		for _, r := range p.Replicas {
			if r.Kind == ReplicaFull {
				full++
			}
		}
		if full == 1 {
			return fmt.Errorf("%w: partition %d", ErrLastReplica, id)
		}
	}
	p.Replicas = append(p.Replicas[:ri], p.Replicas[ri+1:]...)
	if p.Leader == node {
		p.Leader = 0
	}
	return nil
}

// SetLeader records the node last seen leading partition id. The node must
// hold a full replica of it.
func (c *Catalog) SetLeader(table string, id uint64, node NodeID) error {
	t, i, err := c.partition(table, id)
	if err != nil {
		return err
	}
	p := &t.Partitions[i]
	ri := p.replicaIndex(node)
	if ri < 0 || p.Replicas[ri].Kind != ReplicaFull {
		return fmt.Errorf("%w: node %d partition %d", ErrNoReplica, node, id)
	}
	p.Leader = node
	return nil
}

// Check verifies the catalog's invariants: every table's partitions cover
// its key space in order with no gap and no overlap; partition IDs are
// unique and below the next ID; every replica is on a registered node, at
// most one per node per partition, with at least one full replica; a leader
// hint names a full replica; the name and ID indexes agree.
func (c *Catalog) Check() error {
	seen := make(map[uint64]bool)
	if len(c.byID) != len(c.tables) {
		return fmt.Errorf("%w: %d tables by name, %d by ID", ErrInvariant, len(c.tables), len(c.byID))
	}
	for name, t := range c.tables {
		if c.byID[t.ID] != t || t.Description.TableName != name {
			return fmt.Errorf("%w: table %s indexed inconsistently", ErrInvariant, name)
		}
		if t.ID == 0 || t.ID >= c.nextTableID {
			return fmt.Errorf("%w: table %s has ID %d, next ID %d", ErrInvariant, name, t.ID, c.nextTableID)
		}
		if err := checkPartitions(t.ID, t.Partitions); err != nil {
			return fmt.Errorf("table %s: %w", name, err)
		}
		for _, p := range t.Partitions {
			if p.ID == 0 || p.ID >= c.nextPartitionID || seen[p.ID] {
				return fmt.Errorf("%w: partition ID %d reused or out of range", ErrInvariant, p.ID)
			}
			seen[p.ID] = true
			if err := c.checkReplicas(p); err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
		}
	}
	return nil
}

// checkPartitions verifies that ps cover table's key space exactly.
func checkPartitions(table uint64, ps []Partition) error {
	space := tableSpace(table)
	if len(ps) == 0 {
		return fmt.Errorf("%w: no partitions", ErrInvariant)
	}
	if !bytes.Equal(ps[0].Range.Start, space.Start) {
		return fmt.Errorf("%w: first partition starts at %x, not %x", ErrInvariant, ps[0].Range.Start, space.Start)
	}
	for i, p := range ps {
		if p.Table != table {
			return fmt.Errorf("%w: partition %d belongs to table %d", ErrInvariant, p.ID, p.Table)
		}
		if p.Range.End == nil || bytes.Compare(p.Range.Start, p.Range.End) >= 0 {
			if !(i == len(ps)-1 && p.Range.End == nil && space.End == nil) {
				return fmt.Errorf("%w: partition %d has empty or unbounded range", ErrInvariant, p.ID)
			}
		}
		if i > 0 && !bytes.Equal(ps[i-1].Range.End, p.Range.Start) {
			return fmt.Errorf("%w: gap or overlap between partitions %d and %d", ErrInvariant, ps[i-1].ID, p.ID)
		}
	}
	if last := ps[len(ps)-1].Range.End; !bytes.Equal(last, space.End) {
		return fmt.Errorf("%w: last partition ends at %x, not %x", ErrInvariant, last, space.End)
	}
	return nil
}

func (c *Catalog) checkReplicas(p Partition) error {
	nodes := make(map[NodeID]bool)
	full := 0
	for _, r := range p.Replicas {
		if _, ok := c.nodes[r.Node]; !ok {
			return fmt.Errorf("%w: partition %d replica on unknown node %d", ErrInvariant, p.ID, r.Node)
		}
		if nodes[r.Node] {
			return fmt.Errorf("%w: partition %d has two replicas on node %d", ErrInvariant, p.ID, r.Node)
		}
		nodes[r.Node] = true
		switch r.Kind {
		case ReplicaFull:
			full++
		case ReplicaLog:
		default:
			return fmt.Errorf("%w: partition %d replica kind %d", ErrInvariant, p.ID, r.Kind)
		}
	}
	if full == 0 {
		return fmt.Errorf("%w: partition %d has no full replica", ErrInvariant, p.ID)
	}
	if p.Leader != 0 {
		if i := p.replicaIndex(p.Leader); i < 0 || p.Replicas[i].Kind != ReplicaFull {
			return fmt.Errorf("%w: partition %d leader hint %d is not a full replica", ErrInvariant, p.ID, p.Leader)
		}
	}
	return nil
}
