package memstore_test

import (
	"testing"

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
