package dataplane

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// DynamoDB's messages for the data-plane rules this package checks itself.
// The texts come from dynalite's validations and actions (whose tests ran
// against DynamoDB), checked against a public conformance suite run against
// the service and, where noted, against moto and DynamoDB Local.
const (
	// MsgReturnValuesInvalid is the message for a ReturnValues the
	// operation does not take (PutItem and DeleteItem take NONE and
	// ALL_OLD); moto and a client test run against DynamoDB agree.
	MsgReturnValuesInvalid = "Return values set to invalid value"
	// MsgStartKeyInvalid is Query's message for an ExclusiveStartKey that
	// does not name exactly the key attributes with their types.
	MsgStartKeyInvalid = "The provided starting key is invalid"
	// MsgStartKeyOutside is Query's message for an ExclusiveStartKey of
	// another item collection when there is no sort key condition.
	MsgStartKeyOutside = "The provided starting key is outside query boundaries based on provided conditions"
	// MsgStartKeyRange is Query's message for an ExclusiveStartKey whose
	// sort key fails the sort key condition.
	MsgStartKeyRange = "The provided starting key does not match the range key predicate"
	// MsgStartKeyOneRow is Query's message for an ExclusiveStartKey of
	// another item collection when the sort key condition holds.
	MsgStartKeyOneRow = "The query can return at most one row and cannot be restarted"
	// MsgSegmentWithoutTotal and MsgTotalWithoutSegment are Scan's messages
	// for one of Segment and TotalSegments without the other.
	MsgSegmentWithoutTotal = "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"
	MsgTotalWithoutSegment = "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"
	// MsgAllProjectedNoIndex is the message for Select
	// ALL_PROJECTED_ATTRIBUTES without IndexName; the service says
	// "Querying" for Scan too.
	MsgAllProjectedNoIndex = "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
	// MsgSpecificNeedsProjection is the message for Select
	// SPECIFIC_ATTRIBUTES with neither AttributesToGet nor
	// ProjectionExpression. Query wraps it in the "1 validation error
	// detected: " envelope and Scan does not, as a conformance suite run
	// against the service recorded.
	MsgSpecificNeedsProjection = "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
	// MsgDuplicateKeys is BatchGetItem's and BatchWriteItem's message for a
	// key listed twice for one table (a put and a delete of one key count).
	MsgDuplicateKeys = "Provided list of item keys contains duplicates"
	// MsgBatchGetTooMany is BatchGetItem's message for more than 100 keys.
	MsgBatchGetTooMany = "Too many items requested for the BatchGetItem call"
	// MsgBatchWriteTooMany is BatchWriteItem's message for more than 25
	// requests.
	MsgBatchWriteTooMany = "Too many items requested for the BatchWriteItem call"
	// MsgWriteRequestShape is BatchWriteItem's message for a WriteRequest
	// with neither or both of PutRequest and DeleteRequest (dynalite for
	// neither, DynamoDB Local for both).
	MsgWriteRequestShape = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	// MsgNoSuchIndexPrefix starts the message for an IndexName the table
	// does not have; the index name follows.
	MsgNoSuchIndexPrefix = "The table does not have the specified index: "
	// MsgStartKeyInvalidPrefix starts the message for an ExclusiveStartKey
	// whose values are invalid, and Scan's for one that does not match the
	// key schema.
	MsgStartKeyInvalidPrefix = MsgStartKeyInvalid + ": "
)

// Limits DynamoDB enforces on the data-plane requests.
const (
	// MaxBatchGetKeys is the most keys one BatchGetItem may read.
	MaxBatchGetKeys = 100
	// MaxBatchWriteRequests is the most writes one BatchWriteItem may carry.
	MaxBatchWriteRequests = 25
	// MaxTotalSegments is the largest TotalSegments of a parallel Scan.
	MaxTotalSegments = 1_000_000
	// MinNameLength and MaxNameLength bound table and index names.
	MinNameLength = 3
	MaxNameLength = 255
)

