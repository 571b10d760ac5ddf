package refmodel

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

var (
	ctx      = context.Background()
	schemaSN = itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeN},
	}
	schemaSS = itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeS},
	}
)

func newTestModel() *Model {
	m := NewModel(Options{})
	m.AddTable("t", schemaSN)
	m.AddTable("s", schemaSS)
	return m
}

func key(pk, sk string) attr.Item {
	return attr.Item{"pk": attr.S(pk), "sk": attr.N(sk)}
}

func itemWith(pk, sk string, extra map[string]attr.Value) attr.Item {
	it := key(pk, sk)
	for k, v := range extra {
		it[k] = v
	}
	return it
}

func put(t *testing.T, m *Model, item attr.Item) {
	t.Helper()
	_, err := m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: item})
	require.NoError(t, err)
}

func requireValidation(t *testing.T, err error) {
	t.Helper()
	var v *dberr.ValidationException
	require.True(t, errors.As(err, &v), "want ValidationException, got %v", err)
}

func requireCCF(t *testing.T, err error) *dberr.ConditionalCheckFailedException {
	t.Helper()
	var c *dberr.ConditionalCheckFailedException
	require.True(t, errors.As(err, &c), "want ConditionalCheckFailedException, got %v", err)
	return c
}

func TestPutGetCanonicalNumberKey(t *testing.T) {
	m := newTestModel()
	put(t, m, itemWith("a", "1.50", map[string]attr.Value{"v": attr.N("007")}))
	out, err := m.GetItem(ctx, &api.GetItemInput{TableName: "t", Key: key("a", "1.5")})
	require.NoError(t, err)
	require.Equal(t, attr.Item{"pk": attr.S("a"), "sk": attr.N("1.5"), "v": attr.N("7")}, out.Item)

	out, err = m.GetItem(ctx, &api.GetItemInput{TableName: "t", Key: key("a", "2")})
	require.NoError(t, err)
	require.Nil(t, out.Item)

	out, err = m.GetItem(ctx, &api.GetItemInput{TableName: "t", Key: key("a", "1.5"), ProjectionExpression: "#v", ExpressionAttributeNames: map[string]string{"#v": "v"}})
	require.NoError(t, err)
	require.Equal(t, attr.Item{"v": attr.N("7")}, out.Item)
}

