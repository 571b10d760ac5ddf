package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
	"github.com/embeddynamo/dynamo/internal/storage/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Engine { return memstore.New() }, storagetest.Options{})
}

func BenchmarkEngine(b *testing.B) {
	storagetest.Bench(b, func(b *testing.B) storage.Engine { return memstore.New() })
}

func TestNewEngineIsEmpty(t *testing.T) {
	e := memstore.New()
	it, err := e.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	require.False(t, it.Next())
	require.NoError(t, it.Close())
	metas, err := e.Metas()
	require.NoError(t, err)
	require.Empty(t, metas)
	_, err = e.Get([]byte("k"))
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.NoError(t, e.Close())
}
