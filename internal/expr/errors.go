package expr

import (
	"errors"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// The maximum size of one expression string, in bytes.
const MaxExpressionBytes = 4096

// MaxInOperands is the most operands an IN may have, counting the one on
// its left: the list may name at most 99.
const MaxInOperands = 100

// MaxPathDepth is the deepest document path an expression may name: DynamoDB
// nests attributes at most 32 levels.
const MaxPathDepth = 32

// Runtime messages of update evaluation, as DynamoDB words them.
const (
	MsgInvalidPathForUpdate = "The document path provided in the update expression is invalid for update"
	MsgIncorrectOperandType = "An operand in the update expression has an incorrect data type"
	MsgMissingOperand       = "The provided expression refers to an attribute that does not exist in the item"
)

func validation(msg string) error { return &dberr.ValidationException{Message: msg} }

// kindError prefixes msg with the expression kind: "Invalid
// ConditionExpression: msg".
func kindError(kind, msg string) error {
	return &dberr.ValidationException{Message: "Invalid " + kind + ": " + msg}
}

// asAPIError returns err unchanged when it already mirrors a DynamoDB
// exception, and a ValidationException carrying its text otherwise.
func asAPIError(err error) error {
	var api dberr.APIError
	if errors.As(err, &api) {
		return err
	}
	return validation(err.Error())
}
