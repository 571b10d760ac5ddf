package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ordersTable(name string) *catalog.CreateTableInput {
	return &catalog.CreateTableInput{
		TableName: name,
		KeySchema: []catalog.KeySchemaElement{
			{AttributeName: "pk", KeyType: catalog.KeyTypeHash},
			{AttributeName: "sk", KeyType: catalog.KeyTypeRange},
		},
		AttributeDefinitions: []catalog.AttributeDefinition{
			{AttributeName: "pk", AttributeType: catalog.ScalarAttributeTypeS},
			{AttributeName: "sk", AttributeType: catalog.ScalarAttributeTypeN},
		},
		BillingMode: catalog.BillingModePayPerRequest,
	}
}

func startCluster(t *testing.T, cfg ClusterConfig) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := StartCluster(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

func createTable(t *testing.T, cl *Client, in *catalog.CreateTableInput) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := cl.CreateTable(ctx, in)
	require.NoError(t, err)
	require.Equal(t, catalog.TableStatusCreating, out.TableDescription.TableStatus)
	require.NoError(t, cl.WaitForTable(ctx, in.TableName))
}

// A table created on a three-node cluster takes writes and serves them back
// strongly and eventually, by key and by query, and its lifecycle follows
// DynamoDB's states.
func TestClusterTableLifecycle(t *testing.T) {
	c := startCluster(t, ClusterConfig{})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "orders", Item: attr.Item{"pk": attr.S("a"), "sk": attr.N("1")}})
	var nf *dberr.ResourceNotFoundException
	require.ErrorAs(t, err, &nf, "no table yet")

	createTable(t, cl, ordersTable("orders"))
	desc, err := cl.DescribeTable(ctx, &catalog.DescribeTableInput{TableName: "orders"})
	require.NoError(t, err)
	require.Equal(t, catalog.TableStatusActive, desc.Table.TableStatus)

	for i := range 20 {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "orders", Item: attr.Item{
			"pk": attr.S(fmt.Sprintf("c%d", i%3)), "sk": attr.N(fmt.Sprint(i)), "v": attr.S("x"),
		}})
		require.NoError(t, err)
	}
	got, err := cl.GetItem(ctx, &api.GetItemInput{TableName: "orders", ConsistentRead: true,
		Key: attr.Item{"pk": attr.S("c1"), "sk": attr.N("4")}})
	require.NoError(t, err)
	require.Equal(t, attr.S("x"), got.Item["v"])

	q, err := cl.Query(ctx, &api.QueryInput{TableName: "orders", ConsistentRead: true,
		KeyConditionExpression:    "pk = :p AND sk > :s",
		ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("c0"), ":s": attr.N("5")}})
	require.NoError(t, err)
	// c0 holds sort keys 0, 3, 6, ..., 18; above 5 are 6, 9, 12, 15, 18.
	require.Len(t, q.Items, 5)
	for i, item := range q.Items {
		require.Equal(t, attr.N(fmt.Sprint(6+3*i)), item["sk"])
	}

	list, err := cl.ListTables(ctx, &catalog.ListTablesInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"orders"}, list.TableNames)

	del, err := cl.DeleteTable(ctx, &catalog.DeleteTableInput{TableName: "orders"})
	require.NoError(t, err)
	require.Equal(t, catalog.TableStatusDeleting, del.TableDescription.TableStatus)
	require.NoError(t, cl.WaitForTableDeleted(ctx, "orders"))
	_, err = cl.GetItem(ctx, &api.GetItemInput{TableName: "orders", Key: attr.Item{"pk": attr.S("c1"), "sk": attr.N("4")}})
	require.ErrorAs(t, err, &nf)
}

