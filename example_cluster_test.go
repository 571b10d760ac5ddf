package dynamo_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/embeddynamo/dynamo"
)

// A three-node cluster in three zones on disk: create a table, write an
// item, read it back with a strongly consistent read, and query its item
// collection.
func ExampleOpenCluster() {
	dir, err := os.MkdirTemp("", "dynamo-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	cluster, err := dynamo.OpenCluster(ctx, dynamo.ClusterOptions{Nodes: 3, Zones: 3, Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()
	db := cluster.Client()

	_, err = db.CreateTable(ctx, &dynamo.CreateTableInput{
		TableName: "music",
		KeySchema: []dynamo.KeySchemaElement{
			{AttributeName: "artist", KeyType: dynamo.KeyTypeHash},
			{AttributeName: "song", KeyType: dynamo.KeyTypeRange},
		},
		AttributeDefinitions: []dynamo.AttributeDefinition{
			{AttributeName: "artist", AttributeType: dynamo.ScalarAttributeTypeS},
			{AttributeName: "song", AttributeType: dynamo.ScalarAttributeTypeS},
		},
		BillingMode: dynamo.BillingModePayPerRequest,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.WaitForTable(ctx, "music"); err != nil {
		log.Fatal(err)
	}
	for _, song := range []string{"Blue", "Amber", "Cyan"} {
		_, err := db.PutItem(ctx, &dynamo.PutItemInput{TableName: "music", Item: dynamo.Item{
			"artist": dynamo.S("Nina"), "song": dynamo.S(song), "plays": dynamo.N("0"),
		}})
		if err != nil {
			log.Fatal(err)
		}
	}
	got, err := db.GetItem(ctx, &dynamo.GetItemInput{TableName: "music", ConsistentRead: true,
		Key: dynamo.Item{"artist": dynamo.S("Nina"), "song": dynamo.S("Cyan")}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Item["song"], got.Item["plays"])

	out, err := db.Query(ctx, &dynamo.QueryInput{
		TableName:                 "music",
		KeyConditionExpression:    "artist = :a",
		ExpressionAttributeValues: map[string]dynamo.AttributeValue{":a": dynamo.S("Nina")},
		ConsistentRead:            true,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, item := range out.Items {
		fmt.Println(item["song"])
	}
	// Output:
	// {"S":"Cyan"} {"N":"0"}
	// {"S":"Amber"}
	// {"S":"Blue"}
	// {"S":"Cyan"}
}
