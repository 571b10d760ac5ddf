package itemcodec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// benchItem is an item of about 1 KB with 20 attributes of mixed types, the
// shape of a typical stored record.
func benchItem() attr.Item {
	item := attr.Item{
		"pk":        attr.S("customer#00042"),
		"sk":        attr.S("order#2024-05-01T10:11:12Z#7f3a"),
		"status":    attr.S("SHIPPED"),
		"total":     attr.N("1234.56"),
		"quantity":  attr.N("3"),
		"createdAt": attr.N("1714558272"),
		"paid":      attr.Bool(true),
		"gift":      attr.Bool(false),
		"coupon":    attr.Null(),
		"note":      attr.S(strings.Repeat("Please leave the parcel at the back door. ", 6)),
		"thumbnail": attr.B([]byte(strings.Repeat("\x89PNG\x00\x01", 30))),
		"tags":      attr.SS("priority", "fragile", "gift-wrap"),
		"scores":    attr.NS("4.5", "3", "5"),
		"address": attr.M(map[string]attr.Value{
			"street": attr.S("742 Evergreen Terrace"),
			"city":   attr.S("Springfield"),
			"zip":    attr.S("49007"),
			"geo":    attr.L(attr.N("44.0462"), attr.N("-123.0220")),
		}),
		"items": attr.L(
			attr.M(map[string]attr.Value{"sku": attr.S("A-100"), "qty": attr.N("1"), "price": attr.N("999.99")}),
			attr.M(map[string]attr.Value{"sku": attr.S("B-220"), "qty": attr.N("2"), "price": attr.N("117.285")}),
		),
	}
	for i := len(item); i < 20; i++ {
		item[fmt.Sprintf("extra%02d", i)] = attr.S(fmt.Sprintf("value %d of the padding attributes", i))
	}
	return item
}

func BenchmarkEncode1KB(b *testing.B) {
	item := benchItem()
	buf, err := Encode(nil, item)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = Encode(buf[:0], item); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/item")
}

func BenchmarkDecode1KB(b *testing.B) {
	enc, err := Encode(nil, benchItem())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}
