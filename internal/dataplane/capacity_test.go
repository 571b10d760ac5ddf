package dataplane

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// sized returns a hash-table item of exactly size bytes as DynamoDB counts
// them: "pk" (2) + "a" (1) + "p" (1) + the padding.
func sized(pk string, size int) attr.Item {
	item := attr.Item{"pk": attr.S(pk), "p": attr.S(strings.Repeat("x", size-3-len(pk)))}
	if itemcheck.Size(item) != size {
		panic(fmt.Sprintf("sized: %d bytes, want %d", itemcheck.Size(item), size))
	}
	return item
}

func TestCapacityArithmetic(t *testing.T) {
	cases := []struct {
		name       string
		bytes      int
		consistent bool
		want       float64
	}{
		{"missing item, eventual", 0, false, 0.5},
		{"missing item, strong", 0, true, 1},
		{"4 KB strong", 4096, true, 1},
		{"one byte over 4 KB strong", 4097, true, 2},
		{"one byte over 4 KB eventual", 4097, false, 1},
		{"96 KB query eventual (1,500 items of 64 bytes)", 1500 * 64, false, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, readUnits(c.bytes, c.consistent))
		})
	}
	writes := []struct {
		name     string
		old, new int
		want     float64
	}{
		{"new 1 KB item", 0, 1024, 1},
		{"new item one byte over 1 KB", 0, 1025, 2},
		{"shrinking a 3,000-byte item", 3000, 10, 3},
		{"deleting a missing item", 0, 0, 1},
		{"failed condition on a 2,500-byte item", 2500, 2500, 3},
	}
	for _, c := range writes {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, writeUnits(c.old, c.new))
		})
	}
}

func TestConsumedCapacityPerOperation(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	total, indexes := api.ReturnConsumedCapacityTotal, api.ReturnConsumedCapacityIndexes

	out, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: sized("a", 3000), ReturnConsumedCapacity: total})
	require.NoError(t, err)
	require.Equal(t, &api.ConsumedCapacity{TableName: "hash", CapacityUnits: 3, WriteCapacityUnits: 3}, out.ConsumedCapacity)

	// Replacing takes the larger of the old and the new item.
	out, err = s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: sized("a", 100), ReturnConsumedCapacity: indexes})
	require.NoError(t, err)
	require.Equal(t, &api.ConsumedCapacity{TableName: "hash", CapacityUnits: 3, WriteCapacityUnits: 3, Table: &api.Capacity{CapacityUnits: 3, WriteCapacityUnits: 3}}, out.ConsumedCapacity)

	up, err := s.UpdateItem(ctx, &api.UpdateItemInput{TableName: "hash", Key: hashKey("a"), UpdateExpression: "SET q = :q",
		ExpressionAttributeValues: map[string]attr.Value{":q": attr.S(strings.Repeat("y", 2000))}, ReturnConsumedCapacity: total})
	require.NoError(t, err)
	require.Equal(t, 3.0, up.ConsumedCapacity.CapacityUnits, "100 + 2002 bytes after the update")

	del, err := s.DeleteItem(ctx, &api.DeleteItemInput{TableName: "hash", Key: hashKey("missing"), ReturnConsumedCapacity: total})
	require.NoError(t, err)
	require.Equal(t, 1.0, del.ConsumedCapacity.CapacityUnits)

	_, err = s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: sized("b", 8192)})
	require.NoError(t, err)
	for _, c := range []struct {
		key        string
		consistent bool
		want       float64
	}{{"b", true, 2}, {"b", false, 1}, {"missing", true, 1}, {"missing", false, 0.5}} {
		get, err := s.GetItem(ctx, &api.GetItemInput{TableName: "hash", Key: hashKey(c.key), ConsistentRead: c.consistent, ReturnConsumedCapacity: total})
		require.NoError(t, err)
		require.Equal(t, &api.ConsumedCapacity{TableName: "hash", CapacityUnits: c.want, ReadCapacityUnits: c.want}, get.ConsumedCapacity, "%+v", c)
	}

	// Query and Scan round the page's summed size once: 10 items of 1,000
	// bytes are 3 units strong, whatever the filter keeps.
	for i := range 10 {
		_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "range", Item: rangeItem("c", i, attr.Item{"p": attr.S(strings.Repeat("z", 1000-9-len(fmt.Sprint(i))))})})
		require.NoError(t, err)
	}
	q, err := s.Query(ctx, &api.QueryInput{TableName: "range", KeyConditionExpression: "pk = :p", FilterExpression: "attribute_not_exists(p)",
		ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("c")}, ConsistentRead: true, ReturnConsumedCapacity: total})
	require.NoError(t, err)
	require.Zero(t, q.Count)
	require.Equal(t, &api.ConsumedCapacity{TableName: "range", CapacityUnits: 3, ReadCapacityUnits: 3}, q.ConsumedCapacity)
	sc, err := s.Scan(ctx, &api.ScanInput{TableName: "range", ReturnConsumedCapacity: indexes})
	require.NoError(t, err)
	require.Equal(t, &api.ConsumedCapacity{TableName: "range", CapacityUnits: 1.5, ReadCapacityUnits: 1.5, Table: &api.Capacity{CapacityUnits: 1.5, ReadCapacityUnits: 1.5}}, sc.ConsumedCapacity)

	// No ReturnConsumedCapacity, or NONE, returns none.
	sc, err = s.Scan(ctx, &api.ScanInput{TableName: "range", ReturnConsumedCapacity: api.ReturnConsumedCapacityNone})
	require.NoError(t, err)
	require.Nil(t, sc.ConsumedCapacity)

	// Batch reads round each item on its own: 8,192 bytes + a missing key.
	bg, err := s.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{
		"hash": {Keys: []attr.Item{hashKey("b"), hashKey("missing")}, ConsistentRead: true},
	}, ReturnConsumedCapacity: total})
	require.NoError(t, err)
	require.Equal(t, []api.ConsumedCapacity{{TableName: "hash", CapacityUnits: 3, ReadCapacityUnits: 3}}, bg.ConsumedCapacity)

	// Batch writes round each item on its own: 500 bytes + 3,500 bytes.
	bw, err := s.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{
		"hash": {putReq(sized("d", 500)), putReq(sized("e", 3500))},
	}, ReturnConsumedCapacity: total})
	require.NoError(t, err)
	require.Equal(t, []api.ConsumedCapacity{{TableName: "hash", CapacityUnits: 5, WriteCapacityUnits: 5}}, bw.ConsumedCapacity)
}
