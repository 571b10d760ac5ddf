// Command quickstart is a tour of what dynamo does today: the item model with
// DynamoDB's validation, the table key space, the item codec and the bbolt
// storage engine on disk, end to end for one small table of orders.
//
// It grows with the project: once clusters and tables exist, it creates a
// table on a 3-node, 3-zone cluster instead of writing to one engine.
//
//	go run ./examples/quickstart [-data DIR]
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/itemcodec"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// Order is the application's own type; struct tags name the attributes.
type Order struct {
	Customer string                `dynamo:"customer"`
	OrderID  int64                 `dynamo:"order_id"`
	Total    dynamo.AttributeValue `dynamo:"total"` // an N kept as exact decimal text
	Items    []string              `dynamo:"items,set"`
	Note     string                `dynamo:"note,omitempty"`
}

const ordersTable = 1 // the table ID the control plane would assign

var schema = itemcheck.KeySchema{
	Partition: itemcheck.KeyDef{Name: "customer", Type: attr.TypeS},
	Sort:      &itemcheck.KeyDef{Name: "order_id", Type: attr.TypeN},
}

func main() {
	dataDir := flag.String("data", "", "directory for the bbolt file (default: a temporary directory, removed at exit)")
	flag.Parse()
	log.SetFlags(0)

	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "dynamo-quickstart-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := run(filepath.Join(dir, "quickstart.db")); err != nil {
		log.Fatal(err)
	}
}

func run(path string) error {
	store, err := dynamo.OpenBoltStorage(path, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Println("opened bbolt storage at", path)

	orders := []Order{
		{Customer: "alice", OrderID: 3, Total: dynamo.N("19.90"), Items: []string{"book"}},
		{Customer: "alice", OrderID: 1, Total: dynamo.N("5.0"), Items: []string{"pen", "ink"}},
		{Customer: "bob", OrderID: 2, Total: dynamo.N("1E2"), Items: []string{"lamp"}, Note: "gift"},
		{Customer: "alice", OrderID: 10, Total: dynamo.N("0.25"), Items: []string{"clip"}},
	}
	batch := store.NewBatch()
	for _, o := range orders {
		item, err := dynamo.MarshalItem(o)
		if err != nil {
			return err
		}
		key, value, err := encode(item)
		if err != nil {
			return err
		}
		batch.Set(key, value)
	}
	if err := store.Commit(batch, true); err != nil {
		return err
	}
	fmt.Printf("wrote %d orders in one atomic, synced batch\n", len(orders))

	// Invalid items are refused with DynamoDB's exception names and messages.
	for _, bad := range []dynamo.Item{
		{"customer": dynamo.S("carol"), "order_id": dynamo.N("1"), "tags": dynamo.SS("a", "a")},
		{"customer": dynamo.S("carol"), "order_id": dynamo.N("12345678901234567890123456789012345678901")},
		{"customer": dynamo.S(""), "order_id": dynamo.N("1")},
		{"customer": dynamo.S("carol"), "order_id": dynamo.S("1")},
	} {
		_, _, err := encode(bad)
		var ve *dynamo.ValidationException
		if !errors.As(err, &ve) {
			return fmt.Errorf("expected a ValidationException, got %v", err)
		}
		fmt.Println("refused:", ve.Message)
	}

	// Alice's item collection, in sort-key order (numeric: 1, 3, 10).
	lower, err := keyenc.CollectionPrefix(ordersTable, dynamo.S("alice"))
	if err != nil {
		return err
	}
	it, err := store.NewIter(dynamo.StorageIterOptions{Lower: lower, Upper: keyenc.PrefixEnd(lower)})
	if err != nil {
		return err
	}
	fmt.Println("alice's orders, read back in sort-key order:")
	for it.Next() {
		item, err := itemcodec.Decode(it.Value())
		if err != nil {
			it.Close()
			return err
		}
		var o Order
		if err := dynamo.UnmarshalItem(item, &o); err != nil {
			it.Close()
			return err
		}
		fmt.Printf("  order %-3d total %-6s items %s\n", o.OrderID, o.Total.N(), strings.Join(o.Items, ","))
	}
	if err := it.Close(); err != nil {
		return err
	}
	fmt.Println("numbers come back canonical (5.0 -> 5, 19.90 -> 19.9), as DynamoDB returns them")
	return nil
}

// encode validates an item as DynamoDB would and returns its storage key and
// encoded value.
func encode(item dynamo.Item) (key, value []byte, err error) {
	item, err = itemcheck.Item(item)
	if err != nil {
		return nil, nil, err
	}
	if err := schema.ValidateItemKey(item); err != nil {
		return nil, nil, err
	}
	key, err = keyenc.Key(ordersTable, item["customer"], item["order_id"])
	if err != nil {
		return nil, nil, err
	}
	value, err = itemcodec.Encode(nil, item)
	return key, value, err
}
