package dynamotest

import (
	"context"
	"testing"
	"time"

	"github.com/embeddynamo/dynamo"
)

// ClusterOption configures NewCluster and NewServer.
type ClusterOption func(*dynamo.ClusterOptions)

// WithNodes sets the number of storage nodes (default 3).
func WithNodes(n int) ClusterOption { return func(o *dynamo.ClusterOptions) { o.Nodes = n } }

// WithZones sets the number of zones (default 3).
func WithZones(n int) ClusterOption { return func(o *dynamo.ClusterOptions) { o.Zones = n } }

// OnDisk keeps the cluster's files in a directory of the test's
// (t.TempDir), with write-ahead logs and bbolt files as in production;
// the default is in memory, faster.
func OnDisk() ClusterOption {
	return func(o *dynamo.ClusterOptions) { o.InMemory = false }
}

// WithFaults injects message faults on every link of the cluster's
// in-memory network, replayable with seed.
func WithFaults(f dynamo.NetworkFaults, seed uint64) ClusterOption {
	return func(o *dynamo.ClusterOptions) { o.Faults, o.Seed = f, seed }
}

// StartTimeout bounds how long NewCluster waits for a cluster to start.
const StartTimeout = 30 * time.Second

// NewCluster starts an in-process cluster (3 nodes in 3 zones, in memory,
// by default) for the duration of test t, and closes it at t's cleanup:
// a fixture for tests of code written against dynamo's Client. Crash and
// Restart of the returned cluster inject node failures.
func NewCluster(t testing.TB, opts ...ClusterOption) *dynamo.Cluster {
	t.Helper()
	o := dynamo.ClusterOptions{InMemory: true}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.InMemory {
		o.Dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	c, err := dynamo.OpenCluster(ctx, o)
	if err != nil {
		t.Fatalf("dynamotest: start cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("dynamotest: close cluster: %v", err)
		}
	})
	return c
}
