package dataplane

import (
	"context"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// schemaInfo describes a key schema for expr's key conditions.
func schemaInfo(s itemcheck.KeySchema) expr.KeySchemaInfo {
	info := expr.KeySchemaInfo{PartitionKey: s.Partition.Name, PartitionType: s.Partition.Type}
	if s.Sort != nil {
		info.SortKey = s.Sort.Name
		info.SortType = s.Sort.Type
	}
	return info
}

// keyOps maps a key condition's sort operator to keyenc's.
var keyOps = map[expr.KeyOp]keyenc.Op{
	expr.KeyEQ:         keyenc.OpEQ,
	expr.KeyLT:         keyenc.OpLT,
	expr.KeyLE:         keyenc.OpLE,
	expr.KeyGT:         keyenc.OpGT,
	expr.KeyGE:         keyenc.OpGE,
	expr.KeyBetween:    keyenc.OpBetween,
	expr.KeyBeginsWith: keyenc.OpBeginsWith,
}

// queryRange returns the storage key range a key condition selects: one
// item collection, narrowed by the sort key condition.
func queryRange(t Table, kc *expr.KeyCondition) (keyenc.Range, error) {
	var r keyenc.Range
	var err error
	if kc.SortOp == expr.KeyNone {
		r, err = keyenc.CollectionRange(t.ID, kc.PartitionValue)
	} else {
		r, err = keyenc.SortKeyRange(t.ID, kc.PartitionValue, keyOps[kc.SortOp], kc.SortValues...)
	}
	if err != nil {
		// The key condition has been checked against the schema; what is
		// left is a value keyenc refuses, such as a number out of range.
		return keyenc.Range{}, invalid(legacy.MsgKeyTypeMismatch)
	}
	return r, nil
}

// Query reads one page of the items of one item collection in sort key
// order.
func (s *Service) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
		return nil, err
	}
	var v violations
	v.intRange("limit", in.Limit, 1, 0)
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.enum("select", string(in.Select), enumSelect)
	v.name("tableName", in.TableName, true)
	v.name("indexName", in.IndexName, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	params := exprParams("", "", in.FilterExpression, in.KeyConditionExpression, in.ProjectionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	compiled, err := legacy.Compile(legacy.Query, &legacy.Request{
		AttributesToGet: in.AttributesToGet, KeyConditions: in.KeyConditions, QueryFilter: in.QueryFilter,
		ConditionalOperator: in.ConditionalOperator, Expressions: params,
	})
	if err != nil {
		return nil, err
	}
	if err := startKeyValues(in.ExclusiveStartKey); err != nil {
		return nil, err
	}
	if err := selectRules(in.Select, in.ProjectionExpression, in.AttributesToGet, in.IndexName, true); err != nil {
		return nil, err
	}
	names := expr.Names(in.ExpressionAttributeNames)
	values, err := checkExprMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	t, err := s.backend.Table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if in.IndexName != "" {
		return nil, invalid(MsgNoSuchIndexPrefix + in.IndexName)
	}
	var used []expr.Usage
	var kc *expr.KeyCondition
	if in.KeyConditionExpression != "" {
		kc, err = expr.ParseKeyCondition(in.KeyConditionExpression, names, values, schemaInfo(t.Schema))
		if err != nil {
			return nil, err
		}
		used = append(used, kc.Usage())
	} else {
		kc, err = legacy.CompileKeyConditions(compiled.KeyConditions, t.Schema)
		if err != nil {
			return nil, err
		}
	}
	filter, proj, err := readExpressions(names, values, in.FilterExpression, in.ProjectionExpression, compiled, used)
	if err != nil {
		return nil, err
	}
	if in.FilterExpression != "" {
		if err := filter.CheckNotKeys("Filter Expression", t.Schema.Names()...); err != nil {
			return nil, err
		}
	} else if in.QueryFilter != nil {
		if err := legacy.CheckQueryFilterKeys(in.QueryFilter, t.Schema.Names()...); err != nil {
			return nil, err
		}
	}
	r, err := queryRange(t, kc)
	if err != nil {
		return nil, err
	}
	start, err := queryStartKey(t, kc, in.ExclusiveStartKey)
	if err != nil {
		return nil, err
	}
	req := ScanRequest{
		Range: r, StartAfter: start, Reverse: in.ScanIndexForward != nil && !*in.ScanIndexForward,
		Limit: pageLimit(in.Limit), Consistent: in.ConsistentRead,
	}
	p, err := s.readPage(ctx, t, req, filter, proj, in.Select == api.SelectCount)
	if err != nil {
		return nil, err
	}
	return &api.QueryOutput{
		Items: p.items, Count: p.count, ScannedCount: p.scanned, LastEvaluatedKey: p.last,
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, p.units, true),
	}, nil
}

// startKeyValues validates the values of an ExclusiveStartKey before the
// table is known.
func startKeyValues(esk attr.Item) error {
	if esk == nil {
		return nil
	}
	if _, err := itemcheck.Values(esk); err != nil {
		return invalid(MsgStartKeyInvalidPrefix + message(err))
	}
	return nil
}

// queryStartKey checks a Query's ExclusiveStartKey against the key schema
// and the key condition, as DynamoDB does, and returns its storage key, nil
// for none.
func queryStartKey(t Table, kc *expr.KeyCondition, esk attr.Item) ([]byte, error) {
	if esk == nil {
		return nil, nil
	}
	defs := []itemcheck.KeyDef{t.Schema.Partition}
	if t.Schema.Sort != nil {
		defs = append(defs, *t.Schema.Sort)
	}
	if len(esk) != len(defs) {
		return nil, invalid(MsgStartKeyInvalid)
	}
	for _, d := range defs {
		if v, ok := esk[d.Name]; !ok || v.Type() != d.Type {
			return nil, invalid(MsgStartKeyInvalid)
		}
	}
	key, err := t.Schema.CheckKey(esk)
	if err != nil {
		return nil, invalid(MsgStartKeyInvalidPrefix + message(err))
	}
	samePartition := attr.Equal(key[t.Schema.Partition.Name], kc.PartitionValue)
	if kc.SortOp == expr.KeyNone {
		if !samePartition {
			return nil, invalid(MsgStartKeyOutside)
		}
	} else {
		if !kc.MatchSort(key[t.Schema.Sort.Name]) {
			return nil, invalid(MsgStartKeyRange)
		}
		if !samePartition {
			return nil, invalid(MsgStartKeyOneRow)
		}
	}
	return storageKey(t, key)
}
