package expr_test

import (
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
)

func ExampleParseCondition() {
	cond, err := expr.ParseCondition("#s = :open AND size(tags) > :n",
		expr.Names{"#s": "status"},
		expr.Values{":open": attr.S("open"), ":n": attr.N("1")})
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, _ := cond.Eval(attr.Item{"status": attr.S("open"), "tags": attr.SS("a", "b")})
	fmt.Println(ok)
	// Output: true
}

func ExampleParseUpdate() {
	upd, err := expr.ParseUpdate("SET visits = if_not_exists(visits, :zero) + :one REMOVE draft",
		nil, expr.Values{":zero": attr.N("0"), ":one": attr.N("1")})
	if err != nil {
		fmt.Println(err)
		return
	}
	old := attr.Item{"pk": attr.S("page"), "draft": attr.Bool(true)}
	updated, err := upd.Apply(old)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(updated)
	fmt.Println(upd.ReturnValues("UPDATED_OLD", old, updated))
	// Output:
	// {"pk":{"S":"page"},"visits":{"N":"1"}}
	// {"draft":{"BOOL":true}}
}

func ExampleParseUpdate_syntaxError() {
	_, err := expr.ParseUpdate("SET a = b + c + d", nil, nil)
	fmt.Println(err)
	// Output: ValidationException: Invalid UpdateExpression: Syntax error; token: "+", near: "c + d"
}

func ExampleCheckUnused() {
	names := expr.Names{"#a": "a", "#b": "b"}
	cond, _ := expr.ParseCondition("attribute_exists(#a)", names, nil)
	fmt.Println(expr.CheckUnused(names, nil, cond.Usage()))
	// Output: ValidationException: Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}
}
