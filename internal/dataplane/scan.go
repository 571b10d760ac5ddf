package dataplane

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/bits"
	"strconv"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// SegmentRange returns the storage key range of segment of total of the
// table with the given ID: keys are the table prefix followed by the 64-bit
// hash of the partition key (keyenc), so segment i holds the hashes in
// [floor(i * 2^64 / total), floor((i+1) * 2^64 / total)). The segments of
// one total cover the table's key space exactly once, and every item
// collection lies in one segment. It requires 0 <= segment < total.
func SegmentRange(table uint64, segment, total int) keyenc.Range {
	prefix := keyenc.TablePrefix(table)
	bound := func(i int) []byte {
		// i < total, so the quotient fits in 64 bits.
		q, _ := bits.Div64(uint64(i), 0, uint64(total))
		return binary.BigEndian.AppendUint64(bytes.Clone(prefix), q)
	}
	r := keyenc.Range{Start: prefix}
	if segment > 0 {
		r.Start = bound(segment)
	}
	if segment+1 < total {
		r.End = bound(segment + 1)
	} else {
		r.End = keyenc.PrefixEnd(prefix)
	}
	return r
}

// Scan reads one page of a table's items in key space order, or of one
// segment of a parallel scan.
func (s *Service) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
		return nil, err
	}
	var v violations
	v.intRange("limit", in.Limit, 1, 0)
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.intRange("segment", in.Segment, 0, MaxTotalSegments-1)
	v.enum("select", string(in.Select), enumSelect)
	v.intRange("totalSegments", in.TotalSegments, 1, MaxTotalSegments)
	v.name("tableName", in.TableName, true)
	v.name("indexName", in.IndexName, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	params := exprParams("", "", in.FilterExpression, "", in.ProjectionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	compiled, err := legacy.Compile(legacy.Scan, &legacy.Request{
		AttributesToGet: in.AttributesToGet, ScanFilter: in.ScanFilter, ConditionalOperator: in.ConditionalOperator, Expressions: params,
	})
	if err != nil {
		return nil, err
	}
	if err := startKeyValues(in.ExclusiveStartKey); err != nil {
		return nil, err
	}
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, invalid(MsgSegmentWithoutTotal)
	case in.TotalSegments != nil && in.Segment == nil:
		return nil, invalid(MsgTotalWithoutSegment)
	case in.Segment != nil && *in.Segment >= *in.TotalSegments:
		return nil, invalid("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
			strconv.Itoa(int(*in.Segment)) + " is not less than TotalSegments: " + strconv.Itoa(int(*in.TotalSegments)))
	}
	if err := selectRules(in.Select, in.ProjectionExpression, in.AttributesToGet, in.IndexName, false); err != nil {
		return nil, err
	}
	names := expr.Names(in.ExpressionAttributeNames)
	values, err := checkExprMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	filter, proj, err := readExpressions(names, values, in.FilterExpression, in.ProjectionExpression, compiled, nil)
	if err != nil {
		return nil, err
	}
	t, err := s.backend.Table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if in.IndexName != "" {
		if in.ExclusiveStartKey != nil {
			// dynalite's scan action: a start key for an unknown index is
			// reported before the index itself.
			return nil, invalid(MsgStartKeyInvalid)
		}
		return nil, invalid(MsgNoSuchIndexPrefix + in.IndexName)
	}
	start, err := scanStartKey(t, in.ExclusiveStartKey)
	if err != nil {
		return nil, err
	}
	req := ScanRequest{
		Range:      keyenc.Range{Start: keyenc.TablePrefix(t.ID), End: keyenc.PrefixEnd(keyenc.TablePrefix(t.ID))},
		StartAfter: start, Limit: pageLimit(in.Limit), Consistent: in.ConsistentRead,
	}
	if in.Segment != nil {
		req.Range = SegmentRange(t.ID, int(*in.Segment), int(*in.TotalSegments))
	}
	p, err := s.scanPage(ctx, t, req, filter, proj, in.Select == api.SelectCount)
	if err != nil {
		return nil, err
	}
	return &api.ScanOutput{
		Items: p.items, Count: p.count, ScannedCount: p.scanned, LastEvaluatedKey: p.last,
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, p.units, true),
	}, nil
}

// scanPage reads a page, resolving a start key outside the segment's
// range: one before it starts the segment from its beginning, one after it
// leaves nothing to read.
func (s *Service) scanPage(ctx context.Context, t Table, req ScanRequest, filter *expr.Condition, proj *expr.Projection, count bool) (*page, error) {
	if req.StartAfter != nil {
		switch {
		case bytes.Compare(req.StartAfter, req.Range.Start) < 0:
			req.StartAfter = nil
		case req.Range.End != nil && bytes.Compare(req.StartAfter, req.Range.End) >= 0:
			return &page{items: emptyUnlessCount(count), units: readUnits(0, req.Consistent)}, nil
		}
	}
	return s.readPage(ctx, t, req, filter, proj, count)
}

func emptyUnlessCount(count bool) []attr.Item {
	if count {
		return nil
	}
	return []attr.Item{}
}

// scanStartKey checks a Scan's ExclusiveStartKey against the key schema and
// returns its storage key, nil for none.
func scanStartKey(t Table, esk attr.Item) ([]byte, error) {
	if esk == nil {
		return nil, nil
	}
	key, err := t.Schema.CheckKey(esk)
	if err != nil {
		return nil, invalid(MsgStartKeyInvalidPrefix + message(err))
	}
	return storageKey(t, key)
}
