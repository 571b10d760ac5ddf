package httpapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sdkItem and attrItem are the same item, in the SDK's types and ours,
// with every attribute type.
func sdkItem() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":   &types.AttributeValueMemberS{Value: "user#1"},
		"n":    &types.AttributeValueMemberN{Value: "-12.5e3"},
		"b":    &types.AttributeValueMemberB{Value: []byte{0, 1, 0xfe}},
		"ok":   &types.AttributeValueMemberBOOL{Value: true},
		"none": &types.AttributeValueMemberNULL{Value: true},
		"l":    &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}, &types.AttributeValueMemberN{Value: "2"}}},
		"m":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"inner": &types.AttributeValueMemberS{Value: "é\"<&>\n"}}},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
	}
}

func attrItem() attr.Item {
	return attr.Item{
		"pk":   attr.S("user#1"),
		"n":    attr.N("-12.5e3"),
		"b":    attr.B([]byte{0, 1, 0xfe}),
		"ok":   attr.Bool(true),
		"none": attr.Null(),
		"l":    attr.L(attr.S("x"), attr.N("2")),
		"m":    attr.M(map[string]attr.Value{"inner": attr.S("é\"<&>\n")}),
		"ss":   attr.SS("a", "b"),
		"ns":   attr.NS("1", "2.5"),
		"bs":   attr.BS([]byte{1}, []byte{2, 3}),
	}
}

func sdkKey(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
}

func attrKey(pk string) attr.Item { return attr.Item{"pk": attr.S(pk)} }

func requireItem(t *testing.T, want, got attr.Item) {
	t.Helper()
	require.True(t, attr.ItemsEqual(want, got), "want %v\ngot  %v", want, got)
}

// requireSDKItem checks an item the SDK decoded against ours, by encoding
// both through the SDK's types.
func requireSDKItem(t *testing.T, want map[string]types.AttributeValue, got map[string]types.AttributeValue) {
	t.Helper()
	require.Equal(t, want, got)
}

var indexesCapacity = &api.ConsumedCapacity{
	TableName:          "t",
	CapacityUnits:      3,
	ReadCapacityUnits:  1,
	WriteCapacityUnits: 2,
	Table:              &api.Capacity{CapacityUnits: 1.5, WriteCapacityUnits: 1.5},
	GlobalSecondaryIndexes: map[string]api.Capacity{
		"g1": {CapacityUnits: 0.5, ReadCapacityUnits: 0.5},
	},
	LocalSecondaryIndexes: map[string]api.Capacity{
		"l1": {CapacityUnits: 1, WriteCapacityUnits: 1},
	},
}

func requireIndexesCapacity(t *testing.T, got *types.ConsumedCapacity) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, "t", aws.ToString(got.TableName))
	assert.Equal(t, 3.0, aws.ToFloat64(got.CapacityUnits))
	assert.Equal(t, 1.0, aws.ToFloat64(got.ReadCapacityUnits))
	assert.Equal(t, 2.0, aws.ToFloat64(got.WriteCapacityUnits))
	require.NotNil(t, got.Table)
	assert.Equal(t, 1.5, aws.ToFloat64(got.Table.CapacityUnits))
	assert.Equal(t, 1.5, aws.ToFloat64(got.Table.WriteCapacityUnits))
	assert.Nil(t, got.Table.ReadCapacityUnits)
	require.Contains(t, got.GlobalSecondaryIndexes, "g1")
	assert.Equal(t, 0.5, aws.ToFloat64(got.GlobalSecondaryIndexes["g1"].CapacityUnits))
	assert.Equal(t, 0.5, aws.ToFloat64(got.GlobalSecondaryIndexes["g1"].ReadCapacityUnits))
	require.Contains(t, got.LocalSecondaryIndexes, "l1")
	assert.Equal(t, 1.0, aws.ToFloat64(got.LocalSecondaryIndexes["l1"].WriteCapacityUnits))
}

var metrics = &api.ItemCollectionMetrics{ItemCollectionKey: attrKey("user#1"), SizeEstimateRangeGB: [2]float64{0, 1}}

func requireMetrics(t *testing.T, got *types.ItemCollectionMetrics) {
	t.Helper()
	require.NotNil(t, got)
	requireSDKItem(t, sdkKey("user#1"), got.ItemCollectionKey)
	assert.Equal(t, []float64{0, 1}, got.SizeEstimateRangeGB)
}

