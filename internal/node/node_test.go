package node_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// Three nodes in three zones host one partition of a table: writes go
// through the leader, strong reads are served by the leader only, eventual
// reads by any replica once it has applied, and a non-leader forwards
// requests with their typed errors intact.
func TestClusterItemLifecycle(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 1})
	ids := c.IDs()
	zones := map[string]bool{}
	for _, n := range c.Nodes() {
		zones[n.Zone()] = true
	}
	require.Len(t, zones, 3, "three nodes in three zones")

	const group = 10
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), ids))
	leaderID, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	leader, err := c.Node(leaderID)
	require.NoError(t, err)
	others := followers(ids, leaderID)
	follower, err := c.Node(others[0])
	require.NoError(t, err)
	eventually(t, ctx, func() error {
		// The follower learns of the leader from its first message.
		if l, err := follower.Leader(group); err != nil || l != leaderID {
			return fmt.Errorf("node %d sees leader %d (%v), want %d", follower.ID(), l, err, leaderID)
		}
		return nil
	})

	// Put through the leader, read it strongly there.
	res, err := leader.Write(ctx, group, putCmd("a", "1"))
	require.NoError(t, err)
	require.Nil(t, res.Old)
	got, err := leader.Get(ctx, group, key("a"), true)
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a"), "v": attr.S("1")}, got), "got %v", got)

	// A follower refuses writes and strong reads with the leader's ID.
	_, err = follower.Write(ctx, group, putCmd("b", "1"))
	var nl *multiraft.NotLeaderError
	require.ErrorAs(t, err, &nl)
	require.Equal(t, leaderID, nl.Leader)
	_, err = follower.Get(ctx, group, key("a"), true)
	require.ErrorAs(t, err, &nl)
	require.Equal(t, leaderID, nl.Leader)

	// Every replica serves the item eventually.
	for _, id := range others {
		n, err := c.Node(id)
		require.NoError(t, err)
		eventually(t, ctx, func() error {
			item, err := n.Get(ctx, group, key("a"), false)
			if err != nil {
				return err
			}
			if item == nil {
				return fmt.Errorf("node %d: item a not applied yet", id)
			}
			return nil
		})
	}

	// Update through the leader returns the new attributes.
	upd := &partition.Command{Op: partition.OpUpdate, Table: testTable, Schema: testSchema, Key: key("a"),
		UpdateExpression: "SET v = :v", Values: expr.Values{":v": attr.S("2")}, ReturnValues: "UPDATED_NEW"}
	res, err = leader.Write(ctx, group, upd)
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(attr.Item{"v": attr.S("2")}, res.Attributes), "got %v", res.Attributes)

	// A conditional put forwarded from a follower to the leader fails with
	// DynamoDB's exception, the old item attached.
	cond := putCmd("a", "3")
	cond.ConditionExpression = "attribute_not_exists(pk)"
	cond.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	resp, err := follower.Forward(ctx, leaderID, &node.Request{Op: node.OpWrite, Group: group, Command: cond})
	var ccf *dberr.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	require.Equal(t, partition.MsgConditionalCheckFailed, ccf.Message)
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a"), "v": attr.S("2")}, ccf.Item), "got %v", ccf.Item)
	require.NotNil(t, resp)
	require.ErrorAs(t, resp.Result.Err, &ccf)

	// A forwarded strong read of the leader sees the update; a forwarded
	// write to a follower comes back as a redirect.
	resp, err = follower.Forward(ctx, leaderID, &node.Request{Op: node.OpGet, Group: group, Key: key("a"), Consistent: true})
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a"), "v": attr.S("2")}, resp.Item), "got %v", resp.Item)
	_, err = leader.Forward(ctx, others[1], &node.Request{Op: node.OpWrite, Group: group, Command: putCmd("c", "1")})
	require.ErrorAs(t, err, &nl)
	require.Equal(t, leaderID, nl.Leader)
	require.ErrorIs(t, err, multiraft.ErrNotLeader)

	// Delete, then the item is gone on the leader.
	del := &partition.Command{Op: partition.OpDelete, Table: testTable, Schema: testSchema, Key: key("a"), ReturnValues: "ALL_OLD"}
	res, err = leader.Write(ctx, group, del)
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a"), "v": attr.S("2")}, res.Attributes))
	got, err = leader.Get(ctx, group, key("a"), true)
	require.NoError(t, err)
	require.Nil(t, got)
	resp, err = follower.Forward(ctx, leaderID, &node.Request{Op: node.OpGet, Group: group, Key: key("a"), Consistent: true})
	require.NoError(t, err)
	require.NotNil(t, resp, "a forwarded read of a missing item has a response")
	require.Nil(t, resp.Item)

	// A key of another table is a wrong-range redirect, locally and
	// through Forward.
	other := &partition.Command{Op: partition.OpPut, Table: testTable + 1, Schema: testSchema, Item: attr.Item{"pk": attr.S("x")}}
	_, err = follower.Forward(ctx, leaderID, &node.Request{Op: node.OpWrite, Group: group, Command: other})
	var wrong *partition.WrongRangeError
	require.ErrorAs(t, err, &wrong)
	require.Equal(t, uint64(group), wrong.Group)

	// A group no node hosts.
	_, err = follower.Forward(ctx, leaderID, &node.Request{Op: node.OpGet, Group: 99, Key: key("a")})
	require.ErrorIs(t, err, multiraft.ErrGroupNotFound)
}

