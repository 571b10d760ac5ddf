package dataplane

import (
	"context"
	"fmt"
	"testing"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// benchItem is a typical small item of the range table (about 100 bytes).
func benchItem(pk string, sk int) attr.Item {
	return rangeItem(pk, sk, attr.Item{
		"name": attr.S("a name of some length"), "count": attr.N("12345"),
		"tags": attr.SS("red", "green"), "ok": attr.Bool(true),
	})
}

// newFilledService returns a test service whose range table holds the
// 1000 items benchItem("p", 0..999).
func newFilledService(b *testing.B) (*Service, *Local) {
	s, l := newService(b, Options{})
	for i := range 1000 {
		if _, err := s.PutItem(context.Background(), &api.PutItemInput{TableName: "range", Item: benchItem("p", i)}); err != nil {
			b.Fatal(err)
		}
	}
	return s, l
}

// The service benchmarks measure a call through validation, command
// building and the Local backend; the Local ones the backend alone, so the
// difference is the data plane layer's cost.

func BenchmarkPutItem(b *testing.B) {
	s, _ := newService(b, Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.PutItem(ctx, &api.PutItemInput{TableName: "range", Item: benchItem("p", i%1000),
			ConditionExpression: "attribute_not_exists(#n) OR #n <> :x", ExpressionAttributeNames: map[string]string{"#n": "name"},
			ExpressionAttributeValues: map[string]attr.Value{":x": attr.S("x")}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLocalWrite(b *testing.B) {
	l := newLocal(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		item := benchItem("p", i%1000)
		key, err := keyenc.Key(rangeTable.ID, item["pk"], item["sk"])
		if err != nil {
			b.Fatal(err)
		}
		res, err := l.Write(ctx, rangeTable, key, &partition.Command{Op: partition.OpPut, Table: rangeTable.ID, Schema: rangeTable.Schema, Item: item,
			ConditionExpression: "attribute_not_exists(#n) OR #n <> :x", Names: map[string]string{"#n": "name"},
			Values: map[string]attr.Value{":x": attr.S("x")}})
		if err != nil || res.Err != nil {
			b.Fatal(err, res.Err)
		}
	}
}

func BenchmarkGetItem(b *testing.B) {
	s, _ := newFilledService(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out, err := s.GetItem(ctx, &api.GetItemInput{TableName: "range", Key: rangeItem("p", i%1000, nil), ConsistentRead: true})
		if err != nil || out.Item == nil {
			b.Fatal(err, out)
		}
	}
}

func BenchmarkQuery100(b *testing.B) {
	s, _ := newFilledService(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out, err := s.Query(ctx, &api.QueryInput{TableName: "range", KeyConditionExpression: "pk = :p AND sk >= :s",
			ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("p"), ":s": attr.N(fmt.Sprint(i % 900))}, Limit: ptr(int32(100))})
		if err != nil || len(out.Items) != 100 {
			b.Fatal(err, len(out.Items))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/item")
}

func BenchmarkLocalScan100(b *testing.B) {
	_, l := newFilledService(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r, err := keyenc.SortKeyRange(rangeTable.ID, attr.S("p"), keyenc.OpGE, attr.N(fmt.Sprint(i%900)))
		if err != nil {
			b.Fatal(err)
		}
		page, err := l.Scan(ctx, rangeTable, ScanRequest{Range: r, Limit: 100})
		if err != nil || len(page.Items) != 100 {
			b.Fatal(err)
		}
	}
}
