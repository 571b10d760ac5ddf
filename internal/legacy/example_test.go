package legacy_test

import (
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// An UpdateItem as the older SDK mappers send it: an optimistic-locking
// check in Expected and the changes in AttributeUpdates.
func ExampleCompile() {
	version := attr.N("3")
	one := attr.N("1")
	closed := attr.S("closed")
	out, err := legacy.Compile(legacy.UpdateItem, &legacy.Request{
		Expected: map[string]legacy.ExpectedAttributeValue{
			"version": {Value: &version},
		},
		AttributeUpdates: map[string]legacy.AttributeValueUpdate{
			"version": {Action: legacy.ActionAdd, Value: &one},
			"status":  {Value: &closed}, // PUT is the default action
			"draft":   {Action: legacy.ActionDelete},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	stored := attr.Item{"id": attr.S("a"), "version": attr.N("3"), "draft": attr.Bool(true)}
	ok, _ := out.Condition.Eval(stored)
	fmt.Println("condition holds:", ok)
	updated, _ := out.Update.Apply(stored)
	fmt.Println(updated)
	// Output:
	// condition holds: true
	// {"id":{"S":"a"},"status":{"S":"closed"},"version":{"N":"4"}}
}

// Legacy and expression parameters may not be mixed in one request.
func ExampleCheckMix() {
	carried := legacy.Params(0).With(legacy.ParamExpected, legacy.ParamConditionExpression)
	fmt.Println(legacy.CheckMix(legacy.PutItem, carried))
	// Output:
	// ValidationException: Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}
}
