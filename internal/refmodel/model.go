package refmodel

import (
	"context"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/number"
)

// Model is an in-memory reference implementation of api.DataPlane. Its
// methods are safe for concurrent use: one mutex serialises them, so every
// operation is atomic.
type Model struct {
	mu     sync.Mutex
	opts   Options
	tables map[string]*table
}

// DefaultMaxPageBytes is DynamoDB's page size: 1 MB of items read.
const DefaultMaxPageBytes = 1 << 20

// Options configures a Model. The zero value is DynamoDB's behaviour.
type Options struct {
	// MaxPageBytes bounds the bytes of items one Query or Scan page reads
	// (default DefaultMaxPageBytes), counted by itemcheck.Size before the
	// filter: the page ends after the item that brings the sum to at least
	// MaxPageBytes. Tests set it small, on the model and on the system
	// under test alike, so that ordinary items page by size.
	MaxPageBytes int
}

// table is one table of the model: its key schema and its items by key.
type table struct {
	name   string
	schema itemcheck.KeySchema
	items  map[string]attr.Item
}

var _ api.DataPlane = (*Model)(nil)

// NewModel returns a Model with no tables.
func NewModel(opts Options) *Model {
	if opts.MaxPageBytes <= 0 {
		opts.MaxPageBytes = DefaultMaxPageBytes
	}
	return &Model{opts: opts, tables: make(map[string]*table)}
}

// AddTable creates an empty table called name with the given primary key.
// Adding a table that exists replaces it with an empty one.
func (m *Model) AddTable(name string, schema itemcheck.KeySchema) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tables[name] = &table{name: name, schema: schema, items: make(map[string]attr.Item)}
}

// Items returns copies of every item of the table called name in the
// model's scan order (partition key, then sort key), or nil for an unknown
// table.
func (m *Model) Items(name string) []attr.Item {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tables[name]
	if t == nil {
		return nil
	}
	items := t.sorted()
	for i, it := range items {
		items[i] = it.Clone()
	}
	return items
}

// lookup returns the table called name or DynamoDB's not-found exception.
func (m *Model) lookup(name string) (*table, error) {
	t := m.tables[name]
	if t == nil {
		return nil, &dberr.ResourceNotFoundException{Message: "Requested resource not found"}
	}
	return t, nil
}

// invalid returns a ValidationException with a formatted message.
func invalid(format string, args ...any) error {
	return &dberr.ValidationException{Message: fmt.Sprintf(format, args...)}
}

// keyText returns a canonical text of a key value: equal keys, and only
// they, have equal texts. Numbers are canonicalised so that "1.0" and "1" are
// one key.
func keyText(v attr.Value) string {
	s := v.Scalar()
	if v.Type() == attr.TypeN {
		if c, err := number.Canonical(s); err == nil {
			s = c
		}
	}
	return v.Type().String() + ":" + s
}

// keyOf returns the canonical text of an item's (or a key's) primary key.
func (t *table) keyOf(item attr.Item) string {
	var b strings.Builder
	b.WriteString(keyText(item[t.schema.Partition.Name]))
	if t.schema.Sort != nil {
		b.WriteString("\x00")
		b.WriteString(keyText(item[t.schema.Sort.Name]))
	}
	return b.String()
}

// compareScalars orders two key values of one type: numbers by value,
// strings and binaries bytewise.
func compareScalars(a, b attr.Value) int {
	if a.Type() == attr.TypeN && b.Type() == attr.TypeN {
		c, err := number.Compare(a.N(), b.N())
		if err == nil {
			return c
		}
	}
	return strings.Compare(a.Scalar(), b.Scalar())
}

// compareKeys orders two items by partition key, then sort key: the model's
// scan order.
func (t *table) compareKeys(a, b attr.Item) int {
	if c := compareScalars(a[t.schema.Partition.Name], b[t.schema.Partition.Name]); c != 0 {
		return c
	}
	if t.schema.Sort == nil {
		return 0
	}
	return compareScalars(a[t.schema.Sort.Name], b[t.schema.Sort.Name])
}

// sorted returns the table's items in scan order.
func (t *table) sorted() []attr.Item {
	out := make([]attr.Item, 0, len(t.items))
	for _, it := range t.items {
		out = append(out, it)
	}
	slices.SortFunc(out, t.compareKeys)
	return out
}

