package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// RemoteError is an error a peer returned that has no typed encoding: only
// its text crosses the wire.
type RemoteError struct {
	// Node is the peer that returned it.
	Node transport.NodeID
	// Message is the error's text on the peer.
	Message string
}

// Error names the peer and its error's text.
func (e *RemoteError) Error() string { return fmt.Sprintf("node %d: %s", e.Node, e.Message) }

// remoteWrapped keeps the full text of a peer's error whose typed core was
// decoded: errors.As and errors.Is see the core, Error shows the context the
// peer added.
type remoteWrapped struct {
	msg string
	err error
}

func (e *remoteWrapped) Error() string { return e.msg }
func (e *remoteWrapped) Unwrap() error { return e.err }

// Kinds of encoded error.
const (
	errKindRemote     = 1
	errKindNotLeader  = 2
	errKindWrongRange = 3
	errKindSentinel   = 4
	errKindAPI        = 5
)

// sentinels are the errors that cross the wire by their index, so that
// errors.Is still matches them on the caller. Append only: the index is
// part of the wire format.
var sentinels = []error{
	multiraft.ErrGroupNotFound,
	multiraft.ErrGroupRemoved,
	multiraft.ErrProposalDropped,
	multiraft.ErrLeaderChanged,
	multiraft.ErrClosed,
	multiraft.ErrConfChangeInProgress,
	multiraft.ErrUnsafeConfChange,
	multiraft.ErrNotCaughtUp,
	multiraft.ErrInvalidConfChange,
	multiraft.ErrGroupExists,
	context.Canceled,
	context.DeadlineExceeded,
	partition.ErrSchemaMismatch,
	partition.ErrInvalidSplit,
	partition.ErrCorruptCommand,
	partition.ErrCorruptItem,
	partition.ErrExists,
	storage.ErrClosed,
	ErrCorruptMessage,
	ErrUnexpectedResult,
	ErrRangeOverlap,
	ErrNoControlHandler,
}

// appendError encodes err: its kind, its full text, then the fields of its
// typed core (the first of a redirect, a dberr exception or a known
// sentinel found in its chain).
func appendError(b []byte, err error) []byte {
	var (
		notLeader *multiraft.NotLeaderError
		wrong     *partition.WrongRangeError
		api       dberr.APIError
	)
	switch {
	case errors.As(err, &notLeader):
		b = append(b, errKindNotLeader)
		b = appendString(b, err.Error())
		b = appendUvarint(b, notLeader.Group)
		return appendUvarint(b, uint64(notLeader.Leader))
	case errors.As(err, &wrong):
		b = append(b, errKindWrongRange)
		b = appendString(b, err.Error())
		b = appendUvarint(b, wrong.Group)
		b = appendUvarint(b, wrong.Table)
		b = appendOptBytes(b, wrong.Key)
		return appendRange(b, wrong.Range)
	case errors.As(err, &api):
		if enc, ok := appendAPIError(appendString(append(b, errKindAPI), err.Error()), api); ok {
			return enc
		}
	}
	for i, s := range sentinels {
		if errors.Is(err, s) {
			b = append(b, errKindSentinel)
			b = appendString(b, err.Error())
			return appendUvarint(b, uint64(i))
		}
	}
	b = append(b, errKindRemote)
	return appendString(b, err.Error())
}

// appendAPIError writes a dberr exception: its code, message and the
// fields its type carries. ok is false for an exception type this encoding
// does not know (it then travels as text).
func appendAPIError(b []byte, api dberr.APIError) ([]byte, bool) {
	b = appendString(b, api.ErrorCode())
	b = appendString(b, api.ErrorMessage())
	var err error
	switch e := api.(type) {
	case *dberr.ValidationException, *dberr.SerializationException, *dberr.ResourceNotFoundException,
		*dberr.ResourceInUseException, *dberr.LimitExceededException, *dberr.TransactionConflictException,
		*dberr.ItemCollectionSizeLimitExceededException:
	case *dberr.ConditionalCheckFailedException:
		b, err = appendItem(b, e.Item)
	case *dberr.ProvisionedThroughputExceededException:
		b = appendThrottle(b, e.Reason, e.Resource, e.RetryAfter)
	case *dberr.ThrottlingException:
		b = appendThrottle(b, e.Reason, e.Resource, e.RetryAfter)
	case *dberr.InternalServerError:
		inner := ""
		if e.Err != nil {
			inner = e.Err.Error()
		}
		b = appendString(b, inner)
	case *dberr.TransactionCanceledException:
		b = appendUvarint(b, uint64(len(e.CancellationReasons)))
		for _, r := range e.CancellationReasons {
			b = appendString(b, r.Code)
			b = appendString(b, r.Message)
			if b, err = appendItem(b, r.Item); err != nil {
				break
			}
		}
	default:
		return nil, false
	}
	if err != nil {
		return nil, false
	}
	return b, true
}

