package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// benchItem is an item of 20 attributes and about 1 KB of JSON, shaped like
// a typical application record: strings, numbers, a flag, a binary, a small
// map, a list and sets.
func benchItem() attr.Item {
	item := attr.Item{
		"pk":        attr.S("USER#0123456789abcdef"),
		"sk":        attr.S("ORDER#2026-01-02T03:04:05Z#000042"),
		"status":    attr.S("SHIPPED"),
		"email":     attr.S("someone@example.com"),
		"name":      attr.S("A. Customer with a reasonably long name"),
		"total":     attr.N("1234.56"),
		"quantity":  attr.N("3"),
		"createdAt": attr.N("1767323045"),
		"version":   attr.N("17"),
		"gift":      attr.Bool(false),
		"deleted":   attr.Null(),
		"checksum":  attr.B([]byte("0123456789abcdef0123456789abcdef")),
		"tags":      attr.SS("priority", "fragile", "express"),
		"scores":    attr.NS("1", "2.5", "-3"),
		"address": attr.M(map[string]attr.Value{
			"street": attr.S("1 Long Street Name"), "city": attr.S("Springfield"),
			"zip": attr.S("12345"), "country": attr.S("US"),
		}),
		"lines": attr.L(
			attr.M(map[string]attr.Value{"sku": attr.S("SKU-1"), "qty": attr.N("1"), "price": attr.N("10.5")}),
			attr.M(map[string]attr.Value{"sku": attr.S("SKU-2"), "qty": attr.N("2"), "price": attr.N("612.03")}),
		),
		"notes": attr.S(strings.Repeat("note text ", 12)),
	}
	for i := len(item); i < 20; i++ {
		item[fmt.Sprintf("extra%02d", i)] = attr.S(fmt.Sprintf("value number %02d", i))
	}
	return item
}

func BenchmarkDecodeItem(b *testing.B) {
	data := AppendItem(nil, benchItem())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	start := processCPU()
	for b.Loop() {
		if _, err := DecodeItem(data); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
	b.ReportMetric(float64(len(data)), "json_bytes")
}

func BenchmarkEncodeItem(b *testing.B) {
	item := benchItem()
	size := len(AppendItem(nil, item))
	buf := make([]byte, 0, 2*size)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	start := processCPU()
	for b.Loop() {
		buf = AppendItem(buf[:0], item)
	}
	reportCPU(b, start)
}

// BenchmarkDecodeItemEncodingJSON is the baseline the hand-written decoder
// replaces: encoding/json into generic maps, before any conversion to attr
// values.
func BenchmarkDecodeItemEncodingJSON(b *testing.B) {
	data := AppendItem(nil, benchItem())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	start := processCPU()
	for b.Loop() {
		var m map[string]map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
