package dynamo

import "github.com/embeddynamo/dynamo/internal/api"

// This file names the inputs and outputs of the data-plane operations. They
// are named and shaped after DynamoDB's (and the AWS SDK for Go v2's), so code
// and habits carry over: a field DynamoDB calls ConditionExpression is called
// ConditionExpression here. Optional scalars whose absence differs from their
// zero value (Limit, ScanIndexForward, Segment, TotalSegments) are pointers,
// as in the SDK; the rest use their zero value for "not given".

// ReturnValue says which item attributes a write returns.
type ReturnValue = api.ReturnValue

// The ReturnValues choices. PutItem and DeleteItem accept NONE and ALL_OLD;
// UpdateItem accepts all five.
const (
	ReturnValueNone       = api.ReturnValueNone
	ReturnValueAllOld     = api.ReturnValueAllOld
	ReturnValueUpdatedOld = api.ReturnValueUpdatedOld
	ReturnValueAllNew     = api.ReturnValueAllNew
	ReturnValueUpdatedNew = api.ReturnValueUpdatedNew
)

// ReturnValuesOnConditionCheckFailure says whether a failed condition returns
// the existing item in the ConditionalCheckFailedException.
type ReturnValuesOnConditionCheckFailure = api.ReturnValuesOnConditionCheckFailure

// The ReturnValuesOnConditionCheckFailure choices.
const (
	ReturnValuesOnConditionCheckFailureNone   = api.ReturnValuesOnConditionCheckFailureNone
	ReturnValuesOnConditionCheckFailureAllOld = api.ReturnValuesOnConditionCheckFailureAllOld
)

// ReturnConsumedCapacity says how much capacity detail a response carries.
type ReturnConsumedCapacity = api.ReturnConsumedCapacity

// The ReturnConsumedCapacity choices: NONE (the default), TOTAL, and INDEXES
// (TOTAL plus a subtotal per table and index).
const (
	ReturnConsumedCapacityNone    = api.ReturnConsumedCapacityNone
	ReturnConsumedCapacityTotal   = api.ReturnConsumedCapacityTotal
	ReturnConsumedCapacityIndexes = api.ReturnConsumedCapacityIndexes
)

// ReturnItemCollectionMetrics says whether a write on a table with local
// secondary indexes reports the size of the item collection it touched.
type ReturnItemCollectionMetrics = api.ReturnItemCollectionMetrics

// The ReturnItemCollectionMetrics choices.
const (
	ReturnItemCollectionMetricsNone = api.ReturnItemCollectionMetricsNone
	ReturnItemCollectionMetricsSize = api.ReturnItemCollectionMetricsSize
)

// Select says what a Query or Scan returns.
type Select = api.Select

// The Select choices.
const (
	SelectAllAttributes          = api.SelectAllAttributes
	SelectAllProjectedAttributes = api.SelectAllProjectedAttributes
	SelectSpecificAttributes     = api.SelectSpecificAttributes
	SelectCount                  = api.SelectCount
)

// ExpectedAttributeValue is one entry of the legacy Expected parameter of
// PutItem, UpdateItem and DeleteItem. New code should use
// ConditionExpression; the two cannot be mixed in one request.
type ExpectedAttributeValue = api.ExpectedAttributeValue

// Condition is one entry of the legacy KeyConditions, QueryFilter and
// ScanFilter parameters.
type Condition = api.Condition

// AttributeValueUpdate is one entry of UpdateItem's legacy AttributeUpdates
// parameter. New code should use UpdateExpression.
type AttributeValueUpdate = api.AttributeValueUpdate

// Capacity is the capacity consumed on one table or index.
type Capacity = api.Capacity

// ConsumedCapacity reports the capacity an operation consumed, when the
// request asked for it with ReturnConsumedCapacity.
type ConsumedCapacity = api.ConsumedCapacity

// ItemCollectionMetrics reports the estimated size of the item collection a
// write touched, on tables with local secondary indexes.
type ItemCollectionMetrics = api.ItemCollectionMetrics

// PutItemInput is the input of PutItem: create an item or replace it whole.
type PutItemInput = api.PutItemInput

// PutItemOutput is the result of PutItem.
type PutItemOutput = api.PutItemOutput

// GetItemInput is the input of GetItem: read one item by its full key.
type GetItemInput = api.GetItemInput

// GetItemOutput is the result of GetItem; Item is nil when no item has the key.
type GetItemOutput = api.GetItemOutput

// UpdateItemInput is the input of UpdateItem: change attributes of an item,
// creating it if it does not exist.
type UpdateItemInput = api.UpdateItemInput

// UpdateItemOutput is the result of UpdateItem.
type UpdateItemOutput = api.UpdateItemOutput

// DeleteItemInput is the input of DeleteItem: delete one item by its key.
type DeleteItemInput = api.DeleteItemInput

// DeleteItemOutput is the result of DeleteItem.
type DeleteItemOutput = api.DeleteItemOutput

// QueryInput is the input of Query: the items of one item collection (one
// partition key value), in sort-key order, optionally narrowed by a sort-key
// condition and filtered.
type QueryInput = api.QueryInput

// QueryOutput is one page of a Query.
type QueryOutput = api.QueryOutput

// ScanInput is the input of Scan: every item of a table or index, in key
// space order, optionally split into parallel segments.
type ScanInput = api.ScanInput

// ScanOutput is one page of a Scan.
type ScanOutput = api.ScanOutput

// KeysAndAttributes names the items to read from one table in BatchGetItem.
type KeysAndAttributes = api.KeysAndAttributes

// BatchGetItemInput is the input of BatchGetItem: up to 100 keys across
// tables, read independently.
type BatchGetItemInput = api.BatchGetItemInput

// BatchGetItemOutput is the result of BatchGetItem.
type BatchGetItemOutput = api.BatchGetItemOutput

// PutRequest is a put inside BatchWriteItem.
type PutRequest = api.PutRequest

// DeleteRequest is a delete inside BatchWriteItem.
type DeleteRequest = api.DeleteRequest

// WriteRequest is one write of BatchWriteItem: exactly one of PutRequest and
// DeleteRequest is set.
type WriteRequest = api.WriteRequest

// BatchWriteItemInput is the input of BatchWriteItem: up to 25 puts and
// deletes across tables, each applied independently (not a transaction).
type BatchWriteItemInput = api.BatchWriteItemInput

// BatchWriteItemOutput is the result of BatchWriteItem.
type BatchWriteItemOutput = api.BatchWriteItemOutput
