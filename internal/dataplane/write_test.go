package dataplane

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/legacy"
	"github.com/embeddynamo/dynamo/internal/partition"
)

func getItem(t *testing.T, s *Service, table string, key attr.Item) attr.Item {
	t.Helper()
	out, err := s.GetItem(context.Background(), &api.GetItemInput{TableName: table, Key: key, ConsistentRead: true})
	require.NoError(t, err)
	return out.Item
}

func requireConditionFailed(t *testing.T, err error, item attr.Item) {
	t.Helper()
	var ccf *dberr.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	require.Equal(t, partition.MsgConditionalCheckFailed, ccf.Message)
	requireItem(t, item, ccf.Item)
}

func TestPutItemReplacesAndReturnsOld(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	first := attr.Item{"pk": attr.S("a"), "v": attr.N("1.0")}
	out, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: first, ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	require.Nil(t, out.Attributes, "no old item")
	require.Nil(t, out.ConsumedCapacity)

	second := attr.Item{"pk": attr.S("a"), "w": attr.S("x")}
	out, err = s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: second, ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	requireItem(t, attr.Item{"pk": attr.S("a"), "v": attr.N("1")}, out.Attributes)
	requireItem(t, second, getItem(t, s, "hash", attr.Item{"pk": attr.S("a")}))
}

func TestPutItemConditions(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	stored := attr.Item{"pk": attr.S("a"), "n": attr.N("5")}
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: stored})
	require.NoError(t, err)

	// attribute_not_exists fails on a stored item; ALL_OLD returns it.
	_, err = s.PutItem(ctx, &api.PutItemInput{
		TableName: "hash", Item: attr.Item{"pk": attr.S("a")},
		ConditionExpression:                 "attribute_not_exists(pk)",
		ReturnValuesOnConditionCheckFailure: api.ReturnValuesOnConditionCheckFailureAllOld,
	})
	requireConditionFailed(t, err, stored)
	requireItem(t, stored, getItem(t, s, "hash", attr.Item{"pk": attr.S("a")}))

	// Without ALL_OLD the exception carries no item.
	_, err = s.PutItem(ctx, &api.PutItemInput{
		TableName: "hash", Item: attr.Item{"pk": attr.S("a")},
		ConditionExpression: "#n > :v", ExpressionAttributeNames: map[string]string{"#n": "n"},
		ExpressionAttributeValues: map[string]attr.Value{":v": attr.N("5")},
	})
	requireConditionFailed(t, err, nil)

	// A condition that holds applies.
	_, err = s.PutItem(ctx, &api.PutItemInput{
		TableName: "hash", Item: attr.Item{"pk": attr.S("a"), "n": attr.N("6")},
		ConditionExpression: "n = :v", ExpressionAttributeValues: map[string]attr.Value{":v": attr.N("5.0")},
	})
	require.NoError(t, err)

	// Legacy Expected: Exists false fails, a matching Value holds.
	_, err = s.PutItem(ctx, &api.PutItemInput{
		TableName: "hash", Item: attr.Item{"pk": attr.S("a")},
		Expected: map[string]api.ExpectedAttributeValue{"pk": {Exists: ptr(false)}},
	})
	requireConditionFailed(t, err, nil)
	six := attr.N("6")
	_, err = s.PutItem(ctx, &api.PutItemInput{
		TableName: "hash", Item: attr.Item{"pk": attr.S("a"), "n": attr.N("7")},
		Expected: map[string]api.ExpectedAttributeValue{"n": {Value: &six}},
	})
	require.NoError(t, err)
	requireItem(t, attr.Item{"pk": attr.S("a"), "n": attr.N("7")}, getItem(t, s, "hash", attr.Item{"pk": attr.S("a")}))
}

