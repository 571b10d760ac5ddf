package dataplane

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

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
