package dataplane

import (
	"context"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/legacy"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// writeFields records the per-field violations every single-item write
// shares.
func writeFields(v *violations, rv api.ReturnValue, icm api.ReturnItemCollectionMetrics, onFail api.ReturnValuesOnConditionCheckFailure) {
	v.enum("returnValues", string(rv), enumReturnValues)
	v.enum("returnItemCollectionMetrics", string(icm), enumItemCollectionMetrics)
	v.enum("returnValuesOnConditionCheckFailure", string(onFail), enumOnConditionFailure)
}

// oldOnly checks the ReturnValues of PutItem and DeleteItem.
func oldOnly(rv api.ReturnValue) error {
	switch rv {
	case "", api.ReturnValueNone, api.ReturnValueAllOld:
		return nil
	}
	return invalid(MsgReturnValuesInvalid)
}

// parseCondition parses a ConditionExpression, nil for none.
func parseCondition(src string, names expr.Names, values expr.Values, used *[]expr.Usage) error {
	if src == "" {
		return nil
	}
	c, err := expr.ParseCondition(src, names, values)
	if err != nil {
		return err
	}
	*used = append(*used, c.Usage())
	return nil
}

// PutItem creates an item or replaces it whole, subject to its condition.
func (s *Service) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	if in == nil {
		in = &api.PutItemInput{} // validated as a request with no members
	}
	if err := started(ctx); err != nil {
		return nil, err
	}
	var v violations
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.name("tableName", in.TableName, true)
	if in.Item == nil {
		v.null("item")
	}
	writeFields(&v, in.ReturnValues, in.ReturnItemCollectionMetrics, in.ReturnValuesOnConditionCheckFailure)
	if err := v.err(); err != nil {
		return nil, err
	}
	params := exprParams(in.ConditionExpression, "", "", "", "", in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if _, err := legacy.Compile(legacy.PutItem, &legacy.Request{
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator, Expressions: params,
	}); err != nil {
		return nil, err
	}
	item, err := itemcheck.Item(in.Item)
	if err != nil {
		return nil, err
	}
	if err := oldOnly(in.ReturnValues); err != nil {
		return nil, err
	}
	names := expr.Names(in.ExpressionAttributeNames)
	values, err := checkExprMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	var used []expr.Usage
	if err := parseCondition(in.ConditionExpression, names, values, &used); err != nil {
		return nil, err
	}
	if err := expr.CheckUnused(names, values, used...); err != nil {
		return nil, err
	}
	t, err := s.backend.Table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.Schema.ValidateItemKey(item); err != nil {
		return nil, err
	}
	key, err := storageKey(t, item)
	if err != nil {
		return nil, err
	}
	res, err := s.backend.Write(ctx, t, key, &partition.Command{
		Op: partition.OpPut, Table: t.ID, Schema: t.Schema, Item: item,
		ConditionExpression: in.ConditionExpression, Names: names, Values: values,
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator,
		ReturnValues: string(in.ReturnValues), ReturnValuesOnConditionCheckFailure: string(in.ReturnValuesOnConditionCheckFailure),
	})
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return &api.PutItemOutput{
		Attributes:       nonEmpty(res.Attributes),
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, writeUnits(res.OldSize, res.NewSize), false),
	}, nil
}

