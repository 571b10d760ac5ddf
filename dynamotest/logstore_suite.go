package dynamotest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/logstore"
)

// LogStoreOption adjusts TestLogStore.
type LogStoreOption func(*logStoreSuite)

// WithReopen lets TestLogStore check durability: reopen must close s and
// return a store opened on the same data. Without it the reopen subtests do
// not run (an in-memory store has nothing to reopen).
func WithReopen(reopen func(t *testing.T, s dynamo.LogStore) dynamo.LogStore) LogStoreOption {
	return func(suite *logStoreSuite) { suite.reopen = reopen }
}

type logStoreSuite struct {
	open   func(t *testing.T) dynamo.LogStore
	reopen func(t *testing.T, s dynamo.LogStore) dynamo.LogStore
}

// TestLogStore is the conformance suite every LogStore must pass. open
// returns a new, empty store; the suite closes it unless it was reopened, in
// which case it closes the reopened one. Index semantics follow
// go.etcd.io/raft/v3's Storage: raft.ErrCompacted below the first index,
// raft.ErrUnavailable past the last.
func TestLogStore(t *testing.T, open func(t *testing.T) dynamo.LogStore, opts ...LogStoreOption) {
	suite := &logStoreSuite{open: open}
	for _, o := range opts {
		o(suite)
	}
	tests := []struct {
		name string
		run  func(t *testing.T, s *storeUnderTest)
	}{
		{"AppendAndReadBack", suite.appendAndReadBack},
		{"EmptyGroupHasEmptyLog", suite.emptyGroup},
		{"HardStateReplacesPrevious", suite.hardState},
		{"ConflictTruncatesSuffix", suite.conflictTruncation},
		{"EntriesBelowFirstIndexAreIgnored", suite.entriesBelowFirst},
		{"SnapshotReplacesLog", suite.snapshotReplacesLog},
		{"CompactThenErrCompacted", suite.compact},
		{"EntriesRespectsMaxSize", suite.entriesMaxSize},
		{"ManyGroupsInOneSave", suite.manyGroups},
		{"InvalidSaveChangesNothing", suite.invalidSave},
		{"RemoveGroupForgetsIt", suite.removeGroup},
		{"GroupsListsEveryGroup", suite.groups},
		{"UnknownGroupErrors", suite.unknownGroup},
		{"ReturnedSliceIsCallers", suite.returnedSlice},
		{"ConcurrentSaves", suite.concurrentSaves},
		{"ClosedStoreErrors", suite.closed},
	}
	if suite.reopen != nil {
		tests = append(tests, []struct {
			name string
			run  func(t *testing.T, s *storeUnderTest)
		}{
			{"ReopenFindsEverythingSaved", suite.reopenFindsEverything},
			{"ReopenAfterCompactAndRemove", suite.reopenAfterCompact},
		}...)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &storeUnderTest{LogStore: open(t)}
			t.Cleanup(func() {
				if !s.closed {
					require.NoError(t, s.Close())
				}
			})
			tc.run(t, s)
		})
	}
}

// storeUnderTest remembers whether the subtest closed the store itself.
type storeUnderTest struct {
	dynamo.LogStore
	closed bool
}

func (s *storeUnderTest) reopenWith(t *testing.T, reopen func(*testing.T, dynamo.LogStore) dynamo.LogStore) {
	s.LogStore = reopen(t, s.LogStore)
	require.NotNil(t, s.LogStore, "reopen returned nil")
}

func entry(index, term uint64, data string) *pb.Entry {
	return &pb.Entry{Index: new(index), Term: new(term), Type: pb.EntryType_EntryNormal.Enum(), Data: []byte(data)}
}

// run returns entries lo..hi (inclusive) of term, with data naming them.
func run(lo, hi, term uint64) []*pb.Entry {
	var ents []*pb.Entry
	for i := lo; i <= hi; i++ {
		ents = append(ents, entry(i, term, fmt.Sprintf("e%d.t%d", i, term)))
	}
	return ents
}

func hardState(term, vote, commit uint64) *pb.HardState {
	return &pb.HardState{Term: new(term), Vote: new(vote), Commit: new(commit)}
}

