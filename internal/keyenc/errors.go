package keyenc

import "errors"

// Errors returned by this package, matchable with errors.Is. They are wrapped
// with the detail of the failure.
var (
	// ErrBadType reports a key value that is not S, N or B.
	ErrBadType = errors.New("keyenc: key value type must be S, N or B")
	// ErrBadNumber reports N text that is not a decimal number.
	ErrBadNumber = errors.New("keyenc: malformed number")
	// ErrNumberRange reports a nonzero number whose magnitude is outside
	// DynamoDB's range, 1E-130 to 9.99...E+125.
	ErrNumberRange = errors.New("keyenc: number magnitude out of range")
	// ErrCorrupt reports bytes that no encoder in this package produces.
	ErrCorrupt = errors.New("keyenc: corrupt encoding")
	// ErrBadCondition reports a sort key condition that selects nothing
	// meaningful: wrong operand count, begins_with on a number, BETWEEN
	// bounds of different types or in reverse order.
	ErrBadCondition = errors.New("keyenc: bad sort key condition")
)
