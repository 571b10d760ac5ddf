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

// writeExpressions checks a single-item write's ExpressionAttributeNames
// and ExpressionAttributeValues, parses its UpdateExpression (UpdateItem's;
// without one it keeps update, the compiled AttributeUpdates) and then its
// ConditionExpression, and checks that the expressions use every
// placeholder. It returns the names, the values with their numbers in
// canonical form, and the update.
func writeExpressions(names map[string]string, values map[string]attr.Value, updateSrc string, update *expr.Update, condition string) (expr.Names, expr.Values, *expr.Update, error) {
	exprNames := expr.Names(names)
	exprValues, err := checkExprMaps(names, values)
	if err != nil {
		return nil, nil, nil, err
	}
	var used []expr.Usage
	if updateSrc != "" {
		update, err = expr.ParseUpdate(updateSrc, exprNames, exprValues)
		if err != nil {
			return nil, nil, nil, err
		}
		used = append(used, update.Usage())
	}
	if condition != "" {
		c, err := expr.ParseCondition(condition, exprNames, exprValues)
		if err != nil {
			return nil, nil, nil, err
		}
		used = append(used, c.Usage())
	}
	if err := expr.CheckUnused(exprNames, exprValues, used...); err != nil {
		return nil, nil, nil, err
	}
	return exprNames, exprValues, update, nil
}

// writeItem applies cmd, a write of the item of table t whose key
// attributes key holds, and returns the attributes the command returned
// (nil for none) and the capacity it consumed as mode asks. A command that
// applied without effect returns its error.
func (s *Service) writeItem(ctx context.Context, t Table, key attr.Item, cmd *partition.Command, mode api.ReturnConsumedCapacity) (attr.Item, *api.ConsumedCapacity, error) {
	skey, err := storageKey(t, key)
	if err != nil {
		return nil, nil, err
	}
	res, err := s.write(ctx, t, skey, cmd)
	if err != nil {
		return nil, nil, err
	}
	return nonEmpty(res.Attributes), consumed(mode, t.Name, writeUnits(res.OldSize, res.NewSize), false), nil
}

// write applies cmd to the partition of t that owns skey; a command that
// applied without effect returns its Result.Err as the error.
func (s *Service) write(ctx context.Context, t Table, skey []byte, cmd *partition.Command) (*partition.Result, error) {
	res, err := s.backend.Write(ctx, t, skey, cmd)
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return res, nil
}

// PutItem creates an item or replaces it whole, subject to its condition.
func (s *Service) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
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
	names, values, _, err := writeExpressions(in.ExpressionAttributeNames, in.ExpressionAttributeValues, "", nil, in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	t, err := s.backend.Table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.Schema.ValidateItemKey(item); err != nil {
		return nil, err
	}
	attrs, capacity, err := s.writeItem(ctx, t, item, &partition.Command{
		Op: partition.OpPut, Table: t.ID, Schema: t.Schema, Item: item,
		ConditionExpression: in.ConditionExpression, Names: names, Values: values,
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator,
		ReturnValues: string(in.ReturnValues), ReturnValuesOnConditionCheckFailure: string(in.ReturnValuesOnConditionCheckFailure),
	}, in.ReturnConsumedCapacity)
	if err != nil {
		return nil, err
	}
	return &api.PutItemOutput{Attributes: attrs, ConsumedCapacity: capacity}, nil
}

// UpdateItem changes attributes of an item, creating it when it is missing.
func (s *Service) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	in, err := begin(ctx, in)
	if err != nil {
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
	names, values, update, err := writeExpressions(in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.UpdateExpression, compiled.Update, in.ConditionExpression)
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
	if update != nil {
		if err := update.CheckKeyAttributes(t.Schema.Names()...); err != nil {
			return nil, err
		}
	}
	attrs, capacity, err := s.writeItem(ctx, t, key, &partition.Command{
		Op: partition.OpUpdate, Table: t.ID, Schema: t.Schema, Key: key,
		ConditionExpression: in.ConditionExpression, UpdateExpression: in.UpdateExpression,
		Names: names, Values: values,
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator, AttributeUpdates: in.AttributeUpdates,
		ReturnValues: string(in.ReturnValues), ReturnValuesOnConditionCheckFailure: string(in.ReturnValuesOnConditionCheckFailure),
	}, in.ReturnConsumedCapacity)
	if err != nil {
		return nil, err
	}
	return &api.UpdateItemOutput{Attributes: attrs, ConsumedCapacity: capacity}, nil
}

// DeleteItem removes one item by its key, subject to its condition.
func (s *Service) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
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
	names, values, _, err := writeExpressions(in.ExpressionAttributeNames, in.ExpressionAttributeValues, "", nil, in.ConditionExpression)
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
	attrs, capacity, err := s.writeItem(ctx, t, key, &partition.Command{
		Op: partition.OpDelete, Table: t.ID, Schema: t.Schema, Key: key,
		ConditionExpression: in.ConditionExpression, Names: names, Values: values,
		Expected: in.Expected, ConditionalOperator: in.ConditionalOperator,
		ReturnValues: string(in.ReturnValues), ReturnValuesOnConditionCheckFailure: string(in.ReturnValuesOnConditionCheckFailure),
	}, in.ReturnConsumedCapacity)
	if err != nil {
		return nil, err
	}
	return &api.DeleteItemOutput{Attributes: attrs, ConsumedCapacity: capacity}, nil
}

// nonEmpty returns item, or nil when it has no attributes: DynamoDB omits
// an empty Attributes.
func nonEmpty(item attr.Item) attr.Item {
	if len(item) == 0 {
		return nil
	}
	return item
}
