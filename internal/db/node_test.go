package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

// Nodes opened one by one, as separate processes would open them, form a
// cluster: a table created through one node's client is written through
// another's and read through the third's; a node opened again on its
// directory finds its data.
func TestStandaloneNodes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	net, err := memnet.New(memnet.Options{Seed: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, net.Close()) }()
	members := []meta.Member{{ID: 1, Zone: "a"}, {ID: 2, Zone: "b"}, {ID: 3, Zone: "c"}}
	dirs := map[transport.NodeID]string{}
	open := func(id transport.NodeID, tr transport.Transport) *Node {
		if dirs[id] == "" {
			dirs[id] = t.TempDir()
		}
		n, err := OpenNode(ctx, NodeConfig{
			Node:    node.Config{ID: id, Zone: members[id-1].Zone, Dir: dirs[id], Transport: tr, TickInterval: 10 * time.Millisecond, ElectionTicks: 20},
			Members: members,
		})
		require.NoError(t, err)
		return n
	}
	nodes := map[transport.NodeID]*Node{}
	for _, m := range members {
		tr, err := net.Join(m.ID)
		require.NoError(t, err)
		nodes[m.ID] = open(m.ID, tr)
	}
	defer func() {
		for _, n := range nodes {
			require.NoError(t, n.Close())
		}
	}()

	for _, n := range nodes {
		require.NoError(t, n.WaitJoined(ctx))
	}
	createTable(t, nodes[1].Client(), ordersTable("orders"))
	for i := range 10 {
		_, err := nodes[2].Client().PutItem(ctx, &api.PutItemInput{TableName: "orders",
			Item: attr.Item{"pk": attr.S("p"), "sk": attr.N(fmt.Sprint(i))}})
		require.NoError(t, err)
	}
	query := func(n *Node) int {
		out, err := n.Client().Query(ctx, &api.QueryInput{TableName: "orders", ConsistentRead: true,
			KeyConditionExpression: "pk = :p", ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("p")}})
		require.NoError(t, err)
		return len(out.Items)
	}
	require.Equal(t, 10, query(nodes[3]))

	require.NoError(t, nodes[3].Close())
	tr, err := net.Join(3)
	require.NoError(t, err)
	nodes[3] = open(3, tr)
	require.Equal(t, 10, query(nodes[3]))
}
