package multiraft_test

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// stagedSM stages what Apply does; the round commit (commitAll) makes it
// committed. AppliedIndex reports only committed commands.
type stagedSM struct {
	staged, committed uint64
	applies           int
}

func (s *stagedSM) Apply(cmds []multiraft.Command) ([]any, error) {
	s.applies++
	out := make([]any, len(cmds))
	for i, c := range cmds {
		s.staged = c.Index
		out[i] = c.Index
	}
	return out, nil
}

func (s *stagedSM) AppliedIndex() uint64 { return s.committed }

func (s *stagedSM) Snapshot() (multiraft.Snapshot, error) {
	return nil, errors.New("stagedSM: no snapshots")
}

func (s *stagedSM) Restore(io.Reader) (uint64, error) {
	return 0, errors.New("stagedSM: no snapshots")
}

// roundCore is a one-node Core whose groups are stagedSMs, driven by the
// test goroutine.
type roundCore struct {
	core    *multiraft.Core
	sms     []*stagedSM
	commits int
	fail    error
}

func newRoundCore(t *testing.T, groups int) *roundCore {
	t.Helper()
	rc := &roundCore{}
	core, err := multiraft.NewCore(multiraft.Config{
		NodeID:   1,
		LogStore: memlog.New(),
		Send:     func(transport.NodeID, []transport.GroupMessage) {},
		Seed:     1,
		CommitApplied: func() error {
			rc.commits++
			if rc.fail != nil {
				return rc.fail
			}
			for _, sm := range rc.sms {
				sm.committed = sm.staged
			}
			return nil
		},
	})
	require.NoError(t, err)
	rc.core = core
	for g := 1; g <= groups; g++ {
		sm := &stagedSM{}
		rc.sms = append(rc.sms, sm)
		require.NoError(t, core.AddGroup(multiraft.GroupConfig{Group: uint64(g), StateMachine: sm, Peers: []transport.NodeID{1}}))
	}
	// Single-voter groups elect themselves after an election timeout.
	for tick := 0; tick < 100; tick++ {
		rc.settle(t)
		leaders := 0
		for g := 1; g <= groups; g++ {
			st, err := core.Status(uint64(g))
			require.NoError(t, err)
			if st.IsLeader {
				leaders++
			}
		}
		if leaders == groups {
			rc.settle(t)
			return rc
		}
		core.Tick()
	}
	t.Fatal("groups did not elect themselves")
	return nil
}

// settle runs rounds until the core has no work.
func (rc *roundCore) settle(t *testing.T) {
	t.Helper()
	for range 100 {
		worked, err := rc.core.Process()
		require.NoError(t, err)
		if !worked {
			return
		}
	}
	t.Fatal("core did not settle")
}

func TestRoundCommitIsOnePerRoundAndPrecedesResults(t *testing.T) {
	tests := []struct {
		name   string
		groups int
	}{
		{name: "one group", groups: 1},
		{name: "eight groups apply in one round", groups: 8},
		{name: "sixty-four groups apply in one round", groups: 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newRoundCore(t, tt.groups)
			before := rc.commits
			applies := make([]int, tt.groups)
			for i, sm := range rc.sms {
				applies[i] = sm.applies
			}
			type delivery struct {
				res       any
				err       error
				committed uint64
				commits   int
			}
			got := make([]*delivery, tt.groups)
			for g := 1; g <= tt.groups; g++ {
				sm := rc.sms[g-1]
				rc.core.Propose(uint64(g), []byte("cmd"), func(res any, err error) {
					got[g-1] = &delivery{res: res, err: err, committed: sm.committed, commits: rc.commits}
				})
			}
			rc.settle(t)
			require.Equal(t, before+1, rc.commits, "every group applied in one round: one round commit")
			require.Equal(t, uint64(rc.commits), rc.core.Stats().RoundCommits, "Stats count the round commits")
			for i, d := range got {
				require.NotNil(t, d, "group %d: result delivered", i+1)
				require.NoError(t, d.err)
				require.Equal(t, before+1, d.commits, "group %d: result delivered after the round commit", i+1)
				require.Equal(t, d.res, d.committed, "group %d: result delivered once its command was committed", i+1)
				require.Equal(t, applies[i]+1, rc.sms[i].applies)
				st, err := rc.core.Status(uint64(i + 1))
				require.NoError(t, err)
				require.Equal(t, d.res, st.Applied)
			}
		})
	}
}

func TestRoundCommitFailureStopsTheNodeAndFailsItsProposals(t *testing.T) {
	rc := newRoundCore(t, 4)
	rc.fail = errors.New("disk gone")
	var errs []error
	for g := 1; g <= 4; g++ {
		rc.core.Propose(uint64(g), []byte("cmd"), func(res any, err error) {
			require.Nil(t, res)
			errs = append(errs, err)
		})
	}
	var err error
	for range 10 {
		if _, err = rc.core.Process(); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, rc.fail)
	require.ErrorIs(t, rc.core.Err(), rc.fail)
	require.Len(t, errs, 4)
	for _, e := range errs {
		require.ErrorIs(t, e, rc.fail)
	}
	for _, sm := range rc.sms {
		require.Less(t, sm.committed, sm.staged, "nothing of the failed round is committed")
	}
}