func snapMeta(index, term uint64, voters ...uint64) *pb.SnapshotMetadata {
	return &pb.SnapshotMetadata{Index: new(index), Term: new(term), ConfState: &pb.ConfState{Voters: voters}}
}

type entryView struct {
	Index, Term uint64
	Type        pb.EntryType
	Data        string
}

func view(ents []*pb.Entry) []entryView {
	out := make([]entryView, 0, len(ents))
	for _, e := range ents {
		out = append(out, entryView{e.GetIndex(), e.GetTerm(), e.GetType(), string(e.GetData())})
	}
	return out
}

// requireLog checks a group's bounds and every entry and term in them.
func requireLog(t *testing.T, s dynamo.LogStore, group, first, last uint64, want []*pb.Entry) {
	t.Helper()
	st, err := s.State(group)
	require.NoError(t, err)
	require.Equal(t, first, st.FirstIndex, "first index of group %d", group)
	require.Equal(t, last, st.LastIndex, "last index of group %d", group)
	got, err := s.Entries(group, first, last+1, ^uint64(0))
	require.NoError(t, err)
	require.Equal(t, view(want), view(got), "entries of group %d", group)
	for _, e := range want {
		term, err := s.Term(group, e.GetIndex())
		require.NoError(t, err)
		require.Equal(t, e.GetTerm(), term, "term at %d of group %d", e.GetIndex(), group)
	}
}

func requireHardState(t *testing.T, s dynamo.LogStore, group uint64, want *pb.HardState) {
	t.Helper()
	st, err := s.State(group)
	require.NoError(t, err)
	require.Equal(t, []uint64{want.GetTerm(), want.GetVote(), want.GetCommit()},
		[]uint64{st.HardState.GetTerm(), st.HardState.GetVote(), st.HardState.GetCommit()},
		"hard state (term, vote, commit) of group %d", group)
}

func requireSnapshot(t *testing.T, s dynamo.LogStore, group uint64, want *pb.SnapshotMetadata) {
	t.Helper()
	st, err := s.State(group)
	require.NoError(t, err)
	require.Equal(t, want.GetIndex(), st.Snapshot.GetIndex(), "snapshot index of group %d", group)
	require.Equal(t, want.GetTerm(), st.Snapshot.GetTerm(), "snapshot term of group %d", group)
	require.True(t, proto.Equal(want.GetConfState(), st.Snapshot.GetConfState()) ||
		(len(want.GetConfState().GetVoters()) == 0 && len(st.Snapshot.GetConfState().GetVoters()) == 0 &&
			len(st.Snapshot.GetConfState().GetLearners()) == 0),
		"conf state of group %d: want %v, got %v", group, want.GetConfState(), st.Snapshot.GetConfState())
}

func (suite *logStoreSuite) appendAndReadBack(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 3, 1)}}))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(4, 10, 2)}}))
	requireLog(t, s, 1, 1, 10, append(run(1, 3, 1), run(4, 10, 2)...))

	got, err := s.Entries(1, 3, 6, ^uint64(0))
	require.NoError(t, err)
	require.Equal(t, view(append(run(3, 3, 1), run(4, 5, 2)...)), view(got))

	got, err = s.Entries(1, 5, 5, ^uint64(0))
	require.NoError(t, err)
	require.Empty(t, got, "an empty range returns no entries")

	_, err = s.Entries(1, 5, 12, ^uint64(0))
	require.ErrorIs(t, err, raft.ErrUnavailable, "hi past LastIndex+1")
	_, err = s.Term(1, 11)
	require.ErrorIs(t, err, raft.ErrUnavailable, "term past LastIndex")
	term, err := s.Term(1, 0)
	require.NoError(t, err, "the term of index 0 (the initial compaction point) is known")
	require.Zero(t, term)

	conf := []*pb.Entry{{Index: new(uint64(11)), Term: new(uint64(2)), Type: pb.EntryType_EntryConfChangeV2.Enum(), Data: []byte{1, 2, 3}}}
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: conf}}))
	got, err = s.Entries(1, 11, 12, ^uint64(0))
	require.NoError(t, err)
	require.Equal(t, view(conf), view(got), "entry type and binary data survive")
}

