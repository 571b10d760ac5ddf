package legacy

import (
	"github.com/embeddynamo/dynamo/internal/attr"
)

// The ComparisonOperator values of DynamoDB's legacy conditions.
const (
	OpEQ          = "EQ"
	OpNE          = "NE"
	OpLE          = "LE"
	OpLT          = "LT"
	OpGE          = "GE"
	OpGT          = "GT"
	OpNotNull     = "NOT_NULL"
	OpNull        = "NULL"
	OpContains    = "CONTAINS"
	OpNotContains = "NOT_CONTAINS"
	OpBeginsWith  = "BEGINS_WITH"
	OpIn          = "IN"
	OpBetween     = "BETWEEN"
)

// The ConditionalOperator values; an empty ConditionalOperator means AND.
const (
	ConditionalAnd = "AND"
	ConditionalOr  = "OR"
)

// The Action values of an AttributeValueUpdate; an empty Action means PUT.
const (
	ActionPut    = "PUT"
	ActionAdd    = "ADD"
	ActionDelete = "DELETE"
)

// ExpectedAttributeValue is one entry of the legacy Expected map of
// PutItem, UpdateItem and DeleteItem: a test of one attribute of the stored
// item. It takes one of two forms. Either Value and Exists: the attribute
// must equal Value (Exists nil or true), or must be absent (Exists false,
// no Value). Or ComparisonOperator with AttributeValueList (or, accepted
// by DynamoDB as a one-element list, Value): the attribute compared with
// the listed values. Mixing the forms is a ValidationException.
type ExpectedAttributeValue struct {
	// Value is the value to compare with; nil when the request has none.
	Value *attr.Value
	// Exists is nil when the request does not carry it.
	Exists *bool
	// ComparisonOperator is one of the Op constants; "" when absent.
	ComparisonOperator string
	// AttributeValueList holds the operands of ComparisonOperator. A nil
	// slice is absent; a non-nil empty slice was carried empty.
	AttributeValueList []attr.Value
}

// Condition is one entry of a legacy KeyConditions, QueryFilter or
// ScanFilter map: the attribute named by the map key compared with
// ComparisonOperator against the values of AttributeValueList.
type Condition struct {
	// ComparisonOperator is one of the Op constants; it is required.
	ComparisonOperator string
	// AttributeValueList holds the operands; nil when absent.
	AttributeValueList []attr.Value
}

// AttributeValueUpdate is one entry of UpdateItem's legacy AttributeUpdates
// map: the Action to apply to the attribute named by the map key, with an
// optional Value.
type AttributeValueUpdate struct {
	// Value is nil when the request has none (allowed only for DELETE).
	Value *attr.Value
	// Action is PUT, ADD or DELETE; "" means PUT.
	Action string
}

// Request holds the legacy parameters of one request. Fields an
// operation does not have are left nil. Expressions lists the expression
// parameters (ConditionExpression, ExpressionAttributeNames ...) the same
// request carries, for the checks that relate the two kinds.
type Request struct {
	// Expected is PutItem's, UpdateItem's and DeleteItem's condition.
	Expected map[string]ExpectedAttributeValue
	// AttributeUpdates is UpdateItem's list of changes.
	AttributeUpdates map[string]AttributeValueUpdate
	// AttributesToGet is the projection of GetItem, BatchGetItem (per
	// table), Query and Scan.
	AttributesToGet []string
	// KeyConditions is Query's key condition.
	KeyConditions map[string]Condition
	// QueryFilter is Query's filter.
	QueryFilter map[string]Condition
	// ScanFilter is Scan's filter.
	ScanFilter map[string]Condition
	// ConditionalOperator joins the entries of Expected, QueryFilter or
	// ScanFilter: AND or OR; "" when absent (AND).
	ConditionalOperator string
	// Expressions is the set of expression parameters the request
	// carries (only the Param values from ParamConditionExpression on
	// count here).
	Expressions Params
}

// Params returns the set of parameters the request carries: its legacy
// parameters (a non-nil map or slice, a non-empty ConditionalOperator)
// together with r.Expressions.
func (r *Request) Params() Params {
	p := r.Expressions
	if r.Expected != nil {
		p = p.With(ParamExpected)
	}
	if r.AttributeUpdates != nil {
		p = p.With(ParamAttributeUpdates)
	}
	if r.AttributesToGet != nil {
		p = p.With(ParamAttributesToGet)
	}
	if r.KeyConditions != nil {
		p = p.With(ParamKeyConditions)
	}
	if r.QueryFilter != nil {
		p = p.With(ParamQueryFilter)
	}
	if r.ScanFilter != nil {
		p = p.With(ParamScanFilter)
	}
	if r.ConditionalOperator != "" {
		p = p.With(ParamConditionalOperator)
	}
	return p
}
