package dynamotest_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/dynamotest"
)

func TestMemoryStorage(t *testing.T) {
	defer goleak.VerifyNone(t)
	dynamotest.TestStorage(t, func(t *testing.T) dynamo.Storage { return dynamo.NewMemoryStorage() })
}

func openBolt(t testing.TB, dir string, opts *dynamo.BoltOptions) dynamo.Storage {
	t.Helper()
	s, err := dynamo.OpenBoltStorage(filepath.Join(dir, "node.db"), opts)
	require.NoError(t, err)
	return s
}

func TestBoltStorage(t *testing.T) {
	defer goleak.VerifyNone(t)
	dynamotest.TestStorage(t,
		func(t *testing.T) dynamo.Storage { return openBolt(t, t.TempDir(), nil) },
		dynamotest.StorageSuiteOptions{
			OpenDir: func(t *testing.T, dir string) dynamo.Storage { return openBolt(t, dir, nil) },
		})
}

func BenchmarkMemoryStorage(b *testing.B) {
	dynamotest.BenchmarkStorage(b, func(b *testing.B) dynamo.Storage { return dynamo.NewMemoryStorage() })
}

func BenchmarkBoltStorage(b *testing.B) {
	dynamotest.BenchmarkStorage(b, func(b *testing.B) dynamo.Storage { return openBolt(b, b.TempDir(), nil) })
}