func TestWriteErrors(t *testing.T) {
	cases := []struct {
		name string
		run  func(m *Model) error
		want func(t *testing.T, err error)
	}{
		{"unknown table", func(m *Model) error {
			_, err := m.GetItem(ctx, &api.GetItemInput{TableName: "nope", Key: key("a", "1")})
			return err
		}, func(t *testing.T, err error) {
			var rnf *dberr.ResourceNotFoundException
			require.ErrorAs(t, err, &rnf)
		}},
		{"key of the wrong type", func(m *Model) error {
			_, err := m.GetItem(ctx, &api.GetItemInput{TableName: "t", Key: attr.Item{"pk": attr.S("a"), "sk": attr.S("1")}})
			return err
		}, requireValidation},
		{"put ReturnValues ALL_NEW", func(m *Model) error {
			_, err := m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: key("a", "1"), ReturnValues: api.ReturnValueAllNew})
			return err
		}, requireValidation},
		{"update of a key attribute", func(m *Model) error {
			_, err := m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), UpdateExpression: "SET sk = :v", ExpressionAttributeValues: map[string]attr.Value{":v": attr.N("2")}})
			return err
		}, requireValidation},
		{"unused placeholder", func(m *Model) error {
			_, err := m.DeleteItem(ctx, &api.DeleteItemInput{TableName: "t", Key: key("a", "1"), ConditionExpression: "attribute_exists(v)", ExpressionAttributeValues: map[string]attr.Value{":v": attr.N("2")}})
			return err
		}, requireValidation},
		{"legacy and expression mixed", func(m *Model) error {
			exists := false
			_, err := m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: key("a", "1"), ConditionExpression: "attribute_not_exists(pk)", Expected: map[string]api.ExpectedAttributeValue{"pk": {Exists: &exists}}})
			return err
		}, requireValidation},
		{"ADD to a string", func(m *Model) error {
			put(t, m, itemWith("a", "1", map[string]attr.Value{"s": attr.S("x")}))
			_, err := m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), UpdateExpression: "ADD s :n", ExpressionAttributeValues: map[string]attr.Value{":n": attr.N("1")}})
			return err
		}, requireValidation},
		{"batch write of one key twice", func(m *Model) error {
			_, err := m.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"t": {
				{PutRequest: &api.PutRequest{Item: key("a", "1")}},
				{DeleteRequest: &api.DeleteRequest{Key: key("a", "1.0")}},
			}}})
			return err
		}, requireValidation},
		{"batch get of one key twice", func(m *Model) error {
			_, err := m.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"t": {Keys: []attr.Item{key("a", "1"), key("a", "1")}}}})
			return err
		}, requireValidation},
		{"batch write of 26 requests", func(m *Model) error {
			var reqs []api.WriteRequest
			for i := range 26 {
				reqs = append(reqs, api.WriteRequest{PutRequest: &api.PutRequest{Item: key("a", fmt.Sprint(i))}})
			}
			_, err := m.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"t": reqs}})
			return err
		}, requireValidation},
		{"query Limit 0", func(m *Model) error {
			zero := int32(0)
			_, err := m.Query(ctx, &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("a")}, Limit: &zero})
			return err
		}, requireValidation},
		{"query filter on a key", func(m *Model) error {
			_, err := m.Query(ctx, &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p", FilterExpression: "sk > :p", ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("a")}})
			return err
		}, requireValidation},
		{"scan segment past total", func(m *Model) error {
			seg, total := int32(2), int32(2)
			_, err := m.Scan(ctx, &api.ScanInput{TableName: "t", Segment: &seg, TotalSegments: &total})
			return err
		}, requireValidation},
		{"scan count with projection", func(m *Model) error {
			_, err := m.Scan(ctx, &api.ScanInput{TableName: "t", Select: api.SelectCount, ProjectionExpression: "a"})
			return err
		}, requireValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestModel()
			tc.want(t, tc.run(m))
		})
	}
}

func TestConditionsAndReturnValues(t *testing.T) {
	m := newTestModel()
	first := itemWith("a", "1", map[string]attr.Value{"n": attr.N("5")})
	out, err := m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: first, ConditionExpression: "attribute_not_exists(pk)", ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	require.Nil(t, out.Attributes)

	_, err = m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: key("a", "1"), ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: api.ReturnValuesOnConditionCheckFailureAllOld})
	require.Equal(t, first, requireCCF(t, err).Item)
	_, err = m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: key("a", "1"), ConditionExpression: "attribute_not_exists(pk)"})
	require.Nil(t, requireCCF(t, err).Item)

	exists := true
	n := attr.N("5")
	upd, err := m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"),
		AttributeUpdates: map[string]api.AttributeValueUpdate{"n": {Action: "ADD", Value: &n}},
		Expected:         map[string]api.ExpectedAttributeValue{"n": {Value: &n, Exists: &exists}},
		ReturnValues:     api.ReturnValueUpdatedNew})
	require.NoError(t, err)
	require.Equal(t, attr.Item{"n": attr.N("10")}, upd.Attributes)

	upd, err = m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), UpdateExpression: "SET m = :m REMOVE n",
		ExpressionAttributeValues: map[string]attr.Value{":m": attr.M(map[string]attr.Value{"x": attr.L(attr.S("y"))})}, ReturnValues: api.ReturnValueUpdatedOld})
	require.NoError(t, err)
	require.Equal(t, attr.Item{"n": attr.N("10")}, upd.Attributes)

	upd, err = m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), UpdateExpression: "SET m.x[1] = :v",
		ExpressionAttributeValues: map[string]attr.Value{":v": attr.Bool(true)}, ReturnValues: api.ReturnValueAllNew})
	require.NoError(t, err)
	require.Equal(t, itemWith("a", "1", map[string]attr.Value{"m": attr.M(map[string]attr.Value{"x": attr.L(attr.S("y"), attr.Bool(true))})}), upd.Attributes)

	del, err := m.DeleteItem(ctx, &api.DeleteItemInput{TableName: "t", Key: key("a", "1"), ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	require.Equal(t, upd.Attributes, del.Attributes)
	require.Empty(t, m.Items("t"))
}

func TestUpdateCreatesItemsButRemoveOnlyDoesNot(t *testing.T) {
	m := newTestModel()
	_, err := m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), UpdateExpression: "REMOVE x"})
	require.NoError(t, err)
	require.Empty(t, m.Items("t"))

	out, err := m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), ReturnValues: api.ReturnValueAllNew})
	require.NoError(t, err)
	require.Equal(t, key("a", "1"), out.Attributes)

	out, err = m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "2"), UpdateExpression: "SET c = if_not_exists(c, :z) + :one", ExpressionAttributeValues: map[string]attr.Value{":z": attr.N("0"), ":one": attr.N("1")}, ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	require.Nil(t, out.Attributes)
	require.Equal(t, []attr.Item{key("a", "1"), itemWith("a", "2", map[string]attr.Value{"c": attr.N("1")})}, m.Items("t"))
}

