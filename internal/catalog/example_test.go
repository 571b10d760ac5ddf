package catalog_test

import (
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// Example shows the control plane creating a table on three nodes in three
// zones and a router locating a key's partition.
func Example() {
	c := catalog.New(catalog.Options{Region: "eu-west-1", Account: "123456789012"})
	for i, zone := range []string{"a", "b", "c"} {
		if err := c.AddNode(catalog.Node{ID: catalog.NodeID(i + 1), Zone: zone, Live: true}); err != nil {
			panic(err)
		}
	}
	out, err := c.CreateTable(&catalog.CreateTableInput{
		TableName:             "users",
		AttributeDefinitions:  []catalog.AttributeDefinition{{AttributeName: "id", AttributeType: catalog.ScalarAttributeTypeS}},
		KeySchema:             []catalog.KeySchemaElement{{AttributeName: "id", KeyType: catalog.KeyTypeHash}},
		ProvisionedThroughput: &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(6000), WriteCapacityUnits: catalog.Int64(1000)},
	}, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Println(out.TableDescription.TableArn, out.TableDescription.TableStatus)
	if err := c.CompleteTransition("users"); err != nil {
		panic(err)
	}

	tbl, _ := c.Table("users")
	fmt.Println("partitions:", len(tbl.Partitions))
	key, _ := keyenc.Key(tbl.ID, attr.S("alice"), attr.Value{})
	p, _ := c.Locate("users", key)
	fmt.Println("replicas:", len(p.Replicas))

	_, err = c.CreateTable(&catalog.CreateTableInput{TableName: "ab"}, time.Now())
	fmt.Println(err)
	// Output:
	// arn:aws:dynamodb:eu-west-1:123456789012:table/users CREATING
	// partitions: 3
	// replicas: 3
	// ValidationException: 3 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value null at 'keySchema' failed to satisfy constraint: Member must not be null
}