func TestUpdateItem(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	key := attr.Item{"pk": attr.S("k"), "sk": attr.N("1")}

	// An update of a missing item creates it from the key.
	out, err := s.UpdateItem(ctx, &api.UpdateItemInput{
		TableName: "range", Key: key, UpdateExpression: "SET a = :a, c = :c",
		ExpressionAttributeValues: map[string]attr.Value{":a": attr.N("1"), ":c": attr.S("x")},
		ReturnValues:              api.ReturnValueAllNew,
	})
	require.NoError(t, err)
	requireItem(t, rangeItem("k", 1, attr.Item{"a": attr.N("1"), "c": attr.S("x")}), out.Attributes)

	out, err = s.UpdateItem(ctx, &api.UpdateItemInput{
		TableName: "range", Key: attr.Item{"pk": attr.S("k"), "sk": attr.N("1.00")}, UpdateExpression: "SET a = a + :one REMOVE c",
		ExpressionAttributeValues: map[string]attr.Value{":one": attr.N("1")},
		ReturnValues:              api.ReturnValueUpdatedOld,
	})
	require.NoError(t, err)
	requireItem(t, attr.Item{"a": attr.N("1"), "c": attr.S("x")}, out.Attributes)

	out, err = s.UpdateItem(ctx, &api.UpdateItemInput{
		TableName: "range", Key: key, UpdateExpression: "ADD a :one",
		ExpressionAttributeValues: map[string]attr.Value{":one": attr.N("1")},
		ReturnValues:              api.ReturnValueUpdatedNew,
	})
	require.NoError(t, err)
	requireItem(t, attr.Item{"a": attr.N("3")}, out.Attributes)

	// Condition failure passes through with the item for ALL_OLD.
	_, err = s.UpdateItem(ctx, &api.UpdateItemInput{
		TableName: "range", Key: key, UpdateExpression: "SET a = :z",
		ConditionExpression:                 "a < :z",
		ExpressionAttributeValues:           map[string]attr.Value{":z": attr.N("0")},
		ReturnValuesOnConditionCheckFailure: api.ReturnValuesOnConditionCheckFailureAllOld,
	})
	requireConditionFailed(t, err, rangeItem("k", 1, attr.Item{"a": attr.N("3")}))

	// Legacy AttributeUpdates with Expected.
	v := attr.S("legacy")
	three := attr.N("3")
	out, err = s.UpdateItem(ctx, &api.UpdateItemInput{
		TableName: "range", Key: key,
		AttributeUpdates: map[string]api.AttributeValueUpdate{"b": {Value: &v}, "a": {Action: legacy.ActionDelete}},
		Expected:         map[string]api.ExpectedAttributeValue{"a": {Value: &three}},
		ReturnValues:     api.ReturnValueAllOld,
	})
	require.NoError(t, err)
	requireItem(t, rangeItem("k", 1, attr.Item{"a": attr.N("3")}), out.Attributes)
	requireItem(t, rangeItem("k", 1, attr.Item{"b": v}), getItem(t, s, "range", key))

	// An update with neither expression nor AttributeUpdates creates the key.
	_, err = s.UpdateItem(ctx, &api.UpdateItemInput{TableName: "range", Key: rangeItem("new", 2, nil)})
	require.NoError(t, err)
	requireItem(t, rangeItem("new", 2, nil), getItem(t, s, "range", rangeItem("new", 2, nil)))

	// A runtime failure of the update is the partition's ValidationException.
	_, err = s.UpdateItem(ctx, &api.UpdateItemInput{
		TableName: "range", Key: key, UpdateExpression: "SET b = b + :one",
		ExpressionAttributeValues: map[string]attr.Value{":one": attr.N("1")},
	})
	requireValidation(t, err, "An operand in the update expression has an incorrect data type")
}

