package logstore

import (
	"errors"
	"fmt"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// ErrInvalid is wrapped by errors for arguments no log could accept: entries
// that are not consecutive, leave a gap after the log's end, or a compaction
// point past the log's end or disagreeing with the entry's term. The message
// says which group and which indexes.
var ErrInvalid = errors.New("logstore: invalid argument")

// The helpers below hold the semantics every implementation shares, so that
// internal/wal and internal/logstore/memlog cannot drift apart.
//
// raft.ErrCompacted and raft.ErrUnavailable are returned unwrapped: raft
// compares them with ==.

// CheckUpdate checks u against a log holding (first-1, last] and returns the
// bounds the log has after u. It changes nothing.
func CheckUpdate(u Update, first, last uint64) (newFirst, newLast uint64, err error) {
	if s := u.Snapshot; s != nil {
		if s.GetIndex() < first-1 {
			return 0, 0, fmt.Errorf("logstore: group %d: snapshot at %d is older than the compaction point %d: %w",
				u.Group, s.GetIndex(), first-1, raft.ErrSnapOutOfDate)
		}
		first, last = s.GetIndex()+1, s.GetIndex()
	}
	for i, e := range u.Entries {
		if e == nil {
			return 0, 0, fmt.Errorf("logstore: group %d: entry %d of the update is nil: %w", u.Group, i, ErrInvalid)
		}
		if i > 0 && e.GetIndex() != u.Entries[i-1].GetIndex()+1 {
			return 0, 0, fmt.Errorf("logstore: group %d: entry index %d follows %d: %w",
				u.Group, e.GetIndex(), u.Entries[i-1].GetIndex(), ErrInvalid)
		}
	}
	if ents := TrimCompacted(u.Entries, first); len(ents) > 0 {
		if at := ents[0].GetIndex(); at > last+1 {
			return 0, 0, fmt.Errorf("logstore: group %d: entries start at %d but the log ends at %d: %w",
				u.Group, at, last, ErrInvalid)
		}
		last = ents[len(ents)-1].GetIndex()
	}
	return first, last, nil
}

// TrimCompacted drops the entries below first (already covered by the
// compaction point), as raft's MemoryStorage does. ents must be consecutive.
func TrimCompacted(ents []*pb.Entry, first uint64) []*pb.Entry {
	if len(ents) == 0 || ents[0].GetIndex() >= first {
		return ents
	}
	skip := first - ents[0].GetIndex()
	if skip >= uint64(len(ents)) {
		return nil
	}
	return ents[skip:]
}

// CheckRange checks an Entries request [lo, hi) against a log holding
// [first, last].
func CheckRange(group, lo, hi, first, last uint64) error {
	switch {
	case lo > hi:
		return fmt.Errorf("logstore: group %d: entries [%d, %d) is an empty range: %w", group, lo, hi, ErrInvalid)
	case lo < first:
		return raft.ErrCompacted
	case hi > last+1:
		return raft.ErrUnavailable
	}
	return nil
}

// CheckCompact checks a compaction to snap of a log holding
// (snapIndex, last]; termAt is the term of the entry at snap.Index when that
// entry is held.
func CheckCompact(group uint64, snap *pb.SnapshotMetadata, snapIndex, last, termAt uint64) error {
	if snap == nil {
		return fmt.Errorf("logstore: group %d: compaction without snapshot metadata: %w", group, ErrInvalid)
	}
	switch i := snap.GetIndex(); {
	case i <= snapIndex:
		return raft.ErrCompacted
	case i > last:
		return fmt.Errorf("logstore: group %d: compaction at %d is past the last index %d: %w", group, i, last, ErrInvalid)
	case snap.GetTerm() != termAt:
		return fmt.Errorf("logstore: group %d: compaction at %d names term %d but the entry has term %d: %w",
			group, i, snap.GetTerm(), termAt, ErrInvalid)
	}
	return nil
}

// LimitSize returns the longest prefix of ents whose encoded size is at most
// maxSize, but at least one entry, measuring sizes as raft does.
func LimitSize(ents []*pb.Entry, maxSize uint64) []*pb.Entry {
	if len(ents) == 0 {
		return ents
	}
	size := uint64(proto.Size(ents[0]))
	for n := 1; n < len(ents); n++ {
		size += uint64(proto.Size(ents[n]))
		if size > maxSize {
			return ents[:n]
		}
	}
	return ents
}
