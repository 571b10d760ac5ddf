// Package api holds the inputs and outputs of the data-plane operations,
// shaped after DynamoDB's. The root package aliases every one of them; the
// router, the HTTP endpoint and the reference model share them from here.
package api

import (
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// Item is an item: attribute names to values.
type Item = attr.Item

// AttributeValue is one attribute value.
type AttributeValue = attr.Value

// This file holds the inputs and outputs of the data-plane operations. They
// are named and shaped after DynamoDB's (and the AWS SDK for Go v2's), so code
// and habits carry over: a field DynamoDB calls ConditionExpression is called
// ConditionExpression here. Optional scalars whose absence differs from their
// zero value (Limit, ScanIndexForward, Segment, TotalSegments) are pointers,
// as in the SDK; the rest use their zero value for "not given".

// ReturnValue says which item attributes a write returns.
type ReturnValue string

// The ReturnValues choices. PutItem and DeleteItem accept NONE and ALL_OLD;
// UpdateItem accepts all five.
const (
	ReturnValueNone       ReturnValue = "NONE"
	ReturnValueAllOld     ReturnValue = "ALL_OLD"
	ReturnValueUpdatedOld ReturnValue = "UPDATED_OLD"
	ReturnValueAllNew     ReturnValue = "ALL_NEW"
	ReturnValueUpdatedNew ReturnValue = "UPDATED_NEW"
)

// ReturnValuesOnConditionCheckFailure says whether a failed condition returns
// the existing item in the ConditionalCheckFailedException.
type ReturnValuesOnConditionCheckFailure string

// The ReturnValuesOnConditionCheckFailure choices.
const (
	ReturnValuesOnConditionCheckFailureNone   ReturnValuesOnConditionCheckFailure = "NONE"
	ReturnValuesOnConditionCheckFailureAllOld ReturnValuesOnConditionCheckFailure = "ALL_OLD"
)

// ReturnConsumedCapacity says how much capacity detail a response carries.
type ReturnConsumedCapacity string

// The ReturnConsumedCapacity choices: NONE (the default), TOTAL, and INDEXES
// (TOTAL plus a subtotal per table and index).
const (
	ReturnConsumedCapacityNone    ReturnConsumedCapacity = "NONE"
	ReturnConsumedCapacityTotal   ReturnConsumedCapacity = "TOTAL"
	ReturnConsumedCapacityIndexes ReturnConsumedCapacity = "INDEXES"
)

// ReturnItemCollectionMetrics says whether a write on a table with local
// secondary indexes reports the size of the item collection it touched.
type ReturnItemCollectionMetrics string

// The ReturnItemCollectionMetrics choices.
const (
	ReturnItemCollectionMetricsNone ReturnItemCollectionMetrics = "NONE"
	ReturnItemCollectionMetricsSize ReturnItemCollectionMetrics = "SIZE"
)

// Select says what a Query or Scan returns.
type Select string

// The Select choices.
const (
	SelectAllAttributes          Select = "ALL_ATTRIBUTES"
	SelectAllProjectedAttributes Select = "ALL_PROJECTED_ATTRIBUTES"
	SelectSpecificAttributes     Select = "SPECIFIC_ATTRIBUTES"
	SelectCount                  Select = "COUNT"
)

// ExpectedAttributeValue is one entry of the legacy Expected parameter of
// PutItem, UpdateItem and DeleteItem. New code should use
// ConditionExpression; the two cannot be mixed in one request.
type ExpectedAttributeValue = legacy.ExpectedAttributeValue

// Condition is one entry of the legacy KeyConditions, QueryFilter and
// ScanFilter parameters.
type Condition = legacy.Condition

// AttributeValueUpdate is one entry of UpdateItem's legacy AttributeUpdates
// parameter. New code should use UpdateExpression.
type AttributeValueUpdate = legacy.AttributeValueUpdate

// Capacity is the capacity consumed on one table or index.
type Capacity struct {
	CapacityUnits      float64
	ReadCapacityUnits  float64
	WriteCapacityUnits float64
}

// ConsumedCapacity reports the capacity an operation consumed, when the
// request asked for it with ReturnConsumedCapacity.
type ConsumedCapacity struct {
	TableName          string
	CapacityUnits      float64
	ReadCapacityUnits  float64
	WriteCapacityUnits float64
	// Table, LocalSecondaryIndexes and GlobalSecondaryIndexes are set for
	// ReturnConsumedCapacity INDEXES.
	Table                  *Capacity
	LocalSecondaryIndexes  map[string]Capacity
	GlobalSecondaryIndexes map[string]Capacity
}

// ItemCollectionMetrics reports the estimated size of the item collection a
// write touched, on tables with local secondary indexes.
type ItemCollectionMetrics struct {
	ItemCollectionKey Item
	// SizeEstimateRangeGB is a lower and an upper bound, in GB.
	SizeEstimateRangeGB [2]float64
}

// PutItemInput is the input of PutItem: create an item or replace it whole.
type PutItemInput struct {
	TableName                           string
	Item                                Item
	ConditionExpression                 string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]AttributeValue
	ReturnValues                        ReturnValue
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure
	ReturnConsumedCapacity              ReturnConsumedCapacity
	ReturnItemCollectionMetrics         ReturnItemCollectionMetrics
	// Expected and ConditionalOperator are the legacy form of
	// ConditionExpression.
	Expected            map[string]ExpectedAttributeValue
	ConditionalOperator string
}

