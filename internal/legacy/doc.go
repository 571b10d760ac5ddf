// Package legacy compiles DynamoDB's legacy request parameters — Expected
// with ConditionalOperator, AttributeUpdates, KeyConditions, QueryFilter,
// ScanFilter and AttributesToGet — into the compiled forms of
// internal/expr, so that a request written against the pre-2014 API is
// checked, evaluated and applied by the same code as one written with
// expressions.
//
// # Shapes
//
// ExpectedAttributeValue, Condition and AttributeValueUpdate mirror
// DynamoDB's request shapes. Presence matters where DynamoDB's validation
// depends on it: a nil map, slice or pointer is a parameter the request
// did not carry; a non-nil empty one was carried empty (JSON {} or []).
//
// # Entry points
//
// Compile takes the legacy parameters of one request (a Request) and the
// expression parameters it also carries (a Params set), validates them in
// DynamoDB's order and returns the compiled forms. KeyConditions depend on
// the key schema of the table or index being queried, which the caller
// knows only after looking the table up; Compile checks what DynamoDB
// checks before that lookup and CompileKeyConditions the rest, with
// CheckQueryFilterKeys for QueryFilter's ban on key attributes. The
// smaller functions (CompileExpected, CompileFilter, CompileAttributeUpdates,
// CompileAttributesToGet, CheckMix) are what Compile is made of and can be
// used alone.
//
// # Semantics
//
// The legacy operators map onto expression conditions: EQ, NE, LT, LE, GT
// and GE become comparisons, NULL and NOT_NULL attribute_not_exists and
// attribute_exists (they test presence, not the NULL type), CONTAINS
// contains(), BEGINS_WITH begins_with(), IN and BETWEEN their expression
// forms. NE is true for a missing attribute, as <> is; NOT_CONTAINS is
// false for a missing attribute (DynamoDB makes CONTAINS and NOT_CONTAINS
// both false there), so it compiles to attribute_exists AND NOT contains.
// Value with Exists true (or unset) is EQ; Exists false is NULL.
// ConditionalOperator joins the per-attribute tests with AND (the default)
// or OR.
//
// AttributeUpdates differ from UpdateExpression: PUT (the default action)
// sets the attribute; DELETE without a value removes it; DELETE with a set
// removes those members, removes the attribute when no member is left, and
// does nothing when the attribute is missing; ADD creates a missing
// attribute, adds numbers, unites sets and appends to lists (ADD of a list
// is legacy-only). A stored value of another type fails with "Type
// mismatch for attribute to update".
//
// # Messages and their sources
//
// Every error is a *dberr.ValidationException with DynamoDB's text. The
// texts and the order of the checks come from dynalite (validations/*.js,
// actions/query.js and its tests, which ran against DynamoDB), checked
// against the ScyllaDB Alternator suite test_expected.py (run against
// DynamoDB: NE true and NOT_CONTAINS false on a missing attribute, IN of
// lists and BEGINS_WITH of a number rejected, lower BETWEEN bound above the
// upper rejected, Exists true without Value rejected), against ExtendDB's
// dual-target tests of ConditionalOperator and the mixing message (the
// per-operation order of the parameters it lists, KeyConditions exempt
// unless KeyConditionExpression is present), and against DynamoDB Local's
// messages for Expected. Where the sources disagree the newer capture
// wins: "ExpressionAttributeValues can only be specified when using
// expressions" carries no ": ... is null" suffix today (dynalite recorded
// one). Some regions now wrap these texts in the "1 validation error
// detected: " envelope; as in internal/itemcheck, the bare texts are
// returned and the envelope is the API layer's concern, except for the
// model constraint violations (unknown enum values, a null
// ComparisonOperator, an AttributesToGet list of the wrong length), which
// DynamoDB always reports inside it and which this package reports so.
//
// Attributes are visited in sorted name order, so when several are invalid
// the one whose name sorts first is reported.
package legacy