// The enumerations DynamoDB's request validator checks, listed in the order
// its messages list them.
var (
	enumReturnConsumedCapacity = []string{"INDEXES", "TOTAL", "NONE"}
	enumReturnValues           = []string{"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}
	enumItemCollectionMetrics  = []string{"SIZE", "NONE"}
	enumOnConditionFailure     = []string{"ALL_OLD", "NONE"}
	enumSelect                 = []string{"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"}
)

// The constraint texts of DynamoDB's request validator.
const (
	cNotNull    = "Member must not be null"
	namePattern = "[a-zA-Z0-9_.-]+"
	cPattern    = "Member must satisfy regular expression pattern: " + namePattern
)

func cMinLen(n int) string {
	return "Member must have length greater than or equal to " + strconv.Itoa(n)
}
func cMaxLen(n int) string { return "Member must have length less than or equal to " + strconv.Itoa(n) }
func cMinVal(n int) string {
	return "Member must have value greater than or equal to " + strconv.Itoa(n)
}
func cMaxVal(n int) string { return "Member must have value less than or equal to " + strconv.Itoa(n) }

// violations collects the per-field constraint violations of one request
// and renders them in DynamoDB's envelope: "1 validation error detected: V"
// or "N validation errors detected: V1; V2" (at most ten).
type violations struct {
	list []string
}

func (v *violations) add(value, path, constraint string) {
	if len(v.list) >= 10 {
		return
	}
	v.list = append(v.list, "Value "+value+" at '"+path+"' failed to satisfy constraint: "+constraint)
}

func quote(s string) string { return "'" + s + "'" }

// null records a required member that is absent.
func (v *violations) null(path string) { v.add("null", path, cNotNull) }

// name records the violations of a table or index name; required says
// whether an empty name is a missing one.
func (v *violations) name(path, name string, required bool) {
	if name == "" {
		if required {
			v.null(path)
		}
		return
	}
	n := len([]rune(name))
	if n < MinNameLength {
		v.add(quote(name), path, cMinLen(MinNameLength))
	}
	if n > MaxNameLength {
		v.add(quote(name), path, cMaxLen(MaxNameLength))
	}
	if !validName(name) {
		v.add(quote(name), path, cPattern)
	}
}

// enum records a value outside its enumeration; "" is absent.
func (v *violations) enum(path, value string, allowed []string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(quote(value), path, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// intRange records an integer outside [lo, hi]; hi < lo means no upper
// bound. A nil value is absent.
func (v *violations) intRange(path string, value *int32, lo, hi int) {
	if value == nil {
		return
	}
	n := int(*value)
	if n < lo {
		v.add(quote(strconv.Itoa(n)), path, cMinVal(lo))
	}
	if hi >= lo && n > hi {
		v.add(quote(strconv.Itoa(n)), path, cMaxVal(hi))
	}
}

func (v *violations) err() error {
	switch len(v.list) {
	case 0:
		return nil
	case 1:
		return invalid("1 validation error detected: " + v.list[0])
	default:
		return invalid(strconv.Itoa(len(v.list)) + " validation errors detected: " + strings.Join(v.list, "; "))
	}
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return s != ""
}

// invalid returns a ValidationException with msg.
func invalid(msg string) error { return &dberr.ValidationException{Message: msg} }

// message returns the text of a ValidationException, or the error's text.
func message(err error) string {
	var v *dberr.ValidationException
	if errors.As(err, &v) {
		return v.Message
	}
	return err.Error()
}

// exprParams returns the expression parameters a request carries, for the
// legacy package's mixing rules.
func exprParams(condition, update, filter, keyCondition, projection string, names map[string]string, values map[string]attr.Value) legacy.Params {
	var p legacy.Params
	if condition != "" {
		p = p.With(legacy.ParamConditionExpression)
	}
	if update != "" {
		p = p.With(legacy.ParamUpdateExpression)
	}
	if filter != "" {
		p = p.With(legacy.ParamFilterExpression)
	}
	if keyCondition != "" {
		p = p.With(legacy.ParamKeyConditionExpression)
	}
	if projection != "" {
		p = p.With(legacy.ParamProjectionExpression)
	}
	if names != nil {
		p = p.With(legacy.ParamExpressionAttributeNames)
	}
	if values != nil {
		p = p.With(legacy.ParamExpressionAttributeValues)
	}
	return p
}

// checkExprMaps validates the keys of ExpressionAttributeNames and
// ExpressionAttributeValues and every value, and returns the values with
// their numbers in canonical form (the map itself when nothing changed).
func checkExprMaps(names map[string]string, values map[string]attr.Value) (expr.Values, error) {
	if err := expr.CheckPlaceholders(names, values); err != nil {
		return nil, err
	}
	if values == nil {
		return nil, nil
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := expr.Values(values)
	copied := false
	for _, k := range keys {
		canon, changed, err := itemcheck.Value(values[k])
		if err != nil {
			return nil, invalid("ExpressionAttributeValues contains invalid value: " + message(err) + " for key " + k)
		}
		if changed {
			if !copied {
				out = make(expr.Values, len(values))
				for kk, vv := range values {
					out[kk] = vv
				}
				copied = true
			}
			out[k] = canon
		}
	}
	return out, nil
}

// checkReturnConsumed is the shared enum check of ReturnConsumedCapacity.
func (v *violations) returnConsumed(rc api.ReturnConsumedCapacity) {
	v.enum("returnConsumedCapacity", string(rc), enumReturnConsumedCapacity)
}

// selectRules applies DynamoDB's rules relating Select, AttributesToGet,
// ProjectionExpression and IndexName. wrapSpecific wraps the
// SPECIFIC_ATTRIBUTES message in the envelope (Query does, Scan does not).
func selectRules(sel api.Select, projection string, attributesToGet []string, index string, wrapSpecific bool) error {
	what := string(sel)
	if sel == api.SelectCount {
		what = "only the Count"
	}
	switch {
	case sel != "" && sel != api.SelectSpecificAttributes && projection != "":
		return invalid("Cannot specify the ProjectionExpression when choosing to get " + what)
	case sel == api.SelectAllProjectedAttributes && index == "":
		return invalid(MsgAllProjectedNoIndex)
	case sel != "" && sel != api.SelectSpecificAttributes && attributesToGet != nil:
		return invalid("Cannot specify the AttributesToGet when choosing to get " + what)
	case sel == api.SelectSpecificAttributes && projection == "" && attributesToGet == nil:
		if wrapSpecific {
			return invalid("1 validation error detected: " + MsgSpecificNeedsProjection)
		}
		return invalid(MsgSpecificNeedsProjection)
	}
	return nil
}