func appendThrottle(b []byte, reason dberr.ThrottleReason, resource string, retryAfter time.Duration) []byte {
	b = appendString(b, string(reason))
	b = appendString(b, resource)
	return appendUvarint(b, uint64(max(retryAfter, 0)))
}

// decodeError reads an error written by appendError; from names the peer
// for errors that travel as text.
func (d *decoder) error(from transport.NodeID) error {
	kind := d.Byte("error kind")
	msg := d.String("error message")
	var core error
	switch kind {
	case errKindRemote:
		core = &RemoteError{Node: from, Message: msg}
	case errKindNotLeader:
		core = &multiraft.NotLeaderError{Group: d.Uvarint("group"), Leader: transport.NodeID(d.Uvarint("leader"))}
	case errKindWrongRange:
		core = &partition.WrongRangeError{Group: d.Uvarint("group"), Table: d.Uvarint("table"), Key: d.optBytes("key"), Range: d.keyRange("range")}
	case errKindSentinel:
		i := d.Uvarint("sentinel")
		if d.Err() == nil && i >= uint64(len(sentinels)) {
			d.Fail("unknown sentinel error %d", i)
		}
		if d.Err() == nil {
			core = sentinels[i]
		}
	case errKindAPI:
		core = d.apiError()
	default:
		d.Fail("unknown error kind %d", kind)
	}
	if d.Err() != nil {
		return nil
	}
	if core.Error() == msg {
		return core
	}
	return &remoteWrapped{msg: msg, err: core}
}

func (d *decoder) apiError() error {
	code := d.String("exception code")
	msg := d.String("exception message")
	switch code {
	case "ValidationException":
		return &dberr.ValidationException{Message: msg}
	case "SerializationException":
		return &dberr.SerializationException{Message: msg}
	case "ResourceNotFoundException":
		return &dberr.ResourceNotFoundException{Message: msg}
	case "ResourceInUseException":
		return &dberr.ResourceInUseException{Message: msg}
	case "LimitExceededException":
		return &dberr.LimitExceededException{Message: msg}
	case "TransactionConflictException":
		return &dberr.TransactionConflictException{Message: msg}
	case "ItemCollectionSizeLimitExceededException":
		return &dberr.ItemCollectionSizeLimitExceededException{Message: msg}
	case "ConditionalCheckFailedException":
		return &dberr.ConditionalCheckFailedException{Message: msg, Item: d.item("item")}
	case "ProvisionedThroughputExceededException":
		reason, resource, after := d.throttle()
		return &dberr.ProvisionedThroughputExceededException{Message: msg, Reason: reason, Resource: resource, RetryAfter: after}
	case "ThrottlingException":
		reason, resource, after := d.throttle()
		return &dberr.ThrottlingException{Message: msg, Reason: reason, Resource: resource, RetryAfter: after}
	case "InternalServerError":
		e := &dberr.InternalServerError{Message: msg}
		if inner := d.String("inner error"); inner != "" {
			e.Err = errors.New(inner)
		}
		return e
	case "TransactionCanceledException":
		n := d.int("cancellation reasons")
		e := &dberr.TransactionCanceledException{Message: msg}
		for i := 0; i < n && d.Err() == nil; i++ {
			e.CancellationReasons = append(e.CancellationReasons, dberr.CancellationReason{
				Code: d.String("reason code"), Message: d.String("reason message"), Item: d.item("reason item"),
			})
		}
		return e
	}
	d.Fail("unknown exception %q", code)
	return nil
}

func (d *decoder) throttle() (dberr.ThrottleReason, string, time.Duration) {
	reason := dberr.ThrottleReason(d.String("throttle reason"))
	resource := d.String("throttle resource")
	after := d.Uvarint("retry after")
	if after > uint64(1<<62) {
		d.Fail("retry after %d", after)
	}
	return reason, resource, time.Duration(after)
}
