package keyenc_test

import (
	"bytes"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

func ExampleSortKeyRange() {
	const table = 7
	pk := attr.S("sensor#1")
	var keys [][]byte
	for _, reading := range []string{"-2.5", "0", "10", "1E+1", "99.5", "100"} {
		k, err := keyenc.Key(table, pk, attr.N(reading))
		if err != nil {
			panic(err)
		}
		keys = append(keys, k)
	}
	rng, err := keyenc.SortKeyRange(table, pk, keyenc.OpBetween, attr.N("0"), attr.N("99.5"))
	if err != nil {
		panic(err)
	}
	for _, k := range keys {
		_, _, sk, err := keyenc.Decode(k)
		if err != nil {
			panic(err)
		}
		fmt.Println(sk.N(), rng.Contains(k))
	}
	fmt.Println(bytes.Equal(keys[2], keys[3]))
	// Output:
	// -2.5 false
	// 0 true
	// 10 true
	// 10 true
	// 99.5 true
	// 100 false
	// true
}
