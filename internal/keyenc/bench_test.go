package keyenc

import (
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
)

func BenchmarkKeyEncodeStringNumber(b *testing.B) {
	pk, sk := attr.S("customer#0042-7f3a"), attr.N("1712345678.125")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = AppendKey(buf[:0], 12, pk, sk)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
	b.ReportMetric(float64(len(buf)), "bytes/key")
}

func BenchmarkKeyEncodeStringNumberAlloc(b *testing.B) {
	pk, sk := attr.S("customer#0042-7f3a"), attr.N("1712345678.125")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Key(12, pk, sk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyDecodeStringNumber(b *testing.B) {
	key, err := Key(12, attr.S("customer#0042-7f3a"), attr.N("1712345678.125"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := Decode(key); err != nil {
			b.Fatal(err)
		}
	}
}
