package itemcheck

import (
	"strconv"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func benchItem() attr.Item {
	item := attr.Item{"pk": attr.S("user#1234"), "sk": attr.N("42")}
	for i := 0; i < 18; i++ {
		name := "attr" + strconv.Itoa(i)
		switch i % 4 {
		case 0:
			item[name] = attr.S("some string value " + name)
		case 1:
			item[name] = attr.N(strconv.Itoa(i * 1000003))
		case 2:
			item[name] = attr.L(attr.S("a"), attr.N("1.5"), attr.Bool(true))
		case 3:
			item[name] = attr.M(map[string]attr.Value{"x": attr.N("3"), "y": attr.SS("a", "b", "c")})
		}
	}
	return item
}

func BenchmarkItem(b *testing.B) {
	item := benchItem()
	b.ReportAllocs()
	b.ReportMetric(float64(Size(item)), "itembytes")
	for b.Loop() {
		if _, err := Item(item); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSize(b *testing.B) {
	item := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		_ = Size(item)
	}
}
