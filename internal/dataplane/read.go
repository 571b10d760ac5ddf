package dataplane

import (
	"context"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// readExpressions parses a read's FilterExpression and ProjectionExpression,
// keeping the compiled legacy forms (QueryFilter or ScanFilter,
// AttributesToGet) where the request carries no expression, and checks that
// every placeholder is used by them or by the expressions used records. The
// filter or the projection is nil when the request carries neither form.
func readExpressions(names expr.Names, values expr.Values, filterSrc, projectionSrc string, compiled *legacy.Compiled, used []expr.Usage) (*expr.Condition, *expr.Projection, error) {
	filter, proj := compiled.Filter, compiled.Projection
	var err error
	if filterSrc != "" {
		filter, err = expr.ParseFilter(filterSrc, names, values)
		if err != nil {
			return nil, nil, err
		}
		used = append(used, filter.Usage())
	}
	if projectionSrc != "" {
		proj, err = expr.ParseProjection(projectionSrc, names)
		if err != nil {
			return nil, nil, err
		}
		used = append(used, proj.Usage())
	}
	if err := expr.CheckUnused(names, values, used...); err != nil {
		return nil, nil, err
	}
	return filter, proj, nil
}

// keyReadProjection checks the ExpressionAttributeNames of a read by key
// (GetItem, one table of BatchGetItem), which carries no values, and
// returns its projection (see readExpressions).
func keyReadProjection(names map[string]string, projectionSrc string, compiled *legacy.Compiled) (*expr.Projection, error) {
	if _, err := checkExprMaps(names, nil); err != nil {
		return nil, err
	}
	_, proj, err := readExpressions(names, nil, "", projectionSrc, compiled, nil)
	return proj, err
}

// GetItem reads one item by its key.
func (s *Service) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
		return nil, err
	}
	var v violations
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.name("tableName", in.TableName, true)
	if in.Key == nil {
		v.null("key")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	params := exprParams("", "", "", "", in.ProjectionExpression, in.ExpressionAttributeNames, nil)
	compiled, err := legacy.Compile(legacy.GetItem, &legacy.Request{AttributesToGet: in.AttributesToGet, Expressions: params})
	if err != nil {
		return nil, err
	}
	keyValues, err := itemcheck.Values(in.Key)
	if err != nil {
		return nil, err
	}
	proj, err := keyReadProjection(in.ExpressionAttributeNames, in.ProjectionExpression, compiled)
	if err != nil {
		return nil, err
	}
	t, err := s.backend.Table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.Schema.CheckKey(keyValues)
	if err != nil {
		return nil, err
	}
	skey, err := storageKey(t, key)
	if err != nil {
		return nil, err
	}
	item, err := s.backend.Get(ctx, t, skey, key, in.ConsistentRead)
	if err != nil {
		return nil, err
	}
	out := &api.GetItemOutput{
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, readUnits(itemcheck.Size(item), in.ConsistentRead), true),
	}
	if item != nil {
		out.Item = project(proj, item)
	}
	return out, nil
}

// project applies p to item; a nil p returns item whole.
func project(p *expr.Projection, item attr.Item) attr.Item {
	if p == nil {
		return item
	}
	return p.Apply(item)
}

// pageLimit returns a Query's or Scan's Limit as a ScanRequest takes it,
// zero for none.
func pageLimit(limit *int32) int {
	if limit == nil {
		return 0
	}
	return int(*limit)
}

// page is one page of a Query or Scan, filtered and projected.
type page struct {
	items   []attr.Item
	count   int32
	scanned int32
	last    attr.Item
	units   float64
}

// readPage reads one page of t with req and applies filter and projection;
// count drops the items (Select COUNT).
func (s *Service) readPage(ctx context.Context, t Table, req ScanRequest, filter *expr.Condition, proj *expr.Projection, count bool) (*page, error) {
	req.MaxBytes = s.maxPageBytes
	got, err := s.backend.Scan(ctx, t, req)
	if err != nil {
		return nil, err
	}
	p := &page{scanned: int32(len(got.Items)), units: readUnits(got.Bytes, req.Consistent)}
	if !count {
		p.items = make([]attr.Item, 0, len(got.Items))
	}
	for _, item := range got.Items {
		if filter != nil {
			ok, err := filter.Eval(item)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		p.count++
		if !count {
			p.items = append(p.items, project(proj, item))
		}
	}
	if got.LastKey != nil && len(got.Items) > 0 {
		p.last = t.Schema.KeyOf(got.Items[len(got.Items)-1])
	}
	return p, nil
}
