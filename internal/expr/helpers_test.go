package expr

import (
	"github.com/embeddynamo/dynamo/internal/attr"
)

// testValues is the ExpressionAttributeValues most table cases use.
var testValues = Values{
	":s":    attr.S("abc"),
	":s2":   attr.S("abd"),
	":n":    attr.N("1"),
	":n5":   attr.N("5"),
	":b":    attr.B([]byte{1, 2}),
	":t":    attr.Bool(true),
	":null": attr.Null(),
	":ss":   attr.SS("a", "b"),
	":ns":   attr.NS("1", "2"),
	":bs":   attr.BS([]byte{1}),
	":l":    attr.L(attr.S("x")),
	":m":    attr.M(map[string]attr.Value{"k": attr.S("v")}),
	":tS":   attr.S("S"),
	":tBad": attr.S("STRING"),
}

// testNames is the ExpressionAttributeNames most table cases use.
var testNames = Names{"#a": "a", "#s": "status", "#d": "[3]", "#dot": "x.y"}
