package node_test

import (
	"context"
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// Three in-memory nodes in three zones host one partition of a table; a
// write goes through the leader and a strong read sees it.
func ExampleCluster() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := node.StartCluster(ctx, node.ClusterConfig{Nodes: 3, Zones: 3, Seed: 1})
	if err != nil {
		panic(err)
	}
	defer c.Close()

	const table, group = 1, 100
	schema := itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "id", Type: attr.TypeS}}
	prefix := keyenc.TablePrefix(table)
	meta := partition.Meta{Table: table, Schema: schema, Range: keyenc.Range{Start: prefix, End: keyenc.PrefixEnd(prefix)}}
	if err := c.CreatePartition(ctx, group, meta, c.IDs()); err != nil {
		panic(err)
	}
	leaderID, err := c.WaitLeader(ctx, group)
	if err != nil {
		panic(err)
	}
	leader, err := c.Node(leaderID)
	if err != nil {
		panic(err)
	}
	put := &partition.Command{Op: partition.OpPut, Table: table, Schema: schema,
		Item: attr.Item{"id": attr.S("cart-1"), "count": attr.N("2")}}
	if _, err := leader.Write(ctx, group, put); err != nil {
		panic(err)
	}
	item, err := leader.Get(ctx, group, attr.Item{"id": attr.S("cart-1")}, true)
	if err != nil {
		panic(err)
	}
	fmt.Println("count:", item["count"].N())
	// Output: count: 2
}
