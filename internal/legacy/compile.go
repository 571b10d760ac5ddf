package legacy

import (
	"github.com/embeddynamo/dynamo/internal/expr"
)

// Compiled holds the compiled forms of a request's legacy parameters. A
// field is nil when the request does not carry the parameter (or, for
// Condition and Filter, carries it empty).
type Compiled struct {
	// Condition is the Expected condition of PutItem, UpdateItem and
	// DeleteItem.
	Condition *expr.Condition
	// Update is UpdateItem's AttributeUpdates.
	Update *expr.Update
	// Filter is Query's QueryFilter or Scan's ScanFilter.
	Filter *expr.Condition
	// Projection is AttributesToGet.
	Projection *expr.Projection
	// KeyConditions is Query's KeyConditions, checked as far as it can be
	// without the key schema and with its numbers canonical; pass it to
	// CompileKeyConditions once the table or index is known.
	KeyConditions map[string]Condition
}

// Compile validates the legacy parameters of one request of operation op
// and compiles them, in the order DynamoDB checks a request before looking
// its table up:
//
//  1. model constraints (enum values of ComparisonOperator, Action and
//     ConditionalOperator, a null ComparisonOperator in a Condition, the
//     length of AttributesToGet), all reported together;
//  2. CheckMix: legacy and expression parameters together, and
//     ExpressionAttributeNames or ExpressionAttributeValues without an
//     expression;
//  3. ConditionalOperator without two or more Expected or filter entries;
//  4. the operation's parameters in its own order: UpdateItem checks
//     AttributeUpdates before Expected; Query checks QueryFilter, then
//     AttributesToGet, then that KeyConditions or KeyConditionExpression is
//     present, then KeyConditions; Scan checks AttributesToGet before
//     ScanFilter.
//
// Fields of req that op does not have are ignored. Expression parameters
// are not parsed here; the caller parses them (package expr) after Compile
// succeeds.
func Compile(op Operation, req *Request) (*Compiled, error) {
	if req == nil {
		req = &Request{}
	}
	r := onlyOwnParams(op, req)
	var v violations
	v.expected(r.Expected)
	v.updates(r.AttributeUpdates)
	v.conditions("keyConditions", r.KeyConditions)
	v.conditions("queryFilter", r.QueryFilter)
	v.conditions("scanFilter", r.ScanFilter)
	v.conditionalOperator(r.ConditionalOperator)
	v.attributesToGet(r.AttributesToGet)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := CheckMix(op, r.Params()); err != nil {
		return nil, err
	}
	entries := len(r.Expected)
	switch op {
	case Query:
		entries = len(r.QueryFilter)
	case Scan:
		entries = len(r.ScanFilter)
	}
	if err := checkConditionalOperator(r.ConditionalOperator, entries); err != nil {
		return nil, err
	}
	out := &Compiled{}
	var err error
	switch op {
	case PutItem, DeleteItem:
		out.Condition, err = compileExpected(r.Expected, r.ConditionalOperator)
	case UpdateItem:
		if r.AttributeUpdates != nil {
			out.Update, err = compileUpdates(r.AttributeUpdates)
		}
		if err == nil {
			out.Condition, err = compileExpected(r.Expected, r.ConditionalOperator)
		}
	case Query:
		out.Filter, err = compileFilter(r.QueryFilter, r.ConditionalOperator)
		if err == nil {
			out.Projection, err = optionalProjection(r.AttributesToGet)
		}
		if err == nil && r.KeyConditions == nil && !r.Expressions.Has(ParamKeyConditionExpression) {
			err = validation(MsgKeyConditionsMissing)
		}
		if err == nil && r.KeyConditions != nil {
			out.KeyConditions, err = checkKeyConditions(r.KeyConditions)
		}
	case Scan:
		out.Projection, err = optionalProjection(r.AttributesToGet)
		if err == nil {
			out.Filter, err = compileFilter(r.ScanFilter, r.ConditionalOperator)
		}
	case GetItem, BatchGetItem:
		out.Projection, err = optionalProjection(r.AttributesToGet)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func optionalProjection(names []string) (*expr.Projection, error) {
	if names == nil {
		return nil, nil
	}
	return compileAttributesToGet(names)
}

// onlyOwnParams returns the request without the legacy parameters op does
// not have.
func onlyOwnParams(op Operation, req *Request) Request {
	r := Request{Expressions: req.Expressions}
	switch op {
	case GetItem, BatchGetItem:
		r.AttributesToGet = req.AttributesToGet
	case PutItem, DeleteItem:
		r.Expected, r.ConditionalOperator = req.Expected, req.ConditionalOperator
	case UpdateItem:
		r.Expected, r.ConditionalOperator = req.Expected, req.ConditionalOperator
		r.AttributeUpdates = req.AttributeUpdates
	case Query:
		r.AttributesToGet, r.ConditionalOperator = req.AttributesToGet, req.ConditionalOperator
		r.KeyConditions, r.QueryFilter = req.KeyConditions, req.QueryFilter
	case Scan:
		r.AttributesToGet, r.ConditionalOperator = req.AttributesToGet, req.ConditionalOperator
		r.ScanFilter = req.ScanFilter
	}
	return r
}