// PutItemOutput is the result of PutItem.
type PutItemOutput struct {
	// Attributes is the replaced item for ReturnValues ALL_OLD.
	Attributes            Item
	ConsumedCapacity      *ConsumedCapacity
	ItemCollectionMetrics *ItemCollectionMetrics
}

// GetItemInput is the input of GetItem: read one item by its full key.
type GetItemInput struct {
	TableName string
	Key       Item
	// ConsistentRead asks for a strongly consistent read, served by the
	// partition's leader; the default is eventually consistent.
	ConsistentRead           bool
	ProjectionExpression     string
	ExpressionAttributeNames map[string]string
	ReturnConsumedCapacity   ReturnConsumedCapacity
	// AttributesToGet is the legacy form of ProjectionExpression.
	AttributesToGet []string
}

// GetItemOutput is the result of GetItem; Item is nil when no item has the key.
type GetItemOutput struct {
	Item             Item
	ConsumedCapacity *ConsumedCapacity
}

// UpdateItemInput is the input of UpdateItem: change attributes of an item,
// creating it if it does not exist.
type UpdateItemInput struct {
	TableName                           string
	Key                                 Item
	UpdateExpression                    string
	ConditionExpression                 string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]AttributeValue
	ReturnValues                        ReturnValue
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure
	ReturnConsumedCapacity              ReturnConsumedCapacity
	ReturnItemCollectionMetrics         ReturnItemCollectionMetrics
	// AttributeUpdates, Expected and ConditionalOperator are the legacy
	// forms of UpdateExpression and ConditionExpression.
	AttributeUpdates    map[string]AttributeValueUpdate
	Expected            map[string]ExpectedAttributeValue
	ConditionalOperator string
}

// UpdateItemOutput is the result of UpdateItem.
type UpdateItemOutput struct {
	// Attributes holds what ReturnValues asked for.
	Attributes            Item
	ConsumedCapacity      *ConsumedCapacity
	ItemCollectionMetrics *ItemCollectionMetrics
}

// DeleteItemInput is the input of DeleteItem: delete one item by its key.
type DeleteItemInput struct {
	TableName                           string
	Key                                 Item
	ConditionExpression                 string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]AttributeValue
	ReturnValues                        ReturnValue
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure
	ReturnConsumedCapacity              ReturnConsumedCapacity
	ReturnItemCollectionMetrics         ReturnItemCollectionMetrics
	// Expected and ConditionalOperator are the legacy form of
	// ConditionExpression.
	Expected            map[string]ExpectedAttributeValue
	ConditionalOperator string
}

// DeleteItemOutput is the result of DeleteItem.
type DeleteItemOutput struct {
	// Attributes is the deleted item for ReturnValues ALL_OLD.
	Attributes            Item
	ConsumedCapacity      *ConsumedCapacity
	ItemCollectionMetrics *ItemCollectionMetrics
}

