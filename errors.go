package dynamo

import "github.com/embeddynamo/dynamo/internal/dberr"

// APIError is implemented by every error that mirrors a DynamoDB exception:
// ErrorCode is the exception name (the __type DynamoDB returns), ErrorMessage
// its message text. Match a specific exception with errors.As on its type.
type APIError = dberr.APIError

// ValidationException reports input DynamoDB rejects: a malformed expression,
// an invalid attribute value, a limit exceeded. Nothing was changed.
type ValidationException = dberr.ValidationException

// SerializationException reports a request body that could not be decoded.
type SerializationException = dberr.SerializationException

// ConditionalCheckFailedException reports a ConditionExpression (or Expected)
// that evaluated to false. Item is the existing item when the request asked for
// ReturnValuesOnConditionCheckFailure ALL_OLD.
type ConditionalCheckFailedException = dberr.ConditionalCheckFailedException

// ResourceNotFoundException reports a table or index that does not exist.
type ResourceNotFoundException = dberr.ResourceNotFoundException

// ResourceInUseException reports a table that already exists or is busy with
// another control-plane operation.
type ResourceInUseException = dberr.ResourceInUseException

// LimitExceededException reports too many tables or concurrent control-plane
// operations.
type LimitExceededException = dberr.LimitExceededException

// ThrottleReason names the bucket that throttled a request.
type ThrottleReason = dberr.ThrottleReason

// The reasons a request can be throttled.
const (
	ThrottleTable     = dberr.ThrottleTable
	ThrottlePartition = dberr.ThrottlePartition
	ThrottleNode      = dberr.ThrottleNode
	ThrottleIndex     = dberr.ThrottleIndex
)

// ProvisionedThroughputExceededException reports a request refused by
// admission control on a provisioned table, with the reason and a retry hint.
type ProvisionedThroughputExceededException = dberr.ProvisionedThroughputExceededException

// ThrottlingException reports a request refused on an on-demand table or by
// the control plane's rate limits.
type ThrottlingException = dberr.ThrottlingException

// CancellationReason says why one item of a transaction was cancelled.
type CancellationReason = dberr.CancellationReason

// TransactionCanceledException reports a transaction cancelled as a whole.
type TransactionCanceledException = dberr.TransactionCanceledException

// TransactionConflictException reports a write that conflicted with an ongoing
// transaction on the same item.
type TransactionConflictException = dberr.TransactionConflictException

// ItemCollectionSizeLimitExceededException reports an item collection over
// 10 GB on a table with local secondary indexes.
type ItemCollectionSizeLimitExceededException = dberr.ItemCollectionSizeLimitExceededException

// InternalServerError reports a failure inside the database that is not the
// caller's fault; it is safe to retry.
type InternalServerError = dberr.InternalServerError

// UnknownOperationException reports a request for an operation that does
// not exist.
type UnknownOperationException = dberr.UnknownOperationException

// AccessDeniedException reports a caller not allowed to perform the operation.
type AccessDeniedException = dberr.AccessDeniedException

// RequestLimitExceeded reports throughput beyond an account-level quota; it is
// safe to retry.
type RequestLimitExceeded = dberr.RequestLimitExceeded

// IdempotentParameterMismatchException reports a transaction retried with the
// same client request token but different parameters.
type IdempotentParameterMismatchException = dberr.IdempotentParameterMismatchException

// TransactionInProgressException reports a client request token that belongs
// to a transaction still being processed.
type TransactionInProgressException = dberr.TransactionInProgressException

// ServiceUnavailable reports that the database cannot serve the request now;
// it is safe to retry.
type ServiceUnavailable = dberr.ServiceUnavailable
