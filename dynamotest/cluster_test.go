package dynamotest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/dynamotest"
)

func createUsers(ctx context.Context, t *testing.T, db *dynamo.Client) {
	t.Helper()
	_, err := db.CreateTable(ctx, &dynamo.CreateTableInput{
		TableName:            "users",
		KeySchema:            []dynamo.KeySchemaElement{{AttributeName: "id", KeyType: dynamo.KeyTypeHash}},
		AttributeDefinitions: []dynamo.AttributeDefinition{{AttributeName: "id", AttributeType: dynamo.ScalarAttributeTypeS}},
		BillingMode:          dynamo.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	require.NoError(t, db.WaitForTable(ctx, "users"))
}

// The fixture's cluster serves a table in memory and on disk, with faults
// on its network, and through the crash of a node.
func TestNewCluster(t *testing.T) {
	defer goleak.VerifyNone(t)
	for name, opts := range map[string][]dynamotest.ClusterOption{
		"memory":             nil,
		"disk":               {dynamotest.OnDisk()},
		"faults":             {dynamotest.WithFaults(dynamo.NetworkFaults{Drop: 0.05, MaxDelay: 2 * time.Millisecond}, 7)},
		"5 nodes in 2 zones": {dynamotest.WithNodes(5), dynamotest.WithZones(2)},
	} {
		t.Run(name, func(t *testing.T) {
			c := dynamotest.NewCluster(t, opts...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := c.Client()
			createUsers(ctx, t, db)
			_, err := db.PutItem(ctx, &dynamo.PutItemInput{TableName: "users", Item: dynamo.Item{"id": dynamo.S("u1"), "name": dynamo.S("Ada")}})
			require.NoError(t, err)
			require.NoError(t, c.Crash(c.NodeIDs()[0]))
			got, err := db.GetItem(ctx, &dynamo.GetItemInput{TableName: "users", ConsistentRead: true, Key: dynamo.Item{"id": dynamo.S("u1")}})
			require.NoError(t, err)
			require.Equal(t, dynamo.S("Ada"), got.Item["name"])
		})
	}
}