// QueryInput is the input of Query: the items of one item collection (one
// partition key value), in sort-key order, optionally narrowed by a sort-key
// condition and filtered.
type QueryInput struct {
	TableName string
	// IndexName queries a secondary index instead of the table.
	IndexName                 string
	KeyConditionExpression    string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]AttributeValue
	// ScanIndexForward nil or true reads in ascending sort-key order; false
	// descending.
	ScanIndexForward *bool
	// Limit caps the items evaluated (before the filter) in one page; nil
	// means no cap beyond the 1 MB page.
	Limit *int32
	// ExclusiveStartKey continues from a previous page's LastEvaluatedKey.
	ExclusiveStartKey      Item
	ConsistentRead         bool
	Select                 Select
	ReturnConsumedCapacity ReturnConsumedCapacity
	// KeyConditions, QueryFilter, ConditionalOperator and AttributesToGet
	// are the legacy forms of the expressions.
	KeyConditions       map[string]Condition
	QueryFilter         map[string]Condition
	ConditionalOperator string
	AttributesToGet     []string
}

// QueryOutput is one page of a Query.
type QueryOutput struct {
	// Items are the items that passed the filter (nil for Select COUNT).
	Items []Item
	// Count is the number of items that passed the filter; ScannedCount the
	// number evaluated before it.
	Count        int32
	ScannedCount int32
	// LastEvaluatedKey is set when more items may follow: pass it as the next
	// request's ExclusiveStartKey.
	LastEvaluatedKey Item
	ConsumedCapacity *ConsumedCapacity
}

// ScanInput is the input of Scan: every item of a table or index, in key
// space order, optionally split into parallel segments.
type ScanInput struct {
	TableName                 string
	IndexName                 string
	FilterExpression          string
	ProjectionExpression      string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]AttributeValue
	Limit                     *int32
	ExclusiveStartKey         Item
	ConsistentRead            bool
	Select                    Select
	// Segment and TotalSegments split a scan among parallel workers: worker
	// Segment of TotalSegments reads a disjoint share of the table. Both or
	// neither must be set.
	Segment                *int32
	TotalSegments          *int32
	ReturnConsumedCapacity ReturnConsumedCapacity
	// ScanFilter, ConditionalOperator and AttributesToGet are the legacy
	// forms of the expressions.
	ScanFilter          map[string]Condition
	ConditionalOperator string
	AttributesToGet     []string
}

// ScanOutput is one page of a Scan.
type ScanOutput struct {
	Items            []Item
	Count            int32
	ScannedCount     int32
	LastEvaluatedKey Item
	ConsumedCapacity *ConsumedCapacity
}

// KeysAndAttributes names the items to read from one table in BatchGetItem.
type KeysAndAttributes struct {
	Keys                     []Item
	ConsistentRead           bool
	ProjectionExpression     string
	ExpressionAttributeNames map[string]string
	// AttributesToGet is the legacy form of ProjectionExpression.
	AttributesToGet []string
}

// BatchGetItemInput is the input of BatchGetItem: up to 100 keys across
// tables, read independently.
type BatchGetItemInput struct {
	// RequestItems maps a table name to the keys to read from it.
	RequestItems           map[string]KeysAndAttributes
	ReturnConsumedCapacity ReturnConsumedCapacity
}

// BatchGetItemOutput is the result of BatchGetItem.
type BatchGetItemOutput struct {
	// Responses maps a table name to the items found, in no particular order.
	Responses map[string][]Item
	// UnprocessedKeys holds the keys not read (16 MB response limit,
	// throttling); send them again.
	UnprocessedKeys  map[string]KeysAndAttributes
	ConsumedCapacity []ConsumedCapacity
}

// PutRequest is a put inside BatchWriteItem.
type PutRequest struct{ Item Item }

// DeleteRequest is a delete inside BatchWriteItem.
type DeleteRequest struct{ Key Item }

// WriteRequest is one write of BatchWriteItem: exactly one of PutRequest and
// DeleteRequest is set.
type WriteRequest struct {
	PutRequest    *PutRequest
	DeleteRequest *DeleteRequest
}

// BatchWriteItemInput is the input of BatchWriteItem: up to 25 puts and
// deletes across tables, each applied independently (not a transaction).
type BatchWriteItemInput struct {
	RequestItems                map[string][]WriteRequest
	ReturnConsumedCapacity      ReturnConsumedCapacity
	ReturnItemCollectionMetrics ReturnItemCollectionMetrics
}

// BatchWriteItemOutput is the result of BatchWriteItem.
type BatchWriteItemOutput struct {
	// UnprocessedItems holds the writes not applied (throttling); send them
	// again.
	UnprocessedItems      map[string][]WriteRequest
	ConsumedCapacity      []ConsumedCapacity
	ItemCollectionMetrics map[string][]ItemCollectionMetrics
}
