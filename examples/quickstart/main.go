// Command quickstart runs dynamo as an embedded database: a 3-node cluster
// across 3 zones on disk, a table of orders with a sort key, writes, a
// query, a conditional update, then the crash of a node while the program
// keeps writing and reading, and finally a restart that finds everything.
//
//	go run ./examples/quickstart [-data DIR]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/embeddynamo/dynamo"
)

// Order is the application's own type; struct tags name the attributes.
type Order struct {
	Customer string  `dynamo:"customer"`
	OrderID  int64   `dynamo:"order_id"`
	Total    float64 `dynamo:"total"`
	Status   string  `dynamo:"status"`
}

func main() {
	data := flag.String("data", "", "data directory (default: a new temporary directory, removed at the end)")
	flag.Parse()
	if err := run(*data); err != nil {
		log.Fatal(err)
	}
}

func run(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "dynamo-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "data")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	start := time.Now()
	cluster, err := dynamo.OpenCluster(ctx, dynamo.ClusterOptions{Nodes: 3, Zones: 3, Dir: dir})
	if err != nil {
		return err
	}
	defer cluster.Close()
	for _, id := range cluster.NodeIDs() {
		fmt.Printf("node %d in %s\n", id, cluster.Zone(id))
	}
	fmt.Printf("cluster of 3 nodes on disk in %s, up in %v\n", dir, time.Since(start).Round(time.Millisecond))
	db := cluster.Client()

	// A table keyed by customer (partition key) and order ID (sort key).
	_, err = db.CreateTable(ctx, &dynamo.CreateTableInput{
		TableName: "orders",
		KeySchema: []dynamo.KeySchemaElement{
			{AttributeName: "customer", KeyType: dynamo.KeyTypeHash},
			{AttributeName: "order_id", KeyType: dynamo.KeyTypeRange},
		},
		AttributeDefinitions: []dynamo.AttributeDefinition{
			{AttributeName: "customer", AttributeType: dynamo.ScalarAttributeTypeS},
			{AttributeName: "order_id", AttributeType: dynamo.ScalarAttributeTypeN},
		},
		BillingMode: dynamo.BillingModePayPerRequest,
	})
	var inUse *dynamo.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) { // a second run on the same -data finds it
		return err
	}
	if err := db.WaitForTable(ctx, "orders"); err != nil {
		return err
	}
	fmt.Println("table orders is ACTIVE: 1 partition, 3 replicas in 3 zones")

	put := func(o Order) error {
		item, err := dynamo.MarshalItem(o)
		if err != nil {
			return err
		}
		_, err = db.PutItem(ctx, &dynamo.PutItemInput{TableName: "orders", Item: item})
		return err
	}
	for i := int64(1); i <= 5; i++ {
		if err := put(Order{Customer: "alice", OrderID: i, Total: float64(i) * 10.5, Status: "placed"}); err != nil {
			return err
		}
	}
	if err := put(Order{Customer: "bob", OrderID: 1, Total: 99, Status: "placed"}); err != nil {
		return err
	}
	fmt.Println("wrote 6 orders")

	query := func(label string) error {
		out, err := db.Query(ctx, &dynamo.QueryInput{
			TableName:                 "orders",
			KeyConditionExpression:    "customer = :c AND order_id >= :from",
			ExpressionAttributeValues: map[string]dynamo.AttributeValue{":c": dynamo.S("alice"), ":from": dynamo.N("2")},
			ConsistentRead:            true,
		})
		if err != nil {
			return err
		}
		fmt.Printf("%s: query alice's orders from 2 on: %d items:", label, out.Count)
		for _, item := range out.Items {
			var o Order
			if err := dynamo.UnmarshalItem(item, &o); err != nil {
				return err
			}
			fmt.Printf(" #%d %s %.2f;", o.OrderID, o.Status, o.Total)
		}
		fmt.Println()
		return nil
	}
	if err := query("before"); err != nil {
		return err
	}

	// Ship order 2 only if it is still placed; the second attempt fails.
	ship := &dynamo.UpdateItemInput{
		TableName:                 "orders",
		Key:                       dynamo.Item{"customer": dynamo.S("alice"), "order_id": dynamo.N("2")},
		UpdateExpression:          "SET #s = :shipped",
		ConditionExpression:       "#s = :placed",
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]dynamo.AttributeValue{":shipped": dynamo.S("shipped"), ":placed": dynamo.S("placed")},
		ReturnValues:              dynamo.ReturnValueAllNew,
	}
	out, err := db.UpdateItem(ctx, ship)
	if err != nil {
		return err
	}
	fmt.Printf("shipped order 2: now %v\n", out.Attributes["status"])
	_, err = db.UpdateItem(ctx, ship)
	var failed *dynamo.ConditionalCheckFailedException
	if !errors.As(err, &failed) {
		return fmt.Errorf("shipping twice: want ConditionalCheckFailedException, got %v", err)
	}
	fmt.Printf("shipping it again fails: %v\n", err)

	// Kill a node: every partition keeps a quorum of 2 of its 3 replicas.
	victim := cluster.NodeIDs()[0]
	if err := cluster.Crash(victim); err != nil {
		return err
	}
	fmt.Printf("crashed node %d (%s)\n", victim, cluster.Zone(victim))
	t0 := time.Now()
	for i := int64(6); i <= 10; i++ {
		if err := put(Order{Customer: "alice", OrderID: i, Total: float64(i) * 10.5, Status: "placed"}); err != nil {
			return fmt.Errorf("write with node %d down: %w", victim, err)
		}
	}
	fmt.Printf("wrote 5 more orders with node %d down in %v (including any failover)\n", victim, time.Since(t0).Round(time.Millisecond))
	if err := query("node down"); err != nil {
		return err
	}

	if err := cluster.Restart(ctx, victim); err != nil {
		return err
	}
	fmt.Printf("restarted node %d; it catches up from its peers\n", victim)

	// Close and reopen: everything acknowledged is on disk.
	if err := cluster.Close(); err != nil {
		return err
	}
	cluster, err = dynamo.OpenCluster(ctx, dynamo.ClusterOptions{Nodes: 3, Zones: 3, Dir: dir})
	if err != nil {
		return err
	}
	db = cluster.Client()
	scan, err := db.Scan(ctx, &dynamo.ScanInput{TableName: "orders", ConsistentRead: true, Select: dynamo.SelectCount})
	if err != nil {
		return err
	}
	fmt.Printf("reopened the cluster from disk: %d orders\n", scan.Count)
	return nil
}
