package meta

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// systemTableNode starts a one-node cluster hosting the system table and
// returns its node, with a context for the test.
func systemTableNode(t *testing.T) (context.Context, *node.Node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	nc, err := node.StartCluster(ctx, node.ClusterConfig{Nodes: 1, Zones: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, nc.Close()) })
	require.NoError(t, nc.CreatePartition(ctx, Group, PartitionMeta(), []transport.NodeID{1}))
	_, err = nc.WaitLeader(ctx, Group)
	require.NoError(t, err)
	n, err := nc.Node(1)
	require.NoError(t, err)
	return ctx, n
}

// A catalog saved to the system table loads back whole; a store whose view
// is older than the table's (a deposed controller) cannot overwrite it.
func TestStoreSaveLoadAndFencing(t *testing.T) {
	ctx, n := systemTableNode(t)

	first := &store{n: n}
	empty, _, err := first.load(ctx)
	require.NoError(t, err)
	require.Empty(t, empty.TableNames())
	stale := &store{n: n}
	_, _, err = stale.load(ctx)
	require.NoError(t, err)

	c := sampleCatalog(t)
	require.NoError(t, first.save(ctx, c, state{}))
	require.NoError(t, c.CompleteTransition("users"))
	_, err = c.DeleteTable(&catalog.DeleteTableInput{TableName: "users"})
	require.NoError(t, err)
	require.NoError(t, c.CompleteTransition("users"))
	require.NoError(t, first.save(ctx, c, state{}))

	loaded, _, err := (&store{n: n}).load(ctx)
	require.NoError(t, err)
	want, err := catalog.EncodeCatalog(c)
	require.NoError(t, err)
	got, err := catalog.EncodeCatalog(loaded)
	require.NoError(t, err)
	require.Equal(t, want, got)

	// The stale store still believes the table holds nothing.
	require.ErrorIs(t, stale.save(ctx, sampleCatalog(t), state{}), ErrStale)
	after, _, err := (&store{n: n}).load(ctx)
	require.NoError(t, err)
	got, err = catalog.EncodeCatalog(after)
	require.NoError(t, err)
	require.Equal(t, want, got, "a refused save changes nothing")
}

// The control plane's state (the move under way, the latest events) is
// saved beside the catalog and loads back; events trimmed from the ring
// and a finished move leave no record behind.
func TestStoreKeepsControlPlaneState(t *testing.T) {
	ctx, n := systemTableNode(t)

	s := &store{n: n}
	c, _, err := s.load(ctx)
	require.NoError(t, err)
	var log events
	for i := range MaxEvents + 5 {
		log.add(Event{Kind: "node", What: fmt.Sprint("event ", i)})
	}
	list, first := log.state()
	require.Len(t, list, MaxEvents)
	require.Equal(t, uint64(5), first)
	moves := []catalog.Move{{Table: 1, Partition: 7, From: 1, To: 2}, {Table: 1, Partition: 9, From: 2, To: 1}}
	require.NoError(t, s.save(ctx, c, state{moves: moves, events: list, firstEvent: first}))

	_, got, err := (&store{n: n}).load(ctx)
	require.NoError(t, err)
	require.Equal(t, moves, got.moves)
	require.Equal(t, uint64(5), got.firstEvent)
	require.Equal(t, list, got.events)

	// Two more events push the two oldest out; the moves are done.
	log.add(Event{What: "newer"})
	log.add(Event{What: "newest"})
	list, first = log.state()
	require.NoError(t, s.save(ctx, c, state{events: list, firstEvent: first}))
	_, got, err = (&store{n: n}).load(ctx)
	require.NoError(t, err)
	require.Empty(t, got.moves)
	require.Equal(t, uint64(7), got.firstEvent)
	require.Len(t, got.events, MaxEvents)
	require.Equal(t, "newest", got.events[MaxEvents-1].What)
	require.Equal(t, "event 7", got.events[0].What)
}
