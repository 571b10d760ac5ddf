package dataplane

import (
	"context"
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// Page and response limits DynamoDB applies.
const (
	// DefaultMaxPageBytes is the most item bytes one Query or Scan page
	// reads: 1 MB, counted before the filter.
	DefaultMaxPageBytes = 1 << 20
	// DefaultMaxBatchGetBytes is the largest BatchGetItem response: 16 MB.
	DefaultMaxBatchGetBytes = 16 << 20
)

// Options configures a Service. The zero value is DynamoDB's behaviour.
type Options struct {
	// MaxPageBytes bounds the item bytes a Query or Scan page reads; zero
	// means DefaultMaxPageBytes. Tests use small values to page often.
	MaxPageBytes int
	// MaxBatchGetBytes bounds the item bytes a BatchGetItem returns before
	// the rest of its keys go to UnprocessedKeys; zero means
	// DefaultMaxBatchGetBytes.
	MaxBatchGetBytes int
}

// Service runs DynamoDB's data-plane operations over a Backend. It
// implements api.DataPlane and is safe for concurrent use: it holds no
// mutable state of its own.
type Service struct {
	backend          Backend
	maxPageBytes     int
	maxBatchGetBytes int
}

var _ api.DataPlane = (*Service)(nil)

// New returns a Service over b.
func New(b Backend, opts Options) *Service {
	s := &Service{backend: b, maxPageBytes: opts.MaxPageBytes, maxBatchGetBytes: opts.MaxBatchGetBytes}
	if s.maxPageBytes <= 0 {
		s.maxPageBytes = DefaultMaxPageBytes
	}
	if s.maxBatchGetBytes <= 0 {
		s.maxBatchGetBytes = DefaultMaxBatchGetBytes
	}
	return s
}

// storageKey returns the storage key of the item or key k of table t, whose
// key attributes have been validated.
func storageKey(t Table, k attr.Item) ([]byte, error) {
	var sk attr.Value
	if t.Schema.Sort != nil {
		sk = k[t.Schema.Sort.Name]
	}
	key, err := keyenc.Key(t.ID, k[t.Schema.Partition.Name], sk)
	if err != nil {
		return nil, &dberr.InternalServerError{Message: "Internal server error", Err: fmt.Errorf("dataplane: storage key of a validated key: %w", err)}
	}
	return key, nil
}

// isThrottle reports whether err is a refusal the caller may retry later
// (admission control), which batch operations report as unprocessed.
func isThrottle(err error) bool {
	var p *dberr.ProvisionedThroughputExceededException
	var t *dberr.ThrottlingException
	return errors.As(err, &p) || errors.As(err, &t)
}

// begin starts an operation on request in: it returns ctx's error, if
// any, before the operation does any work, and otherwise in, or an empty
// request when in is nil (DynamoDB validates that as a request with no
// members).
func begin[T any](ctx context.Context, in *T) (*T, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dataplane: %w", err)
	}
	if in == nil {
		in = new(T)
	}
	return in, nil
}
