package storage_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/storage"
)

func TestOpBatchRecordsOperationsInOrder(t *testing.T) {
	b := storage.NewOpBatch()
	key, value := []byte("k"), []byte("v")
	b.Set(key, value)
	b.Delete([]byte("d"))
	b.DeleteRange(nil, []byte("z"))
	b.DeleteRange([]byte("a"), nil)
	b.SetMeta(7, []byte("m"))
	b.DeleteMeta(8)
	key[0], value[0] = 'X', 'X'
	require.NoError(t, b.Err())
	require.Equal(t, 6, b.Len())
	require.Equal(t, 2+1+1+1+(8+1)+8, b.Size())
	want := []storage.Op{
		{Kind: storage.OpSet, Key: []byte("k"), Value: []byte("v")},
		{Kind: storage.OpDelete, Key: []byte("d")},
		{Kind: storage.OpDeleteRange, Key: []byte{}, End: []byte("z")},
		{Kind: storage.OpDeleteRange, Key: []byte("a")},
		{Kind: storage.OpSetMeta, Group: 7, Value: []byte("m")},
		{Kind: storage.OpDeleteMeta, Group: 8},
	}
	require.Equal(t, want, b.Ops())
	for _, op := range b.Ops() {
		require.NotContains(t, op.Kind.String(), "OpKind(")
	}
	require.Equal(t, "OpKind(99)", storage.OpKind(99).String())
}

func TestOpBatchRemembersFirstInvalidOperation(t *testing.T) {
	tests := []struct {
		name string
		fill func(b *storage.OpBatch)
		want error
	}{
		{"empty key in Set", func(b *storage.OpBatch) { b.Set(nil, nil) }, storage.ErrInvalidKey},
		{"empty key in Delete", func(b *storage.OpBatch) { b.Delete(nil) }, storage.ErrInvalidKey},
		{"oversized key", func(b *storage.OpBatch) { b.Set(make([]byte, storage.MaxKeySize+1), nil) }, storage.ErrInvalidKey},
		{"first of two errors wins", func(b *storage.OpBatch) {
			b.Delete(nil)
			b.Set(make([]byte, storage.MaxKeySize+1), nil)
		}, storage.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := storage.NewOpBatch()
			b.Set([]byte("ok"), []byte("v"))
			tt.fill(b)
			require.ErrorIs(t, b.Err(), tt.want)
			_, err := storage.AsOpBatch(b)
			require.ErrorIs(t, err, tt.want)
			b.Reset()
			require.NoError(t, b.Err(), "Reset clears the error")
			require.Zero(t, b.Len())
		})
	}
}

type foreignBatch struct{ storage.Batch }

func TestAsOpBatchRefusesForeignBatches(t *testing.T) {
	_, err := storage.AsOpBatch(foreignBatch{})
	require.ErrorIs(t, err, storage.ErrForeignBatch)
	_, err = storage.AsOpBatch((*storage.OpBatch)(nil))
	require.ErrorIs(t, err, storage.ErrForeignBatch)
	b, err := storage.AsOpBatch(storage.NewOpBatch())
	require.NoError(t, err)
	require.NotNil(t, b)
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
