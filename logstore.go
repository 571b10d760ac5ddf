package dynamo

import (
	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
)

// LogStore persists the raft logs and hard states of every replication group
// hosted on a node, so that one write and one sync cover many groups. The
// built-in implementations are OpenWAL (on disk, the default) and
// NewMemoryLogStore (for tests); dynamotest.TestLogStore checks a custom one.
type LogStore = logstore.LogStore

// LogUpdate is what one group needs persisted after one round of raft work:
// an optional snapshot (replacing the log), entries to append (replacing any
// conflicting suffix) and an optional hard state.
type LogUpdate = logstore.Update

// LogGroupState is what a group needs to restart: hard state, compaction
// point (snapshot metadata) and the bounds of its log.
type LogGroupState = logstore.GroupState

// NewMemoryLogStore returns a LogStore held in memory, with the semantics of
// the write-ahead log but no durability: for tests and fixtures.
func NewMemoryLogStore() LogStore {
	return memlog.New()
}
