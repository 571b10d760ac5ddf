package boltstore_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
	"github.com/embeddynamo/dynamo/internal/storage/storagetest"
)

func openIn(t *testing.T, dir string, opts *boltstore.Options) *boltstore.Engine {
	t.Helper()
	e, err := boltstore.Open(filepath.Join(dir, "data.db"), opts)
	require.NoError(t, err)
	return e
}

func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *boltstore.Options
	}{
		{"default", nil},
		{"relaxed sync", &boltstore.Options{RelaxedSync: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.Run(t,
				func(t *testing.T) storage.Engine { return openIn(t, t.TempDir(), tc.opts) },
				storagetest.Options{OpenDir: func(t *testing.T, dir string) storage.Engine { return openIn(t, dir, tc.opts) }})
		})
	}
}
