package admission

import (
	"errors"
	"time"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// The messages DynamoDB returns with a throttled request. The provisioned
// ones are listed in the API reference of TransactWriteItems (cancellation
// reasons) and returned by every data-plane call on a provisioned table; the
// on-demand one is what DynamoDB returns as ThrottlingException when an
// on-demand table is over its current capacity (it is quoted verbatim in
// user reports of that exception, without a final period).
const (
	// TableThrottleMessage is the message of a throttled request on a
	// provisioned table, whether the table, a partition or a node refused it.
	TableThrottleMessage = "The level of configured provisioned throughput for the table was exceeded. " +
		"Consider increasing your provisioning level with the UpdateTable API."
	// IndexThrottleMessage is the message of a write refused because a global
	// secondary index lacks write capacity.
	IndexThrottleMessage = "The level of configured provisioned throughput for one or more global " +
		"secondary indexes of the table was exceeded. Consider increasing your provisioning level " +
		"for the under-provisioned global secondary indexes with the UpdateTable API."
	// OnDemandThrottleMessage is the message of a throttled request on an
	// on-demand (PAY_PER_REQUEST) table.
	OnDemandThrottleMessage = "Throughput exceeds the current capacity of your table or index. " +
		"DynamoDB is automatically scaling your table or index so please try again shortly. " +
		"If exceptions persist, check if you have a hot key: " +
		"https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html"
)

// maxRetryAfter bounds the retry hint: a bucket with no refill rate would
// otherwise say "never".
const maxRetryAfter = time.Hour

// ThrottleError returns the exception DynamoDB raises for a throttled
// request: *dberr.ThrottlingException on an on-demand table,
// *dberr.ProvisionedThroughputExceededException otherwise. reason says which
// bucket refused, resource names it, retryAfter is when it will next have the
// tokens (capped at an hour).
func ThrottleError(onDemand bool, reason dberr.ThrottleReason, resource string, retryAfter time.Duration) error {
	if retryAfter < 0 {
		retryAfter = 0
	}
	if retryAfter > maxRetryAfter {
		retryAfter = maxRetryAfter
	}
	if onDemand {
		return &dberr.ThrottlingException{
			Message:    OnDemandThrottleMessage,
			Reason:     reason,
			Resource:   resource,
			RetryAfter: retryAfter,
		}
	}
	msg := TableThrottleMessage
	if reason == dberr.ThrottleIndex {
		msg = IndexThrottleMessage
	}
	return &dberr.ProvisionedThroughputExceededException{
		Message:    msg,
		Reason:     reason,
		Resource:   resource,
		RetryAfter: retryAfter,
	}
}

// ThrottleReasonOf returns the reason carried by a throttling error made by
// ThrottleError (or any error wrapping one) and whether err was one.
func ThrottleReasonOf(err error) (dberr.ThrottleReason, bool) {
	var provisioned *dberr.ProvisionedThroughputExceededException
	if errors.As(err, &provisioned) {
		return provisioned.Reason, true
	}
	var throttling *dberr.ThrottlingException
	if errors.As(err, &throttling) {
		return throttling.Reason, true
	}
	return "", false
}