// UpdateItem changes attributes of an item, creating it when it is missing.
func (s *Service) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	if in == nil {
		in = &api.UpdateItemInput{} // validated as a request with no members
	}
	if err := started(ctx); err != nil {
		return nil, err
	}
	var v violations
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.name("tableName", in.TableName, true)
	writeFields(&v, in.ReturnValues, in.ReturnItemCollectionMetrics, in.ReturnValuesOnConditionCheckFailure)
	if in.Key == nil {
		v.null("key")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	params := exprParams(in.ConditionExpression, in.UpdateExpression, "", "", "", in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	compiled, err := legacy.Compile(legacy.UpdateItem, &legacy.Request{
		Expected: in.Expected, AttributeUpdates: in.AttributeUpdates, ConditionalOperator: in.ConditionalOperator, Expressions: params,
	})
	if err != nil {
		return nil, err
	}
	keyValues, err := itemcheck.Values(in.Key)
	if err != nil {
		return nil, err
	}
	names := expr.Names(in.ExpressionAttributeNames)
	values, err := checkExprMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	var used []expr.Usage
	update := compiled.Update
	if in.UpdateExpression != "" {
		update, err = expr.ParseUpdate(in.UpdateExpression, names, values)
		if err != nil {
			return nil, err
		}
		used = append(used, update.Usage())
	}
	if err := parseCondition(in.ConditionExpression, names, values, &used); err != nil {
		return nil, err
	}
	if err := expr.CheckUnused(names, values, used...); err != nil {
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
	if update != nil {
		if err := update.CheckKeyAttributes(t.Schema.Names()...); err != nil {
			return nil, err
		}
	}
	skey, err := storageKey(t, key)
	if err != nil {
		return nil, err
	}
	res, err := s.backend.Write(ctx, t, skey, &partition.Command{
		Op: partition.OpUpdate, Table: t.ID, Schema: t.Schema, Key: key,
		ConditionExpression: in.ConditionExpression, UpdateExpression: in.UpdateExpression,
		Names: names, Values: values,
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator, AttributeUpdates: in.AttributeUpdates,
		ReturnValues: string(in.ReturnValues), ReturnValuesOnConditionCheckFailure: string(in.ReturnValuesOnConditionCheckFailure),
	})
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return &api.UpdateItemOutput{
		Attributes:       nonEmpty(res.Attributes),
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, writeUnits(res.OldSize, res.NewSize), false),
	}, nil
}

// DeleteItem removes one item by its key, subject to its condition.
func (s *Service) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	if in == nil {
		in = &api.DeleteItemInput{} // validated as a request with no members
	}
	if err := started(ctx); err != nil {
		return nil, err
	}
	var v violations
	v.returnConsumed(in.ReturnConsumedCapacity)
	v.name("tableName", in.TableName, true)
	if in.Key == nil {
		v.null("key")
	}
	writeFields(&v, in.ReturnValues, in.ReturnItemCollectionMetrics, in.ReturnValuesOnConditionCheckFailure)
	if err := v.err(); err != nil {
		return nil, err
	}
	params := exprParams(in.ConditionExpression, "", "", "", "", in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if _, err := legacy.Compile(legacy.DeleteItem, &legacy.Request{
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator, Expressions: params,
	}); err != nil {
		return nil, err
	}
	keyValues, err := itemcheck.Values(in.Key)
	if err != nil {
		return nil, err
	}
	if err := oldOnly(in.ReturnValues); err != nil {
		return nil, err
	}
	names := expr.Names(in.ExpressionAttributeNames)
	values, err := checkExprMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if err != nil {
		return nil, err
	}
	var used []expr.Usage
	if err := parseCondition(in.ConditionExpression, names, values, &used); err != nil {
		return nil, err
	}
	if err := expr.CheckUnused(names, values, used...); err != nil {
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
	res, err := s.backend.Write(ctx, t, skey, &partition.Command{
		Op: partition.OpDelete, Table: t.ID, Schema: t.Schema, Key: key,
		ConditionExpression: in.ConditionExpression, Names: names, Values: values,
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator,
		ReturnValues: string(in.ReturnValues), ReturnValuesOnConditionCheckFailure: string(in.ReturnValuesOnConditionCheckFailure),
	})
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return &api.DeleteItemOutput{
		Attributes:       nonEmpty(res.Attributes),
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, t.Name, writeUnits(res.OldSize, res.NewSize), false),
	}, nil
}

// nonEmpty returns item, or nil when it has no attributes: DynamoDB omits
// an empty Attributes.
func nonEmpty(item attr.Item) attr.Item {
	if len(item) == 0 {
		return nil
	}
	return item
}