// A disk cluster closed and opened again finds every table and item; a
// table with provisioned capacity starts with several partitions, and a
// scan crosses all of them.
func TestClusterReopenOnDisk(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := StartCluster(ctx, ClusterConfig{Dir: dir})
	require.NoError(t, err)
	cl := c.Client()
	in := ordersTable("wide")
	in.BillingMode = catalog.BillingModeProvisioned
	in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(100), WriteCapacityUnits: catalog.Int64(3500)}
	createTable(t, cl, in)
	desc, err := cl.DescribeTable(ctx, &catalog.DescribeTableInput{TableName: "wide"})
	require.NoError(t, err)
	require.NotNil(t, desc.Table)
	rec, err := cl.meta.Table(ctx, "wide")
	require.NoError(t, err)
	require.Len(t, rec.Partitions, 4, "3500 WCU need four partitions of at most 1000")
	for _, p := range rec.Partitions {
		zones := map[string]bool{}
		for _, r := range p.Replicas {
			zones[c.Zone(transport.NodeID(r.Node))] = true
		}
		require.Len(t, zones, 3, "partition %d: replicas in three zones", p.ID)
	}

	const n = 200
	for i := range n {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "wide", Item: attr.Item{
			"pk": attr.S(fmt.Sprintf("k%03d", i)), "sk": attr.N("1"),
		}})
		require.NoError(t, err)
	}
	require.NoError(t, c.Close())

	c, err = StartCluster(ctx, ClusterConfig{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	cl = c.Client()
	seen := map[string]bool{}
	var start attr.Item
	for {
		out, err := cl.Scan(ctx, &api.ScanInput{TableName: "wide", ConsistentRead: true, ExclusiveStartKey: start, Limit: ptr(int32(37))})
		require.NoError(t, err)
		for _, item := range out.Items {
			k := item["pk"].S()
			require.False(t, seen[k], "item %s twice", k)
			seen[k] = true
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	require.Len(t, seen, n)
}

func ptr[T any](v T) *T { return &v }

// Killing any one node of three leaves every table writable and readable:
// partitions whose leader died elect another, and the client routes around
// the dead node. Every acknowledged write is read back afterwards.
func TestClusterSurvivesNodeCrash(t *testing.T) {
	c := startCluster(t, ClusterConfig{})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	createTable(t, cl, ordersTable("tbl"))
	put := func(i int) {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "tbl", Item: attr.Item{"pk": attr.S("p"), "sk": attr.N(fmt.Sprint(i))}})
		require.NoError(t, err)
	}
	for i := range 10 {
		put(i)
	}
	for _, victim := range c.NodeIDs() {
		require.NoError(t, c.Crash(victim))
		for i := range 10 {
			put(int(victim)*100 + i)
		}
		require.NoError(t, c.Restart(ctx, victim))
	}
	out, err := cl.Query(ctx, &api.QueryInput{TableName: "tbl", ConsistentRead: true, KeyConditionExpression: "pk = :p",
		ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("p")}})
	require.NoError(t, err)
	require.Len(t, out.Items, 40)
}

// splitAt splits the partition of table that owns key at key.
func splitAt(ctx context.Context, t *testing.T, cl *Client, table string, key []byte) uint64 {
	t.Helper()
	rec, err := cl.meta.Table(ctx, table)
	require.NoError(t, err)
	for _, p := range rec.Partitions {
		if p.Range.Contains(key) {
			var out meta.SplitPartitionOutput
			require.NoError(t, cl.meta.Call(ctx, meta.OpSplitPartition, meta.SplitPartitionInput{TableName: table, Partition: p.ID, Key: key}, &out))
			return out.Partition
		}
	}
	t.Fatalf("no partition owns %x", key)
	return 0
}

// A split inside an item collection leaves the collection whole to its
// readers: queries forward and backward return every item in order, and
// writes on both sides keep working.
func TestSplitInsideItemCollection(t *testing.T) {
	c := startCluster(t, ClusterConfig{})
	cl := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	createTable(t, cl, ordersTable("coll"))
	put := func(i int) {
		_, err := cl.PutItem(ctx, &api.PutItemInput{TableName: "coll", Item: attr.Item{"pk": attr.S("p"), "sk": attr.N(fmt.Sprint(i))}})
		require.NoError(t, err)
	}
	for i := range 30 {
		put(i)
	}
	rec, err := cl.meta.Table(ctx, "coll")
	require.NoError(t, err)
	for _, at := range []int{10, 20, 5} {
		key, err := keyenc.Key(rec.ID, attr.S("p"), attr.N(fmt.Sprint(at)))
		require.NoError(t, err)
		splitAt(ctx, t, cl, "coll", key)
	}
	for i := 30; i < 40; i++ {
		put(i)
	}
	rec, err = cl.meta.Table(ctx, "coll")
	require.NoError(t, err)
	require.Len(t, rec.Partitions, 4)

	for _, forward := range []bool{true, false} {
		var got []string
		var start attr.Item
		for {
			out, err := cl.Query(ctx, &api.QueryInput{TableName: "coll", ConsistentRead: true, KeyConditionExpression: "pk = :p",
				ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("p")}, ScanIndexForward: &forward,
				Limit: ptr(int32(7)), ExclusiveStartKey: start})
			require.NoError(t, err)
			for _, item := range out.Items {
				got = append(got, item["sk"].N())
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			start = out.LastEvaluatedKey
		}
		require.Len(t, got, 40)
		for i, n := range got {
			want := i
			if !forward {
				want = 39 - i
			}
			require.Equal(t, fmt.Sprint(want), n)
		}
	}
}
