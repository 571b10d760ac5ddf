package wal

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/wal/vfs"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	goleak.VerifyTestMain(m)
}

func ent(index, term uint64, data string) *pb.Entry {
	return &pb.Entry{Index: new(index), Term: new(term), Type: pb.EntryType_EntryNormal.Enum(), Data: []byte(data)}
}

func hs(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

func meta(index, term uint64) *pb.SnapshotMetadata {
	return &pb.SnapshotMetadata{Index: new(index), Term: new(term), ConfState: &pb.ConfState{Voters: []uint64{1, 2, 3}}}
}

func openWAL(t testing.TB, dir string, opts *Options) *WAL {
	t.Helper()
	w, err := Open(dir, opts)
	require.NoError(t, err)
	return w
}

// step is one call on a store: a Save, a Compact or a RemoveGroup.
type step struct {
	save    []logstore.Update
	compact uint64 // group to compact, with meta
	meta    *pb.SnapshotMetadata
	remove  uint64
}

func (s step) String() string {
	switch {
	case s.save != nil:
		return fmt.Sprintf("save of %d updates", len(s.save))
	case s.meta != nil:
		return fmt.Sprintf("compact group %d at %d", s.compact, s.meta.GetIndex())
	}
	return fmt.Sprintf("remove group %d", s.remove)
}

func (s step) apply(store logstore.LogStore) error {
	switch {
	case s.save != nil:
		return store.Save(s.save)
	case s.meta != nil:
		return store.Compact(s.compact, s.meta)
	}
	return store.RemoveGroup(s.remove)
}

// workload generates valid random steps over a few groups: appends,
// conflicting rewrites, hard states, snapshots, compactions and removals.
type workload struct {
	rng    *rand.Rand
	model  *memlog.Store
	groups uint64
	terms  map[uint64]uint64
}

func newWorkload(seed uint64, groups uint64) *workload {
	return &workload{rng: rand.New(rand.NewPCG(seed, 7)), model: memlog.New(), groups: groups, terms: map[uint64]uint64{}}
}

func (wl *workload) data() string {
	b := make([]byte, wl.rng.IntN(120))
	for i := range b {
		b[i] = byte('a' + wl.rng.IntN(26))
	}
	return string(b)
}

func (wl *workload) state(g uint64) (*logstore.GroupState, bool) {
	st, err := wl.model.State(g)
	if err != nil {
		return &logstore.GroupState{}, false
	}
	return &st, true
}

// next returns a step valid for the model, and applies it to the model.
func (wl *workload) next() step {
	for {
		s, ok := wl.try()
		if !ok {
			continue
		}
		if err := s.apply(wl.model); err != nil {
			panic(fmt.Sprintf("workload generated an invalid step %v: %v", s, err))
		}
		return s
	}
}

func (wl *workload) try() (step, bool) {
	g := 1 + wl.rng.Uint64N(wl.groups)
	st, exists := wl.state(g)
	term := wl.terms[g]
	switch r := wl.rng.IntN(100); {
	case r < 12 && exists && st.LastIndex > st.Snapshot.GetIndex():
		index := st.Snapshot.GetIndex() + 1 + wl.rng.Uint64N(st.LastIndex-st.Snapshot.GetIndex())
		t, err := wl.model.Term(g, index)
		if err != nil {
			panic(err)
		}
		return step{compact: g, meta: meta(index, t)}, true
	case r < 15 && exists:
		return step{remove: g}, true
	case r < 19:
		wl.terms[g] = term + 1
		index := st.LastIndex + wl.rng.Uint64N(4)
		return step{save: []logstore.Update{{Group: g, Snapshot: meta(index, term+1), HardState: hs(term+1, 1, index)}}}, true
	}
	// A save touching one to four distinct groups.
	var updates []logstore.Update
	seen := map[uint64]bool{}
	for n := 1 + wl.rng.IntN(4); n > 0; n-- {
		g := 1 + wl.rng.Uint64N(wl.groups)
		if seen[g] {
			continue
		}
		seen[g] = true
		st, exists := wl.state(g)
		if !exists {
			st.FirstIndex, st.LastIndex = 1, 0
		}
		u := logstore.Update{Group: g}
		if wl.rng.IntN(3) > 0 {
			from := st.LastIndex + 1
			if wl.rng.IntN(5) == 0 && st.LastIndex >= st.FirstIndex { // rewrite a suffix
				from = st.FirstIndex + wl.rng.Uint64N(st.LastIndex-st.FirstIndex+1)
				wl.terms[g]++
			}
			for i := from; i < from+1+wl.rng.Uint64N(5); i++ {
				u.Entries = append(u.Entries, ent(i, wl.terms[g], wl.data()))
			}
		}
		if wl.rng.IntN(2) == 0 {
			u.HardState = hs(wl.terms[g], wl.rng.Uint64N(4), st.FirstIndex-1)
		}
		updates = append(updates, u)
	}
	return step{save: updates}, true
}

// modelAfter returns a store holding the effect of steps.
func modelAfter(t testing.TB, steps []step) *memlog.Store {
	m := memlog.New()
	for _, s := range steps {
		require.NoError(t, s.apply(m))
	}
	return m
}

// requireSame checks that got holds exactly what want holds.
func requireSame(t testing.TB, want, got logstore.LogStore) {
	t.Helper()
	if diff := storeDiff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

// storeDiff returns the first difference between what want and got hold, or
// "" if they hold the same.
func storeDiff(want, got logstore.LogStore) string {
	wantGroups, err := want.Groups()
	if err != nil {
		return err.Error()
	}
	gotGroups, err := got.Groups()
	if err != nil {
		return err.Error()
	}
	if fmt.Sprint(wantGroups) != fmt.Sprint(gotGroups) {
		return fmt.Sprintf("groups: want %v, got %v", wantGroups, gotGroups)
	}
	for _, g := range wantGroups {
		ws, err := want.State(g)
		if err != nil {
			return err.Error()
		}
		gs, err := got.State(g)
		if err != nil {
			return err.Error()
		}
		wantState := fmt.Sprintf("first %d last %d snapshot %d/%d voters %v hard state %d/%d/%d",
			ws.FirstIndex, ws.LastIndex, ws.Snapshot.GetIndex(), ws.Snapshot.GetTerm(), ws.Snapshot.GetConfState().GetVoters(),
			ws.HardState.GetTerm(), ws.HardState.GetVote(), ws.HardState.GetCommit())
		gotState := fmt.Sprintf("first %d last %d snapshot %d/%d voters %v hard state %d/%d/%d",
			gs.FirstIndex, gs.LastIndex, gs.Snapshot.GetIndex(), gs.Snapshot.GetTerm(), gs.Snapshot.GetConfState().GetVoters(),
			gs.HardState.GetTerm(), gs.HardState.GetVote(), gs.HardState.GetCommit())
		if wantState != gotState {
			return fmt.Sprintf("group %d: want %s, got %s", g, wantState, gotState)
		}
		we, err := want.Entries(g, ws.FirstIndex, ws.LastIndex+1, ^uint64(0))
		if err != nil {
			return err.Error()
		}
		ge, err := got.Entries(g, gs.FirstIndex, gs.LastIndex+1, ^uint64(0))
		if err != nil {
			return fmt.Sprintf("group %d: entries: %v", g, err)
		}
		if len(we) != len(ge) {
			return fmt.Sprintf("group %d: want %d entries, got %d", g, len(we), len(ge))
		}
		for i := range we {
			w, x := we[i], ge[i]
			if w.GetIndex() != x.GetIndex() || w.GetTerm() != x.GetTerm() || w.GetType() != x.GetType() || string(w.GetData()) != string(x.GetData()) {
				return fmt.Sprintf("group %d: entry %d: want %v, got %v", g, w.GetIndex(), w, x)
			}
			term, err := got.Term(g, w.GetIndex())
			if err != nil || term != w.GetTerm() {
				return fmt.Sprintf("group %d: term at %d: want %d, got %d (%v)", g, w.GetIndex(), w.GetTerm(), term, err)
			}
		}
		term, err := got.Term(g, ws.Snapshot.GetIndex())
		if err != nil || term != ws.Snapshot.GetTerm() {
			return fmt.Sprintf("group %d: term at the compaction point: want %d, got %d (%v)", g, ws.Snapshot.GetTerm(), term, err)
		}
		if ws.Snapshot.GetIndex() > 0 {
			if _, err = got.Term(g, ws.Snapshot.GetIndex()-1); !errors.Is(err, raft.ErrCompacted) {
				return fmt.Sprintf("group %d: term below the compaction point: %v", g, err)
			}
		}
	}
	return ""
}

// checkInvariants recomputes the segment pins and cache accounting from the
// groups and compares them with the counters.
func checkInvariants(t testing.TB, w *WAL) {
	t.Helper()
	w.mu.RLock()
	defer w.mu.RUnlock()
	entryPins := map[uint32]int{}
	statePins := map[uint32]int{}
	var cacheBytes int64
	for _, g := range w.groups {
		if s := g.firstEntrySeg(); s != 0 {
			entryPins[s]++
		}
		if g.hsSeg != 0 {
			statePins[g.hsSeg]++
		}
		if g.snapSeg != 0 {
			statePins[g.snapSeg]++
		}
		require.Equal(t, len(g.locs) == 0, len(g.terms) == 0, "group %d: term runs and entries", g.id)
		for i := 1; i < len(g.locs); i++ {
			require.GreaterOrEqual(t, g.locs[i].seg, g.locs[i-1].seg, "group %d: entry segments never decrease", g.id)
		}
		if len(g.locs) > 0 {
			require.NotNil(t, w.segmentBySeq(g.locs[0].seg), "group %d: first entry's segment %d exists", g.id, g.locs[0].seg)
			require.Equal(t, g.first(), g.terms[0].first)
		}
		require.LessOrEqual(t, len(g.cache), len(g.locs))
		for i, e := range g.cache {
			require.Equal(t, g.cacheFirst()+uint64(i), e.GetIndex(), "group %d: cache is the log's suffix", g.id)
		}
		cacheBytes += g.cacheBytes
	}
	for _, s := range w.segments {
		require.Equal(t, entryPins[s.seq], s.entryPins, "entry pins of segment %d", s.seq)
		require.Equal(t, statePins[s.seq], s.statePins, "state pins of segment %d", s.seq)
	}
	require.Equal(t, cacheBytes, w.cacheBytes)
}

// noSyncFS skips fdatasync and directory syncs: for tests of what the log
// holds, not of what survives a power loss, so that they run fast.
type noSyncFS struct{ vfs.FS }

type noSyncFile struct{ vfs.File }

func (noSyncFile) Sync() error { return nil }

func (fs noSyncFS) Create(name string) (vfs.File, error) {
	f, err := fs.FS.Create(name)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

func (fs noSyncFS) OpenAppend(name string) (vfs.File, error) {
	f, err := fs.FS.OpenAppend(name)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

func (noSyncFS) SyncDir(string) error { return nil }

// fast returns opts (nil for the defaults) with fdatasync skipped.
func fast(opts *Options) *Options {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.FS = noSyncFS{vfs.Default}
	return &o
}
