package refmodel

import (
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// The operations, as package legacy names them for its checks.
const (
	opPut      = legacy.PutItem
	opDelete   = legacy.DeleteItem
	opUpdate   = legacy.UpdateItem
	opGet      = legacy.GetItem
	opBatchGet = legacy.BatchGetItem
	opQuery    = legacy.Query
	opScan     = legacy.Scan
)

// checkReturnValues validates ReturnValues (update: the five UpdateItem
// choices; otherwise NONE and ALL_OLD) and ReturnValuesOnConditionCheckFailure.
func checkReturnValues(rv api.ReturnValue, onFailure api.ReturnValuesOnConditionCheckFailure, update bool) error {
	switch rv {
	case "", api.ReturnValueNone, api.ReturnValueAllOld:
	case api.ReturnValueUpdatedOld, api.ReturnValueAllNew, api.ReturnValueUpdatedNew:
		if !update {
			return invalid("ReturnValues can only be ALL_OLD or NONE")
		}
	default:
		return invalid("invalid ReturnValues %q", rv)
	}
	switch onFailure {
	case "", api.ReturnValuesOnConditionCheckFailureNone, api.ReturnValuesOnConditionCheckFailureAllOld:
		return nil
	default:
		return invalid("invalid ReturnValuesOnConditionCheckFailure %q", onFailure)
	}
}

// exprParams returns the set of expression parameters a request carries.
func exprParams(names expr.Names, values expr.Values, given map[legacy.Param]string) legacy.Params {
	var ps legacy.Params
	for p, text := range given {
		if text != "" {
			ps = ps.With(p)
		}
	}
	if names != nil {
		ps = ps.With(legacy.ParamExpressionAttributeNames)
	}
	if values != nil {
		ps = ps.With(legacy.ParamExpressionAttributeValues)
	}
	return ps
}

// compiledWrite holds the condition and update of a write request, from
// either the expression or the legacy parameters.
type compiledWrite struct {
	cond   *expr.Condition
	update *expr.Update
}

// writeCondition validates and compiles the condition and update parameters
// of PutItem, DeleteItem and UpdateItem.
func writeCondition(op legacy.Operation, expected map[string]api.ExpectedAttributeValue, conditionalOperator, conditionExpr, updateExpr string, names expr.Names, values expr.Values, updates map[string]api.AttributeValueUpdate) (compiledWrite, error) {
	req := &legacy.Request{
		Expected:            expected,
		AttributeUpdates:    updates,
		ConditionalOperator: conditionalOperator,
		Expressions: exprParams(names, values, map[legacy.Param]string{
			legacy.ParamConditionExpression: conditionExpr,
			legacy.ParamUpdateExpression:    updateExpr,
		}),
	}
	if op != opUpdate {
		req.AttributeUpdates = nil
	}
	compiled, err := legacy.Compile(op, req)
	if err != nil {
		return compiledWrite{}, err
	}
	if err := expr.CheckPlaceholders(names, values); err != nil {
		return compiledWrite{}, err
	}
	out := compiledWrite{cond: compiled.Condition, update: compiled.Update}
	var used []expr.Usage
	if updateExpr != "" {
		if out.update, err = expr.ParseUpdate(updateExpr, names, values); err != nil {
			return compiledWrite{}, err
		}
		used = append(used, out.update.Usage())
	}
	if conditionExpr != "" {
		if out.cond, err = expr.ParseCondition(conditionExpr, names, values); err != nil {
			return compiledWrite{}, err
		}
		used = append(used, out.cond.Usage())
	}
	if err := expr.CheckUnused(names, values, used...); err != nil {
		return compiledWrite{}, err
	}
	if op == opUpdate && out.update == nil {
		// An UpdateItem with neither UpdateExpression nor AttributeUpdates
		// only creates the item's key; model that as an empty update.
		out.update = expr.NewUpdate("")
	}
	return out, nil
}

// checkCondition evaluates a write's condition against the stored item and
// returns the ConditionalCheckFailedException when it does not hold.
func checkCondition(cond *expr.Condition, old attr.Item, onFailure api.ReturnValuesOnConditionCheckFailure) error {
	if cond == nil {
		return nil
	}
	ok, err := cond.Eval(old)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	failure := &dberr.ConditionalCheckFailedException{Message: "The conditional request failed"}
	if onFailure == api.ReturnValuesOnConditionCheckFailureAllOld && old != nil {
		failure.Item = old.Clone()
	}
	return failure
}

// onlyRemoves reports whether an update has actions and all of them take
// something away (REMOVE, DELETE).
func onlyRemoves(upd *expr.Update) bool {
	if upd == nil || len(upd.Actions()) == 0 {
		return false
	}
	for _, a := range upd.Actions() {
		if a.Kind != expr.ActionRemove && a.Kind != expr.ActionDelete {
			return false
		}
	}
	return true
}

// readProjection validates and compiles the projection of GetItem or one
// table of BatchGetItem; nil means every attribute.
func readProjection(op legacy.Operation, projection string, names expr.Names, attributesToGet []string) (*expr.Projection, error) {
	compiled, err := legacy.Compile(op, &legacy.Request{
		AttributesToGet: attributesToGet,
		Expressions: exprParams(names, nil, map[legacy.Param]string{
			legacy.ParamProjectionExpression: projection,
		}),
	})
	if err != nil {
		return nil, err
	}
	if err := expr.CheckPlaceholders(names, nil); err != nil {
		return nil, err
	}
	proj := compiled.Projection
	var used []expr.Usage
	if projection != "" {
		if proj, err = expr.ParseProjection(projection, names); err != nil {
			return nil, err
		}
		used = append(used, proj.Usage())
	}
	if err := expr.CheckUnused(names, nil, used...); err != nil {
		return nil, err
	}
	return proj, nil
}

// project returns a copy of item narrowed to the projection (nil: all).
func project(proj *expr.Projection, item attr.Item) attr.Item {
	if proj == nil {
		return item.Clone()
	}
	return proj.Apply(item)
}