// Scan pages stop at Limit and at MaxBytes, resume after LastKey, and come
// back whole through Forward.
func TestScanPages(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 3, Seed: 2})
	const group = 20
	require.NoError(t, c.CreatePartition(ctx, group, wholeTable(), c.IDs()))
	leaderID, err := c.WaitLeader(ctx, group)
	require.NoError(t, err)
	leader, err := c.Node(leaderID)
	require.NoError(t, err)
	for i := range 10 {
		_, err := leader.Write(ctx, group, putCmd(fmt.Sprintf("k%02d", i), "value"))
		require.NoError(t, err)
	}
	via, err := c.Node(followers(c.IDs(), leaderID)[0])
	require.NoError(t, err)

	// Items are in storage key order, which hashes the partition key: the
	// full scan gives the order the pages must follow.
	full, err := leader.Scan(ctx, group, node.ScanRequest{Consistent: true})
	require.NoError(t, err)
	order := pks(full.Items)
	require.Len(t, order, 10)
	require.Nil(t, full.LastKey, "an exhausted partition has no last key")
	reversed := slices.Clone(order)
	slices.Reverse(reversed)

	tests := []struct {
		name     string
		req      node.ScanRequest
		wantKeys []string
		wantMore bool
	}{
		{"limit stops the page with a last key", node.ScanRequest{Limit: 3, Consistent: true}, order[:3], true},
		{"reverse reads from the end", node.ScanRequest{Limit: 2, Reverse: true, Consistent: true}, reversed[:2], true},
		{"no limit reads everything", node.ScanRequest{Consistent: true}, order, false},
		{"max bytes stops after the item that reaches it", node.ScanRequest{MaxBytes: 1, Consistent: true}, order[:1], true},
		{"eventual read on a follower", node.ScanRequest{Limit: 0}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := leaderID
			if !tc.req.Consistent {
				target = via.ID()
			}
			resp, err := via.Forward(ctx, target, &node.Request{Op: node.OpScan, Group: group, Scan: tc.req})
			require.NoError(t, err)
			keys := pks(resp.Page.Items)
			if tc.wantKeys != nil {
				require.Equal(t, tc.wantKeys, keys)
			} else {
				require.Subset(t, order, keys)
			}
			require.Equal(t, tc.wantMore, resp.Page.LastKey != nil)
			require.Len(t, resp.Page.Keys, len(keys))
		})
	}

	// Paging through with StartAfter visits every item once.
	var all []string
	var after []byte
	for {
		page, err := leader.Scan(ctx, group, node.ScanRequest{Limit: 4, StartAfter: after, Consistent: true})
		require.NoError(t, err)
		all = append(all, pks(page.Items)...)
		if page.LastKey == nil {
			break
		}
		after = page.LastKey
	}
	require.Equal(t, order, all)

	// A strong scan on a follower is redirected.
	_, err = via.Scan(ctx, group, node.ScanRequest{Consistent: true})
	require.True(t, errors.Is(err, multiraft.ErrNotLeader), "got %v", err)
}

// Creating a partition twice, creating one without this node among the
// peers, and removing an unknown one fail; a removed partition's items are
// gone from the engine.
func TestCreateAndRemovePartition(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 1, Zones: 1, Seed: 3})
	n, err := c.Node(1)
	require.NoError(t, err)
	const group = 5
	require.NoError(t, n.CreatePartition(ctx, group, wholeTable(), []transport.NodeID{1}))
	require.ErrorIs(t, n.CreatePartition(ctx, group, wholeTable(), []transport.NodeID{1}), multiraft.ErrGroupExists)
	require.Error(t, n.CreatePartition(ctx, group+1, wholeTable(), []transport.NodeID{2}))
	require.ErrorIs(t, n.RemovePartition(ctx, 77), multiraft.ErrGroupNotFound)

	_, err = c.WaitLeader(ctx, group)
	require.NoError(t, err)
	_, err = n.Write(ctx, group, putCmd("a", "1"))
	require.NoError(t, err)
	require.Equal(t, []uint64{group}, n.Partitions())

	require.NoError(t, n.RemovePartition(ctx, group))
	require.Empty(t, n.Partitions())
	orphans, err := n.Orphans()
	require.NoError(t, err)
	require.Empty(t, orphans)
	metas, err := n.Engine().Metas()
	require.NoError(t, err)
	require.Empty(t, metas)
	_, err = n.Get(ctx, group, key("a"), false)
	require.ErrorIs(t, err, multiraft.ErrGroupNotFound)

	// The group can be hosted again from scratch.
	require.NoError(t, n.CreatePartition(ctx, group, wholeTable(), []transport.NodeID{1}))
	_, err = c.WaitLeader(ctx, group)
	require.NoError(t, err)
	got, err := n.Get(ctx, group, key("a"), true)
	require.NoError(t, err)
	require.Nil(t, got)
}

// pks returns the partition keys of items, in order.
func pks(items []attr.Item) []string {
	var out []string
	for _, item := range items {
		out = append(out, item["pk"].S())
	}
	return out
}
