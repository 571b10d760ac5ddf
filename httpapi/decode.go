package httpapi

import (
	"errors"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/wire"
)

// decoder reads one request body. A SerializationException ends decoding
// at once; the first ValidationException found in an AttributeValue is kept
// and reported only when the whole body has been read, because DynamoDB
// parses the whole request before it validates.
type decoder struct {
	invalid error
}

// attrErr sorts an error from internal/wire: a SerializationException is
// returned, a ValidationException remembered.
func (d *decoder) attrErr(err error) error {
	if err == nil {
		return nil
	}
	var ser *dberr.SerializationException
	if errors.As(err, &ser) {
		return ser
	}
	if d.invalid == nil {
		d.invalid = err
	}
	return nil
}

// finish returns the remembered ValidationException, if any.
func (d *decoder) finish(err error) error {
	if err != nil {
		return err
	}
	return d.invalid
}

func (d *decoder) item(v []byte) (attr.Item, error) {
	if isNull(v) {
		return nil, nil
	}
	it, err := wire.DecodeItem(v)
	if err != nil {
		return nil, d.attrErr(err)
	}
	return it, nil
}

// values reads ExpressionAttributeValues; a value DynamoDB cannot read is
// reported with the context DynamoDB adds ("ExpressionAttributeValues
// contains invalid value: ... for key :v", dynalite's updateItem tests).
func (d *decoder) values(v []byte) (map[string]attr.Value, error) {
	if isNull(v) {
		return nil, nil
	}
	it, err := wire.DecodeItem(v)
	if err != nil {
		var ae *wire.AttributeError
		if errors.As(err, &ae) {
			err = &dberr.ValidationException{Message: "ExpressionAttributeValues contains invalid value: " +
				ae.Err.Message + " for key " + ae.Name}
		}
		return nil, d.attrErr(err)
	}
	return it, nil
}

func (d *decoder) value(v []byte) (*attr.Value, error) {
	if isNull(v) {
		return nil, nil
	}
	av, err := wire.DecodeValue(v)
	if err != nil {
		return nil, d.attrErr(err)
	}
	return &av, nil
}

// valueList reads an AttributeValueList; nil when absent.
func (d *decoder) valueList(v []byte) ([]attr.Value, error) {
	return listOf(v, func(e []byte) (attr.Value, bool, error) {
		av, err := d.value(e)
		if av == nil {
			return attr.Value{}, false, err
		}
		return *av, true, err
	})
}

// keyList reads BatchGetItem's Keys.
func (d *decoder) keyList(v []byte) ([]attr.Item, error) {
	return listOf(v, func(e []byte) (attr.Item, bool, error) {
		it, err := d.item(e)
		return it, it != nil, err
	})
}

func (d *decoder) expected(v []byte) (map[string]api.ExpectedAttributeValue, error) {
	return structMap(v, "ExpectedAttributeValue", func(x *api.ExpectedAttributeValue, field string, fv []byte) (err error) {
		switch field {
		case "Value":
			x.Value, err = d.value(fv)
		case "Exists":
			x.Exists, err = boolean(fv)
		case "ComparisonOperator":
			x.ComparisonOperator, err = str(fv)
		case "AttributeValueList":
			x.AttributeValueList, err = d.valueList(fv)
		}
		return err
	})
}

func (d *decoder) conditions(v []byte) (map[string]api.Condition, error) {
	return structMap(v, "Condition", func(c *api.Condition, field string, fv []byte) (err error) {
		switch field {
		case "ComparisonOperator":
			c.ComparisonOperator, err = str(fv)
		case "AttributeValueList":
			c.AttributeValueList, err = d.valueList(fv)
		}
		return err
	})
}

func (d *decoder) attributeUpdates(v []byte) (map[string]api.AttributeValueUpdate, error) {
	return structMap(v, "AttributeValueUpdate", func(u *api.AttributeValueUpdate, field string, fv []byte) (err error) {
		switch field {
		case "Value":
			u.Value, err = d.value(fv)
		case "Action":
			u.Action, err = str(fv)
		}
		return err
	})
}

func boolValue(v []byte) (bool, error) {
	b, err := boolean(v)
	return b != nil && *b, err
}

