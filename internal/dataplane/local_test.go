package dataplane

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/partition"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestLocalTables(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	got, err := l.Table(ctx, "range")
	require.NoError(t, err)
	require.Equal(t, rangeTable, got)

	_, err = l.Table(ctx, "missing")
	var rnf *dberr.ResourceNotFoundException
	require.ErrorAs(t, err, &rnf)
	require.Equal(t, "Requested resource not found", rnf.Message)

	require.ErrorIs(t, l.AddTable(hashTable), ErrTableExists)
	require.ErrorIs(t, l.AddTable(Table{Name: "other", ID: hashTable.ID, Schema: hashTable.Schema}), ErrTableExists)
	_, err = l.Get(ctx, Table{Name: "missing", ID: 9}, nil, nil, true)
	require.ErrorAs(t, err, &rnf)
}

func TestLocalWriteGetScan(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	var keys [][]byte
	for i := range 5 {
		item := rangeItem("p", i+1, attr.Item{"pad": attr.S("0123456789")})
		key, err := keyenc.Key(rangeTable.ID, item["pk"], item["sk"])
		require.NoError(t, err)
		res, err := l.Write(ctx, rangeTable, key, &partition.Command{Op: partition.OpPut, Table: rangeTable.ID, Schema: rangeTable.Schema, Item: item})
		require.NoError(t, err)
		require.NoError(t, res.Err)
		keys = append(keys, key)
		got, err := l.Get(ctx, rangeTable, key, nil, true)
		require.NoError(t, err)
		requireItem(t, item, got)
	}
	r, err := keyenc.CollectionRange(rangeTable.ID, attr.S("p"))
	require.NoError(t, err)

	page, err := l.Scan(ctx, rangeTable, ScanRequest{Range: r})
	require.NoError(t, err)
	require.Equal(t, keys, page.Keys)
	require.Nil(t, page.LastKey)

	page, err = l.Scan(ctx, rangeTable, ScanRequest{Range: r, Limit: 2, StartAfter: keys[0]})
	require.NoError(t, err)
	require.Equal(t, keys[1:3], page.Keys)
	require.Equal(t, keys[2], page.LastKey)

	page, err = l.Scan(ctx, rangeTable, ScanRequest{Range: r, Reverse: true, StartAfter: keys[3]})
	require.NoError(t, err)
	require.Equal(t, [][]byte{keys[2], keys[1], keys[0]}, page.Keys)

	// MaxBytes stops at the item whose size reaches it.
	size := page.Bytes / 3
	page, err = l.Scan(ctx, rangeTable, ScanRequest{Range: r, MaxBytes: size + 1})
	require.NoError(t, err)
	require.Equal(t, keys[:2], page.Keys)
	require.Equal(t, 2*size, page.Bytes)
	require.Equal(t, keys[1], page.LastKey)
}

func TestLocalConcurrentWritesAndReads(t *testing.T) {
	s, _ := newService(t, Options{MaxPageBytes: 500})
	ctx := context.Background()
	const writers, perWriter = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				_, err := s.UpdateItem(ctx, &api.UpdateItemInput{TableName: "range", Key: rangeItem("c", i, nil),
					UpdateExpression: "ADD n :one", ExpressionAttributeValues: map[string]attr.Value{":one": attr.N("1")}})
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			for range perWriter / 10 {
				_, err := s.Query(ctx, &api.QueryInput{TableName: "range", KeyConditionExpression: "pk = :p",
					ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("c")}, ScanIndexForward: ptr(w%2 == 0)})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// Every update applied once: each item's counter is the writer count.
	var start attr.Item
	seen := 0
	for {
		out, err := s.Query(ctx, &api.QueryInput{TableName: "range", KeyConditionExpression: "pk = :p", ExclusiveStartKey: start,
			ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("c")}, ConsistentRead: true})
		require.NoError(t, err)
		for _, item := range out.Items {
			require.Equal(t, fmt.Sprint(writers), item["n"].N())
			seen++
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	require.Equal(t, perWriter, seen)
}