func TestDeleteItem(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	item := rangeItem("d", 1, attr.Item{"x": attr.BS([]byte("a"))})
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "range", Item: item})
	require.NoError(t, err)

	_, err = s.DeleteItem(ctx, &api.DeleteItemInput{
		TableName: "range", Key: rangeItem("d", 1, nil), ConditionExpression: "attribute_not_exists(x)",
	})
	requireConditionFailed(t, err, nil)

	out, err := s.DeleteItem(ctx, &api.DeleteItemInput{TableName: "range", Key: rangeItem("d", 1, nil), ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	requireItem(t, item, out.Attributes)
	require.Nil(t, getItem(t, s, "range", rangeItem("d", 1, nil)))

	// Deleting a missing item succeeds and returns nothing.
	out, err = s.DeleteItem(ctx, &api.DeleteItemInput{TableName: "range", Key: rangeItem("d", 1, nil), ReturnValues: api.ReturnValueAllOld})
	require.NoError(t, err)
	require.Nil(t, out.Attributes)
}

func TestGetItemProjection(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	item := attr.Item{"pk": attr.S("p"), "a": attr.M(map[string]attr.Value{"b": attr.N("1"), "c": attr.N("2")}), "l": attr.L(attr.S("x"), attr.S("y")), "z": attr.Null()}
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: item})
	require.NoError(t, err)

	out, err := s.GetItem(ctx, &api.GetItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("p")}, ProjectionExpression: "#a.b, l[1]", ExpressionAttributeNames: map[string]string{"#a": "a"}})
	require.NoError(t, err)
	requireItem(t, attr.Item{"a": attr.M(map[string]attr.Value{"b": attr.N("1")}), "l": attr.L(attr.S("y"))}, out.Item)

	out, err = s.GetItem(ctx, &api.GetItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("p")}, AttributesToGet: []string{"z", "missing"}})
	require.NoError(t, err)
	requireItem(t, attr.Item{"z": attr.Null()}, out.Item)

	out, err = s.GetItem(ctx, &api.GetItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("none")}})
	require.NoError(t, err)
	require.Nil(t, out.Item)
}

func TestBadInputReachesNoWrite(t *testing.T) {
	spy := &spyBackend{Backend: newLocal(t)}
	s := New(spy, Options{})
	ctx := context.Background()
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.N("1")}})
	require.Error(t, err)
	_, err = s.UpdateItem(ctx, &api.UpdateItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("a")}, UpdateExpression: "SET pk = :v", ExpressionAttributeValues: map[string]attr.Value{":v": attr.S("b")}})
	require.Error(t, err)
	_, err = s.DeleteItem(ctx, &api.DeleteItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("a"), "x": attr.S("b")}})
	require.Error(t, err)
	_, err = s.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{
		"hash": {{PutRequest: &api.PutRequest{Item: attr.Item{"pk": attr.S("ok")}}}, {PutRequest: &api.PutRequest{Item: attr.Item{"pk": attr.S("")}}}},
	}})
	require.Error(t, err)
	require.Zero(t, spy.writeCount())
}

func TestUnknownTable(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx := context.Background()
	calls := map[string]func() error{
		"PutItem": func() error {
			_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "nope", Item: attr.Item{"pk": attr.S("a")}})
			return err
		},
		"GetItem": func() error {
			_, err := s.GetItem(ctx, &api.GetItemInput{TableName: "nope", Key: attr.Item{"pk": attr.S("a")}})
			return err
		},
		"Query": func() error {
			_, err := s.Query(ctx, &api.QueryInput{TableName: "nope", KeyConditionExpression: "pk = :p", ExpressionAttributeValues: map[string]attr.Value{":p": attr.S("a")}})
			return err
		},
		"Scan": func() error { _, err := s.Scan(ctx, &api.ScanInput{TableName: "nope"}); return err },
		"BatchGetItem": func() error {
			_, err := s.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"nope": {Keys: []attr.Item{{"pk": attr.S("a")}}}}})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var rnf *dberr.ResourceNotFoundException
			require.ErrorAs(t, call(), &rnf)
			require.Equal(t, "Requested resource not found", rnf.Message)
		})
	}
}

func TestContextCancelled(t *testing.T) {
	s, _ := newService(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.PutItem(ctx, &api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S("a")}})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.GetItem(ctx, &api.GetItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("a")}})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Scan(ctx, &api.ScanInput{TableName: "hash"})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {{PutRequest: &api.PutRequest{Item: attr.Item{"pk": attr.S("a")}}}}}})
	require.ErrorIs(t, err, context.Canceled)

	// A context cancelled between validation and the backend stops there
	// too: the Local backend honours it.
	l := newLocal(t)
	_, err = l.Scan(ctx, hashTable, ScanRequest{})
	require.ErrorIs(t, err, context.Canceled)
	_, err = l.Write(ctx, hashTable, nil, &partition.Command{})
	require.ErrorIs(t, err, context.Canceled)
}
