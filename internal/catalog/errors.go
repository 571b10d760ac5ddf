package catalog

import "errors"

// Errors of the catalog's internal operations (splits, replica moves, node
// registry, decoding), matchable with errors.Is and wrapped with detail. The
// DynamoDB-facing operations return internal/dberr exceptions instead.
var (
	// ErrNoTable reports a table name or ID the catalog does not hold.
	ErrNoTable = errors.New("catalog: no such table")
	// ErrNoPartition reports a partition ID the table does not hold.
	ErrNoPartition = errors.New("catalog: no such partition")
	// ErrKeyOutsideTable reports a key that is not in the table's key
	// space.
	ErrKeyOutsideTable = errors.New("catalog: key outside the table's key space")
	// ErrBadSplit reports a split key not strictly inside the partition, or
	// a new partition ID that is zero or already used.
	ErrBadSplit = errors.New("catalog: invalid split")
	// ErrNoNode reports a node ID that is not registered.
	ErrNoNode = errors.New("catalog: no such node")
	// ErrNodeExists reports a node registered twice.
	ErrNodeExists = errors.New("catalog: node already registered")
	// ErrBadNode reports a node without an ID or a zone.
	ErrBadNode = errors.New("catalog: invalid node")
	// ErrNodeNotLive reports a replica placed on a node that is down.
	ErrNodeNotLive = errors.New("catalog: node is not live")
	// ErrReplicaExists reports a second replica of a partition on a node.
	ErrReplicaExists = errors.New("catalog: node already holds a replica of the partition")
	// ErrNoReplica reports a node that holds no replica of the partition.
	ErrNoReplica = errors.New("catalog: node holds no replica of the partition")
	// ErrLastReplica reports the removal of a partition's last full
	// replica.
	ErrLastReplica = errors.New("catalog: cannot remove the last full replica")
	// ErrZoneConflict reports a change that puts two replicas of a
	// partition in one zone while another zone has a live node free for it.
	ErrZoneConflict = errors.New("catalog: two replicas of a partition in one zone while zones suffice")
	// ErrNoNodes reports a placement with no live node to place on.
	ErrNoNodes = errors.New("catalog: no live node to place replicas on")
	// ErrInvariant reports a catalog state that breaks an invariant: a gap
	// or overlap in a partition map, a replica on an unknown node, a
	// duplicate ID.
	ErrInvariant = errors.New("catalog: invariant broken")
	// ErrCorrupt reports encoded bytes that no encoder in this package
	// produces, or whose checksum does not match.
	ErrCorrupt = errors.New("catalog: corrupt encoding")
)