func decodePutItem(body []byte) (*api.PutItemInput, error) {
	in := &api.PutItemInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "Item":
			in.Item, err = d.item(v)
		case "ConditionExpression":
			in.ConditionExpression, err = str(v)
		case "ExpressionAttributeNames":
			in.ExpressionAttributeNames, err = strMap(v)
		case "ExpressionAttributeValues":
			in.ExpressionAttributeValues, err = d.values(v)
		case "ReturnValues":
			in.ReturnValues, err = enum[api.ReturnValue](v)
		case "ReturnValuesOnConditionCheckFailure":
			in.ReturnValuesOnConditionCheckFailure, err = enum[api.ReturnValuesOnConditionCheckFailure](v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "ReturnItemCollectionMetrics":
			in.ReturnItemCollectionMetrics, err = enum[api.ReturnItemCollectionMetrics](v)
		case "Expected":
			in.Expected, err = d.expected(v)
		case "ConditionalOperator":
			in.ConditionalOperator, err = str(v)
		}
		return err
	})
	return in, d.finish(err)
}

func decodeDeleteItem(body []byte) (*api.DeleteItemInput, error) {
	in := &api.DeleteItemInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "Key":
			in.Key, err = d.item(v)
		case "ConditionExpression":
			in.ConditionExpression, err = str(v)
		case "ExpressionAttributeNames":
			in.ExpressionAttributeNames, err = strMap(v)
		case "ExpressionAttributeValues":
			in.ExpressionAttributeValues, err = d.values(v)
		case "ReturnValues":
			in.ReturnValues, err = enum[api.ReturnValue](v)
		case "ReturnValuesOnConditionCheckFailure":
			in.ReturnValuesOnConditionCheckFailure, err = enum[api.ReturnValuesOnConditionCheckFailure](v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "ReturnItemCollectionMetrics":
			in.ReturnItemCollectionMetrics, err = enum[api.ReturnItemCollectionMetrics](v)
		case "Expected":
			in.Expected, err = d.expected(v)
		case "ConditionalOperator":
			in.ConditionalOperator, err = str(v)
		}
		return err
	})
	return in, d.finish(err)
}

func decodeUpdateItem(body []byte) (*api.UpdateItemInput, error) {
	in := &api.UpdateItemInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "Key":
			in.Key, err = d.item(v)
		case "UpdateExpression":
			in.UpdateExpression, err = str(v)
		case "ConditionExpression":
			in.ConditionExpression, err = str(v)
		case "ExpressionAttributeNames":
			in.ExpressionAttributeNames, err = strMap(v)
		case "ExpressionAttributeValues":
			in.ExpressionAttributeValues, err = d.values(v)
		case "ReturnValues":
			in.ReturnValues, err = enum[api.ReturnValue](v)
		case "ReturnValuesOnConditionCheckFailure":
			in.ReturnValuesOnConditionCheckFailure, err = enum[api.ReturnValuesOnConditionCheckFailure](v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "ReturnItemCollectionMetrics":
			in.ReturnItemCollectionMetrics, err = enum[api.ReturnItemCollectionMetrics](v)
		case "AttributeUpdates":
			in.AttributeUpdates, err = d.attributeUpdates(v)
		case "Expected":
			in.Expected, err = d.expected(v)
		case "ConditionalOperator":
			in.ConditionalOperator, err = str(v)
		}
		return err
	})
	return in, d.finish(err)
}

func decodeGetItem(body []byte) (*api.GetItemInput, error) {
	in := &api.GetItemInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "Key":
			in.Key, err = d.item(v)
		case "ConsistentRead":
			in.ConsistentRead, err = boolValue(v)
		case "ProjectionExpression":
			in.ProjectionExpression, err = str(v)
		case "ExpressionAttributeNames":
			in.ExpressionAttributeNames, err = strMap(v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "AttributesToGet":
			in.AttributesToGet, err = strList(v)
		}
		return err
	})
	return in, d.finish(err)
}

func decodeQuery(body []byte) (*api.QueryInput, error) {
	in := &api.QueryInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "IndexName":
			in.IndexName, err = str(v)
		case "KeyConditionExpression":
			in.KeyConditionExpression, err = str(v)
		case "FilterExpression":
			in.FilterExpression, err = str(v)
		case "ProjectionExpression":
			in.ProjectionExpression, err = str(v)
		case "ExpressionAttributeNames":
			in.ExpressionAttributeNames, err = strMap(v)
		case "ExpressionAttributeValues":
			in.ExpressionAttributeValues, err = d.values(v)
		case "ScanIndexForward":
			in.ScanIndexForward, err = boolean(v)
		case "Limit":
			in.Limit, err = int32Member(v)
		case "ExclusiveStartKey":
			in.ExclusiveStartKey, err = d.item(v)
		case "ConsistentRead":
			in.ConsistentRead, err = boolValue(v)
		case "Select":
			in.Select, err = enum[api.Select](v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "KeyConditions":
			in.KeyConditions, err = d.conditions(v)
		case "QueryFilter":
			in.QueryFilter, err = d.conditions(v)
		case "ConditionalOperator":
			in.ConditionalOperator, err = str(v)
		case "AttributesToGet":
			in.AttributesToGet, err = strList(v)
		}
		return err
	})
	return in, d.finish(err)
}

