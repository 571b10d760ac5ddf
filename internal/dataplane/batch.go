package dataplane

import (
	"context"
	"sort"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/legacy"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// sortedTables returns a batch's table names in order, so that validation
// reports the same error every time and reads and writes run in a
// deterministic order.
func sortedTables[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// requestItemsFields records the violations of a batch's RequestItems map:
// present, not empty, table names valid.
func requestItemsFields[V any](v *violations, items map[string]V, tables []string) {
	switch {
	case items == nil:
		v.null("requestItems")
		return
	case len(items) == 0:
		v.add(quote("{}"), "requestItems", cMinLen(1))
		return
	}
	for _, name := range tables {
		if len([]rune(name)) < MinNameLength || len([]rune(name)) > MaxNameLength || !validName(name) {
			v.add(quote(name), "requestItems", "Map keys must satisfy constraint: ["+
				cMaxLen(MaxNameLength)+", "+cMinLen(MinNameLength)+", "+cPattern+"]")
		}
	}
}

// uniqueStorageKey returns the storage key of key, a key of table t, and
// adds it to seen, the keys a batch has listed for t so far; a key listed
// twice is an error.
func uniqueStorageKey(t Table, key attr.Item, seen map[string]bool) ([]byte, error) {
	skey, err := storageKey(t, key)
	if err != nil {
		return nil, err
	}
	if seen[string(skey)] {
		return nil, invalid(MsgDuplicateKeys)
	}
	seen[string(skey)] = true
	return skey, nil
}

// getTable is one table's part of a validated BatchGetItem.
type getTable struct {
	name  string
	table Table
	in    api.KeysAndAttributes
	keys  []attr.Item // canonical
	skeys [][]byte
	proj  *expr.Projection
}

// BatchGetItem reads up to 100 items from one or more tables. Keys it could
// not read (the 16 MB response limit, throttling) come back in
// UnprocessedKeys.
func (s *Service) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
		return nil, err
	}
	tables := sortedTables(in.RequestItems)
	var v violations
	v.returnConsumed(in.ReturnConsumedCapacity)
	requestItemsFields(&v, in.RequestItems, tables)
	for _, name := range tables {
		if keys := in.RequestItems[name].Keys; keys == nil {
			v.null("requestItems." + name + ".member.keys")
		} else if len(keys) == 0 {
			v.add(quote("[]"), "requestItems."+name+".member.keys", cMinLen(1))
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	total := 0
	gets := make([]*getTable, 0, len(tables))
	for _, name := range tables {
		ka := in.RequestItems[name]
		params := exprParams("", "", "", "", ka.ProjectionExpression, ka.ExpressionAttributeNames, nil)
		compiled, err := legacy.Compile(legacy.BatchGetItem, &legacy.Request{AttributesToGet: ka.AttributesToGet, Expressions: params})
		if err != nil {
			return nil, err
		}
		proj, err := keyReadProjection(ka.ExpressionAttributeNames, ka.ProjectionExpression, compiled)
		if err != nil {
			return nil, err
		}
		g := &getTable{name: name, in: ka, proj: proj}
		for _, k := range ka.Keys {
			canon, err := itemcheck.Values(k)
			if err != nil {
				return nil, err
			}
			g.keys = append(g.keys, canon)
			total++
			if total > MaxBatchGetKeys {
				return nil, invalid(MsgBatchGetTooMany)
			}
		}
		gets = append(gets, g)
	}
	for _, g := range gets {
		t, err := s.backend.Table(ctx, g.name)
		if err != nil {
			return nil, err
		}
		g.table = t
		seen := make(map[string]bool, len(g.keys))
		for i, k := range g.keys {
			canon, err := t.Schema.CheckKey(k)
			if err != nil {
				return nil, err
			}
			skey, err := uniqueStorageKey(t, canon, seen)
			if err != nil {
				return nil, err
			}
			g.keys[i] = canon
			g.skeys = append(g.skeys, skey)
		}
	}

	out := &api.BatchGetItemOutput{Responses: make(map[string][]attr.Item, len(gets))}
	var units tableUnits
	bytes, read, throttled := 0, 0, 0
	var throttleErr error
	for _, g := range gets {
		items := []attr.Item{}
		var unprocessed []attr.Item
		for i, k := range g.keys {
			if bytes >= s.maxBatchGetBytes {
				unprocessed = append(unprocessed, k)
				continue
			}
			item, err := s.backend.Get(ctx, g.table, g.skeys[i], k, g.in.ConsistentRead)
			if err != nil {
				if isThrottle(err) {
					throttled++
					throttleErr = err
					unprocessed = append(unprocessed, k)
					continue
				}
				return nil, err
			}
			size := itemcheck.Size(item)
			if bytes+size > s.maxBatchGetBytes {
				bytes = s.maxBatchGetBytes
				unprocessed = append(unprocessed, k)
				continue
			}
			bytes += size
			read++
			units.add(g.name, readUnits(size, g.in.ConsistentRead))
			if item != nil {
				items = append(items, project(g.proj, item))
			}
		}
		out.Responses[g.name] = items
		if len(unprocessed) > 0 {
			if out.UnprocessedKeys == nil {
				out.UnprocessedKeys = make(map[string]api.KeysAndAttributes)
			}
			ka := g.in
			ka.Keys = unprocessed
			out.UnprocessedKeys[g.name] = ka
		}
	}
	if read == 0 && throttled > 0 && throttled == total {
		// DynamoDB fails the call when no key could be read for lack of
		// capacity (API reference, BatchGetItem).
		return nil, throttleErr
	}
	out.ConsumedCapacity = units.report(in.ReturnConsumedCapacity, true)
	return out, nil
}

// writeOp is one validated write of a BatchWriteItem.
type writeOp struct {
	req  api.WriteRequest
	cmd  *partition.Command
	skey []byte
}

// BatchWriteItem applies up to 25 puts and deletes to one or more tables,
// each on its own. Writes refused for lack of capacity come back in
// UnprocessedItems; any other failure fails the call.
func (s *Service) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
		return nil, err
	}
	tables := sortedTables(in.RequestItems)
	var v violations
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.enum("returnItemCollectionMetrics", string(in.ReturnItemCollectionMetrics), enumItemCollectionMetrics)
	requestItemsFields(&v, in.RequestItems, tables)
	for _, name := range tables {
		if len(in.RequestItems[name]) == 0 {
			v.add(quote("{"+name+"=[]}"), "requestItems", "Map value must satisfy constraint: ["+
				cMaxLen(MaxBatchWriteRequests)+", "+cMinLen(1)+"]")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	total := 0
	items := make(map[string][]attr.Item, len(tables))
	for _, name := range tables {
		for _, wr := range in.RequestItems[name] {
			var canon attr.Item
			var err error
			switch {
			case (wr.PutRequest == nil) == (wr.DeleteRequest == nil):
				return nil, invalid(MsgWriteRequestShape)
			case wr.PutRequest != nil:
				if wr.PutRequest.Item == nil {
					return nil, invalid("1 validation error detected: Value null at 'requestItems." + name + ".member.putRequest.item' failed to satisfy constraint: " + cNotNull)
				}
				canon, err = itemcheck.Item(wr.PutRequest.Item)
			default:
				if wr.DeleteRequest.Key == nil {
					return nil, invalid("1 validation error detected: Value null at 'requestItems." + name + ".member.deleteRequest.key' failed to satisfy constraint: " + cNotNull)
				}
				canon, err = itemcheck.Values(wr.DeleteRequest.Key)
			}
			if err != nil {
				return nil, err
			}
			items[name] = append(items[name], canon)
			total++
		}
	}
	if total > MaxBatchWriteRequests {
		return nil, invalid(MsgBatchWriteTooMany)
	}
	type tableOps struct {
		name  string
		table Table
		ops   []writeOp
	}
	all := make([]tableOps, 0, len(tables))
	for _, name := range tables {
		t, err := s.backend.Table(ctx, name)
		if err != nil {
			return nil, err
		}
		to := tableOps{name: name, table: t}
		seen := make(map[string]bool)
		for i, wr := range in.RequestItems[name] {
			canon := items[name][i]
			cmd := &partition.Command{Table: t.ID, Schema: t.Schema}
			if wr.PutRequest != nil {
				if err := t.Schema.ValidateItemKey(canon); err != nil {
					return nil, err
				}
				cmd.Op, cmd.Item = partition.OpPut, canon
			} else {
				key, err := t.Schema.CheckKey(canon)
				if err != nil {
					return nil, err
				}
				cmd.Op, cmd.Key, canon = partition.OpDelete, key, key
			}
			skey, err := uniqueStorageKey(t, canon, seen)
			if err != nil {
				return nil, err
			}
			to.ops = append(to.ops, writeOp{req: wr, cmd: cmd, skey: skey})
		}
		all = append(all, to)
	}

	out := &api.BatchWriteItemOutput{}
	var units tableUnits
	applied, throttled := 0, 0
	var throttleErr error
	for _, to := range all {
		for _, op := range to.ops {
			res, err := s.write(ctx, to.table, op.skey, op.cmd)
			if err != nil {
				if isThrottle(err) {
					throttled++
					throttleErr = err
					if out.UnprocessedItems == nil {
						out.UnprocessedItems = make(map[string][]api.WriteRequest)
					}
					out.UnprocessedItems[to.name] = append(out.UnprocessedItems[to.name], op.req)
					continue
				}
				return nil, err
			}
			applied++
			units.add(to.name, writeUnits(res.OldSize, res.NewSize))
		}
	}
	if applied == 0 && throttled > 0 {
		// DynamoDB fails the call when no write could be applied for lack
		// of capacity (API reference, BatchWriteItem).
		return nil, throttleErr
	}
	out.ConsumedCapacity = units.report(in.ReturnConsumedCapacity, false)
	return out, nil
}
