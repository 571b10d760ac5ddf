package meta

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// The controller's pools: a provisioned table grants up to its capacity, an
// on-demand one up to double its previous peak, which grows with what the
// routers report they used; a table that is gone grants nothing.
func TestGACServices(t *testing.T) {
	c := sampleCatalog(t) // two provisioned tables, 5 RCU and 2500 WCU each
	_, err := c.CreateTable(&catalog.CreateTableInput{
		TableName:            "ondemand",
		KeySchema:            []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: catalog.KeyTypeHash}},
		AttributeDefinitions: []catalog.AttributeDefinition{{AttributeName: "pk", AttributeType: catalog.ScalarAttributeTypeS}},
		BillingMode:          catalog.BillingModePayPerRequest,
	}, time.Unix(1700000000, 0))
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	g := &gacServices{now: func() time.Time { return now }}
	g.setCapacities(c)
	ctx := context.Background()
	ask := func(table string, kind admission.Kind, want, used float64) float64 {
		gr, err := g.acquire(ctx, GrantInput{Table: table, Kind: kind, Request: admission.GrantRequest{Client: "r1", Want: want, Need: 1, Used: used}})
		require.NoError(t, err)
		return gr.Units
	}
	require.Equal(t, 2500.0, ask("orders", admission.Write, 1e6, 0), "one second of the table's capacity")
	require.Equal(t, 5.0, ask("orders", admission.Read, 1e6, 0))

	require.Equal(t, 2*admission.OnDemandInitialWritePeak, ask("ondemand", admission.Write, 1e6, 0),
		"a new on-demand table: double the initial peak")
	// A second of 10,000 units used, reported now, is the previous peak
	// once it is half an hour old.
	ask("ondemand", admission.Write, 1, 10_000)
	now = now.Add(31 * time.Minute)
	ask("ondemand", admission.Write, 1, 0)
	require.Equal(t, 20_000.0, g.services[gacKey{"ondemand", admission.Write}].Rate(), "double the new peak")

	_, err = c.DeleteTable(&catalog.DeleteTableInput{TableName: "users"})
	require.Error(t, err, "still creating")
	require.NoError(t, c.CompleteTransition("users"))
	_, err = c.DeleteTable(&catalog.DeleteTableInput{TableName: "users"})
	require.NoError(t, err)
	require.NoError(t, c.CompleteTransition("users"))
	g.setCapacities(c)
	_, err = g.acquire(ctx, GrantInput{Table: "users", Kind: admission.Write, Request: admission.GrantRequest{Client: "r1", Want: 1, Need: 1}})
	var nf *dberr.ResourceNotFoundException
	require.ErrorAs(t, err, &nf)
}
