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