func queryPage(t *testing.T, m *Model, in *api.QueryInput) *api.QueryOutput {
	t.Helper()
	out, err := m.Query(ctx, in)
	require.NoError(t, err)
	return out
}

func sortKeys(items []attr.Item, name string) []string {
	var out []string
	for _, it := range items {
		out = append(out, it[name].Scalar())
	}
	return out
}

func TestQueryOrderAndPaging(t *testing.T) {
	m := newTestModel()
	for _, sk := range []string{"10", "9", "-1", "1.5", "100"} {
		put(t, m, itemWith("a", sk, map[string]attr.Value{"odd": attr.Bool(sk == "9" || sk == "-1")}))
	}
	put(t, m, key("b", "3"))
	vals := map[string]attr.Value{":p": attr.S("a")}

	all := queryPage(t, m, &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: vals})
	require.Equal(t, []string{"-1", "1.5", "9", "10", "100"}, sortKeys(all.Items, "sk"))
	require.Nil(t, all.LastEvaluatedKey)

	back := false
	rev := queryPage(t, m, &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: vals, ScanIndexForward: &back})
	require.Equal(t, []string{"100", "10", "9", "1.5", "-1"}, sortKeys(rev.Items, "sk"))

	// Pages of two: the last full page still carries a LastEvaluatedKey.
	two := int32(2)
	in := &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p AND sk > :lo", FilterExpression: "odd = :t",
		ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("a"), ":lo": attr.N("0"), ":t": attr.Bool(true)}, Limit: &two}
	var pages [][]string
	var counts [][2]int32
	for {
		out := queryPage(t, m, in)
		pages = append(pages, sortKeys(out.Items, "sk"))
		counts = append(counts, [2]int32{out.Count, out.ScannedCount})
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	require.Equal(t, [][]string{{"9"}, nil, nil}, pages)
	require.Equal(t, [][2]int32{{1, 2}, {0, 2}, {0, 0}}, counts)

	count := queryPage(t, m, &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p AND sk BETWEEN :lo AND :hi", Select: api.SelectCount,
		ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("a"), ":lo": attr.N("1.5"), ":hi": attr.N("10")}})
	require.Nil(t, count.Items)
	require.Equal(t, int32(3), count.Count)
}

func TestQueryStringsBytewise(t *testing.T) {
	m := newTestModel()
	for _, sk := range []string{"é", "a", "B", "ab", "b"} {
		_, err := m.PutItem(ctx, &api.PutItemInput{TableName: "s", Item: attr.Item{"pk": attr.S("p"), "sk": attr.S(sk)}})
		require.NoError(t, err)
	}
	out, err := m.Query(ctx, &api.QueryInput{TableName: "s", KeyConditions: map[string]api.Condition{
		"pk": {ComparisonOperator: "EQ", AttributeValueList: []attr.Value{attr.S("p")}},
		"sk": {ComparisonOperator: "BEGINS_WITH", AttributeValueList: []attr.Value{attr.S("a")}},
	}})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "ab"}, sortKeys(out.Items, "sk"))
	out, err = m.Query(ctx, &api.QueryInput{TableName: "s", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("p")}})
	require.NoError(t, err)
	require.Equal(t, []string{"B", "a", "ab", "b", "é"}, sortKeys(out.Items, "sk"))
}

