package dataplane

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// fillRange puts items pk=p, sk=1..n (with a "v" of sk mod 3) into the range
// table, and one item of each other collection in others.
func fillRange(t *testing.T, s *Service, p string, n int, others ...string) []attr.Item {
	t.Helper()
	ctx := context.Background()
	var items []attr.Item
	for i := 1; i <= n; i++ {
		item := rangeItem(p, i, attr.Item{"v": attr.N(fmt.Sprint(i % 3)), "pad": attr.S("xxxxxxxxxxxxxxxxxxxx")})
		_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "range", Item: item})
		require.NoError(t, err)
		items = append(items, item)
	}
	for _, o := range others {
		_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "range", Item: rangeItem(o, 1, nil)})
		require.NoError(t, err)
	}
	return items
}

func query(t *testing.T, s *Service, in *api.QueryInput) *api.QueryOutput {
	t.Helper()
	in.TableName = "range"
	out, err := s.Query(context.Background(), in)
	require.NoError(t, err)
	return out
}

func keyExpr(cond string, values ...attr.Value) (string, map[string]attr.Value) {
	m := map[string]attr.Value{":p": attr.S("q")}
	for i, v := range values {
		m[fmt.Sprintf(":v%d", i)] = v
	}
	return cond, m
}

func TestQueryKeyConditions(t *testing.T) {
	s, _ := newService(t, Options{})
	items := fillRange(t, s, "q", 10, "a", "r", "qq")
	cases := []struct {
		name   string
		cond   string
		values []attr.Value
		want   []attr.Item
	}{
		{"partition only", "pk = :p", nil, items},
		{"eq", "pk = :p AND sk = :v0", []attr.Value{attr.N("3")}, items[2:3]},
		{"lt", "pk = :p AND sk < :v0", []attr.Value{attr.N("3")}, items[:2]},
		{"le", "pk = :p AND sk <= :v0", []attr.Value{attr.N("3.0")}, items[:3]},
		{"gt", "pk = :p AND sk > :v0", []attr.Value{attr.N("8")}, items[8:]},
		{"ge", "pk = :p AND sk >= :v0", []attr.Value{attr.N("8")}, items[7:]},
		{"between", "pk = :p AND sk BETWEEN :v0 AND :v1", []attr.Value{attr.N("4"), attr.N("6")}, items[3:6]},
		{"value first", "pk = :p AND :v0 < sk", []attr.Value{attr.N("9")}, items[9:]},
		{"no match", "pk = :p AND sk > :v0", []attr.Value{attr.N("10")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cond, values := keyExpr(c.cond, c.values...)
			out := query(t, s, &api.QueryInput{KeyConditionExpression: cond, ExpressionAttributeValues: values})
			requireItems(t, c.want, out.Items)
			require.Equal(t, int32(len(c.want)), out.Count)
			require.Equal(t, int32(len(c.want)), out.ScannedCount)
			require.Nil(t, out.LastEvaluatedKey)
		})
	}

	t.Run("legacy KeyConditions", func(t *testing.T) {
		out := query(t, s, &api.QueryInput{KeyConditions: map[string]api.Condition{
			"pk": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.S("q")}},
			"sk": {ComparisonOperator: legacy.OpBetween, AttributeValueList: []attr.Value{attr.N("2"), attr.N("3")}},
		}})
		requireItems(t, items[1:3], out.Items)
	})
}

func TestQueryBeginsWith(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	for _, sk := range []string{"a", "ab", "abc", "abd", "b", ""} {
		for _, b := range [][]byte{{0}, {0, 0}} {
			_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "binary", Item: attr.Item{"b": attr.B(b), "s": attr.S(sk)}})
			if sk == "" {
				requireValidation(t, err, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: s")
				continue
			}
			require.NoError(t, err)
		}
	}
	out, err := s.Query(ctx, &api.QueryInput{
		TableName: "binary", KeyConditionExpression: "b = :b AND begins_with(s, :pre)",
		ExpressionAttributeValues: map[string]attr.Value{":b": attr.B([]byte{0}), ":pre": attr.S("ab")},
	})
	require.NoError(t, err)
	var got []string
	for _, item := range out.Items {
		got = append(got, item["s"].S())
		require.Equal(t, []byte{0}, item["b"].B())
	}
	require.Equal(t, []string{"ab", "abc", "abd"}, got)
}

func TestQueryReverseLimitAndPaging(t *testing.T) {
	s, _ := newService(t, Options{})
	items := fillRange(t, s, "q", 10, "a", "z")
	cond, values := keyExpr("pk = :p AND sk >= :v0", attr.N("2"))
	for _, forward := range []bool{true, false} {
		t.Run(fmt.Sprint("forward=", forward), func(t *testing.T) {
			want := append([]attr.Item(nil), items[1:]...)
			if !forward {
				for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
					want[i], want[j] = want[j], want[i]
				}
			}
			var got []attr.Item
			var start attr.Item
			pages := 0
			for {
				out := query(t, s, &api.QueryInput{
					KeyConditionExpression: cond, ExpressionAttributeValues: values,
					ScanIndexForward: ptr(forward), Limit: ptr(int32(4)), ExclusiveStartKey: start,
				})
				pages++
				got = append(got, out.Items...)
				require.LessOrEqual(t, out.ScannedCount, int32(4))
				if out.LastEvaluatedKey == nil {
					break
				}
				require.Len(t, out.LastEvaluatedKey, 2, "LastEvaluatedKey holds the key attributes only")
				start = out.LastEvaluatedKey
			}
			requireItems(t, want, got)
			// 9 items in pages of 4: 4, 4, 1.
			require.Equal(t, 3, pages)
		})
	}
}

