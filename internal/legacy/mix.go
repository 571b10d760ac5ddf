package legacy

import (
	"strings"
)

// Operation names the API call whose parameters are checked; the
// parameters an operation has, and the order DynamoDB lists them in its
// messages, differ between calls.
type Operation uint8

// The operations that take legacy parameters.
const (
	GetItem Operation = iota + 1
	BatchGetItem
	PutItem
	DeleteItem
	UpdateItem
	Query
	Scan
)

var operationNames = [...]string{"", "GetItem", "BatchGetItem", "PutItem", "DeleteItem", "UpdateItem", "Query", "Scan"}

// String returns the operation's API name.
func (o Operation) String() string {
	if int(o) < len(operationNames) {
		return operationNames[o]
	}
	return "Operation?"
}

// Param is one request parameter that takes part in the legacy and
// expression checks.
type Param uint16

// The parameters. The first seven are legacy (non-expression) parameters.
const (
	ParamExpected Param = 1 << iota
	ParamAttributeUpdates
	ParamAttributesToGet
	ParamKeyConditions
	ParamQueryFilter
	ParamScanFilter
	ParamConditionalOperator
	ParamConditionExpression
	ParamUpdateExpression
	ParamFilterExpression
	ParamKeyConditionExpression
	ParamProjectionExpression
	ParamExpressionAttributeNames
	ParamExpressionAttributeValues
)

var paramNames = map[Param]string{
	ParamExpected:                  "Expected",
	ParamAttributeUpdates:          "AttributeUpdates",
	ParamAttributesToGet:           "AttributesToGet",
	ParamKeyConditions:             "KeyConditions",
	ParamQueryFilter:               "QueryFilter",
	ParamScanFilter:                "ScanFilter",
	ParamConditionalOperator:       "ConditionalOperator",
	ParamConditionExpression:       "ConditionExpression",
	ParamUpdateExpression:          "UpdateExpression",
	ParamFilterExpression:          "FilterExpression",
	ParamKeyConditionExpression:    "KeyConditionExpression",
	ParamProjectionExpression:      "ProjectionExpression",
	ParamExpressionAttributeNames:  "ExpressionAttributeNames",
	ParamExpressionAttributeValues: "ExpressionAttributeValues",
}

// String returns the parameter's API name.
func (p Param) String() string {
	if name, ok := paramNames[p]; ok {
		return name
	}
	return "Param?"
}

// Params is a set of parameters.
type Params uint16

// With returns the set with ps added.
func (s Params) With(ps ...Param) Params {
	for _, p := range ps {
		s |= Params(p)
	}
	return s
}

// Has reports whether p is in the set.
func (s Params) Has(p Param) bool { return s&Params(p) != 0 }

// paramLists is, per operation, the expression parameters and the legacy
// parameters it has, each in the order DynamoDB lists them in the mixing
// message (dynalite validations/*.js, confirmed for Scan, Query, UpdateItem,
// PutItem and DeleteItem by ExtendDB's captures).
type paramLists struct {
	expression []Param
	legacy     []Param
}

var operationParams = map[Operation]paramLists{
	GetItem:      {[]Param{ParamProjectionExpression}, []Param{ParamAttributesToGet}},
	BatchGetItem: {[]Param{ParamProjectionExpression}, []Param{ParamAttributesToGet}},
	PutItem:      {[]Param{ParamConditionExpression}, []Param{ParamExpected, ParamConditionalOperator}},
	DeleteItem:   {[]Param{ParamConditionExpression}, []Param{ParamExpected, ParamConditionalOperator}},
	UpdateItem: {
		[]Param{ParamUpdateExpression, ParamConditionExpression},
		[]Param{ParamAttributeUpdates, ParamExpected, ParamConditionalOperator},
	},
	Query: {
		[]Param{ParamProjectionExpression, ParamFilterExpression, ParamKeyConditionExpression},
		[]Param{ParamAttributesToGet, ParamQueryFilter, ParamConditionalOperator, ParamKeyConditions},
	},
	Scan: {
		[]Param{ParamProjectionExpression, ParamFilterExpression},
		[]Param{ParamAttributesToGet, ParamScanFilter, ParamConditionalOperator},
	},
}

// Messages of CheckMix.
const (
	msgMixPrefix        = "Can not use both expression and non-expression parameters in the same request: "
	MsgNamesWithoutExpr = "ExpressionAttributeNames can only be specified when using expressions"
	// MsgValuesWithoutExpr carries no suffix: DynamoDB once appended
	// ": ConditionExpression is null" and the like (dynalite recorded it);
	// captures from 2026 show the bare text.
	MsgValuesWithoutExpr = "ExpressionAttributeValues can only be specified when using expressions"
)

// CheckMix applies DynamoDB's rules relating a request's legacy and
// expression parameters, in DynamoDB's order:
//
//  1. A request may not carry both kinds. The message lists the present
//     parameters of each kind in the operation's own order: "Can not use
//     both expression and non-expression parameters in the same request:
//     Non-expression parameters: {AttributeUpdates, Expected} Expression
//     parameters: {UpdateExpression, ConditionExpression}". A Query's
//     KeyConditions counts only when KeyConditionExpression is present too:
//     KeyConditions with FilterExpression or ProjectionExpression is
//     accepted.
//  2. ExpressionAttributeNames needs an expression parameter.
//  3. ExpressionAttributeValues needs an expression parameter that can
//     refer to values (ProjectionExpression cannot). GetItem and
//     BatchGetItem have no ExpressionAttributeValues.
//
// ExpressionAttributeNames and ExpressionAttributeValues are never listed
// in the mixing message. An operation CheckMix does not know passes.
func CheckMix(op Operation, carried Params) error {
	lists, ok := operationParams[op]
	if !ok {
		return nil
	}
	var exprPresent, legacyPresent []string
	for _, p := range lists.expression {
		if carried.Has(p) {
			exprPresent = append(exprPresent, p.String())
		}
	}
	if len(exprPresent) > 0 {
		for _, p := range lists.legacy {
			if p == ParamKeyConditions && !carried.Has(ParamKeyConditionExpression) {
				continue
			}
			if carried.Has(p) {
				legacyPresent = append(legacyPresent, p.String())
			}
		}
		if len(legacyPresent) > 0 {
			return validation(msgMixPrefix + "Non-expression parameters: {" + strings.Join(legacyPresent, ", ") +
				"} Expression parameters: {" + strings.Join(exprPresent, ", ") + "}")
		}
	}
	if carried.Has(ParamExpressionAttributeNames) && len(exprPresent) == 0 {
		return validation(MsgNamesWithoutExpr)
	}
	if carried.Has(ParamExpressionAttributeValues) {
		valueExprs := 0
		for _, p := range lists.expression {
			if p != ParamProjectionExpression {
				valueExprs++
				if carried.Has(p) {
					return nil
				}
			}
		}
		if valueExprs > 0 {
			return validation(MsgValuesWithoutExpr)
		}
	}
	return nil
}