func (suite *logStoreSuite) emptyGroup(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 9}}))
	st, err := s.State(9)
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.FirstIndex)
	require.Equal(t, uint64(0), st.LastIndex)
	require.Zero(t, st.Snapshot.GetIndex())
	require.Zero(t, st.HardState.GetTerm())
	got, err := s.Entries(9, 1, 1, 100)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = s.Entries(9, 1, 2, 100)
	require.ErrorIs(t, err, raft.ErrUnavailable)
}

func (suite *logStoreSuite) hardState(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, HardState: hardState(1, 2, 0)}}))
	requireHardState(t, s, 1, hardState(1, 2, 0))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 5, 3), HardState: hardState(3, 3, 4)}}))
	requireHardState(t, s, 1, hardState(3, 3, 4))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(6, 6, 3)}}))
	requireHardState(t, s, 1, hardState(3, 3, 4)) // an update without a hard state keeps it
	requireLog(t, s, 1, 1, 6, run(1, 6, 3))
}

func (suite *logStoreSuite) conflictTruncation(t *testing.T, s *storeUnderTest) {
	tests := []struct {
		name    string
		replace []*pb.Entry
		want    []*pb.Entry
	}{
		{"middle", run(4, 5, 3), append(run(1, 3, 1), run(4, 5, 3)...)},
		{"from the first entry", run(1, 2, 4), run(1, 2, 4)},
		{"last entry only", run(10, 10, 5), append(run(1, 9, 1), run(10, 10, 5)...)},
		{"append right after the end", run(11, 12, 1), run(1, 12, 1)},
		{"longer than before", run(8, 15, 6), append(run(1, 7, 1), run(8, 15, 6)...)},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			group := uint64(100 + i)
			require.NoError(t, s.Save([]logstore.Update{{Group: group, Entries: run(1, 10, 1)}}))
			require.NoError(t, s.Save([]logstore.Update{{Group: group, Entries: tc.replace}}))
			last := tc.want[len(tc.want)-1].GetIndex()
			requireLog(t, s, group, 1, last, tc.want)
			_, err := s.Term(group, last+1)
			require.ErrorIs(t, err, raft.ErrUnavailable, "the truncated suffix is gone")
		})
	}
	t.Run("twice in one save", func(t *testing.T) {
		require.NoError(t, s.Save([]logstore.Update{
			{Group: 200, Entries: run(1, 10, 1)},
			{Group: 200, Entries: run(5, 7, 2)},
			{Group: 200, Entries: run(6, 6, 3)},
		}))
		requireLog(t, s, 200, 1, 6, append(append(run(1, 4, 1), run(5, 5, 2)...), run(6, 6, 3)...))
	})
}

func (suite *logStoreSuite) entriesBelowFirst(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 10, 1)}}))
	require.NoError(t, s.Compact(1, snapMeta(5, 1)))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(3, 8, 2)}}))
	requireLog(t, s, 1, 6, 8, run(6, 8, 2))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(2, 4, 2)}}))
	requireLog(t, s, 1, 6, 8, run(6, 8, 2))
}

func (suite *logStoreSuite) snapshotReplacesLog(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 10, 1), HardState: hardState(1, 1, 10)}}))
	snap := snapMeta(20, 3, 1, 2, 3)
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Snapshot: snap, Entries: run(21, 22, 3), HardState: hardState(3, 1, 20)}}))
	requireSnapshot(t, s, 1, snap)
	requireHardState(t, s, 1, hardState(3, 1, 20))
	requireLog(t, s, 1, 21, 22, run(21, 22, 3))
	term, err := s.Term(1, 20)
	require.NoError(t, err)
	require.Equal(t, uint64(3), term, "the snapshot's term is the term at its index")
	_, err = s.Term(1, 19)
	require.ErrorIs(t, err, raft.ErrCompacted)
	_, err = s.Entries(1, 20, 22, ^uint64(0))
	require.ErrorIs(t, err, raft.ErrCompacted)

	// A snapshot behind the log's end also discards the entries after it.
	snap = snapMeta(21, 3, 1, 2)
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Snapshot: snap}}))
	requireSnapshot(t, s, 1, snap)
	requireLog(t, s, 1, 22, 21, nil)

	err = s.Save([]logstore.Update{{Group: 1, Snapshot: snapMeta(10, 1)}})
	require.ErrorIs(t, err, raft.ErrSnapOutOfDate, "a snapshot older than the compaction point")
	requireSnapshot(t, s, 1, snap)
}

