// Package memlog is the in-memory LogStore: every group's log, hard state and
// compaction point held in maps and slices, with exactly the semantics of the
// on-disk write-ahead log (internal/wal) minus durability. Tests and fixtures
// use it where a disk is not wanted; it passes the same conformance suite
// (dynamotest.TestLogStore).
//
// Entries handed to Save are kept by reference and returned by Entries as
// they are: like go.etcd.io/raft/v3's MemoryStorage, the store and its callers
// treat entries as immutable once saved.
package memlog

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/logstore"
)

// Store is an in-memory logstore.LogStore. The zero value is not usable; call
// New. Methods are safe for concurrent use.
type Store struct {
	mu     sync.RWMutex
	closed bool
	groups map[uint64]*group
}

// group is one raft group's log. ents[i] has index snapIndex+1+i.
type group struct {
	hardState hardState
	snapIndex uint64
	snapTerm  uint64
	conf      *pb.ConfState
	ents      []*pb.Entry
}

type hardState struct{ term, vote, commit uint64 }

var _ logstore.LogStore = (*Store)(nil)

// New returns an empty in-memory store.
func New() *Store {
	return &Store{groups: make(map[uint64]*group)}
}

// Save applies every update, in order, after checking that all of them are
// valid: on error nothing is changed.
func (s *Store) Save(updates []logstore.Update) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return logstore.ErrClosed
	}
	if err := s.check(updates); err != nil {
		return err
	}
	for _, u := range updates {
		g := s.groups[u.Group]
		if g == nil {
			g = &group{}
			s.groups[u.Group] = g
		}
		g.apply(u)
	}
	return nil
}

// check validates updates against the current logs and the effect of the
// updates before them, without changing anything.
func (s *Store) check(updates []logstore.Update) error {
	type bounds struct{ first, last uint64 }
	pending := make(map[uint64]bounds)
	for _, u := range updates {
		b, ok := pending[u.Group]
		if !ok {
			if g := s.groups[u.Group]; g != nil {
				b = bounds{g.snapIndex + 1, g.lastIndex()}
			} else {
				b = bounds{1, 0}
			}
		}
		first, last, err := logstore.CheckUpdate(u, b.first, b.last)
		if err != nil {
			return err
		}
		pending[u.Group] = bounds{first, last}
	}
	return nil
}

func (g *group) lastIndex() uint64 { return g.snapIndex + uint64(len(g.ents)) }

// apply applies a checked update.
func (g *group) apply(u logstore.Update) {
	if u.Snapshot != nil {
		g.snapIndex = u.Snapshot.GetIndex()
		g.snapTerm = u.Snapshot.GetTerm()
		g.conf = cloneConf(u.Snapshot.GetConfState())
		g.ents = nil
	}
	if ents := logstore.TrimCompacted(u.Entries, g.snapIndex+1); len(ents) > 0 {
		keep := ents[0].GetIndex() - g.snapIndex - 1
		// A fresh slice: returned slices may still reference the old one.
		merged := make([]*pb.Entry, 0, int(keep)+len(ents))
		merged = append(merged, g.ents[:keep]...)
		g.ents = append(merged, ents...)
	}
	if hs := u.HardState; hs != nil {
		g.hardState = hardState{hs.GetTerm(), hs.GetVote(), hs.GetCommit()}
	}
}

// State returns a group's hard state, compaction point and log bounds.
func (s *Store) State(id uint64) (logstore.GroupState, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.group(id)
	if err != nil {
		return logstore.GroupState{}, err
	}
	return logstore.GroupState{
		HardState: pb.HardState{
			Term:   new(g.hardState.term),
			Vote:   new(g.hardState.vote),
			Commit: new(g.hardState.commit),
		},
		Snapshot: pb.SnapshotMetadata{
			ConfState: cloneConf(g.conf),
			Index:     new(g.snapIndex),
			Term:      new(g.snapTerm),
		},
		FirstIndex: g.snapIndex + 1,
		LastIndex:  g.lastIndex(),
	}, nil
}

// Entries returns entries [lo, hi) of a group, at most maxSize bytes of them
// (measured as raft does) but at least one.
func (s *Store) Entries(id, lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.group(id)
	if err != nil {
		return nil, err
	}
	if err := logstore.CheckRange(id, lo, hi, g.snapIndex+1, g.lastIndex()); err != nil {
		return nil, err
	}
	ents := g.ents[lo-g.snapIndex-1 : hi-g.snapIndex-1]
	return slices.Clone(logstore.LimitSize(ents, maxSize)), nil
}

// Term returns the term of the entry at index, or of the compaction point.
func (s *Store) Term(id, index uint64) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.group(id)
	if err != nil {
		return 0, err
	}
	switch {
	case index < g.snapIndex:
		return 0, raft.ErrCompacted
	case index == g.snapIndex:
		return g.snapTerm, nil
	case index > g.lastIndex():
		return 0, raft.ErrUnavailable
	}
	return g.ents[index-g.snapIndex-1].GetTerm(), nil
}

// Compact discards a group's entries up to and including snap.Index.
func (s *Store) Compact(id uint64, snap *pb.SnapshotMetadata) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return logstore.ErrClosed
	}
	g, err := s.group(id)
	if err != nil {
		return err
	}
	var termAt uint64
	if i := snap.GetIndex(); i > g.snapIndex && i <= g.lastIndex() {
		termAt = g.ents[i-g.snapIndex-1].GetTerm()
	}
	if err := logstore.CheckCompact(id, snap, g.snapIndex, g.lastIndex(), termAt); err != nil {
		return err
	}
	drop := snap.GetIndex() - g.snapIndex
	g.ents = slices.Clone(g.ents[drop:])
	g.snapIndex = snap.GetIndex()
	g.snapTerm = snap.GetTerm()
	g.conf = cloneConf(snap.GetConfState())
	return nil
}

// RemoveGroup forgets a group.
func (s *Store) RemoveGroup(id uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.group(id); err != nil {
		return err
	}
	delete(s.groups, id)
	return nil
}

// Groups lists the groups held, in increasing order.
func (s *Store) Groups() ([]uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, logstore.ErrClosed
	}
	return slices.Sorted(maps.Keys(s.groups)), nil
}

// Close releases the store; later calls return logstore.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return logstore.ErrClosed
	}
	s.closed = true
	s.groups = nil
	return nil
}

// group returns a group, or an error when closed or unknown. The caller holds
// s.mu.
func (s *Store) group(id uint64) (*group, error) {
	if s.closed {
		return nil, logstore.ErrClosed
	}
	g := s.groups[id]
	if g == nil {
		return nil, fmt.Errorf("logstore: group %d: %w", id, logstore.ErrUnknownGroup)
	}
	return g, nil
}

func cloneConf(cs *pb.ConfState) *pb.ConfState {
	if cs == nil {
		return &pb.ConfState{}
	}
	return proto.CloneOf(cs)
}
