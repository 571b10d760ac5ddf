package dberr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCodesAndRetry checks every exception's name, message and whether the
// AWS SDKs retry it, and that each survives wrapping for errors.As.
func TestCodesAndRetry(t *testing.T) {
	for _, tc := range []struct {
		err       APIError
		code      string
		retryable bool
	}{
		{&ValidationException{Message: "m"}, "ValidationException", false},
		{&SerializationException{Message: "m"}, "SerializationException", false},
		{&ConditionalCheckFailedException{Message: "m"}, "ConditionalCheckFailedException", false},
		{&ResourceNotFoundException{Message: "m"}, "ResourceNotFoundException", false},
		{&ResourceInUseException{Message: "m"}, "ResourceInUseException", false},
		{&LimitExceededException{Message: "m"}, "LimitExceededException", true},
		{&ProvisionedThroughputExceededException{Message: "m"}, "ProvisionedThroughputExceededException", true},
		{&ThrottlingException{Message: "m"}, "ThrottlingException", true},
		{&TransactionCanceledException{Message: "m"}, "TransactionCanceledException", false},
		{&TransactionConflictException{Message: "m"}, "TransactionConflictException", false},
		{&ItemCollectionSizeLimitExceededException{Message: "m"}, "ItemCollectionSizeLimitExceededException", false},
		{&InternalServerError{Message: "m"}, "InternalServerError", true},
		{&UnknownOperationException{Message: "m"}, "UnknownOperationException", false},
		{&AccessDeniedException{Message: "m"}, "AccessDeniedException", false},
		{&RequestLimitExceeded{Message: "m"}, "RequestLimitExceeded", true},
		{&IdempotentParameterMismatchException{Message: "m"}, "IdempotentParameterMismatchException", false},
		{&TransactionInProgressException{Message: "m"}, "TransactionInProgressException", false},
		{&ServiceUnavailable{Message: "m"}, "ServiceUnavailable", true},
	} {
		t.Run(tc.code, func(t *testing.T) {
			require.Equal(t, tc.code, tc.err.ErrorCode())
			require.Equal(t, "m", tc.err.ErrorMessage())
			require.Equal(t, tc.code+": m", tc.err.Error())
			require.Equal(t, tc.retryable, tc.err.Retryable())
			var api APIError
			require.True(t, errors.As(fmt.Errorf("table t: %w", tc.err), &api))
			require.Equal(t, tc.code, api.ErrorCode())
		})
	}
}

func TestInternalServerErrorUnwraps(t *testing.T) {
	cause := errors.New("disk full")
	err := &InternalServerError{Message: "storage", Err: cause}
	require.ErrorIs(t, err, cause)
	require.Equal(t, "InternalServerError: storage: disk full", err.Error())
}
