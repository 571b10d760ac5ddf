package refmodel_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	dynamo "github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/refmodel"
)

// localDataPlane returns the production data plane over a single-partition
// in-memory backend per table.
func localDataPlane(t *testing.T, opts dataplane.Options) (*dataplane.Service, func(context.Context, []refmodel.TableSpec) error) {
	backend := dataplane.NewLocal()
	t.Cleanup(func() { require.NoError(t, backend.Close()) })
	setup := func(_ context.Context, tables []refmodel.TableSpec) error {
		for i, spec := range tables {
			if err := backend.AddTable(dataplane.Table{Name: spec.Name, ID: uint64(i + 1), Schema: spec.Schema}); err != nil {
				return err
			}
		}
		return nil
	}
	return dataplane.New(backend, opts), setup
}

// The production data plane (internal/dataplane over real partitions, one
// per table, without replication) must agree with the model on every
// generated operation. REFMODEL_SEEDS=300 runs a longer search.
func TestProductionDataPlaneAgreesWithModel(t *testing.T) {
	for seed := int64(1); seed <= seeds(); seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			sut, setup := localDataPlane(t, dataplane.Options{})
			refmodel.Run(t, refmodel.RunConfig{Seed: seed, Ops: 2000, SUT: sut, Setup: setup})
		})
	}
}

func TestProductionDataPlaneAgreesWithModelOnSmallPages(t *testing.T) {
	// Pages of 700 bytes end by size every few items.
	for seed := int64(1); seed <= seeds()/2; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			sut, setup := localDataPlane(t, dataplane.Options{MaxPageBytes: 700})
			refmodel.Run(t, refmodel.RunConfig{Seed: seed, Ops: 2000, SUT: sut, Setup: setup,
				Model: refmodel.NewModel(refmodel.Options{MaxPageBytes: 700})})
		})
	}
}

// seeds returns the number of seeds the production run covers: a few by
// default, more under REFMODEL_SEEDS.
func seeds() int64 {
	if n, err := strconv.ParseInt(os.Getenv("REFMODEL_SEEDS"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 8
}

// The whole cluster (router, raft replication, three nodes in memory)
// through its Client must agree with the model as well.
func TestClusterAgreesWithModel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts in-memory clusters")
	}
	for seed := int64(1); seed <= 4; seed++ {
		// Even seeds create provisioned tables of six partitions each, so
		// that queries and scans cross partition boundaries.
		partitioned := seed%2 == 0
		t.Run(fmt.Sprint("seed ", seed, " partitioned ", partitioned), func(t *testing.T) {
			ctx := context.Background()
			cluster, err := dynamo.OpenCluster(ctx, dynamo.ClusterOptions{InMemory: true})
			require.NoError(t, err)
			defer func() { require.NoError(t, cluster.Close()) }()
			client := cluster.Client()
			refmodel.Run(t, refmodel.RunConfig{Seed: seed, Ops: 1500, SUT: client,
				Gen: refmodel.GenConfig{LargeItemPercent: -1},
				Setup: func(ctx context.Context, tables []refmodel.TableSpec) error {
					for _, spec := range tables {
						in := spec.CreateTableInput()
						if partitioned {
							rcu, wcu := int64(6000), int64(4000)
							in.BillingMode = catalog.BillingModeProvisioned
							in.ProvisionedThroughput = &catalog.ProvisionedThroughput{ReadCapacityUnits: &rcu, WriteCapacityUnits: &wcu}
						}
						if _, err := client.CreateTable(ctx, in); err != nil {
							return err
						}
						if err := client.WaitForTable(ctx, spec.Name); err != nil {
							return err
						}
					}
					return nil
				}})
		})
	}
}
