package expr

import (
	"errors"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

var fuzzNames = Names{"#a": "a", "#b": "b", "#k": "pk", "#s": "sk"}

var fuzzValues = Values{
	":s": attr.S("abc"), ":n": attr.N("1"), ":m": attr.N("-2.5"), ":b": attr.B([]byte{1}),
	":ss": attr.SS("a", "b"), ":ns": attr.NS("1", "2"), ":l": attr.L(attr.S("x")),
	":map": attr.M(map[string]attr.Value{"k": attr.S("v")}), ":t": attr.S("S"), ":null": attr.Null(),
}

var fuzzItem = attr.Item{
	"pk": attr.S("p"), "sk": attr.S("s"), "a": attr.N("5"), "b": attr.S("abc"),
	"l": attr.L(attr.N("1"), attr.M(map[string]attr.Value{"x": attr.S("y")})),
	"m": attr.M(map[string]attr.Value{"k": attr.L(attr.S("v"))}), "ss": attr.SS("a"),
}

// FuzzParse feeds arbitrary text to every parser and evaluates what parses.
// No input may panic, and every rejection must be a ValidationException.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"a = :s", "#a.b[1] <> :n AND NOT (b BETWEEN :n AND :m)", "a IN (:s, :n, b)",
		"attribute_exists(#a) OR begins_with(b, :s)", "size(l) > :n", "contains(ss, :s)",
		"attribute_type(a, :t)", "((a = :s))", "SET a = a + :n, b = list_append(if_not_exists(b, :l), :l)",
		"REMOVE l[0], m.k ADD a :n DELETE ss :ss", "SET l[5] = :s", "a, b.c[2], #a",
		"pk = :s AND begins_with(sk, :s)", "#k = :s AND #s BETWEEN :s AND :s", "!!!", "a,", "",
		"SET a = (b) - (:n)", "a[0][1].b = :null", "NOT NOT a",
	} {
		f.Add(s)
	}
	schema := KeySchemaInfo{PartitionKey: "pk", PartitionType: attr.TypeS, SortKey: "sk", SortType: attr.TypeS}
	f.Fuzz(func(t *testing.T, src string) {
		check := func(err error) {
			if err == nil {
				return
			}
			var ve *dberr.ValidationException
			if !errors.As(err, &ve) {
				t.Fatalf("%q: error is not a ValidationException: %v", src, err)
			}
		}
		if c, err := ParseCondition(src, fuzzNames, fuzzValues); err == nil {
			if _, err := c.Eval(fuzzItem); err != nil {
				t.Fatalf("%q: eval: %v", src, err)
			}
			if _, err := c.Eval(nil); err != nil {
				t.Fatalf("%q: eval nil: %v", src, err)
			}
		} else {
			check(err)
		}
		if u, err := ParseUpdate(src, fuzzNames, fuzzValues); err == nil {
			got, err := u.Apply(fuzzItem)
			check(err)
			if err == nil {
				_ = u.ReturnValues("UPDATED_NEW", fuzzItem, got)
			}
			_, err = u.Apply(nil)
			check(err)
		} else {
			check(err)
		}
		if p, err := ParseProjection(src, fuzzNames); err == nil {
			_ = p.Apply(fuzzItem)
		} else {
			check(err)
		}
		if k, err := ParseKeyCondition(src, fuzzNames, fuzzValues, schema); err == nil {
			_ = k.Match(fuzzItem)
		} else {
			check(err)
		}
	})
}
