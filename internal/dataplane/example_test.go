package dataplane_test

import (
	"context"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// A Service over a Local backend: a table held by one in-memory partition.
func ExampleService_Query() {
	local := dataplane.NewLocal()
	defer local.Close()
	if err := local.AddTable(dataplane.Table{Name: "orders", ID: 1, Schema: itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "customer", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "order", Type: attr.TypeN},
	}}); err != nil {
		panic(err)
	}
	svc := dataplane.New(local, dataplane.Options{})
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		_, err := svc.PutItem(ctx, &api.PutItemInput{TableName: "orders", Item: attr.Item{
			"customer": attr.S("ana"), "order": attr.N(fmt.Sprint(i)), "amount": attr.N(fmt.Sprint(i * 10)),
		}})
		if err != nil {
			panic(err)
		}
	}
	out, err := svc.Query(ctx, &api.QueryInput{
		TableName:                 "orders",
		KeyConditionExpression:    "customer = :c AND #o >= :from",
		ExpressionAttributeNames:  map[string]string{"#o": "order"},
		ExpressionAttributeValues: map[string]attr.Value{":c": attr.S("ana"), ":from": attr.N("2")},
		ProjectionExpression:      "amount",
		ReturnConsumedCapacity:    api.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		panic(err)
	}
	for _, item := range out.Items {
		fmt.Println(item["amount"].N())
	}
	fmt.Println(out.Count, out.ConsumedCapacity.CapacityUnits)
	// Output:
	// 20
	// 30
	// 2 0.5
}