func TestQueryLimitCountsBeforeFilter(t *testing.T) {
	s, _ := newService(t, Options{})
	items := fillRange(t, s, "q", 9)
	cond, values := keyExpr("pk = :p")
	values[":zero"] = attr.N("0")
	out := query(t, s, &api.QueryInput{
		KeyConditionExpression: cond, FilterExpression: "v = :zero", ExpressionAttributeValues: values, Limit: ptr(int32(4)),
	})
	// sk 1..4 evaluated; only sk 3 has v = 0.
	requireItems(t, []attr.Item{items[2]}, out.Items)
	require.Equal(t, int32(1), out.Count)
	require.Equal(t, int32(4), out.ScannedCount)
	requireItem(t, rangeItem("q", 4, nil), out.LastEvaluatedKey)

	// A Limit equal to what is left still reports LastEvaluatedKey, as
	// DynamoDB does; the next page is then empty.
	out = query(t, s, &api.QueryInput{KeyConditionExpression: cond, FilterExpression: "v = :zero", ExpressionAttributeValues: values, Limit: ptr(int32(5)), ExclusiveStartKey: rangeItem("q", 4, nil)})
	require.Equal(t, int32(5), out.ScannedCount)
	require.NotNil(t, out.LastEvaluatedKey)
	out = query(t, s, &api.QueryInput{KeyConditionExpression: cond, FilterExpression: "v = :zero", ExpressionAttributeValues: values, ExclusiveStartKey: out.LastEvaluatedKey})
	require.Zero(t, out.ScannedCount)
	require.Empty(t, out.Items)
	require.NotNil(t, out.Items, "an empty page has an empty Items, not none")
	require.Nil(t, out.LastEvaluatedKey)

	// Legacy QueryFilter and AttributesToGet.
	zero := attr.N("0")
	out = query(t, s, &api.QueryInput{
		KeyConditions:   map[string]api.Condition{"pk": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.S("q")}}},
		QueryFilter:     map[string]api.Condition{"v": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{zero}}},
		AttributesToGet: []string{"sk"},
	})
	requireItems(t, []attr.Item{{"sk": attr.N("3")}, {"sk": attr.N("6")}, {"sk": attr.N("9")}}, out.Items)
	require.Equal(t, int32(9), out.ScannedCount)
}

func TestQueryPagesBySize(t *testing.T) {
	items := 20
	s, _ := newService(t, Options{MaxPageBytes: 200})
	want := fillRange(t, s, "q", items)
	cond, values := keyExpr("pk = :p")
	var got []attr.Item
	var start attr.Item
	pages := 0
	for {
		out := query(t, s, &api.QueryInput{KeyConditionExpression: cond, ExpressionAttributeValues: values, ExclusiveStartKey: start, ReturnConsumedCapacity: api.ReturnConsumedCapacityTotal})
		pages++
		require.Equal(t, 0.5, out.ConsumedCapacity.CapacityUnits, "a page under 4 KB costs half a unit eventually consistent")
		got = append(got, out.Items...)
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	requireItems(t, want, got)
	require.GreaterOrEqual(t, pages, 3, "a 200-byte page holds a few items")
}

func TestQuerySelectCountAndProjection(t *testing.T) {
	s, _ := newService(t, Options{})
	fillRange(t, s, "q", 6)
	cond, values := keyExpr("pk = :p")
	out := query(t, s, &api.QueryInput{KeyConditionExpression: cond, ExpressionAttributeValues: values, Select: api.SelectCount})
	require.Nil(t, out.Items)
	require.Equal(t, int32(6), out.Count)
	require.Equal(t, int32(6), out.ScannedCount)

	out = query(t, s, &api.QueryInput{KeyConditionExpression: cond, ExpressionAttributeValues: values, ProjectionExpression: "#v", ExpressionAttributeNames: map[string]string{"#v": "v"}, Select: api.SelectSpecificAttributes, Limit: ptr(int32(2))})
	requireItems(t, []attr.Item{{"v": attr.N("1")}, {"v": attr.N("2")}}, out.Items)
	requireItem(t, rangeItem("q", 2, nil), out.LastEvaluatedKey)
}

func scanAll(t *testing.T, s *Service, in api.ScanInput) ([]attr.Item, int) {
	t.Helper()
	var got []attr.Item
	pages := 0
	for {
		out, err := s.Scan(context.Background(), &in)
		require.NoError(t, err)
		pages++
		got = append(got, out.Items...)
		if out.LastEvaluatedKey == nil {
			return got, pages
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func sortedPKs(items []attr.Item) []string {
	var pks []string
	for _, item := range items {
		pks = append(pks, item["pk"].S())
	}
	sort.Strings(pks)
	return pks
}

func TestScanSegmentsCoverTableOnce(t *testing.T) {
	s, _ := newService(t, Options{MaxPageBytes: 300})
	ctx := context.Background()
	var want []string
	for i := range 200 {
		pk := fmt.Sprintf("item-%03d", i)
		want = append(want, pk)
		_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S(pk), "i": attr.N(fmt.Sprint(i))}})
		require.NoError(t, err)
	}
	// Another table's items are never scanned.
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "range", Item: rangeItem("other", 1, nil)})
	require.NoError(t, err)

	all, pages := scanAll(t, s, api.ScanInput{TableName: "hash"})
	require.Equal(t, want, sortedPKs(all))
	require.GreaterOrEqual(t, pages, 5)

	for _, total := range []int32{1, 2, 3, 7, 64, 1000} {
		t.Run(fmt.Sprint("total=", total), func(t *testing.T) {
			var got []attr.Item
			nonEmpty := 0
			for seg := range total {
				items, _ := scanAll(t, s, api.ScanInput{TableName: "hash", Segment: ptr(seg), TotalSegments: ptr(total), Limit: ptr(int32(7))})
				if len(items) > 0 {
					nonEmpty++
				}
				got = append(got, items...)
			}
			require.Equal(t, want, sortedPKs(got))
			if total > 1 && total <= 7 {
				require.Greater(t, nonEmpty, 1, "items spread over segments")
			}
		})
	}
}

