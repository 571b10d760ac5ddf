package dataplane

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

func hashKey(pk string) attr.Item { return attr.Item{"pk": attr.S(pk)} }

func putReq(item attr.Item) api.WriteRequest {
	return api.WriteRequest{PutRequest: &api.PutRequest{Item: item}}
}

func delReq(key attr.Item) api.WriteRequest {
	return api.WriteRequest{DeleteRequest: &api.DeleteRequest{Key: key}}
}

func TestBatchWriteAndGet(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S("gone"), "x": attr.N("1")}})
	require.NoError(t, err)

	out, err := s.BatchWriteItem(ctx, &api.BatchWriteItemInput{
		RequestItems: map[string][]api.WriteRequest{
			"hash":  {putReq(attr.Item{"pk": attr.S("a"), "x": attr.N("1")}), putReq(attr.Item{"pk": attr.S("b")}), delReq(hashKey("gone"))},
			"range": {putReq(rangeItem("r", 1, attr.Item{"y": attr.S("z")}))},
		},
		ReturnConsumedCapacity: api.ReturnConsumedCapacityTotal,
	})
	require.NoError(t, err)
	require.Nil(t, out.UnprocessedItems)
	require.Equal(t, []api.ConsumedCapacity{
		{TableName: "hash", CapacityUnits: 3, WriteCapacityUnits: 3},
		{TableName: "range", CapacityUnits: 1, WriteCapacityUnits: 1},
	}, out.ConsumedCapacity)

	got, err := s.BatchGetItem(ctx, &api.BatchGetItemInput{
		RequestItems: map[string]api.KeysAndAttributes{
			"hash":  {Keys: []attr.Item{hashKey("a"), hashKey("b"), hashKey("gone")}, ConsistentRead: true},
			"range": {Keys: []attr.Item{rangeItem("r", 1, nil), rangeItem("r", 2, nil)}, ProjectionExpression: "#y", ExpressionAttributeNames: map[string]string{"#y": "y"}},
		},
		ReturnConsumedCapacity: api.ReturnConsumedCapacityIndexes,
	})
	require.NoError(t, err)
	require.Nil(t, got.UnprocessedKeys)
	require.ElementsMatch(t, []string{"a", "b"}, []string{got.Responses["hash"][0]["pk"].S(), got.Responses["hash"][1]["pk"].S()})
	requireItems(t, []attr.Item{{"y": attr.S("z")}}, got.Responses["range"])
	// Every key costs a unit (strong) or half (eventual), found or not.
	require.Equal(t, []api.ConsumedCapacity{
		{TableName: "hash", CapacityUnits: 3, ReadCapacityUnits: 3, Table: &api.Capacity{CapacityUnits: 3, ReadCapacityUnits: 3}},
		{TableName: "range", CapacityUnits: 1, ReadCapacityUnits: 1, Table: &api.Capacity{CapacityUnits: 1, ReadCapacityUnits: 1}},
	}, got.ConsumedCapacity)

	// A table whose keys all miss is present with no items.
	got, err = s.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"hash": {Keys: []attr.Item{hashKey("none")}}}})
	require.NoError(t, err)
	require.NotNil(t, got.Responses["hash"])
	require.Empty(t, got.Responses["hash"])
}

func TestBatchThrottledGoesUnprocessed(t *testing.T) {
	local := newLocal(t)
	spy := &spyBackend{Backend: local, throttled: map[string]bool{}}
	s := New(spy, Options{})
	ctx := context.Background()
	for _, pk := range []string{"t1", "t2"} {
		key, err := storageKey(hashTable, hashKey(pk))
		require.NoError(t, err)
		spy.throttled[string(key)] = true
	}
	reqs := []api.WriteRequest{putReq(hashKey("ok1")), putReq(hashKey("t1")), delReq(hashKey("t2")), putReq(hashKey("ok2"))}
	out, err := s.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": reqs}})
	require.NoError(t, err)
	require.Equal(t, map[string][]api.WriteRequest{"hash": {reqs[1], reqs[2]}}, out.UnprocessedItems)
	require.NotNil(t, getItem(t, New(local, Options{}), "hash", hashKey("ok2")))
	require.Nil(t, getItem(t, New(local, Options{}), "hash", hashKey("t1")))

	got, err := s.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{
		"hash": {Keys: []attr.Item{hashKey("ok1"), hashKey("t1"), hashKey("ok2")}, ConsistentRead: true, AttributesToGet: []string{"pk"}},
	}})
	require.NoError(t, err)
	require.Len(t, got.Responses["hash"], 2)
	require.Equal(t, map[string]api.KeysAndAttributes{
		"hash": {Keys: []attr.Item{hashKey("t1")}, ConsistentRead: true, AttributesToGet: []string{"pk"}},
	}, got.UnprocessedKeys)

	// When nothing could be done the call fails with the throttling error.
	_, err = s.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {putReq(hashKey("t1"))}}})
	var pte *dberr.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte)
	_, err = s.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"hash": {Keys: []attr.Item{hashKey("t1"), hashKey("t2")}}}})
	require.ErrorAs(t, err, &pte)
}

func TestBatchGetResponseLimit(t *testing.T) {
	s, _ := newService(t, Options{MaxBatchGetBytes: 3000})
	ctx := context.Background()
	var keys []attr.Item
	for i := range 5 {
		pk := fmt.Sprint(i)
		_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S(pk), "pad": attr.S(strings.Repeat("x", 1000))}})
		require.NoError(t, err)
		keys = append(keys, hashKey(pk))
	}
	out, err := s.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"hash": {Keys: keys}}})
	require.NoError(t, err)
	// Each item is a little over 1000 bytes: two fit in 3000.
	require.Len(t, out.Responses["hash"], 2)
	require.Equal(t, keys[2:], out.UnprocessedKeys["hash"].Keys)
}
