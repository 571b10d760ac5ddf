package dynamo

import (
	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/wal"
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

// WALOptions configure OpenWAL; the zero value (or nil) means the defaults:
// 64 MiB segment files and a 32 MiB cache of recently saved entries.
type WALOptions = wal.Options

// ErrWALCorrupt is matched (errors.Is) by the error OpenWAL returns for a log
// damaged somewhere other than a torn tail (which is repaired): the error
// names the segment file and byte offset.
var ErrWALCorrupt = wal.ErrCorrupt

// OpenWAL opens, or creates, the write-ahead log in dir: the default LogStore,
// segment files shared by every group of the node, one write and one
// fdatasync per Save however many groups it carries. Opening replays the log
// and repairs a tail torn by a crash. Only one process may open dir at a time.
func OpenWAL(dir string, opts *WALOptions) (LogStore, error) {
	w, err := wal.Open(dir, opts)
	if err != nil {
		return nil, err
	}
	return w, nil
}