func (suite *logStoreSuite) compact(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: append(run(1, 5, 1), run(6, 10, 2)...)}}))
	meta := snapMeta(6, 2, 1, 2, 3)
	require.NoError(t, s.Compact(1, meta))
	requireSnapshot(t, s, 1, meta)
	requireLog(t, s, 1, 7, 10, run(7, 10, 2))
	term, err := s.Term(1, 6)
	require.NoError(t, err, "term at the compaction point")
	require.Equal(t, uint64(2), term)
	_, err = s.Term(1, 5)
	require.ErrorIs(t, err, raft.ErrCompacted)
	_, err = s.Entries(1, 6, 8, ^uint64(0))
	require.ErrorIs(t, err, raft.ErrCompacted)

	require.ErrorIs(t, s.Compact(1, snapMeta(6, 2)), raft.ErrCompacted, "compacting again at the same index")
	require.ErrorIs(t, s.Compact(1, snapMeta(4, 1)), raft.ErrCompacted, "compacting below the compaction point")
	require.ErrorIs(t, s.Compact(1, snapMeta(11, 2)), logstore.ErrInvalid, "compacting past the last index")
	require.ErrorIs(t, s.Compact(1, snapMeta(8, 7)), logstore.ErrInvalid, "compacting with the wrong term")
	require.ErrorIs(t, s.Compact(1, nil), logstore.ErrInvalid)
	requireLog(t, s, 1, 7, 10, run(7, 10, 2))

	require.NoError(t, s.Compact(1, snapMeta(10, 2)), "compacting the whole log")
	requireLog(t, s, 1, 11, 10, nil)
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(11, 12, 3)}}))
	requireLog(t, s, 1, 11, 12, run(11, 12, 3))
}

func (suite *logStoreSuite) entriesMaxSize(t *testing.T, s *storeUnderTest) {
	ents := run(1, 10, 1) // every entry encodes to the same size
	size := uint64(proto.Size(ents[0]))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: ents}}))
	tests := []struct {
		name    string
		maxSize uint64
		want    int
	}{
		{"zero still returns one entry", 0, 1},
		{"less than one entry returns one", size - 1, 1},
		{"exactly one entry", size, 1},
		{"three and a half entries", 3*size + size/2, 3},
		{"exactly four", 4 * size, 4},
		{"unlimited", ^uint64(0), 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Entries(1, 2, 10, tc.maxSize)
			require.NoError(t, err)
			require.Equal(t, view(ents[1:1+tc.want]), view(got))
		})
	}
}

func (suite *logStoreSuite) manyGroups(t *testing.T, s *storeUnderTest) {
	const groups = 50
	for round := uint64(0); round < 4; round++ {
		var updates []logstore.Update
		for g := uint64(1); g <= groups; g++ {
			updates = append(updates, logstore.Update{
				Group:     g,
				Entries:   run(round*g+1, round*g+g, round+1),
				HardState: hardState(round+1, g, round*g),
			})
		}
		require.NoError(t, s.Save(updates))
	}
	for g := uint64(1); g <= groups; g++ {
		var want []*pb.Entry
		for round := uint64(0); round < 4; round++ {
			want = append(want, run(round*g+1, round*g+g, round+1)...)
		}
		requireLog(t, s, g, 1, 4*g, want)
		requireHardState(t, s, g, hardState(4, g, 3*g))
	}
}

