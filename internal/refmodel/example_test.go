package refmodel_test

import (
	"context"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/refmodel"
)

// The reference model answers like DynamoDB: a Query pages through one item
// collection in sort-key order, numbers by value.
func ExampleModel_Query() {
	ctx := context.Background()
	m := refmodel.NewModel(refmodel.Options{})
	m.AddTable("orders", itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "customer", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "number", Type: attr.TypeN},
	})
	for _, n := range []string{"10", "9", "100"} {
		if _, err := m.PutItem(ctx, &api.PutItemInput{TableName: "orders", Item: attr.Item{"customer": attr.S("ann"), "number": attr.N(n)}}); err != nil {
			fmt.Println(err)
		}
	}
	limit := int32(2)
	in := &api.QueryInput{TableName: "orders", KeyConditionExpression: "customer = :c",
		ExpressionAttributeValues: map[string]attr.Value{":c": attr.S("ann")}, Limit: &limit}
	for {
		out, err := m.Query(ctx, in)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, it := range out.Items {
			fmt.Print(it["number"].N(), " ")
		}
		fmt.Println("| more:", out.LastEvaluatedKey != nil)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	// Output:
	// 9 10 | more: true
	// 100 | more: false
}

// Check runs generated operations against a system under test and the
// model; here the system under test is a second model, so they agree.
func ExampleCheck() {
	sut := refmodel.NewModel(refmodel.Options{})
	err := refmodel.Check(refmodel.RunConfig{
		Seed: 1,
		Ops:  300,
		SUT:  sut,
		Setup: func(_ context.Context, tables []refmodel.TableSpec) error {
			for _, t := range tables {
				sut.AddTable(t.Name, t.Schema) // a real system: CreateTable(t.CreateTableInput())
			}
			return nil
		},
	})
	fmt.Println("divergence:", err)
	// Output:
	// divergence: <nil>
}