func TestScanSegmentsPartitionTheTable(t *testing.T) {
	m := newTestModel()
	for p := range 8 {
		for s := range 3 {
			put(t, m, key(fmt.Sprintf("p%d", p), fmt.Sprint(s)))
		}
	}
	total := int32(3)
	seen := map[string]int{}
	for seg := range total {
		in := &api.ScanInput{TableName: "t", Segment: &seg, TotalSegments: &total}
		out, err := m.Scan(ctx, in)
		require.NoError(t, err)
		require.Equal(t, out.Count, out.ScannedCount)
		for _, it := range out.Items {
			seen[it.String()]++
		}
	}
	require.Len(t, seen, 24)
	for k, n := range seen {
		require.Equal(t, 1, n, k)
	}
}

func TestBatchWriteThenBatchGet(t *testing.T) {
	m := newTestModel()
	put(t, m, key("a", "9"))
	_, err := m.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{
		"t": {{PutRequest: &api.PutRequest{Item: itemWith("a", "1", map[string]attr.Value{"x": attr.SS("u", "v")})}}, {DeleteRequest: &api.DeleteRequest{Key: key("a", "9")}}},
		"s": {{PutRequest: &api.PutRequest{Item: attr.Item{"pk": attr.S("q"), "sk": attr.S("r")}}}},
	}})
	require.NoError(t, err)
	out, err := m.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{
		"t": {Keys: []attr.Item{key("a", "1"), key("a", "9")}, AttributesToGet: []string{"x"}},
		"s": {Keys: []attr.Item{{"pk": attr.S("q"), "sk": attr.S("r")}}},
	}})
	require.NoError(t, err)
	require.Equal(t, map[string][]attr.Item{
		"t": {{"x": attr.SS("u", "v")}},
		"s": {{"pk": attr.S("q"), "sk": attr.S("r")}},
	}, out.Responses)
}

func TestNestingAndNumberLimits(t *testing.T) {
	m := newTestModel()
	put(t, m, itemWith("a", "1", map[string]attr.Value{"deep": nested(32, attr.N("1"))}))
	_, err := m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: itemWith("a", "2", map[string]attr.Value{"deep": nested(33, attr.N("1"))})})
	requireValidation(t, err)
	// An update that would nest deeper than 32 levels is refused too.
	_, err = m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "1"), UpdateExpression: "SET x = :v",
		ExpressionAttributeValues: map[string]attr.Value{":v": nested(33, attr.N("1"))}})
	requireValidation(t, err)

	put(t, m, itemWith("a", "3", map[string]attr.Value{"n": attr.N("9.9999999999999999999999999999999999999E+125")}))
	_, err = m.UpdateItem(ctx, &api.UpdateItemInput{TableName: "t", Key: key("a", "3"), UpdateExpression: "SET n = n + :v",
		ExpressionAttributeValues: map[string]attr.Value{":v": attr.N("9.9999999999999999999999999999999999999E+125")}})
	requireValidation(t, err)
	out, err := m.GetItem(ctx, &api.GetItemInput{TableName: "t", Key: key("a", "3")})
	require.NoError(t, err)
	require.Equal(t, canonNumber("9.9999999999999999999999999999999999999E+125"), out.Item["n"].N(), "a refused update changes nothing")
}

func TestSmallPagesEndBySize(t *testing.T) {
	m := NewModel(Options{MaxPageBytes: 30})
	m.AddTable("t", schemaSN)
	for i := range 5 {
		_, err := m.PutItem(ctx, &api.PutItemInput{TableName: "t", Item: itemWith("a", fmt.Sprint(i), map[string]attr.Value{"v": attr.S("0123456789")})})
		require.NoError(t, err)
	}
	// Each item is 2+1 + 2+2 + 1+10 = 18 bytes: pages of two items.
	in := &api.QueryInput{TableName: "t", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("a")}}
	var sizes []int
	for {
		out, err := m.Query(ctx, in)
		require.NoError(t, err)
		sizes = append(sizes, len(out.Items))
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	require.Equal(t, []int{2, 2, 1}, sizes)
}
