package partition

import (
	"fmt"
	"strings"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/multiraft"
)

// BenchmarkApplyPutBatch applies batches of 100 puts of 1 KB items, one
// Apply (one storage commit) per batch.
func BenchmarkApplyPutBatch(b *testing.B) {
	const batchSize = 100
	for _, kind := range engineKinds {
		b.Run(kind.name, func(b *testing.B) {
			p := createPartition(b, newEngine(b, kind), Options{})
			payload := attr.S(strings.Repeat("x", 1000))
			// Prepare the encoded commands of 20 distinct batches, reused
			// in turn (later rounds overwrite the items).
			var batches [][]multiraft.Command
			for n := range 20 {
				cmds := make([]multiraft.Command, batchSize)
				for i := range cmds {
					data, err := putCmd(item(fmt.Sprintf("user-%d", n), i, attr.Item{"payload": payload})).Encode()
					if err != nil {
						b.Fatal(err)
					}
					cmds[i].Data = data
				}
				batches = append(batches, cmds)
			}
			index := uint64(0)
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; b.Loop(); n++ {
				cmds := batches[n%len(batches)]
				for i := range cmds {
					index++
					cmds[i].Index = index
				}
				if _, err := p.Apply(cmds); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batchSize)*float64(b.N)/b.Elapsed().Seconds(), "puts/s")
		})
	}
}

// BenchmarkApplyConditionalUpdate applies one conditional update per Apply
// to a stored item, with and without the compiled-expression cache.
func BenchmarkApplyConditionalUpdate(b *testing.B) {
	for _, kind := range engineKinds {
		for _, cache := range []struct {
			name string
			size int
		}{{"cache", 0}, {"nocache", -1}} {
			b.Run(kind.name+"/"+cache.name, func(b *testing.B) {
				p := createPartition(b, newEngine(b, kind), Options{ExprCacheSize: cache.size})
				f := newFeeder(b, p)
				f.one(putCmd(item("counter", 1, attr.Item{"n": attr.N("0"), "status": attr.S("open"), "tags": attr.SS("a", "b")})))
				c := updateCmd(key("counter", 1), "SET #n = #n + :one, updated_at = :now ADD tags :t", expr.Names{"#n": "n"},
					expr.Values{":one": attr.N("1"), ":now": attr.S("2024-01-01T00:00:00Z"), ":t": attr.SS("c"), ":open": attr.S("open"), ":max": attr.N("1000000000")})
				c.ConditionExpression = "attribute_exists(pk) AND #s = :open AND #n < :max"
				c.Names["#s"] = "status"
				c.ReturnValues = "UPDATED_NEW"
				data, err := c.Encode()
				if err != nil {
					b.Fatal(err)
				}
				cmds := []multiraft.Command{{Data: data}}
				index := p.AppliedIndex()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					index++
					cmds[0].Index = index
					out, err := p.Apply(cmds)
					if err != nil {
						b.Fatal(err)
					}
					if r := out[0].(*Result); r.Err != nil {
						b.Fatal(r.Err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// BenchmarkSplitWalk measures the walk a Split makes over its right side to
// count items and bytes (size prefixes only, no item decoded), here over a
// range of 20,000 items of about 200 bytes.
func BenchmarkSplitWalk(b *testing.B) {
	const items = 20000
	for _, kind := range engineKinds {
		b.Run(kind.name, func(b *testing.B) {
			p := createPartition(b, newEngine(b, kind), Options{})
			payload := attr.S(strings.Repeat("y", 180))
			var cmds []multiraft.Command
			for i := range items {
				data, err := putCmd(item(fmt.Sprintf("u%d", i%100), i, attr.Item{"p": payload})).Encode()
				if err != nil {
					b.Fatal(err)
				}
				cmds = append(cmds, multiraft.Command{Index: uint64(i + 1), Data: data})
				if len(cmds) == 1000 {
					if _, err := p.Apply(cmds); err != nil {
						b.Fatal(err)
					}
					cmds = cmds[:0]
				}
			}
			m := p.Meta()
			lo, hi := m.bounds()
			a := &applier{p: p, meta: &m, overlay: map[string]*pending{}}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				n, _, err := a.countRange(lo, hi)
				if err != nil || n != items {
					b.Fatalf("counted %d items: %v", n, err)
				}
			}
			b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
