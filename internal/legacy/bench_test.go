package legacy

import (
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
)

var benchExpected = map[string]ExpectedAttributeValue{
	"version": {Value: val(attr.N("41"))},
	"status":  {ComparisonOperator: OpIn, AttributeValueList: list(attr.S("new"), attr.S("open"), attr.S("held"))},
	"owner":   {Exists: boolp(false)},
}

var benchUpdates = map[string]AttributeValueUpdate{
	"version": add(attr.N("1")),
	"status":  put(attr.S("closed")),
	"tags":    add(attr.SS("done")),
	"draft":   {Action: ActionDelete},
}

var benchItem = attr.Item{
	"pk":      attr.S("order#1"),
	"version": attr.N("41"),
	"status":  attr.S("open"),
	"tags":    attr.SS("urgent"),
	"draft":   attr.S("x"),
}

// BenchmarkCompileExpected measures compiling a three-entry Expected map.
func BenchmarkCompileExpected(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompileExpected(benchExpected, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(benchExpected)), "ns/entry")
}

// BenchmarkCompileUpdateItem measures Compile of an UpdateItem carrying
// Expected and AttributeUpdates, the shape the older SDK mappers send.
func BenchmarkCompileUpdateItem(b *testing.B) {
	req := &Request{Expected: benchExpected, AttributeUpdates: benchUpdates}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(UpdateItem, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalExpected measures evaluating a compiled Expected condition.
func BenchmarkEvalExpected(b *testing.B) {
	cond, err := CompileExpected(benchExpected, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := cond.Eval(benchItem)
		if err != nil || !ok {
			b.Fatal("condition must hold", err)
		}
	}
}

// BenchmarkApplyAttributeUpdates measures applying compiled AttributeUpdates.
func BenchmarkApplyAttributeUpdates(b *testing.B) {
	u, err := CompileAttributeUpdates(benchUpdates)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Apply(benchItem); err != nil {
			b.Fatal(err)
		}
	}
}
