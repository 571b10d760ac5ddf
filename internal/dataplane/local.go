package dataplane

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
)

// ErrTableExists is returned by Local.AddTable for a table whose name or ID
// is already registered.
var ErrTableExists = errors.New("dataplane: table already registered")

// Local is a Backend for tests and fixtures: each table is one real
// partition (internal/partition) over an in-memory storage engine, with
// commands applied directly, without replication. Writes are serialized by
// a mutex and each gets the next log index; reads run concurrently with
// them. Every read is strongly consistent. Close releases the engine.
type Local struct {
	engine *memstore.Engine

	mu     sync.Mutex // guards tables and ids
	tables map[string]*localTable
	ids    map[uint64]bool

	applyMu sync.Mutex // serializes Apply on every partition; guards index
	index   uint64
}

type localTable struct {
	table Table
	part  *partition.Partition
}

var _ Backend = (*Local)(nil)

// NewLocal returns a Local with no tables.
func NewLocal() *Local {
	return &Local{engine: memstore.New(), tables: make(map[string]*localTable), ids: make(map[uint64]bool)}
}

// AddTable registers t, held by one partition owning its whole key space.
func (l *Local) AddTable(t Table) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.tables[t.Name]; ok || l.ids[t.ID] {
		return fmt.Errorf("%w: %s (ID %d)", ErrTableExists, t.Name, t.ID)
	}
	prefix := keyenc.TablePrefix(t.ID)
	part, err := partition.Create(l.engine, t.ID, partition.Meta{
		Table: t.ID, Schema: t.Schema,
		Range: keyenc.Range{Start: prefix, End: keyenc.PrefixEnd(prefix)},
	}, partition.Options{})
	if err != nil {
		return fmt.Errorf("dataplane: create partition of table %s: %w", t.Name, err)
	}
	l.tables[t.Name] = &localTable{table: t, part: part}
	l.ids[t.ID] = true
	return nil
}

// Close releases the storage engine; the Local is unusable afterwards.
func (l *Local) Close() error {
	return l.engine.Close()
}

func (l *Local) lookup(ctx context.Context, t Table) (*localTable, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dataplane: %w", err)
	}
	l.mu.Lock()
	lt, ok := l.tables[t.Name]
	l.mu.Unlock()
	if !ok || lt.table.ID != t.ID {
		return nil, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
	}
	return lt, nil
}

// Table implements Backend.
func (l *Local) Table(ctx context.Context, name string) (Table, error) {
	if err := ctx.Err(); err != nil {
		return Table{}, fmt.Errorf("dataplane: %w", err)
	}
	l.mu.Lock()
	lt, ok := l.tables[name]
	l.mu.Unlock()
	if !ok {
		return Table{}, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
	}
	return lt.table, nil
}

// Write implements Backend: it applies cmd to t's partition at the next
// index.
func (l *Local) Write(ctx context.Context, t Table, key []byte, cmd *partition.Command) (*partition.Result, error) {
	lt, err := l.lookup(ctx, t)
	if err != nil {
		return nil, err
	}
	data, err := cmd.Encode()
	if err != nil {
		return nil, fmt.Errorf("dataplane: encode command: %w", err)
	}
	l.applyMu.Lock()
	defer l.applyMu.Unlock()
	l.index++
	results, err := lt.part.Apply([]multiraft.Command{{Index: l.index, Data: data}})
	if err != nil {
		return nil, &dberr.InternalServerError{Message: "Internal server error", Err: fmt.Errorf("dataplane: apply: %w", err)}
	}
	res, ok := results[0].(*partition.Result)
	if !ok {
		return nil, &dberr.InternalServerError{Message: "Internal server error", Err: fmt.Errorf("dataplane: apply returned %T", results[0])}
	}
	return res, nil
}

// Get implements Backend.
func (l *Local) Get(ctx context.Context, t Table, key []byte, _ attr.Item, _ bool) (attr.Item, error) {
	lt, err := l.lookup(ctx, t)
	if err != nil {
		return nil, err
	}
	item, _, err := lt.part.GetKey(key)
	if err != nil {
		return nil, fmt.Errorf("dataplane: get: %w", err)
	}
	return item, nil
}

// Scan implements Backend.
func (l *Local) Scan(ctx context.Context, t Table, req ScanRequest) (*Page, error) {
	lt, err := l.lookup(ctx, t)
	if err != nil {
		return nil, err
	}
	maxBytes := req.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxPageBytes
	}
	it, err := lt.part.Scan(partition.ScanOptions{Range: req.Range, StartAfter: req.StartAfter, Reverse: req.Reverse})
	if err != nil {
		return nil, fmt.Errorf("dataplane: scan: %w", err)
	}
	p := &Page{}
	for it.Next() {
		if err := ctx.Err(); err != nil {
			_ = it.Close()
			return nil, fmt.Errorf("dataplane: %w", err)
		}
		key := append([]byte(nil), it.Key()...)
		p.Keys = append(p.Keys, key)
		p.Items = append(p.Items, it.Item())
		p.Bytes += it.Size()
		if (req.Limit > 0 && len(p.Items) >= req.Limit) || p.Bytes >= maxBytes {
			p.LastKey = key
			break
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("dataplane: scan: %w", err)
	}
	return p, nil
}
