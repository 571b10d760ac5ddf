// Package node is the storage node: one process's share of a dynamo
// cluster. A Node owns one Transport, one LogStore (the WAL, or memlog in
// memory), one storage Engine (bbolt, or memstore in memory) and one
// multiraft scheduler, and it hosts partition replicas: each a raft group
// whose state machine is a *partition.Partition writing into the node's
// engine.
//
// # Requests
//
// Write proposes a partition command through raft on the group's leader and
// returns the applied *partition.Result. Get and Scan read a replica's
// applied state, either strongly (after multiraft's Read has confirmed
// leadership, by a ReadIndex round or under the lease) or eventually (the
// local replica as it is). A request that reaches the wrong node fails with
// a typed redirect: *multiraft.NotLeaderError names the leader to retry at;
// *partition.WrongRangeError says the key is not the partition's (it
// split). A router retries elsewhere within the request's deadline.
//
// Forward runs a Request on another node over Transport.Call with a small
// versioned binary protocol (forward.go, codec.go); results and typed
// errors (dberr exceptions, redirects, multiraft's sentinel errors) arrive
// intact, and the caller's remaining deadline bounds the peer's work.
//
// # Lifecycle
//
// Open finds the partitions the node hosts from its stores: every group in
// the LogStore restarts as a full replica running the partition whose
// metadata the engine holds (raft replays its log from the compaction point;
// commands at or below the partition's durable applied index are skipped).
// A group whose membership makes this node's replica a log replica restarts
// as one (no partition). Metadata with no log is an orphan: a partition
// whose bootstrap did not reach the log before a crash, or the right side
// of a split whose group was not created yet. CreatePartition adopts an
// orphan with the same table and range; RemovePartition drops it.
//
// New replicas: CreatePartition on every initial voter with the same peer
// list bootstraps a group; AdoptPartition does for a split's right side,
// adopting the orphan the split left, or, on a node that has none, joining
// empty and taking the leader's snapshot; JoinPartition and JoinLogReplica
// host a replica that a membership change (multiraft's ChangeReplicas,
// through Raft) added to an existing group.
//
// The replicas of one node share its engine's key space, so no two of them
// ever own overlapping ranges: creating or adopting one, and restoring a
// snapshot into one, first claim the range and fail with ErrRangeOverlap
// (the snapshot is refused, and sent again later) while another replica
// owns part of it, such as a replica the node held before it was replaced
// while down, of a range that has split since.
//
// Cluster runs N nodes in Z zones in one process on memnet, on disk or in
// memory, with Crash and Restart of single nodes: the fixture for tests of
// everything built on nodes.
package node
