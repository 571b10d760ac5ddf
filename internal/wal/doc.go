// Package wal is the default LogStore: a write-ahead log of every raft group
// hosted on a node, in one directory of segment files shared by all groups.
//
// # Files
//
// The log is a sequence of segment files named by a sequence number
// (0000000000000001.wal, ...). A segment starts with a header frame (magic,
// version, sequence number) followed by batch frames. A frame is
//
//	length u32 | crc u32 | type u8 | header crc u32 | payload
//
// where the CRC32C (Castagnoli) crc covers the length, the type and the
// payload, and the header crc the length and the type (so that looking for
// valid frames after a damaged one costs little).
// Each Save writes exactly one batch frame, so a Save is all-or-nothing after
// a crash: a frame whose CRC does not match is not replayed. A batch payload
// is a sequence of records, kind u8 | length u32 | body, one of:
// entries (group, first index, then each entry with its own CRC so that a
// single entry can be read and checked alone), hard state, snapshot (replace
// the log), compaction point, group state (hard state and compaction point,
// carried forward from a segment about to be deleted), group creation and
// group removal.
//
// # Writes and group commit
//
// Save checks every update, encodes them all into one frame, writes it with
// one write call and makes it durable with one fdatasync. Concurrent Save
// calls are coalesced: writes are serialised, and a Save whose frame was
// covered by another caller's fdatasync returns without syncing again. The
// active segment is closed (synced) and a new one created (and the directory
// synced) when the next frame would take it past Options.SegmentSize.
//
// A Save's updates are visible to readers (State, Entries, Term) once its
// frame is written, possibly before its fdatasync returns; if that fdatasync
// fails the log is failed (below) and must be reopened.
//
// Compact is not synced by itself: it becomes durable with the next Save,
// RemoveGroup or Close, and before any segment is deleted. An unsynced
// compaction lost in a crash only means the entries are still there after
// restart. RemoveGroup is synced before it returns.
//
// After a failed write or fdatasync the log refuses every later write and
// returns the error again (a failed fdatasync may have dropped dirty pages:
// retrying it could report success for data that is gone). Reads still
// work. The process must reopen the log, which replays what is on disk.
//
// # Index and cache
//
// In memory, each group keeps its hard state, compaction point, and for each
// entry held its location (segment, offset, size: 12 bytes) plus its term as
// runs (one run per term change). Reads of recent entries are served from a
// cache of the entries most recently saved, bounded by Options.CacheSize in
// total over all groups; when it is full the groups that saved least
// recently lose their cached entries first. Older entries are read from disk
// with one pread per contiguous run.
//
// # Truncation
//
// Segments are deleted oldest first, never the active one. The oldest segment
// can go once no group's retained entries start in it and no group's latest
// hard state or compaction point is recorded in it; groups in the latter case
// (idle groups that compacted long ago) get a group-state record written to
// the active segment first, synced before the old file is removed and the
// directory synced. A group that never compacts pins every segment from its
// first retained entry on.
//
// # Recovery
//
// Open replays every segment in order to rebuild the index. In the last
// segment, a frame that is cut short or whose CRC does not match, with
// nothing valid after it, is a torn write from a crash: the file is
// truncated at the end of the last good frame. Anything else, a bad frame in
// a segment that is not the last or followed by a valid frame, or a valid
// frame whose content does not decode, is corruption: Open returns a
// *CorruptError naming the segment and offset, matching ErrCorrupt.
package wal