func (suite *logStoreSuite) invalidSave(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 5, 1), HardState: hardState(1, 1, 5)}}))
	tests := []struct {
		name    string
		updates []logstore.Update
		want    error
	}{
		{"gap after the end", []logstore.Update{{Group: 1, Entries: run(7, 8, 1)}}, logstore.ErrInvalid},
		{"gap in a new group", []logstore.Update{{Group: 2, Entries: run(2, 3, 1)}}, logstore.ErrInvalid},
		{"entries not consecutive", []logstore.Update{{Group: 1, Entries: []*pb.Entry{entry(6, 1, "a"), entry(8, 1, "b")}}}, logstore.ErrInvalid},
		{"nil entry", []logstore.Update{{Group: 1, Entries: []*pb.Entry{nil}}}, logstore.ErrInvalid},
		{"a later update of the batch is invalid", []logstore.Update{
			{Group: 1, Entries: run(6, 6, 2), HardState: hardState(2, 2, 6)},
			{Group: 3, Entries: run(1, 1, 1)},
			{Group: 1, Entries: run(9, 9, 2)},
		}, logstore.ErrInvalid},
		{"stale snapshot after a newer one in the batch", []logstore.Update{
			{Group: 1, Snapshot: snapMeta(4, 1)},
			{Group: 1, Snapshot: snapMeta(3, 1)},
		}, raft.ErrSnapOutOfDate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, s.Save(tc.updates), tc.want)
			requireLog(t, s, 1, 1, 5, run(1, 5, 1))
			requireHardState(t, s, 1, hardState(1, 1, 5))
			groups, err := s.Groups()
			require.NoError(t, err)
			require.Equal(t, []uint64{1}, groups, "a failed save creates no group")
		})
	}
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(6, 6, 1)}}), "the store still works")
}

func (suite *logStoreSuite) removeGroup(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{
		{Group: 1, Entries: run(1, 3, 1), HardState: hardState(1, 1, 3)},
		{Group: 2, Entries: run(1, 4, 1)},
	}))
	require.NoError(t, s.RemoveGroup(1))
	_, err := s.State(1)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	require.ErrorIs(t, s.RemoveGroup(1), logstore.ErrUnknownGroup, "removing twice")
	requireLog(t, s, 2, 1, 4, run(1, 4, 1))

	// The group can come back, empty.
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 1, 5)}}))
	requireLog(t, s, 1, 1, 1, run(1, 1, 5))
	requireHardState(t, s, 1, hardState(0, 0, 0))
}

func (suite *logStoreSuite) groups(t *testing.T, s *storeUnderTest) {
	groups, err := s.Groups()
	require.NoError(t, err)
	require.Empty(t, groups)
	require.NoError(t, s.Save([]logstore.Update{{Group: 30, HardState: hardState(1, 0, 0)}, {Group: 10}, {Group: 20, Entries: run(1, 1, 1)}}))
	require.NoError(t, s.RemoveGroup(20))
	groups, err = s.Groups()
	require.NoError(t, err)
	require.ElementsMatch(t, []uint64{10, 30}, groups)
}

func (suite *logStoreSuite) unknownGroup(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 1, 1)}}))
	_, err := s.State(2)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	_, err = s.Entries(2, 1, 2, 100)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	_, err = s.Term(2, 1)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	require.ErrorIs(t, s.Compact(2, snapMeta(1, 1)), logstore.ErrUnknownGroup)
	require.ErrorIs(t, s.RemoveGroup(2), logstore.ErrUnknownGroup)
}

func (suite *logStoreSuite) returnedSlice(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 4, 1)}}))
	got, err := s.Entries(1, 1, 3, ^uint64(0))
	require.NoError(t, err)
	_ = append(got, entry(99, 9, "appended by the caller"))
	got[0] = entry(98, 9, "replaced by the caller")
	requireLog(t, s, 1, 1, 4, run(1, 4, 1))
}

