package db

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// keyIn returns a storage key of table inside partition p's range, other
// than its first key: a point p can be split at.
func keyIn(t *testing.T, rec catalog.Table, p catalog.Partition) []byte {
	t.Helper()
	for i := range 10000 {
		k, err := keyenc.Key(rec.ID, attr.S(fmt.Sprintf("x%d", i)), attr.N("1"))
		require.NoError(t, err)
		if p.Range.Contains(k) && string(k) != string(p.Range.Start) {
			return k
		}
	}
	require.FailNow(t, "no key found in the partition's range")
	return nil
}

// splitPartition asks the control plane to split partition id of table at
// key.
func splitPartition(cl *Client, table string, id uint64, key []byte) error {
	var out meta.SplitPartitionOutput
	return cl.meta.Call(context.Background(), meta.OpSplitPartition, meta.SplitPartitionInput{TableName: table, Partition: id, Key: key}, &out)
}

// withoutNode4 starts four nodes in three zones and creates table while
// node 4 is down and declared dead: its partitions are on nodes 1 to 3, and
// node 4, restarted, takes replicas from them.
func withoutNode4(t *testing.T, table string) (*Cluster, *Client) {
	t.Helper()
	c := startCluster(t, ClusterConfig{Nodes: 4, Zones: 3})
	cl := c.Client()
	require.NoError(t, c.Crash(4))
	waitDead(t, cl, 4)
	createTable(t, cl, provisioned(table))
	return c, cl
}

// A partition with a replica on the move is not split until the move is
// over: the split's right side takes the replicas the catalog names for
// the left, and the node the move leaves could drop its replica of the left
// before the split applied there. The split is refused with
// ResourceInUseException, and taken once the move is over (here given up:
// the node it was moving to died).
func TestNoSplitWhileAReplicaMoves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cl := withoutNode4(t, "splitmove")
		ctx := context.Background()
		require.NoError(t, c.Restart(ctx, 4))
		moved := firstMovedOnto(t, c, 4)
		// Node 4 dies again: the move stays under way until node 4 is
		// declared dead, and is given up then.
		require.NoError(t, c.Crash(4))
		rec, err := cl.meta.Table(ctx, "splitmove")
		require.NoError(t, err)
		var p catalog.Partition
		for _, q := range rec.Partitions {
			if q.ID == moved {
				p = q
			}
		}
		require.Equal(t, moved, p.ID)
		key := keyIn(t, rec, p)

		err = splitPartition(cl, "splitmove", moved, key)
		var busy *dberr.ResourceInUseException
		require.ErrorAs(t, err, &busy)
		require.Equal(t, fmt.Sprintf("Attempt to change a resource which is still in use: partition %d of table splitmove is moving a replica", moved), busy.Message)

		poll(t, "the move is given up", time.Minute, 100*time.Millisecond, func() bool {
			evs, err := cl.Events(ctx)
			if err != nil {
				return false
			}
			for _, ev := range evs {
				if ev.Partition == moved && strings.HasPrefix(ev.What, "gave up moving") {
					return true
				}
			}
			return false
		})
		require.NoError(t, splitPartition(cl, "splitmove", moved, key))
	})
}

// Replicas are not moved while a split's right side is not yet created on
// every live node the catalog names for it (the split has not applied
// there): were the left side's replica on such a node moved away first,
// the node would have nothing to adopt. Here a node of the partition is
// down (not yet declared dead) when it splits; a fourth node that comes
// meanwhile gets no replica until that node is back and the right side is
// created there, and then it does.
func TestNoMoveWhileASplitIsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, cl := withoutNode4(t, "pending")
		ctx := context.Background()
		rec, err := cl.meta.Table(ctx, "pending")
		require.NoError(t, err)
		p := rec.Partitions[0]
		// A node of the partition other than the control plane's.
		var down transport.NodeID
		for _, r := range p.Replicas {
			if id := transport.NodeID(r.Node); id != c.nc.Leader(meta.Group) {
				down = id
			}
		}
		require.NoError(t, c.Crash(down))
		require.NoError(t, splitPartition(cl, "pending", p.ID, keyIn(t, rec, p)))
		require.NoError(t, c.Restart(ctx, 4))

		moving := func() bool {
			evs, err := cl.Events(ctx)
			if err != nil {
				return false
			}
			for _, ev := range evs {
				if ev.Kind == "rebalance" && strings.HasPrefix(ev.What, "moving") {
					return true
				}
			}
			return false
		}
		// Well inside the 10 s after which the node would be declared dead
		// (and healing, not rebalancing, would come first).
		start := time.Now()
		for time.Since(start) < 7*time.Second {
			require.False(t, moving(), "a replica moved while a split's right side was not created on node %d", down)
			time.Sleep(100 * time.Millisecond)
		}
		require.NoError(t, c.Restart(ctx, down))
		poll(t, "replicas move to node 4 once the split applied everywhere", time.Minute, 100*time.Millisecond, moving, explainTable(t, c, "pending"))
	})
}
