package dynamo_test

import (
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo"
)

// ShopOrder is an item type with key attributes, a set, an optional field and a
// timestamp.
type ShopOrder struct {
	Customer string    `dynamo:"pk"`
	ID       int       `dynamo:"sk"`
	Total    float64   `dynamo:"total"`
	Items    []string  `dynamo:"items,set"`
	Coupon   string    `dynamo:"coupon,omitempty"`
	Placed   time.Time `dynamo:"placed"`
	Draft    bool      `dynamo:"-"`
}

func ExampleMarshalItem() {
	item, err := dynamo.MarshalItem(ShopOrder{
		Customer: "c#42",
		ID:       7,
		Total:    19.99,
		Items:    []string{"book", "pen"},
		Placed:   time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Draft:    true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(item)
	// Output:
	// {"items":{"SS":["book","pen"]},"pk":{"S":"c#42"},"placed":{"S":"2025-03-01T12:00:00Z"},"sk":{"N":"7"},"total":{"N":"19.99"}}
}

func ExampleUnmarshalItem() {
	item := dynamo.Item{
		"pk":     dynamo.S("c#42"),
		"sk":     dynamo.N("7"),
		"total":  dynamo.N("19.990"),
		"items":  dynamo.SS("book", "pen"),
		"placed": dynamo.S("2025-03-01T12:00:00Z"),
		"note":   dynamo.S("attributes without a field are ignored"),
	}
	var o ShopOrder
	if err := dynamo.UnmarshalItem(item, &o); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Customer, o.ID, o.Total, o.Items, o.Placed.Format(time.DateOnly))

	// A number that does not fit the field names the field.
	err := dynamo.UnmarshalItem(dynamo.Item{"sk": dynamo.N("1.5")}, &o)
	fmt.Println(err)
	// Output:
	// c#42 7 19.99 [book pen] 2025-03-01
	// dynamo: cannot unmarshal N into sk of Go type int: number 1.5 is not an integer
}

func ExampleMarshalValue() {
	v, err := dynamo.MarshalValue(map[string]any{"n": 1e21, "list": []any{"a", true, nil}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v)
	// Output:
	// {"M":{"list":{"L":[{"S":"a"},{"BOOL":true},{"NULL":true}]},"n":{"N":"1000000000000000000000"}}}
}
