package node_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/node"
)

// A partition's replicas sample the load of its keys: the writes every
// replica applies, the reads the serving replica served.
func TestPartitionLoadSamples(t *testing.T) {
	c := startCluster(t, node.ClusterConfig{})
	ctx := testContext(t)
	const group = 5
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	leaderID, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	leader, err := c.Node(leaderID)
	require.NoError(t, err)

	for i := range 20 {
		_, err := routedWrite(ctx, c, leaderID, group, putCmd("hot", fmt.Sprint(i)))
		require.NoError(t, err)
	}
	_, err = routedWrite(ctx, c, leaderID, group, putCmd("cold", "x"))
	require.NoError(t, err)
	for range 5 {
		_, err := leader.Serve(ctx, &node.Request{Op: node.OpGet, Group: group, Key: key("hot"), Consistent: true})
		require.NoError(t, err)
	}

	load := leader.Load(group)
	require.InDelta(t, 21, load.Writes.Load, 0.5, "21 writes of one unit, barely decayed")
	require.InDelta(t, 5, load.Reads.Load, 0.5, "5 strong reads of one unit")
	hotKey, err := keyenc.Key(testTable, key("hot")["pk"], attr.Value{})
	require.NoError(t, err)
	var hot float64
	for _, k := range load.Keys {
		if bytes.Equal(k.Key, hotKey) {
			hot = k.Read + k.Write
		}
	}
	require.Greater(t, hot, 20.0, "the hot key carries its writes and reads")

	// Followers apply the writes too.
	for _, id := range c.IDs() {
		if id == leaderID {
			continue
		}
		n, err := c.Node(id)
		require.NoError(t, err)
		eventually(t, ctx, func() error {
			if l := n.Load(group).Writes.Load; l < 20.5 {
				return fmt.Errorf("follower %d sampled %.1f write units", id, l)
			}
			return nil
		})
	}
}