func TestSegmentRangesTile(t *testing.T) {
	for _, total := range []int{1, 2, 3, 10, 1_000_000} {
		prev := SegmentRange(7, 0, total)
		require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 7}, prev.Start)
		for _, seg := range []int{1, 2, total / 2, total - 1} {
			if seg <= 0 || seg >= total {
				continue
			}
			r := SegmentRange(7, seg, total)
			require.False(t, r.Empty())
			if seg == 1 {
				require.Equal(t, prev.End, r.Start, "segments are adjacent")
			}
		}
		last := SegmentRange(7, total-1, total)
		require.Equal(t, []byte{0, 0, 0, 0, 0, 0, 0, 8}, last.End)
	}
}

func TestScanFilterProjectionCount(t *testing.T) {
	s, _ := newService(t, Options{})
	fillRange(t, s, "q", 9)
	ctx := context.Background()
	out, err := s.Scan(ctx, &api.ScanInput{TableName: "range", FilterExpression: "v = :z", ExpressionAttributeValues: map[string]attr.Value{":z": attr.N("0")}, ProjectionExpression: "sk"})
	require.NoError(t, err)
	require.Equal(t, int32(3), out.Count)
	require.Equal(t, int32(9), out.ScannedCount)
	requireItems(t, []attr.Item{{"sk": attr.N("3")}, {"sk": attr.N("6")}, {"sk": attr.N("9")}}, out.Items)

	out, err = s.Scan(ctx, &api.ScanInput{TableName: "range", Select: api.SelectCount, ScanFilter: map[string]api.Condition{"v": {ComparisonOperator: legacy.OpNE, AttributeValueList: []attr.Value{attr.N("0")}}}})
	require.NoError(t, err)
	require.Nil(t, out.Items)
	require.Equal(t, int32(6), out.Count)

	out, err = s.Scan(ctx, &api.ScanInput{TableName: "range", AttributesToGet: []string{"v"}, Limit: ptr(int32(1))})
	require.NoError(t, err)
	requireItems(t, []attr.Item{{"v": attr.N("1")}}, out.Items)
	requireItem(t, rangeItem("q", 1, nil), out.LastEvaluatedKey)
}

func TestScanStartKeyOutsideSegment(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	for i := range 50 {
		_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S(fmt.Sprint(i))}})
		require.NoError(t, err)
	}
	seg0, _ := scanAll(t, s, api.ScanInput{TableName: "hash", Segment: ptr(int32(0)), TotalSegments: ptr(int32(2))})
	seg1, _ := scanAll(t, s, api.ScanInput{TableName: "hash", Segment: ptr(int32(1)), TotalSegments: ptr(int32(2))})
	require.NotEmpty(t, seg0)
	require.NotEmpty(t, seg1)
	// A start key from segment 0 given to segment 1 reads segment 1 from
	// its beginning; one from segment 1 given to segment 0 reads nothing.
	out, err := s.Scan(ctx, &api.ScanInput{TableName: "hash", Segment: ptr(int32(1)), TotalSegments: ptr(int32(2)), ExclusiveStartKey: seg0[0]})
	require.NoError(t, err)
	require.Equal(t, sortedPKs(seg1), sortedPKs(out.Items))
	out, err = s.Scan(ctx, &api.ScanInput{TableName: "hash", Segment: ptr(int32(0)), TotalSegments: ptr(int32(2)), ExclusiveStartKey: seg1[0]})
	require.NoError(t, err)
	require.Empty(t, out.Items)
	require.Nil(t, out.LastEvaluatedKey)
}
