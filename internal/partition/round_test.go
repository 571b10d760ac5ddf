package partition

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// countingEngine counts the commits made to the engine it wraps.
type countingEngine struct {
	storage.Engine
	commits int
}

func (e *countingEngine) Commit(b storage.Batch, sync bool) error {
	e.commits++
	return e.Engine.Commit(b, sync)
}

// roundPartitions creates n partitions of the test schema on e, each the
// whole of its own table (testTable, testTable+1, ...), sharing round r.
func roundPartitions(t *testing.T, e storage.Engine, r *Round, n int, onWrite func([]byte, int, int)) []*Partition {
	t.Helper()
	var out []*Partition
	for i := range n {
		table := uint64(testTable + i)
		start := keyenc.TablePrefix(table)
		p, err := Create(e, uint64(testGroup+i), Meta{Table: table, Schema: testSchema, Range: keyenc.Range{Start: start, End: keyenc.PrefixEnd(start)}},
			Options{Round: r, OnWrite: onWrite})
		require.NoError(t, err)
		out = append(out, p)
	}
	return out
}

func TestRoundCommitsEveryPartitionInOneEngineCommit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		e := &countingEngine{Engine: newEngine(t, kind)}
		r := NewRound(e, false)
		var writes int
		ps := roundPartitions(t, e, r, 3, func([]byte, int, int) { writes++ })
		first := ps[0]
		created := e.commits

		f := newFeeder(t, first)
		require.NoError(t, f.one(putCmd(item("a", 1, attr.Item{"n": attr.N("1")}))).Err)
		// A second Apply of the same group in the round sees the first.
		res := f.one(updateCmd(key("a", 1), "SET n = n + :one", nil, expr.Values{":one": attr.N("1")}))
		require.NoError(t, res.Err)
		requireItem(t, item("a", 1, attr.Item{"n": attr.N("1")}), res.Old)
		for _, p := range ps[1:] {
			cmd := putCmd(item("b", 1, nil))
			cmd.Table = p.Meta().Table
			require.NoError(t, newFeeder(t, p).one(cmd).Err)
		}

		require.Equal(t, created, e.commits, "Apply stages, it does not commit")
		require.Zero(t, writes, "OnWrite waits for the commit")
		for _, p := range ps {
			require.Zero(t, p.AppliedIndex(), "group %d: AppliedIndex reports what is committed", p.Group())
			require.Zero(t, p.Meta().Items)
		}
		got, err := first.Get(key("a", 1))
		require.NoError(t, err)
		require.Nil(t, got, "readers do not see a round before its commit")

		require.NoError(t, r.Commit())
		require.Equal(t, created+1, e.commits, "one engine commit for the whole round")
		require.Equal(t, 4, writes)
		require.Equal(t, uint64(2), first.AppliedIndex())
		got, err = first.Get(key("a", 1))
		require.NoError(t, err)
		requireItem(t, item("a", 1, attr.Item{"n": attr.N("2")}), got)
		requireCounts(t, first)
		for _, p := range ps[1:] {
			require.Equal(t, uint64(1), p.AppliedIndex())
			require.Equal(t, uint64(1), p.Meta().Items)
		}
		for _, p := range ps {
			reopened, err := Open(e, p.Group(), Options{})
			require.NoError(t, err)
			require.Equal(t, p.Meta(), reopened.Meta(), "group %d: meta committed with the data", p.Group())
		}

		require.NoError(t, r.Commit())
		require.Equal(t, created+1, e.commits, "a round with nothing staged commits nothing")

		// The next round starts from the committed state.
		res = f.one(updateCmd(key("a", 1), "SET n = n + :one", nil, expr.Values{":one": attr.N("1")}))
		require.NoError(t, res.Err)
		require.NoError(t, r.Commit())
		require.Equal(t, created+2, e.commits)
		got, err = first.Get(key("a", 1))
		require.NoError(t, err)
		requireItem(t, item("a", 1, attr.Item{"n": attr.N("3")}), got)
		require.Equal(t, uint64(3), first.AppliedIndex())
	})
}

func TestRoundRefusesToCommitAfterAFailedApply(t *testing.T) {
	e := &countingEngine{Engine: newEngine(t, engineKinds[0])}
	r := NewRound(e, false)
	ps := roundPartitions(t, e, r, 2, nil)
	created := e.commits
	require.NoError(t, newFeeder(t, ps[0]).one(putCmd(item("a", 1, nil))).Err)
	data, err := putCmd(item("b", 1, nil)).Encode()
	require.NoError(t, err)
	_, err = ps[1].Apply([]multiraft.Command{{Index: 0, Data: data}})
	require.Error(t, err, "index 0 is not after the applied index")
	require.ErrorIs(t, r.Commit(), errRoundFailed)
	require.Equal(t, created, e.commits)
	got, err := ps[0].Get(key("a", 1))
	require.NoError(t, err)
	require.Nil(t, got)
	require.Zero(t, ps[0].AppliedIndex())
}

// failingEngine fails every commit.
type failingEngine struct{ storage.Engine }

var errDiskGone = errors.New("disk gone")

func (failingEngine) Commit(storage.Batch, bool) error { return errDiskGone }

func TestRoundCommitFailureLeavesCommittedStateUnchanged(t *testing.T) {
	inner := newEngine(t, engineKinds[0])
	p := createPartition(t, inner, Options{})
	e := failingEngine{inner}
	r := NewRound(e, false)
	staged, err := Open(e, p.Group(), Options{Round: r})
	require.NoError(t, err)
	require.NoError(t, newFeeder(t, staged).one(putCmd(item("a", 1, nil))).Err)
	require.ErrorIs(t, r.Commit(), errDiskGone)
	require.Zero(t, staged.AppliedIndex())
	require.ErrorIs(t, r.Commit(), errRoundFailed, "a round whose commit failed stays failed")
}

func TestRestoreRefusesAPartitionWithStagedWrites(t *testing.T) {
	e := newEngine(t, engineKinds[0])
	src := createPartition(t, e, Options{})
	newFeeder(t, src).one(putCmd(item("a", 1, nil)))
	snap, err := src.Snapshot()
	require.NoError(t, err)
	defer func() { require.NoError(t, snap.Close()) }()
	var buf bytes.Buffer
	_, err = snap.WriteTo(&buf)
	require.NoError(t, err)

	r := NewRound(e, false)
	staged, err := Open(e, src.Group(), Options{Round: r})
	require.NoError(t, err)
	newFeeder(t, staged).one(putCmd(item("b", 1, nil)))
	_, err = staged.Restore(bytes.NewReader(buf.Bytes()))
	require.Error(t, err)
	require.NoError(t, r.Commit())
	restored, err := staged.Restore(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err, "once the round committed, Restore proceeds")
	require.Equal(t, uint64(1), restored)
}
