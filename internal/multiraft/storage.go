package multiraft

import (
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/logstore"
)

// raftStorage is raft's view of one group's stable log: the LogStore plus
// cached bounds and hard state, updated by the scheduler after each Save. It
// is only used on the scheduler's goroutine.
type raftStorage struct {
	g         *group
	store     logstore.LogStore
	hardState *pb.HardState
	snap      *pb.SnapshotMetadata // compaction point
	first     uint64
	last      uint64
}

func newRaftStorage(g *group, store logstore.LogStore, st *logstore.GroupState) *raftStorage {
	s := &raftStorage{g: g, store: store}
	if st == nil {
		s.hardState = &pb.HardState{}
		s.snap = &pb.SnapshotMetadata{ConfState: &pb.ConfState{}, Index: new(uint64(0)), Term: new(uint64(0))}
		s.first, s.last = 1, 0
		return s
	}
	s.hardState = proto.Clone(&st.HardState).(*pb.HardState)
	s.snap = proto.Clone(&st.Snapshot).(*pb.SnapshotMetadata)
	if s.snap.ConfState == nil {
		s.snap.ConfState = &pb.ConfState{}
	}
	s.first, s.last = st.FirstIndex, st.LastIndex
	return s
}

// saved records what a successful Save made durable.
func (s *raftStorage) saved(u *logstore.Update) {
	if u.Snapshot != nil {
		s.snap = u.Snapshot
		s.first = u.Snapshot.GetIndex() + 1
		s.last = u.Snapshot.GetIndex()
	}
	if n := len(u.Entries); n > 0 {
		s.last = u.Entries[n-1].GetIndex()
	}
	if u.HardState != nil {
		s.hardState = u.HardState
	}
}

func (s *raftStorage) compacted(meta *pb.SnapshotMetadata) {
	s.snap = meta
	s.first = meta.GetIndex() + 1
}

func (s *raftStorage) InitialState() (*pb.HardState, *pb.ConfState, error) {
	return proto.Clone(s.hardState).(*pb.HardState), proto.Clone(s.snap.ConfState).(*pb.ConfState), nil
}

func (s *raftStorage) Entries(lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	if lo < s.first {
		return nil, raft.ErrCompacted
	}
	if hi > s.last+1 {
		return nil, raft.ErrUnavailable
	}
	if lo >= hi {
		return nil, nil
	}
	return s.store.Entries(s.g.id, lo, hi, maxSize)
}

func (s *raftStorage) Term(i uint64) (uint64, error) {
	if i == s.snap.GetIndex() {
		return s.snap.GetTerm(), nil
	}
	if i < s.first {
		return 0, raft.ErrCompacted
	}
	if i > s.last {
		return 0, raft.ErrUnavailable
	}
	return s.store.Term(s.g.id, i)
}

func (s *raftStorage) LastIndex() (uint64, error)  { return s.last, nil }
func (s *raftStorage) FirstIndex() (uint64, error) { return s.first, nil }

// Snapshot describes the group's state at its applied index: the leader
// sends it to a follower whose next entry is compacted away. Only metadata
// travels in raft; the state machine's data follows through the transport's
// snapshot stream (see snapshot.go).
func (s *raftStorage) Snapshot() (*pb.Snapshot, error) {
	g := s.g
	idx := g.applied
	term, err := s.Term(idx)
	if err != nil {
		return nil, raft.ErrSnapshotTemporarilyUnavailable
	}
	return &pb.Snapshot{Metadata: &pb.SnapshotMetadata{
		Index:     new(idx),
		Term:      new(term),
		ConfState: proto.Clone(g.confAt(idx)).(*pb.ConfState),
	}}, nil
}