func decodeScan(body []byte) (*api.ScanInput, error) {
	in := &api.ScanInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "TableName":
			in.TableName, err = str(v)
		case "IndexName":
			in.IndexName, err = str(v)
		case "FilterExpression":
			in.FilterExpression, err = str(v)
		case "ProjectionExpression":
			in.ProjectionExpression, err = str(v)
		case "ExpressionAttributeNames":
			in.ExpressionAttributeNames, err = strMap(v)
		case "ExpressionAttributeValues":
			in.ExpressionAttributeValues, err = d.values(v)
		case "Limit":
			in.Limit, err = int32Member(v)
		case "ExclusiveStartKey":
			in.ExclusiveStartKey, err = d.item(v)
		case "ConsistentRead":
			in.ConsistentRead, err = boolValue(v)
		case "Select":
			in.Select, err = enum[api.Select](v)
		case "Segment":
			in.Segment, err = int32Member(v)
		case "TotalSegments":
			in.TotalSegments, err = int32Member(v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "ScanFilter":
			in.ScanFilter, err = d.conditions(v)
		case "ConditionalOperator":
			in.ConditionalOperator, err = str(v)
		case "AttributesToGet":
			in.AttributesToGet, err = strList(v)
		}
		return err
	})
	return in, d.finish(err)
}

func decodeBatchGetItem(body []byte) (*api.BatchGetItemInput, error) {
	in := &api.BatchGetItemInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "RequestItems":
			in.RequestItems, err = d.keysAndAttributes(v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		}
		return err
	})
	return in, d.finish(err)
}

func (d *decoder) keysAndAttributes(v []byte) (map[string]api.KeysAndAttributes, error) {
	return structMap(v, "KeysAndAttributes", func(ka *api.KeysAndAttributes, field string, fv []byte) (err error) {
		switch field {
		case "Keys":
			ka.Keys, err = d.keyList(fv)
		case "ConsistentRead":
			ka.ConsistentRead, err = boolValue(fv)
		case "ProjectionExpression":
			ka.ProjectionExpression, err = str(fv)
		case "ExpressionAttributeNames":
			ka.ExpressionAttributeNames, err = strMap(fv)
		case "AttributesToGet":
			ka.AttributesToGet, err = strList(fv)
		}
		return err
	})
}

func decodeBatchWriteItem(body []byte) (*api.BatchWriteItemInput, error) {
	in := &api.BatchWriteItemInput{}
	d := &decoder{}
	err := eachMember(body, func(name string, v []byte) (err error) {
		switch name {
		case "RequestItems":
			in.RequestItems, err = d.writeRequests(v)
		case "ReturnConsumedCapacity":
			in.ReturnConsumedCapacity, err = enum[api.ReturnConsumedCapacity](v)
		case "ReturnItemCollectionMetrics":
			in.ReturnItemCollectionMetrics, err = enum[api.ReturnItemCollectionMetrics](v)
		}
		return err
	})
	return in, d.finish(err)
}

func (d *decoder) writeRequests(v []byte) (map[string][]api.WriteRequest, error) {
	ok, err := mapOf(v, "", "java.util.List<"+classPrefix+"WriteRequest>")
	if !ok || err != nil {
		return nil, err
	}
	out := map[string][]api.WriteRequest{}
	err = eachMember(v, func(table string, e []byte) error {
		switch kind(e) {
		case 'n':
			return nil
		case '{':
			return serialization(msgStructNotExpected)
		case '[':
		default:
			return serialization(msgParameterizedCast)
		}
		reqs, err := structSlice(e, "WriteRequest", func(wr *api.WriteRequest, field string, fv []byte) error {
			switch field {
			case "PutRequest":
				return structInto(fv, "PutRequest", &wr.PutRequest, func(p *api.PutRequest, f string, iv []byte) (err error) {
					if f == "Item" {
						p.Item, err = d.item(iv)
					}
					return err
				})
			case "DeleteRequest":
				return structInto(fv, "DeleteRequest", &wr.DeleteRequest, func(r *api.DeleteRequest, f string, kv []byte) (err error) {
					if f == "Key" {
						r.Key, err = d.item(kv)
					}
					return err
				})
			}
			return nil
		})
		out[table] = reqs
		return err
	})
	return out, err
}