// segmentOf returns the parallel scan segment of an item: all items of one
// partition key fall into the same segment.
func (t *table) segmentOf(item attr.Item, total int32) int32 {
	h := fnv.New32a()
	h.Write([]byte(keyText(item[t.schema.Partition.Name])))
	return int32(h.Sum32() % uint32(total))
}

// get returns the stored item with the key of item, nil when there is none.
func (t *table) get(key attr.Item) attr.Item {
	return t.items[t.keyOf(key)]
}

// sortCompare orders two items of one collection by sort key.
func (t *table) sortCompare(a, b attr.Item) int {
	if t.schema.Sort == nil {
		return 0
	}
	return compareScalars(a[t.schema.Sort.Name], b[t.schema.Sort.Name])
}

// PutItem implements api.DataPlane.
func (m *Model) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkReturnValues(in.ReturnValues, in.ReturnValuesOnConditionCheckFailure, false); err != nil {
		return nil, err
	}
	cond, err := writeCondition(opPut, in.Expected, in.ConditionalOperator, in.ConditionExpression, "", in.ExpressionAttributeNames, in.ExpressionAttributeValues, nil)
	if err != nil {
		return nil, err
	}
	t, err := m.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	item, err := itemcheck.Item(in.Item)
	if err != nil {
		return nil, err
	}
	if err := t.schema.ValidateItemKey(item); err != nil {
		return nil, err
	}
	old := t.get(item)
	if err := checkCondition(cond.cond, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	t.items[t.keyOf(item)] = item.Clone()
	out := &api.PutItemOutput{}
	if in.ReturnValues == api.ReturnValueAllOld && old != nil {
		out.Attributes = old.Clone()
	}
	return out, nil
}

// DeleteItem implements api.DataPlane.
func (m *Model) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkReturnValues(in.ReturnValues, in.ReturnValuesOnConditionCheckFailure, false); err != nil {
		return nil, err
	}
	cond, err := writeCondition(opDelete, in.Expected, in.ConditionalOperator, in.ConditionExpression, "", in.ExpressionAttributeNames, in.ExpressionAttributeValues, nil)
	if err != nil {
		return nil, err
	}
	t, err := m.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.schema.CheckKey(in.Key)
	if err != nil {
		return nil, err
	}
	old := t.get(key)
	if err := checkCondition(cond.cond, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	delete(t.items, t.keyOf(key))
	out := &api.DeleteItemOutput{}
	if in.ReturnValues == api.ReturnValueAllOld && old != nil {
		out.Attributes = old.Clone()
	}
	return out, nil
}

// UpdateItem implements api.DataPlane.
func (m *Model) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := checkReturnValues(in.ReturnValues, in.ReturnValuesOnConditionCheckFailure, true); err != nil {
		return nil, err
	}
	c, err := writeCondition(opUpdate, in.Expected, in.ConditionalOperator, in.ConditionExpression, in.UpdateExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.AttributeUpdates)
	if err != nil {
		return nil, err
	}
	t, err := m.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if err := c.update.CheckKeyAttributes(t.schema.Names()...); err != nil {
		return nil, err
	}
	key, err := t.schema.CheckKey(in.Key)
	if err != nil {
		return nil, err
	}
	old := t.get(key)
	if err := checkCondition(c.cond, old, in.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	out := &api.UpdateItemOutput{}
	if old == nil && onlyRemoves(c.update) {
		// DynamoDB creates no item for an update that only takes
		// attributes or set members away.
		return out, nil
	}
	base := old
	if base == nil {
		base = t.schema.KeyOf(key)
	}
	updated, err := c.update.Apply(base)
	if err != nil {
		return nil, err
	}
	for _, name := range t.schema.Names() {
		if !attr.Equal(base[name], updated[name]) {
			return nil, invalid("update changes key attribute %s", name)
		}
	}
	if updated, err = itemcheck.Item(updated); err != nil {
		return nil, err
	}
	t.items[t.keyOf(updated)] = updated.Clone()
	mode := string(in.ReturnValues)
	if mode == "" {
		mode = string(api.ReturnValueNone)
	}
	out.Attributes = c.update.ReturnValues(mode, old, updated)
	if len(out.Attributes) == 0 {
		out.Attributes = nil
	} else {
		out.Attributes = out.Attributes.Clone()
	}
	return out, nil
}

