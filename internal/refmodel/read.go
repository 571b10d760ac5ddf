package refmodel

import (
	"context"
	"slices"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// maxTotalSegments is the largest TotalSegments a parallel scan may ask for.
const maxTotalSegments = 1000000

// readOptions are the parameters Query and Scan share.
type readOptions struct {
	selectMode      api.Select
	projection      string
	attributesToGet []string
	limit           *int32
	indexName       string
}

// checkRead validates what Query and Scan share and does not depend on the
// table: Select against the projection, and Limit.
func checkRead(o readOptions) error {
	projected := o.projection != "" || o.attributesToGet != nil
	switch o.selectMode {
	case "":
	case api.SelectAllAttributes:
		if projected {
			return invalid("Select ALL_ATTRIBUTES cannot be used with a projection")
		}
	case api.SelectAllProjectedAttributes:
		if o.indexName == "" {
			return invalid("Select ALL_PROJECTED_ATTRIBUTES needs an index")
		}
	case api.SelectSpecificAttributes:
		if !projected {
			return invalid("Select SPECIFIC_ATTRIBUTES needs a projection")
		}
	case api.SelectCount:
		if projected {
			return invalid("Select COUNT cannot be used with a projection")
		}
	default:
		return invalid("invalid Select %q", o.selectMode)
	}
	if o.limit != nil && *o.limit < 1 {
		return invalid("Limit must be at least 1")
	}
	return nil
}

// page evaluates candidates in order: at most limit of them and at most
// maxBytes of them, each tested by the filter and projected. It returns the
// page DynamoDB would: a LastEvaluatedKey whenever a limit stopped it, even
// with nothing after.
func (t *table) page(candidates []attr.Item, limit *int32, maxBytes int, filter *expr.Condition, proj *expr.Projection, count bool) (items []attr.Item, matched, scanned int32, last attr.Item, err error) {
	if !count {
		items = []attr.Item{}
	}
	bytes := 0
	for _, item := range candidates {
		scanned++
		bytes += itemcheck.Size(item)
		ok := true
		if filter != nil {
			if ok, err = filter.Eval(item); err != nil {
				return nil, 0, 0, nil, err
			}
		}
		if ok {
			matched++
			if !count {
				items = append(items, project(proj, item))
			}
		}
		if (limit != nil && scanned >= *limit) || bytes >= maxBytes {
			last = t.schema.KeyOf(item)
			break
		}
	}
	return items, matched, scanned, last, nil
}

// Query implements api.DataPlane.
func (m *Model) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	compiled, err := legacy.Compile(opQuery, &legacy.Request{
		KeyConditions:       in.KeyConditions,
		QueryFilter:         in.QueryFilter,
		AttributesToGet:     in.AttributesToGet,
		ConditionalOperator: in.ConditionalOperator,
		Expressions: exprParams(in.ExpressionAttributeNames, in.ExpressionAttributeValues, map[legacy.Param]string{
			legacy.ParamKeyConditionExpression: in.KeyConditionExpression,
			legacy.ParamFilterExpression:       in.FilterExpression,
			legacy.ParamProjectionExpression:   in.ProjectionExpression,
		}),
	})
	if err != nil {
		return nil, err
	}
	if err := expr.CheckPlaceholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
		return nil, err
	}
	if err := checkRead(readOptions{selectMode: in.Select, projection: in.ProjectionExpression, attributesToGet: in.AttributesToGet, limit: in.Limit, indexName: in.IndexName}); err != nil {
		return nil, err
	}
	var used []expr.Usage
	filter, proj := compiled.Filter, compiled.Projection
	if in.FilterExpression != "" {
		if filter, err = expr.ParseFilter(in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
			return nil, err
		}
		used = append(used, filter.Usage())
	}
	if in.ProjectionExpression != "" {
		if proj, err = expr.ParseProjection(in.ProjectionExpression, in.ExpressionAttributeNames); err != nil {
			return nil, err
		}
		used = append(used, proj.Usage())
	}
	t, err := m.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if in.IndexName != "" {
		return nil, invalid("The table does not have the specified index: %s", in.IndexName)
	}
	var kc *expr.KeyCondition
	if in.KeyConditionExpression != "" {
		if kc, err = expr.ParseKeyCondition(in.KeyConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, t.schemaInfo()); err != nil {
			return nil, err
		}
		used = append(used, kc.Usage())
	} else if kc, err = legacy.CompileKeyConditions(compiled.KeyConditions, t.schema); err != nil {
		return nil, err
	}
	if err := expr.CheckUnused(in.ExpressionAttributeNames, in.ExpressionAttributeValues, used...); err != nil {
		return nil, err
	}
	if in.FilterExpression != "" {
		if err := filter.CheckNotKeys("Filter Expression", t.schema.Names()...); err != nil {
			return nil, err
		}
	}
	if err := legacy.CheckQueryFilterKeys(in.QueryFilter, t.schema.Names()...); err != nil {
		return nil, err
	}
	var start attr.Item
	if in.ExclusiveStartKey != nil {
		if start, err = t.schema.CheckKey(in.ExclusiveStartKey); err != nil {
			return nil, err
		}
		if keyText(start[t.schema.Partition.Name]) != keyText(kc.PartitionValue) {
			return nil, invalid("The provided starting key does not match the partition key condition")
		}
	}

	var collection []attr.Item
	for _, item := range t.items {
		if keyText(item[t.schema.Partition.Name]) == keyText(kc.PartitionValue) && kc.Match(item) {
			collection = append(collection, item)
		}
	}
	slices.SortFunc(collection, t.sortCompare)
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	if !forward {
		slices.Reverse(collection)
	}
	if start != nil {
		// Resume strictly after the start key in reading order; the item
		// it names may be gone.
		after := 0
		for after < len(collection) {
			c := t.sortCompare(collection[after], start)
			if (forward && c > 0) || (!forward && c < 0) {
				break
			}
			after++
		}
		collection = collection[after:]
	}
	items, count, scanned, last, err := t.page(collection, in.Limit, m.opts.MaxPageBytes, filter, proj, in.Select == api.SelectCount)
	if err != nil {
		return nil, err
	}
	return &api.QueryOutput{Items: items, Count: count, ScannedCount: scanned, LastEvaluatedKey: last}, nil
}

