// Package dberr defines the errors that mirror DynamoDB's exceptions. The root
// package re-exports each type under the same name, so callers match them with
// errors.As on dynamo.ValidationException and friends.
//
// Every type implements APIError: ErrorCode is the exception name DynamoDB puts
// in the __type field of its error envelope, ErrorMessage the message text.
package dberr

import (
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// APIError is implemented by every error that mirrors a DynamoDB exception.
type APIError interface {
	error
	// ErrorCode is DynamoDB's exception name, such as "ValidationException".
	ErrorCode() string
	// ErrorMessage is the message DynamoDB would return.
	ErrorMessage() string
	// Retryable reports whether the AWS SDKs retry this exception.
	Retryable() bool
}

// Validationf returns a ValidationException with a formatted message.
func Validationf(format string, args ...any) error {
	return &ValidationException{Message: fmt.Sprintf(format, args...)}
}

// ValidationException reports input that DynamoDB rejects: a malformed
// expression, an invalid attribute value, a limit exceeded.
type ValidationException struct{ Message string }

func (e *ValidationException) Error() string        { return "ValidationException: " + e.Message }
func (e *ValidationException) ErrorCode() string    { return "ValidationException" }
func (e *ValidationException) ErrorMessage() string { return e.Message }
func (e *ValidationException) Retryable() bool      { return false }

// SerializationException reports a request body that cannot be decoded.
type SerializationException struct{ Message string }

func (e *SerializationException) Error() string        { return "SerializationException: " + e.Message }
func (e *SerializationException) ErrorCode() string    { return "SerializationException" }
func (e *SerializationException) ErrorMessage() string { return e.Message }
func (e *SerializationException) Retryable() bool      { return false }

// ConditionalCheckFailedException reports a condition that evaluated to false.
// Item holds the item as it was when ReturnValuesOnConditionCheckFailure is
// ALL_OLD; it is nil otherwise.
type ConditionalCheckFailedException struct {
	Message string
	Item    attr.Item
}

func (e *ConditionalCheckFailedException) Error() string {
	return "ConditionalCheckFailedException: " + e.Message
}
func (e *ConditionalCheckFailedException) ErrorCode() string {
	return "ConditionalCheckFailedException"
}
func (e *ConditionalCheckFailedException) ErrorMessage() string { return e.Message }
func (e *ConditionalCheckFailedException) Retryable() bool      { return false }

// ResourceNotFoundException reports a table or index that does not exist or is
// not ACTIVE for the operation.
type ResourceNotFoundException struct{ Message string }

func (e *ResourceNotFoundException) Error() string        { return "ResourceNotFoundException: " + e.Message }
func (e *ResourceNotFoundException) ErrorCode() string    { return "ResourceNotFoundException" }
func (e *ResourceNotFoundException) ErrorMessage() string { return e.Message }
func (e *ResourceNotFoundException) Retryable() bool      { return false }

// ResourceInUseException reports a table that already exists, or one being
// created, updated or deleted when the operation needs it idle.
type ResourceInUseException struct{ Message string }

func (e *ResourceInUseException) Error() string        { return "ResourceInUseException: " + e.Message }
func (e *ResourceInUseException) ErrorCode() string    { return "ResourceInUseException" }
func (e *ResourceInUseException) ErrorMessage() string { return e.Message }
func (e *ResourceInUseException) Retryable() bool      { return false }

// LimitExceededException reports too many concurrent control-plane operations
// or tables.
type LimitExceededException struct{ Message string }

func (e *LimitExceededException) Error() string        { return "LimitExceededException: " + e.Message }
func (e *LimitExceededException) ErrorCode() string    { return "LimitExceededException" }
func (e *LimitExceededException) ErrorMessage() string { return e.Message }
func (e *LimitExceededException) Retryable() bool      { return true }

// ThrottleReason names what throttled a request.
type ThrottleReason string

// The reasons a request can be throttled.
const (
	ThrottleTable     ThrottleReason = "TableThroughputExceeded"
	ThrottlePartition ThrottleReason = "KeyRangeThroughputExceeded"
	ThrottleNode      ThrottleReason = "NodeThroughputExceeded"
	ThrottleIndex     ThrottleReason = "IndexThroughputExceeded"
)

// ProvisionedThroughputExceededException reports a request refused by
// admission control. Reason says which bucket refused it and RetryAfter when
// tokens will next be available.
type ProvisionedThroughputExceededException struct {
	Message    string
	Reason     ThrottleReason
	Resource   string // table, partition, node or index that throttled
	RetryAfter time.Duration
}

func (e *ProvisionedThroughputExceededException) Error() string {
	return "ProvisionedThroughputExceededException: " + e.Message
}
func (e *ProvisionedThroughputExceededException) ErrorCode() string {
	return "ProvisionedThroughputExceededException"
}
func (e *ProvisionedThroughputExceededException) ErrorMessage() string { return e.Message }
func (e *ProvisionedThroughputExceededException) Retryable() bool      { return true }

// ThrottlingException reports a request rate too high for an on-demand table
// or the control plane.
type ThrottlingException struct {
	Message    string
	Reason     ThrottleReason
	Resource   string
	RetryAfter time.Duration
}

func (e *ThrottlingException) Error() string        { return "ThrottlingException: " + e.Message }
func (e *ThrottlingException) ErrorCode() string    { return "ThrottlingException" }
func (e *ThrottlingException) ErrorMessage() string { return e.Message }
func (e *ThrottlingException) Retryable() bool      { return true }

// CancellationReason says why one item of a transaction was cancelled. Code is
// "None" for items that did not cause the cancellation.
type CancellationReason struct {
	Code    string
	Message string
	Item    attr.Item
}

// TransactionCanceledException reports a transaction cancelled as a whole;
// CancellationReasons has one entry per item, in request order.
type TransactionCanceledException struct {
	Message             string
	CancellationReasons []CancellationReason
}

func (e *TransactionCanceledException) Error() string {
	return "TransactionCanceledException: " + e.Message
}
func (e *TransactionCanceledException) ErrorCode() string    { return "TransactionCanceledException" }
func (e *TransactionCanceledException) ErrorMessage() string { return e.Message }
func (e *TransactionCanceledException) Retryable() bool      { return false }

// TransactionConflictException reports a write that conflicted with an
// ongoing transaction on the same item.
type TransactionConflictException struct{ Message string }

func (e *TransactionConflictException) Error() string {
	return "TransactionConflictException: " + e.Message
}
func (e *TransactionConflictException) ErrorCode() string    { return "TransactionConflictException" }
func (e *TransactionConflictException) ErrorMessage() string { return e.Message }
func (e *TransactionConflictException) Retryable() bool      { return false }

// ItemCollectionSizeLimitExceededException reports an item collection over
// 10 GB on a table with local secondary indexes.
type ItemCollectionSizeLimitExceededException struct{ Message string }

func (e *ItemCollectionSizeLimitExceededException) Error() string {
	return "ItemCollectionSizeLimitExceededException: " + e.Message
}
func (e *ItemCollectionSizeLimitExceededException) ErrorCode() string {
	return "ItemCollectionSizeLimitExceededException"
}
func (e *ItemCollectionSizeLimitExceededException) ErrorMessage() string { return e.Message }
func (e *ItemCollectionSizeLimitExceededException) Retryable() bool      { return false }

// InternalServerError reports a failure inside the database that is not the
// caller's fault: storage I/O, a lost leader past the deadline.
type InternalServerError struct {
	Message string
	Err     error
}

func (e *InternalServerError) Error() string {
	if e.Err != nil {
		return "InternalServerError: " + e.Message + ": " + e.Err.Error()
	}
	return "InternalServerError: " + e.Message
}
func (e *InternalServerError) Unwrap() error        { return e.Err }
func (e *InternalServerError) ErrorCode() string    { return "InternalServerError" }
func (e *InternalServerError) ErrorMessage() string { return e.Message }
func (e *InternalServerError) Retryable() bool      { return true }

// UnknownOperationException reports a request for an operation the service
// does not have (an unknown X-Amz-Target).
type UnknownOperationException struct{ Message string }

func (e *UnknownOperationException) Error() string {
	return "UnknownOperationException: " + e.Message
}
func (e *UnknownOperationException) ErrorCode() string    { return "UnknownOperationException" }
func (e *UnknownOperationException) ErrorMessage() string { return e.Message }
func (e *UnknownOperationException) Retryable() bool      { return false }

// AccessDeniedException reports a caller not allowed to perform the
// operation.
type AccessDeniedException struct{ Message string }

func (e *AccessDeniedException) Error() string        { return "AccessDeniedException: " + e.Message }
func (e *AccessDeniedException) ErrorCode() string    { return "AccessDeniedException" }
func (e *AccessDeniedException) ErrorMessage() string { return e.Message }
func (e *AccessDeniedException) Retryable() bool      { return false }

// RequestLimitExceeded reports throughput beyond an account-level quota; the
// SDKs retry it.
type RequestLimitExceeded struct{ Message string }

func (e *RequestLimitExceeded) Error() string        { return "RequestLimitExceeded: " + e.Message }
func (e *RequestLimitExceeded) ErrorCode() string    { return "RequestLimitExceeded" }
func (e *RequestLimitExceeded) ErrorMessage() string { return e.Message }
func (e *RequestLimitExceeded) Retryable() bool      { return true }

// IdempotentParameterMismatchException reports a transaction retried with the
// same ClientRequestToken but different parameters.
type IdempotentParameterMismatchException struct{ Message string }

func (e *IdempotentParameterMismatchException) Error() string {
	return "IdempotentParameterMismatchException: " + e.Message
}
func (e *IdempotentParameterMismatchException) ErrorCode() string {
	return "IdempotentParameterMismatchException"
}
func (e *IdempotentParameterMismatchException) ErrorMessage() string { return e.Message }
func (e *IdempotentParameterMismatchException) Retryable() bool      { return false }

// TransactionInProgressException reports a transaction whose
// ClientRequestToken belongs to a transaction still being processed.
type TransactionInProgressException struct{ Message string }

func (e *TransactionInProgressException) Error() string {
	return "TransactionInProgressException: " + e.Message
}
func (e *TransactionInProgressException) ErrorCode() string {
	return "TransactionInProgressException"
}
func (e *TransactionInProgressException) ErrorMessage() string { return e.Message }
func (e *TransactionInProgressException) Retryable() bool      { return false }

// ServiceUnavailable reports that the service cannot serve the request now
// (HTTP 503); the SDKs retry it.
type ServiceUnavailable struct{ Message string }

func (e *ServiceUnavailable) Error() string        { return "ServiceUnavailable: " + e.Message }
func (e *ServiceUnavailable) ErrorCode() string    { return "ServiceUnavailable" }
func (e *ServiceUnavailable) ErrorMessage() string { return e.Message }
func (e *ServiceUnavailable) Retryable() bool      { return true }
