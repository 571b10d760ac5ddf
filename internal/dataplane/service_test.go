package dataplane

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// everyOperation calls each data-plane operation of s with a nil request.
var everyOperation = []struct {
	name string
	call func(context.Context, *Service) error
}{
	{"PutItem", func(ctx context.Context, s *Service) error { _, err := s.PutItem(ctx, nil); return err }},
	{"GetItem", func(ctx context.Context, s *Service) error { _, err := s.GetItem(ctx, nil); return err }},
	{"UpdateItem", func(ctx context.Context, s *Service) error { _, err := s.UpdateItem(ctx, nil); return err }},
	{"DeleteItem", func(ctx context.Context, s *Service) error { _, err := s.DeleteItem(ctx, nil); return err }},
	{"Query", func(ctx context.Context, s *Service) error { _, err := s.Query(ctx, nil); return err }},
	{"Scan", func(ctx context.Context, s *Service) error { _, err := s.Scan(ctx, nil); return err }},
	{"BatchGetItem", func(ctx context.Context, s *Service) error { _, err := s.BatchGetItem(ctx, nil); return err }},
	{"BatchWriteItem", func(ctx context.Context, s *Service) error { _, err := s.BatchWriteItem(ctx, nil); return err }},
}

func TestEveryOperationStopsOnAnEndedContextFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, op := range everyOperation {
		t.Run(op.name, func(t *testing.T) {
			spy := &spyBackend{Backend: newLocal(t)}
			// The context's error comes before the validation of the
			// request, which has no members here.
			require.ErrorIs(t, op.call(ctx, New(spy, Options{})), context.Canceled)
			require.Zero(t, spy.writeCount())
		})
	}
}

func TestEveryNilRequestIsValidatedAsEmpty(t *testing.T) {
	const tableNull = "Value null at 'tableName' failed to satisfy constraint: Member must not be null"
	want := map[string]string{
		"PutItem":        "2 validation errors detected: " + tableNull + "; Value null at 'item' failed to satisfy constraint: Member must not be null",
		"GetItem":        "2 validation errors detected: " + tableNull + "; Value null at 'key' failed to satisfy constraint: Member must not be null",
		"UpdateItem":     "2 validation errors detected: " + tableNull + "; Value null at 'key' failed to satisfy constraint: Member must not be null",
		"DeleteItem":     "2 validation errors detected: " + tableNull + "; Value null at 'key' failed to satisfy constraint: Member must not be null",
		"Query":          "1 validation error detected: " + tableNull,
		"Scan":           "1 validation error detected: " + tableNull,
		"BatchGetItem":   "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
		"BatchWriteItem": "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
	}
	require.Len(t, want, len(everyOperation))
	cases := make([]validationCase, 0, len(everyOperation))
	for _, op := range everyOperation {
		cases = append(cases, validationCase{name: op.name, call: op.call, msg: want[op.name]})
	}
	runValidation(t, cases)
}

func TestPageLimit(t *testing.T) {
	require.Zero(t, pageLimit(nil))
	require.Equal(t, 7, pageLimit(ptr(int32(7))))
}