func (suite *logStoreSuite) concurrentSaves(t *testing.T, s *storeUnderTest) {
	const writers, rounds = 4, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := uint64(1); w <= writers; w++ {
		wg.Add(2)
		go func() { // writer of groups w and w+100
			defer wg.Done()
			for r := uint64(0); r < rounds; r++ {
				err := s.Save([]logstore.Update{
					{Group: w, Entries: run(r*2+1, r*2+2, 1), HardState: hardState(1, w, r*2)},
					{Group: w + 100, Entries: run(r+1, r+1, 1)},
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // reader of group w
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				st, err := s.State(w)
				if errors.Is(err, logstore.ErrUnknownGroup) {
					continue
				}
				if err == nil && st.LastIndex >= st.FirstIndex {
					_, err = s.Entries(w, st.FirstIndex, st.LastIndex+1, ^uint64(0))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for w := uint64(1); w <= writers; w++ {
		requireLog(t, s, w, 1, 2*rounds, run(1, 2*rounds, 1))
		requireHardState(t, s, w, hardState(1, w, 2*(rounds-1)))
		requireLog(t, s, w+100, 1, rounds, run(1, rounds, 1))
	}
}

func (suite *logStoreSuite) reopenFindsEverything(t *testing.T, s *storeUnderTest) {
	snap := snapMeta(30, 2, 1, 2, 3)
	require.NoError(t, s.Save([]logstore.Update{
		{Group: 1, Entries: run(1, 10, 1), HardState: hardState(1, 1, 8)},
		{Group: 2, Snapshot: snap, Entries: run(31, 33, 2), HardState: hardState(2, 3, 31)},
		{Group: 3, HardState: hardState(4, 0, 0)},
	}))
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(9, 12, 2)}}))
	check := func() {
		requireLog(t, s, 1, 1, 12, append(run(1, 8, 1), run(9, 12, 2)...))
		requireHardState(t, s, 1, hardState(1, 1, 8))
		requireLog(t, s, 2, 31, 33, run(31, 33, 2))
		requireSnapshot(t, s, 2, snap)
		requireHardState(t, s, 2, hardState(2, 3, 31))
		requireLog(t, s, 3, 1, 0, nil)
		requireHardState(t, s, 3, hardState(4, 0, 0))
		groups, err := s.Groups()
		require.NoError(t, err)
		require.ElementsMatch(t, []uint64{1, 2, 3}, groups)
	}
	check()
	s.reopenWith(t, suite.reopen)
	check()
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(13, 13, 2)}}), "the reopened store takes writes")
	s.reopenWith(t, suite.reopen)
	requireLog(t, s, 1, 1, 13, append(run(1, 8, 1), run(9, 13, 2)...))
}

func (suite *logStoreSuite) reopenAfterCompact(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{
		{Group: 1, Entries: run(1, 10, 1)},
		{Group: 2, Entries: run(1, 10, 1)},
		{Group: 3, Entries: run(1, 10, 1)},
	}))
	meta := snapMeta(7, 1, 4, 5)
	require.NoError(t, s.Compact(1, meta))
	require.NoError(t, s.RemoveGroup(2))
	require.NoError(t, s.Compact(3, snapMeta(10, 1)))
	s.reopenWith(t, suite.reopen)
	requireSnapshot(t, s, 1, meta)
	requireLog(t, s, 1, 8, 10, run(8, 10, 1))
	_, err := s.State(2)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	requireLog(t, s, 3, 11, 10, nil)
	groups, err := s.Groups()
	require.NoError(t, err)
	require.ElementsMatch(t, []uint64{1, 3}, groups)
}

func (suite *logStoreSuite) closed(t *testing.T, s *storeUnderTest) {
	require.NoError(t, s.Save([]logstore.Update{{Group: 1, Entries: run(1, 1, 1)}}))
	require.NoError(t, s.Close())
	s.closed = true
	require.ErrorIs(t, s.Save([]logstore.Update{{Group: 1, Entries: run(2, 2, 1)}}), logstore.ErrClosed)
	_, err := s.State(1)
	require.ErrorIs(t, err, logstore.ErrClosed)
	_, err = s.Entries(1, 1, 2, 100)
	require.ErrorIs(t, err, logstore.ErrClosed)
	_, err = s.Term(1, 1)
	require.ErrorIs(t, err, logstore.ErrClosed)
	require.ErrorIs(t, s.Compact(1, snapMeta(1, 1)), logstore.ErrClosed)
	require.ErrorIs(t, s.RemoveGroup(1), logstore.ErrClosed)
	_, err = s.Groups()
	require.ErrorIs(t, err, logstore.ErrClosed)
	require.ErrorIs(t, s.Close(), logstore.ErrClosed, "closing twice")
}
