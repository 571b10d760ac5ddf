package partition_test

import (
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
)

// A partition applies committed commands; here they are handed over
// directly, as a raft group's scheduler would after commit.
func ExamplePartition() {
	engine := memstore.New()
	defer engine.Close()
	const table, group = 1, 10
	schema := itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "id", Type: attr.TypeS}}
	whole := keyenc.Range{Start: keyenc.TablePrefix(table), End: keyenc.PrefixEnd(keyenc.TablePrefix(table))}
	p, err := partition.Create(engine, group, partition.Meta{Table: table, Schema: schema, Range: whole}, partition.Options{})
	if err != nil {
		panic(err)
	}

	put := &partition.Command{Op: partition.OpPut, Table: table, Schema: schema,
		Item: attr.Item{"id": attr.S("cart-1"), "count": attr.N("1")}}
	update := &partition.Command{Op: partition.OpUpdate, Table: table, Schema: schema,
		Key:                 attr.Item{"id": attr.S("cart-1")},
		UpdateExpression:    "SET #c = #c + :one",
		ConditionExpression: "#c < :max",
		Names:               expr.Names{"#c": "count"},
		Values:              expr.Values{":one": attr.N("1"), ":max": attr.N("2")},
		ReturnValues:        "UPDATED_NEW"}
	var cmds []multiraft.Command
	for i, c := range []*partition.Command{put, update, update} {
		data, err := c.Encode()
		if err != nil {
			panic(err)
		}
		cmds = append(cmds, multiraft.Command{Index: uint64(i + 1), Data: data})
	}
	results, err := p.Apply(cmds)
	if err != nil {
		panic(err)
	}
	fmt.Println("second command returns", results[1].(*partition.Result).Attributes)
	if ccf, ok := results[2].(*partition.Result).Err.(*dberr.ConditionalCheckFailedException); ok {
		fmt.Println("third command:", ccf.Message)
	}
	item, err := p.Get(attr.Item{"id": attr.S("cart-1")})
	if err != nil {
		panic(err)
	}
	m := p.Meta()
	fmt.Println("stored", item)
	fmt.Println("applied index", p.AppliedIndex(), "items", m.Items, "bytes", m.Bytes)
	// Output:
	// second command returns {"count":{"N":"2"}}
	// third command: The conditional request failed
	// stored {"count":{"N":"2"},"id":{"S":"cart-1"}}
	// applied index 3 items 1 bytes 15
}