// GetItem implements api.DataPlane.
func (m *Model) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	proj, err := readProjection(opGet, in.ProjectionExpression, in.ExpressionAttributeNames, in.AttributesToGet)
	if err != nil {
		return nil, err
	}
	t, err := m.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.schema.CheckKey(in.Key)
	if err != nil {
		return nil, err
	}
	out := &api.GetItemOutput{}
	if item := t.get(key); item != nil {
		out.Item = project(proj, item)
	}
	return out, nil
}

// BatchGetItem implements api.DataPlane. It never leaves keys unprocessed.
func (m *Model) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(in.RequestItems) == 0 {
		return nil, invalid("RequestItems must not be empty")
	}
	total := 0
	for _, ka := range in.RequestItems {
		total += len(ka.Keys)
	}
	if total > 100 {
		return nil, invalid("too many items requested for the BatchGetItem call")
	}
	names := slices.Sorted(maps.Keys(in.RequestItems))
	type plan struct {
		t    *table
		proj *expr.Projection
		keys []attr.Item
	}
	plans := make([]plan, 0, len(names))
	for _, name := range names {
		ka := in.RequestItems[name]
		if len(ka.Keys) == 0 {
			return nil, invalid("Keys of table %s must not be empty", name)
		}
		proj, err := readProjection(opBatchGet, ka.ProjectionExpression, ka.ExpressionAttributeNames, ka.AttributesToGet)
		if err != nil {
			return nil, err
		}
		t, err := m.lookup(name)
		if err != nil {
			return nil, err
		}
		seen := make(map[string]bool)
		keys := make([]attr.Item, 0, len(ka.Keys))
		for _, k := range ka.Keys {
			key, err := t.schema.CheckKey(k)
			if err != nil {
				return nil, err
			}
			if seen[t.keyOf(key)] {
				return nil, invalid("Provided list of item keys contains duplicates")
			}
			seen[t.keyOf(key)] = true
			keys = append(keys, key)
		}
		plans = append(plans, plan{t: t, proj: proj, keys: keys})
	}
	out := &api.BatchGetItemOutput{Responses: make(map[string][]attr.Item)}
	for _, p := range plans {
		found := []attr.Item{}
		for _, key := range p.keys {
			if item := p.t.get(key); item != nil {
				found = append(found, project(p.proj, item))
			}
		}
		out.Responses[p.t.name] = found
	}
	return out, nil
}

// BatchWriteItem implements api.DataPlane. It never leaves writes
// unprocessed.
func (m *Model) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(in.RequestItems) == 0 {
		return nil, invalid("RequestItems must not be empty")
	}
	total := 0
	for _, reqs := range in.RequestItems {
		total += len(reqs)
	}
	if total > 25 {
		return nil, invalid("too many write requests for the BatchWriteItem call")
	}
	type write struct {
		t    *table
		key  string
		item attr.Item // nil: delete
	}
	var writes []write
	for _, name := range slices.Sorted(maps.Keys(in.RequestItems)) {
		reqs := in.RequestItems[name]
		if len(reqs) == 0 {
			return nil, invalid("the write requests of table %s must not be empty", name)
		}
		t, err := m.lookup(name)
		if err != nil {
			return nil, err
		}
		seen := make(map[string]bool)
		for _, r := range reqs {
			var w write
			switch {
			case r.PutRequest != nil && r.DeleteRequest == nil:
				item, err := itemcheck.Item(r.PutRequest.Item)
				if err != nil {
					return nil, err
				}
				if err := t.schema.ValidateItemKey(item); err != nil {
					return nil, err
				}
				w = write{t: t, key: t.keyOf(item), item: item.Clone()}
			case r.DeleteRequest != nil && r.PutRequest == nil:
				key, err := t.schema.CheckKey(r.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				w = write{t: t, key: t.keyOf(key)}
			default:
				return nil, invalid("a write request must hold exactly one of PutRequest and DeleteRequest")
			}
			if seen[w.key] {
				return nil, invalid("Provided list of item keys contains duplicates")
			}
			seen[w.key] = true
			writes = append(writes, w)
		}
	}
	for _, w := range writes {
		if w.item == nil {
			delete(w.t.items, w.key)
		} else {
			w.t.items[w.key] = w.item
		}
	}
	return &api.BatchWriteItemOutput{}, nil
}