func sdkExpected() map[string]types.ExpectedAttributeValue {
	return map[string]types.ExpectedAttributeValue{
		"a": {Value: &types.AttributeValueMemberS{Value: "v"}, Exists: aws.Bool(true)},
		"b": {Exists: aws.Bool(false)},
		"c": {ComparisonOperator: types.ComparisonOperatorBetween, AttributeValueList: []types.AttributeValue{
			&types.AttributeValueMemberN{Value: "1"}, &types.AttributeValueMemberN{Value: "9"}}},
	}
}

func requireExpected(t *testing.T, got map[string]api.ExpectedAttributeValue) {
	t.Helper()
	require.Len(t, got, 3)
	require.NotNil(t, got["a"].Value)
	assert.True(t, attr.Equal(attr.S("v"), *got["a"].Value))
	assert.Equal(t, aws.Bool(true), got["a"].Exists)
	assert.Nil(t, got["b"].Value)
	assert.Equal(t, aws.Bool(false), got["b"].Exists)
	assert.Equal(t, "BETWEEN", got["c"].ComparisonOperator)
	require.Len(t, got["c"].AttributeValueList, 2)
	assert.True(t, attr.Equal(attr.N("9"), got["c"].AttributeValueList[1]))
	assert.Nil(t, got["c"].Exists)
}

func TestPutItemDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("PutItem", &api.PutItemOutput{Attributes: attrItem(), ConsumedCapacity: indexesCapacity, ItemCollectionMetrics: metrics})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName:                           aws.String("t"),
		Item:                                sdkItem(),
		ConditionExpression:                 aws.String("attribute_not_exists(#p) OR #p = :v"),
		ExpressionAttributeNames:            map[string]string{"#p": "pk"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "x"}},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityIndexes,
		ReturnItemCollectionMetrics:         types.ReturnItemCollectionMetricsSize,
		Expected:                            sdkExpected(),
		ConditionalOperator:                 types.ConditionalOperatorOr,
	})
	require.NoError(t, err)

	in := fake.input("PutItem").(*api.PutItemInput)
	assert.Equal(t, "t", in.TableName)
	requireItem(t, attrItem(), in.Item)
	assert.Equal(t, "attribute_not_exists(#p) OR #p = :v", in.ConditionExpression)
	assert.Equal(t, map[string]string{"#p": "pk"}, in.ExpressionAttributeNames)
	requireItem(t, attr.Item{":v": attr.S("x")}, in.ExpressionAttributeValues)
	assert.Equal(t, api.ReturnValueAllOld, in.ReturnValues)
	assert.Equal(t, api.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, api.ReturnConsumedCapacityIndexes, in.ReturnConsumedCapacity)
	assert.Equal(t, api.ReturnItemCollectionMetricsSize, in.ReturnItemCollectionMetrics)
	requireExpected(t, in.Expected)
	assert.Equal(t, "OR", in.ConditionalOperator)

	requireSDKItem(t, sdkItem(), out.Attributes)
	requireIndexesCapacity(t, out.ConsumedCapacity)
	requireMetrics(t, out.ItemCollectionMetrics)
}

func TestGetItemDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("GetItem", &api.GetItemOutput{Item: attrItem(), ConsumedCapacity: &api.ConsumedCapacity{TableName: "t", CapacityUnits: 0.5}})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:                aws.String("t"),
		Key:                      sdkKey("user#1"),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#p, n"),
		ExpressionAttributeNames: map[string]string{"#p": "pk"},
		ReturnConsumedCapacity:   types.ReturnConsumedCapacityTotal,
		AttributesToGet:          []string{"pk", "n"},
	})
	require.NoError(t, err)
	in := fake.input("GetItem").(*api.GetItemInput)
	assert.Equal(t, "t", in.TableName)
	requireItem(t, attrKey("user#1"), in.Key)
	assert.True(t, in.ConsistentRead)
	assert.Equal(t, "#p, n", in.ProjectionExpression)
	assert.Equal(t, map[string]string{"#p": "pk"}, in.ExpressionAttributeNames)
	assert.Equal(t, api.ReturnConsumedCapacityTotal, in.ReturnConsumedCapacity)
	assert.Equal(t, []string{"pk", "n"}, in.AttributesToGet)

	requireSDKItem(t, sdkItem(), out.Item)
	require.NotNil(t, out.ConsumedCapacity)
	assert.Equal(t, 0.5, aws.ToFloat64(out.ConsumedCapacity.CapacityUnits))
	assert.Equal(t, "t", aws.ToString(out.ConsumedCapacity.TableName))
	assert.Nil(t, out.ConsumedCapacity.Table)

	// No item: no Item member, and no ConsumedCapacity unless asked.
	fake.answer("GetItem", &api.GetItemOutput{})
	out, err = client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: sdkKey("none")})
	require.NoError(t, err)
	assert.Nil(t, out.Item)
	assert.Nil(t, out.ConsumedCapacity)
	in = fake.input("GetItem").(*api.GetItemInput)
	assert.False(t, in.ConsistentRead)
	assert.Nil(t, in.AttributesToGet)
	assert.Nil(t, in.ExpressionAttributeNames)
}

func TestUpdateItemDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("UpdateItem", &api.UpdateItemOutput{Attributes: attr.Item{"n": attr.N("2")}, ConsumedCapacity: indexesCapacity, ItemCollectionMetrics: metrics})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                           aws.String("t"),
		Key:                                 sdkKey("user#1"),
		UpdateExpression:                    aws.String("SET n = n + :one"),
		ConditionExpression:                 aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:            map[string]string{"#n": "n"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValues:                        types.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureNone,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityIndexes,
		ReturnItemCollectionMetrics:         types.ReturnItemCollectionMetricsSize,
		AttributeUpdates: map[string]types.AttributeValueUpdate{
			"n":    {Value: &types.AttributeValueMemberN{Value: "1"}, Action: types.AttributeActionAdd},
			"gone": {Action: types.AttributeActionDelete},
		},
		Expected:            sdkExpected(),
		ConditionalOperator: types.ConditionalOperatorAnd,
	})
	require.NoError(t, err)
	in := fake.input("UpdateItem").(*api.UpdateItemInput)
	assert.Equal(t, "t", in.TableName)
	requireItem(t, attrKey("user#1"), in.Key)
	assert.Equal(t, "SET n = n + :one", in.UpdateExpression)
	assert.Equal(t, "attribute_exists(pk)", in.ConditionExpression)
	assert.Equal(t, map[string]string{"#n": "n"}, in.ExpressionAttributeNames)
	requireItem(t, attr.Item{":one": attr.N("1")}, in.ExpressionAttributeValues)
	assert.Equal(t, api.ReturnValueUpdatedNew, in.ReturnValues)
	assert.Equal(t, api.ReturnValuesOnConditionCheckFailureNone, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, api.ReturnConsumedCapacityIndexes, in.ReturnConsumedCapacity)
	assert.Equal(t, api.ReturnItemCollectionMetricsSize, in.ReturnItemCollectionMetrics)
	require.Len(t, in.AttributeUpdates, 2)
	assert.Equal(t, "ADD", in.AttributeUpdates["n"].Action)
	require.NotNil(t, in.AttributeUpdates["n"].Value)
	assert.True(t, attr.Equal(attr.N("1"), *in.AttributeUpdates["n"].Value))
	assert.Equal(t, "DELETE", in.AttributeUpdates["gone"].Action)
	assert.Nil(t, in.AttributeUpdates["gone"].Value)
	requireExpected(t, in.Expected)
	assert.Equal(t, "AND", in.ConditionalOperator)

	requireSDKItem(t, map[string]types.AttributeValue{"n": &types.AttributeValueMemberN{Value: "2"}}, out.Attributes)
	requireIndexesCapacity(t, out.ConsumedCapacity)
	requireMetrics(t, out.ItemCollectionMetrics)
}

func TestDeleteItemDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("DeleteItem", &api.DeleteItemOutput{Attributes: attrItem(), ConsumedCapacity: indexesCapacity, ItemCollectionMetrics: metrics})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
		TableName:                           aws.String("t"),
		Key:                                 sdkKey("user#1"),
		ConditionExpression:                 aws.String("#a = :v"),
		ExpressionAttributeNames:            map[string]string{"#a": "a"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":v": &types.AttributeValueMemberBOOL{Value: false}},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		ReturnConsumedCapacity:              types.ReturnConsumedCapacityIndexes,
		ReturnItemCollectionMetrics:         types.ReturnItemCollectionMetricsSize,
		Expected:                            sdkExpected(),
		ConditionalOperator:                 types.ConditionalOperatorAnd,
	})
	require.NoError(t, err)
	in := fake.input("DeleteItem").(*api.DeleteItemInput)
	assert.Equal(t, "t", in.TableName)
	requireItem(t, attrKey("user#1"), in.Key)
	assert.Equal(t, "#a = :v", in.ConditionExpression)
	assert.Equal(t, map[string]string{"#a": "a"}, in.ExpressionAttributeNames)
	requireItem(t, attr.Item{":v": attr.Bool(false)}, in.ExpressionAttributeValues)
	assert.Equal(t, api.ReturnValueAllOld, in.ReturnValues)
	assert.Equal(t, api.ReturnValuesOnConditionCheckFailureAllOld, in.ReturnValuesOnConditionCheckFailure)
	assert.Equal(t, api.ReturnConsumedCapacityIndexes, in.ReturnConsumedCapacity)
	assert.Equal(t, api.ReturnItemCollectionMetricsSize, in.ReturnItemCollectionMetrics)
	requireExpected(t, in.Expected)
	assert.Equal(t, "AND", in.ConditionalOperator)

	requireSDKItem(t, sdkItem(), out.Attributes)
	requireIndexesCapacity(t, out.ConsumedCapacity)
	requireMetrics(t, out.ItemCollectionMetrics)
}

func sdkConditions() map[string]types.Condition {
	return map[string]types.Condition{
		"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{&types.AttributeValueMemberS{Value: "user#1"}}},
		"n":  {ComparisonOperator: types.ComparisonOperatorNotNull},
	}
}

func requireConditions(t *testing.T, got map[string]api.Condition) {
	t.Helper()
	require.Len(t, got, 2)
	assert.Equal(t, "EQ", got["pk"].ComparisonOperator)
	require.Len(t, got["pk"].AttributeValueList, 1)
	assert.True(t, attr.Equal(attr.S("user#1"), got["pk"].AttributeValueList[0]))
	assert.Equal(t, "NOT_NULL", got["n"].ComparisonOperator)
	assert.Nil(t, got["n"].AttributeValueList)
}

func TestQueryDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("Query", &api.QueryOutput{
		Items: []attr.Item{attrItem(), attrKey("user#2")}, Count: 2, ScannedCount: 5,
		LastEvaluatedKey: attrKey("user#2"), ConsumedCapacity: indexesCapacity,
	})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String("t"),
		IndexName:                 aws.String("by-n"),
		KeyConditionExpression:    aws.String("pk = :pk"),
		FilterExpression:          aws.String("n > :z"),
		ProjectionExpression:      aws.String("pk, n"),
		ExpressionAttributeNames:  map[string]string{"#x": "x"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "user#1"}, ":z": &types.AttributeValueMemberN{Value: "0"}},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(7),
		ExclusiveStartKey:         sdkKey("user#0"),
		ConsistentRead:            aws.Bool(true),
		Select:                    types.SelectSpecificAttributes,
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityIndexes,
		KeyConditions:             sdkConditions(),
		QueryFilter:               sdkConditions(),
		ConditionalOperator:       types.ConditionalOperatorOr,
		AttributesToGet:           []string{"pk"},
	})
	require.NoError(t, err)
	in := fake.input("Query").(*api.QueryInput)
	assert.Equal(t, "t", in.TableName)
	assert.Equal(t, "by-n", in.IndexName)
	assert.Equal(t, "pk = :pk", in.KeyConditionExpression)
	assert.Equal(t, "n > :z", in.FilterExpression)
	assert.Equal(t, "pk, n", in.ProjectionExpression)
	assert.Equal(t, map[string]string{"#x": "x"}, in.ExpressionAttributeNames)
	requireItem(t, attr.Item{":pk": attr.S("user#1"), ":z": attr.N("0")}, in.ExpressionAttributeValues)
	assert.Equal(t, aws.Bool(false), in.ScanIndexForward)
	assert.Equal(t, aws.Int32(7), in.Limit)
	requireItem(t, attrKey("user#0"), in.ExclusiveStartKey)
	assert.True(t, in.ConsistentRead)
	assert.Equal(t, api.SelectSpecificAttributes, in.Select)
	assert.Equal(t, api.ReturnConsumedCapacityIndexes, in.ReturnConsumedCapacity)
	requireConditions(t, in.KeyConditions)
	requireConditions(t, in.QueryFilter)
	assert.Equal(t, "OR", in.ConditionalOperator)
	assert.Equal(t, []string{"pk"}, in.AttributesToGet)

	require.Len(t, out.Items, 2)
	requireSDKItem(t, sdkItem(), out.Items[0])
	requireSDKItem(t, sdkKey("user#2"), out.Items[1])
	assert.Equal(t, int32(2), out.Count)
	assert.Equal(t, int32(5), out.ScannedCount)
	requireSDKItem(t, sdkKey("user#2"), out.LastEvaluatedKey)
	requireIndexesCapacity(t, out.ConsumedCapacity)

	// Select COUNT: no Items member; absent optional members stay absent.
	fake.answer("Query", &api.QueryOutput{Count: 3, ScannedCount: 3})
	out, err = client.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String("t"), Select: types.SelectCount})
	require.NoError(t, err)
	assert.Nil(t, out.Items)
	assert.Equal(t, int32(3), out.Count)
	assert.Nil(t, out.LastEvaluatedKey)
	in = fake.input("Query").(*api.QueryInput)
	assert.Nil(t, in.ScanIndexForward)
	assert.Nil(t, in.Limit)
	assert.Nil(t, in.KeyConditions)
}

func TestScanDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("Scan", &api.ScanOutput{Items: []attr.Item{}, Count: 0, ScannedCount: 9, LastEvaluatedKey: attrKey("k"), ConsumedCapacity: indexesCapacity})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 aws.String("t"),
		IndexName:                 aws.String("g"),
		FilterExpression:          aws.String("a = :a"),
		ProjectionExpression:      aws.String("a"),
		ExpressionAttributeNames:  map[string]string{"#a": "a"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberNULL{Value: true}},
		Limit:                     aws.Int32(100),
		ExclusiveStartKey:         sdkKey("j"),
		ConsistentRead:            aws.Bool(true),
		Select:                    types.SelectAllAttributes,
		Segment:                   aws.Int32(3),
		TotalSegments:             aws.Int32(8),
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal,
		ScanFilter:                sdkConditions(),
		ConditionalOperator:       types.ConditionalOperatorAnd,
		AttributesToGet:           []string{"a", "b"},
	})
	require.NoError(t, err)
	in := fake.input("Scan").(*api.ScanInput)
	assert.Equal(t, "t", in.TableName)
	assert.Equal(t, "g", in.IndexName)
	assert.Equal(t, "a = :a", in.FilterExpression)
	assert.Equal(t, "a", in.ProjectionExpression)
	assert.Equal(t, map[string]string{"#a": "a"}, in.ExpressionAttributeNames)
	requireItem(t, attr.Item{":a": attr.Null()}, in.ExpressionAttributeValues)
	assert.Equal(t, aws.Int32(100), in.Limit)
	requireItem(t, attrKey("j"), in.ExclusiveStartKey)
	assert.True(t, in.ConsistentRead)
	assert.Equal(t, api.SelectAllAttributes, in.Select)
	assert.Equal(t, aws.Int32(3), in.Segment)
	assert.Equal(t, aws.Int32(8), in.TotalSegments)
	assert.Equal(t, api.ReturnConsumedCapacityTotal, in.ReturnConsumedCapacity)
	requireConditions(t, in.ScanFilter)
	assert.Equal(t, "AND", in.ConditionalOperator)
	assert.Equal(t, []string{"a", "b"}, in.AttributesToGet)

	assert.NotNil(t, out.Items)
	assert.Empty(t, out.Items)
	assert.Equal(t, int32(9), out.ScannedCount)
	requireSDKItem(t, sdkKey("k"), out.LastEvaluatedKey)
	requireIndexesCapacity(t, out.ConsumedCapacity)
}

func TestBatchGetItemDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("BatchGetItem", &api.BatchGetItemOutput{
		Responses: map[string][]attr.Item{"t1": {attrItem()}, "t2": {}},
		UnprocessedKeys: map[string]api.KeysAndAttributes{"t2": {
			Keys: []attr.Item{attrKey("u")}, ConsistentRead: true, ProjectionExpression: "#p",
			ExpressionAttributeNames: map[string]string{"#p": "pk"},
		}},
		ConsumedCapacity: []api.ConsumedCapacity{{TableName: "t1", CapacityUnits: 1}, {TableName: "t2", CapacityUnits: 0.5}},
	})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.BatchGetItem(context.Background(), &dynamodb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{
			"t1": {Keys: []map[string]types.AttributeValue{sdkKey("a"), sdkKey("b")}, ConsistentRead: aws.Bool(true),
				ProjectionExpression: aws.String("#p"), ExpressionAttributeNames: map[string]string{"#p": "pk"}},
			"t2": {Keys: []map[string]types.AttributeValue{sdkKey("u")}, AttributesToGet: []string{"pk"}},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	require.NoError(t, err)
	in := fake.input("BatchGetItem").(*api.BatchGetItemInput)
	require.Len(t, in.RequestItems, 2)
	t1 := in.RequestItems["t1"]
	require.Len(t, t1.Keys, 2)
	requireItem(t, attrKey("b"), t1.Keys[1])
	assert.True(t, t1.ConsistentRead)
	assert.Equal(t, "#p", t1.ProjectionExpression)
	assert.Equal(t, map[string]string{"#p": "pk"}, t1.ExpressionAttributeNames)
	assert.Equal(t, []string{"pk"}, in.RequestItems["t2"].AttributesToGet)
	assert.False(t, in.RequestItems["t2"].ConsistentRead)
	assert.Equal(t, api.ReturnConsumedCapacityTotal, in.ReturnConsumedCapacity)

	require.Len(t, out.Responses["t1"], 1)
	requireSDKItem(t, sdkItem(), out.Responses["t1"][0])
	assert.Contains(t, out.Responses, "t2")
	u := out.UnprocessedKeys["t2"]
	require.Len(t, u.Keys, 1)
	requireSDKItem(t, sdkKey("u"), u.Keys[0])
	assert.Equal(t, aws.Bool(true), u.ConsistentRead)
	assert.Equal(t, "#p", aws.ToString(u.ProjectionExpression))
	assert.Equal(t, map[string]string{"#p": "pk"}, u.ExpressionAttributeNames)
	require.Len(t, out.ConsumedCapacity, 2)
	assert.Equal(t, "t2", aws.ToString(out.ConsumedCapacity[1].TableName))
	assert.Equal(t, 0.5, aws.ToFloat64(out.ConsumedCapacity[1].CapacityUnits))
}

func TestBatchWriteItemDecodesEveryMemberAndEncodesTheOutput(t *testing.T) {
	fake := newFake()
	fake.answer("BatchWriteItem", &api.BatchWriteItemOutput{
		UnprocessedItems: map[string][]api.WriteRequest{"t1": {
			{PutRequest: &api.PutRequest{Item: attrItem()}},
			{DeleteRequest: &api.DeleteRequest{Key: attrKey("d")}},
		}},
		ConsumedCapacity:      []api.ConsumedCapacity{{TableName: "t1", CapacityUnits: 2, WriteCapacityUnits: 2}},
		ItemCollectionMetrics: map[string][]api.ItemCollectionMetrics{"t1": {*metrics}},
	})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{
			"t1": {{PutRequest: &types.PutRequest{Item: sdkItem()}}, {DeleteRequest: &types.DeleteRequest{Key: sdkKey("d")}}},
			"t2": {{DeleteRequest: &types.DeleteRequest{Key: sdkKey("e")}}},
		},
		ReturnConsumedCapacity:      types.ReturnConsumedCapacityTotal,
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize,
	})
	require.NoError(t, err)
	in := fake.input("BatchWriteItem").(*api.BatchWriteItemInput)
	require.Len(t, in.RequestItems["t1"], 2)
	require.NotNil(t, in.RequestItems["t1"][0].PutRequest)
	assert.Nil(t, in.RequestItems["t1"][0].DeleteRequest)
	requireItem(t, attrItem(), in.RequestItems["t1"][0].PutRequest.Item)
	require.NotNil(t, in.RequestItems["t1"][1].DeleteRequest)
	requireItem(t, attrKey("d"), in.RequestItems["t1"][1].DeleteRequest.Key)
	require.Len(t, in.RequestItems["t2"], 1)
	assert.Equal(t, api.ReturnConsumedCapacityTotal, in.ReturnConsumedCapacity)
	assert.Equal(t, api.ReturnItemCollectionMetricsSize, in.ReturnItemCollectionMetrics)

	require.Len(t, out.UnprocessedItems["t1"], 2)
	requireSDKItem(t, sdkItem(), out.UnprocessedItems["t1"][0].PutRequest.Item)
	requireSDKItem(t, sdkKey("d"), out.UnprocessedItems["t1"][1].DeleteRequest.Key)
	require.Len(t, out.ConsumedCapacity, 1)
	assert.Equal(t, 2.0, aws.ToFloat64(out.ConsumedCapacity[0].WriteCapacityUnits))
	require.Len(t, out.ItemCollectionMetrics["t1"], 1)
	requireMetrics(t, &out.ItemCollectionMetrics["t1"][0])
}
