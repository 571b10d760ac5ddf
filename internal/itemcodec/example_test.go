package itemcodec_test

import (
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcodec"
)

func ExampleEncode() {
	item := attr.Item{
		"pk":    attr.S("customer#42"),
		"total": attr.N("1234.56"),
		"tags":  attr.SS("b", "a"),
	}
	b, err := itemcodec.Encode(nil, item)
	if err != nil {
		panic(err)
	}
	back, err := itemcodec.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), attr.ItemsEqual(item, back))
	fmt.Println(back)
	// Output:
	// 41 true
	// {"pk":{"S":"customer#42"},"tags":{"SS":["a","b"]},"total":{"N":"1234.56"}}
}
