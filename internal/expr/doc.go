// Package expr is DynamoDB's expression language: ConditionExpression,
// FilterExpression, KeyConditionExpression, UpdateExpression and
// ProjectionExpression, with ExpressionAttributeNames (#n) and
// ExpressionAttributeValues (:v).
//
// Each expression is parsed once into a compiled, immutable form and then
// evaluated many times:
//
//	cond, err := expr.ParseCondition("#s = :v AND size(tags) > :n", names, values)
//	ok, _ := cond.Eval(item)            // item may be nil: no stored item
//	upd, err := expr.ParseUpdate("SET a = a + :one REMOVE b[2]", names, values)
//	newItem, err := upd.Apply(oldItem)
//	proj, err := expr.ParseProjection("a.b[0], #c", names)
//	proj.Apply(item)
//	kc, err := expr.ParseKeyCondition("pk = :p AND begins_with(sk, :pre)", names, values, schema)
//
// Every error a user can cause is a *dberr.ValidationException whose
// message is DynamoDB's: syntax errors name the offending token and the text
// around it ("Invalid UpdateExpression: Syntax error; token: \"<EOF>\",
// near: \"SET\""); semantic errors (reserved words, undefined or unused
// placeholders, operand types, overlapping paths, key condition shapes) are
// reported in DynamoDB's order of precedence. A request validates all its
// expressions, then calls CheckUnused with the Usage of each so that a
// placeholder no expression used is rejected as DynamoDB rejects it.
//
// The grammar and its limits are DynamoDB's: a bare name starts with a
// letter (placeholders may start with any letter, digit or underscore); AND,
// OR, NOT, BETWEEN, IN, SET, REMOVE, ADD and DELETE are keywords in every
// expression and in any letter case; the 573 reserved words need a
// placeholder; NOT binds tighter than AND, which binds tighter than OR;
// IN takes at most 100 operands counting its left one; a SET value is an
// operand or one "+" or "-" of two operands, and only if_not_exists may be
// nested in a function or an arithmetic operand; an expression is at most
// 4096 bytes as written.
//
// Evaluation follows DynamoDB: numbers are exact decimals (internal/number);
// operands of different types are never equal and never ordered; only S, N
// and B are ordered; a missing attribute makes every comparison false except
// <>, which it makes true; size() of a string counts UTF-16 code units.
// Updates compute every operand from the old item, address list elements by
// their index in the old item, and append when SET names an index past the
// end of a list.
//
// # Legacy parameters
//
// The compiled forms are plain trees built from exported constructors, so
// DynamoDB's legacy parameters compile into the same forms without a second
// evaluator:
//
//   - Expected, QueryFilter and ScanFilter become a *Condition via
//     NewCondition: each attribute's test is a Cond (EQ → Compare(EQ,
//     PathOperand(AttrPath(name)), ValueOperand(v)); NULL →
//     AttributeNotExists; NOT_NULL → AttributeExists; CONTAINS → Contains;
//     NOT_CONTAINS → And(AttributeExists,
//     Not(Contains)), false for a missing attribute; BEGINS_WITH → BeginsWith; IN → In;
//     BETWEEN → Between; Exists:false → AttributeNotExists), joined with And
//     or Or per ConditionalOperator.
//   - AttributeUpdates becomes an *Update via NewUpdate with SetAction,
//     RemoveAction, AddAction and DeleteAction on AttrPath(name), passing
//     "Type mismatch for attribute to update" as the mismatch message; ADD of
//     a list appends, as legacy ADD does.
//   - KeyConditions becomes a *KeyCondition via NewKeyCondition.
//   - AttributesToGet becomes a *Projection via NewProjection.
//
// The legacy validation messages differ from the expression ones and stay
// with the code that compiles the legacy parameters.
package expr
