package expr

import (
	"strconv"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// BenchmarkParseUpdate parses a typical five-clause update expression.
func BenchmarkParseUpdate(b *testing.B) {
	const src = "SET #n = :name, visits = if_not_exists(visits, :zero) + :one, tags = list_append(tags, :tags) " +
		"REMOVE obsolete, history[0] ADD score :one DELETE flags :flags"
	names := Names{"#n": "name"}
	values := Values{
		":name": attr.S("x"), ":zero": attr.N("0"), ":one": attr.N("1"),
		":tags": attr.L(attr.S("t")), ":flags": attr.SS("f"),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseUpdate(src, names, values); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalCondition evaluates a three-term condition over a
// 20-attribute item.
func BenchmarkEvalCondition(b *testing.B) {
	item := attr.Item{}
	for i := range 17 {
		item["attr"+strconv.Itoa(i)] = attr.S("value " + strconv.Itoa(i))
	}
	item["price"] = attr.N("42.5")
	item["category"] = attr.S("books")
	item["tags"] = attr.SS("new", "sale", "gift")
	c, err := ParseCondition("price BETWEEN :lo AND :hi AND category = :cat AND contains(tags, :tag)", nil, Values{
		":lo": attr.N("10"), ":hi": attr.N("100"), ":cat": attr.S("books"), ":tag": attr.S("sale"),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, _ := c.Eval(item)
		if !ok {
			b.Fatal("condition should hold")
		}
	}
}

// BenchmarkApplyUpdate applies a five-clause update to a 20-attribute item.
func BenchmarkApplyUpdate(b *testing.B) {
	item := attr.Item{}
	for i := range 16 {
		item["attr"+strconv.Itoa(i)] = attr.S("value " + strconv.Itoa(i))
	}
	item["visits"] = attr.N("7")
	item["tags"] = attr.L(attr.S("a"))
	item["history"] = attr.L(attr.S("h0"), attr.S("h1"))
	item["flags"] = attr.SS("f", "g")
	u, err := ParseUpdate("SET visits = visits + :one, tags = list_append(tags, :tags) REMOVE history[0] ADD score :one DELETE flags :flags",
		nil, Values{":one": attr.N("1"), ":tags": attr.L(attr.S("t")), ":flags": attr.SS("f")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Apply(item); err != nil {
			b.Fatal(err)
		}
	}
}
