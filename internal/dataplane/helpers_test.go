package dataplane

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// The tables every test service has: "hash" keyed by pk (S), "range" keyed
// by pk (S) and sk (N), and "binary" keyed by b (B) and s (S).
var (
	hashTable  = Table{Name: "hash", ID: 1, Schema: itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS}}}
	rangeTable = Table{Name: "range", ID: 2, Schema: itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeN},
	}}
	binaryTable = Table{Name: "binary", ID: 3, Schema: itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "b", Type: attr.TypeB},
		Sort:      &itemcheck.KeyDef{Name: "s", Type: attr.TypeS},
	}}
)

// newLocal returns a Local holding the test tables, closed at cleanup.
func newLocal(t testing.TB) *Local {
	l := NewLocal()
	t.Cleanup(func() { require.NoError(t, l.Close()) })
	for _, tb := range []Table{hashTable, rangeTable, binaryTable} {
		require.NoError(t, l.AddTable(tb))
	}
	return l
}

// newService returns a Service over a fresh Local with the test tables.
func newService(t testing.TB, opts Options) (*Service, *Local) {
	l := newLocal(t)
	return New(l, opts), l
}

func requireValidation(t *testing.T, err error, msg string) {
	t.Helper()
	var v *dberr.ValidationException
	require.ErrorAs(t, err, &v, "want ValidationException %q", msg)
	require.Equal(t, msg, v.Message)
}

func requireItem(t *testing.T, want, got attr.Item) {
	t.Helper()
	require.Equal(t, want == nil, got == nil, "got %v, want %v", got, want)
	require.True(t, attr.ItemsEqual(want, got), "got %v, want %v", got, want)
}

func requireItems(t *testing.T, want, got []attr.Item) {
	t.Helper()
	require.Len(t, got, len(want), "got %v", got)
	for i := range want {
		require.True(t, attr.ItemsEqual(want[i], got[i]), "item %d: got %v, want %v", i, got[i], want[i])
	}
}

func ptr[T any](v T) *T { return &v }

// rangeItem returns an item of the range table.
func rangeItem(pk string, sk int, more attr.Item) attr.Item {
	item := attr.Item{"pk": attr.S(pk), "sk": attr.N(fmt.Sprint(sk))}
	for k, v := range more {
		item[k] = v
	}
	return item
}

// spyBackend wraps a Backend, counts its writes and refuses chosen storage
// keys with a throttling error.
type spyBackend struct {
	Backend
	mu        sync.Mutex
	writes    int
	gets      int
	throttled map[string]bool
}

func (b *spyBackend) throttle(key []byte) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.throttled[string(key)]
}

func (b *spyBackend) Write(ctx context.Context, t Table, key []byte, cmd *partition.Command) (*partition.Result, error) {
	b.mu.Lock()
	b.writes++
	b.mu.Unlock()
	if b.throttle(key) {
		return nil, &dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.", Reason: dberr.ThrottlePartition}
	}
	return b.Backend.Write(ctx, t, key, cmd)
}

func (b *spyBackend) Get(ctx context.Context, t Table, key []byte, itemKey attr.Item, consistent bool) (attr.Item, error) {
	b.mu.Lock()
	b.gets++
	b.mu.Unlock()
	if b.throttle(key) {
		return nil, &dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.", Reason: dberr.ThrottlePartition}
	}
	return b.Backend.Get(ctx, t, key, itemKey, consistent)
}

func (b *spyBackend) writeCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes
}
