// Package logstore defines the LogStore interface: the replicated log and hard
// state of every raft group hosted on one node, persisted together so that one
// write and one sync cover many groups (group commit). The root package
// re-exports it as dynamo.LogStore.
//
// Implementations: internal/wal (segmented files, the default) and
// internal/logstore/memlog (in memory, for tests). Both pass the conformance
// suite in dynamotest.
//
// Index semantics follow go.etcd.io/raft/v3's Storage: a group's log holds the
// entries (FirstIndex-1, LastIndex]; the entry at FirstIndex-1 is the last one
// covered by the group's snapshot metadata, whose term is still known.
package logstore

import (
	"errors"

	pb "go.etcd.io/raft/v3/raftpb"
)

// ErrUnknownGroup is returned for a group that has never been saved or has
// been removed.
var ErrUnknownGroup = errors.New("logstore: unknown group")

// ErrClosed is returned by every method once the store is closed.
var ErrClosed = errors.New("logstore: closed")

// Update is what one group needs persisted from one raft Ready.
type Update struct {
	// Group is the raft group (partition replica) the update belongs to.
	Group uint64
	// Snapshot, when set, replaces the group's whole log: every entry is
	// discarded and the log continues after Snapshot.Index. It is applied
	// before Entries.
	Snapshot *pb.SnapshotMetadata
	// Entries are appended to the log. An entry whose index is at or below
	// the current last index replaces that entry and every later one (raft's
	// conflict truncation).
	Entries []*pb.Entry
	// HardState, when set, replaces the group's hard state.
	HardState *pb.HardState
}

// GroupState is what a group needs to restart: go.etcd.io/raft/v3's
// InitialState plus its log bounds.
type GroupState struct {
	HardState pb.HardState
	// Snapshot is the metadata of the group's latest snapshot or compaction
	// point: its index, term and membership.
	Snapshot pb.SnapshotMetadata
	// FirstIndex is the index of the first entry held; LastIndex the last.
	// An empty log has LastIndex == FirstIndex-1 == Snapshot.Index.
	FirstIndex, LastIndex uint64
}

// LogStore persists the raft logs of many groups. Methods are safe for
// concurrent use; Save calls are serialised by the store.
type LogStore interface {
	// Save persists every update in one write followed by one sync: when it
	// returns nil, all of them are durable; after a crash, a Save that did not
	// return is either wholly present or wholly absent.
	Save(updates []Update) error
	// State returns a group's persisted state, or ErrUnknownGroup.
	State(group uint64) (GroupState, error)
	// Entries returns the entries [lo, hi) of a group, stopping before maxSize
	// bytes (but at least one entry). It returns raft.ErrCompacted for lo below
	// FirstIndex and raft.ErrUnavailable for hi past LastIndex+1.
	Entries(group, lo, hi, maxSize uint64) ([]*pb.Entry, error)
	// Term returns the term of the entry at index, which may be the snapshot
	// index. It returns raft.ErrCompacted below it, raft.ErrUnavailable past
	// LastIndex.
	Term(group, index uint64) (uint64, error)
	// Compact discards the entries of a group up to and including
	// snap.Index, recording snap as the group's compaction point. The caller
	// guarantees that the state machine has durably applied snap.Index. Space
	// is reclaimed once no retained entry of any group needs it. Compact need
	// not be durable when it returns (the WAL makes it durable with the next
	// Save): after a crash the group may start at an earlier compaction point
	// again, never a later one. snap is a
	// pointer because protobuf messages must not be copied (go vet's
	// copylocks check rejects passing one by value); the store keeps no
	// reference to it.
	Compact(group uint64, snap *pb.SnapshotMetadata) error
	// RemoveGroup forgets a group and all its entries.
	RemoveGroup(group uint64) error
	// Groups lists the groups the store holds.
	Groups() ([]uint64, error)
	// Close releases the store; pending Saves finish first.
	Close() error
}