// schemaInfo describes the table's key for expr.ParseKeyCondition.
func (t *table) schemaInfo() expr.KeySchemaInfo {
	info := expr.KeySchemaInfo{PartitionKey: t.schema.Partition.Name, PartitionType: t.schema.Partition.Type}
	if t.schema.Sort != nil {
		info.SortKey, info.SortType = t.schema.Sort.Name, t.schema.Sort.Type
	}
	return info
}

// Scan implements api.DataPlane.
func (m *Model) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	compiled, err := legacy.Compile(opScan, &legacy.Request{
		ScanFilter:          in.ScanFilter,
		AttributesToGet:     in.AttributesToGet,
		ConditionalOperator: in.ConditionalOperator,
		Expressions: exprParams(in.ExpressionAttributeNames, in.ExpressionAttributeValues, map[legacy.Param]string{
			legacy.ParamFilterExpression:     in.FilterExpression,
			legacy.ParamProjectionExpression: in.ProjectionExpression,
		}),
	})
	if err != nil {
		return nil, err
	}
	if err := expr.CheckPlaceholders(in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
		return nil, err
	}
	if err := checkRead(readOptions{selectMode: in.Select, projection: in.ProjectionExpression, attributesToGet: in.AttributesToGet, limit: in.Limit, indexName: in.IndexName}); err != nil {
		return nil, err
	}
	if (in.Segment == nil) != (in.TotalSegments == nil) {
		return nil, invalid("Segment and TotalSegments must be given together")
	}
	if in.TotalSegments != nil {
		if *in.TotalSegments < 1 || *in.TotalSegments > maxTotalSegments {
			return nil, invalid("TotalSegments must be between 1 and %d", maxTotalSegments)
		}
		if *in.Segment < 0 || *in.Segment >= *in.TotalSegments {
			return nil, invalid("Segment must be at least 0 and less than TotalSegments")
		}
	}
	var used []expr.Usage
	filter, proj := compiled.Filter, compiled.Projection
	if in.FilterExpression != "" {
		if filter, err = expr.ParseFilter(in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
			return nil, err
		}
		used = append(used, filter.Usage())
	}
	if in.ProjectionExpression != "" {
		if proj, err = expr.ParseProjection(in.ProjectionExpression, in.ExpressionAttributeNames); err != nil {
			return nil, err
		}
		used = append(used, proj.Usage())
	}
	if err := expr.CheckUnused(in.ExpressionAttributeNames, in.ExpressionAttributeValues, used...); err != nil {
		return nil, err
	}
	t, err := m.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if in.IndexName != "" {
		return nil, invalid("The table does not have the specified index: %s", in.IndexName)
	}
	var start attr.Item
	if in.ExclusiveStartKey != nil {
		if start, err = t.schema.CheckKey(in.ExclusiveStartKey); err != nil {
			return nil, err
		}
	}
	var candidates []attr.Item
	for _, item := range t.sorted() {
		if in.TotalSegments != nil && t.segmentOf(item, *in.TotalSegments) != *in.Segment {
			continue
		}
		if start != nil && t.compareKeys(item, start) <= 0 {
			continue
		}
		candidates = append(candidates, item)
	}
	items, count, scanned, last, err := t.page(candidates, in.Limit, m.opts.MaxPageBytes, filter, proj, in.Select == api.SelectCount)
	if err != nil {
		return nil, err
	}
	return &api.ScanOutput{Items: items, Count: count, ScannedCount: scanned, LastEvaluatedKey: last}, nil
}
