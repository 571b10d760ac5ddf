package dataplane

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// validationCase is one request that must fail with a ValidationException
// carrying msg, and change nothing.
type validationCase struct {
	name string
	call func(context.Context, *Service) error
	msg  string
}

func runValidation(t *testing.T, cases []validationCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spy := &spyBackend{Backend: newLocal(t)}
			s := New(spy, Options{})
			requireValidation(t, c.call(context.Background(), s), c.msg)
			require.Zero(t, spy.writeCount(), "bad input reaches no write")
		})
	}
}

var (
	vs = map[string]attr.Value{":v": attr.S("x")}
	// longName is a 256-character table name.
	longName = strings.Repeat("t", 256)
)

func put(in api.PutItemInput) func(context.Context, *Service) error {
	return func(ctx context.Context, s *Service) error { _, err := s.PutItem(ctx, &in); return err }
}

func TestPutItemValidation(t *testing.T) {
	item := attr.Item{"pk": attr.S("a")}
	runValidation(t, []validationCase{
		{"no table name", put(api.PutItemInput{Item: item}),
			"1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"},
		{"short table name and no item", put(api.PutItemInput{TableName: "ab"}),
			"2 validation errors detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value null at 'item' failed to satisfy constraint: Member must not be null"},
		{"long table name with bad characters", put(api.PutItemInput{TableName: longName[:255] + "!", Item: item}),
			"2 validation errors detected: Value '" + longName[:255] + "!' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255; " +
				"Value '" + longName[:255] + "!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"enums", put(api.PutItemInput{TableName: "hash", Item: item, ReturnConsumedCapacity: "ALL", ReturnValues: "SOME", ReturnItemCollectionMetrics: "YES"}),
			"3 validation errors detected: Value 'ALL' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; " +
				"Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]; " +
				"Value 'YES' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"},
		{"ReturnValues ALL_NEW", put(api.PutItemInput{TableName: "hash", Item: item, ReturnValues: api.ReturnValueAllNew}), MsgReturnValuesInvalid},
		{"ReturnValues UPDATED_OLD", put(api.PutItemInput{TableName: "hash", Item: item, ReturnValues: api.ReturnValueUpdatedOld}), MsgReturnValuesInvalid},
		{"mixed legacy and expression", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "attribute_exists(a)",
			Expected: map[string]api.ExpectedAttributeValue{"a": {Exists: ptr(false)}}}),
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
		{"values without expression", put(api.PutItemInput{TableName: "hash", Item: item, ExpressionAttributeValues: vs}), legacy.MsgValuesWithoutExpr},
		{"names without expression", put(api.PutItemInput{TableName: "hash", Item: item, ExpressionAttributeNames: map[string]string{"#a": "a"}}), legacy.MsgNamesWithoutExpr},
		{"empty set in item", put(api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S("a"), "s": attr.NewSetUnchecked(attr.TypeSS, nil)}}),
			"One or more parameter values were invalid: An string set  may not be empty"},
		{"item too large", put(api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.S("a"), "p": attr.S(strings.Repeat("x", 400*1024))}}),
			"Item size has exceeded the maximum allowed size"},
		{"missing key", put(api.PutItemInput{TableName: "range", Item: item}),
			"One or more parameter values were invalid: Missing the key sk in the item"},
		{"key of the wrong type", put(api.PutItemInput{TableName: "hash", Item: attr.Item{"pk": attr.N("1")}}),
			"One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{"condition syntax", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "a ="}),
			"Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""},
		{"undefined value", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "a = :nope"}),
			"Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"},
		{"undefined name", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "#a = :v", ExpressionAttributeValues: vs}),
			"Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #a"},
		{"unused value", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "a = :v",
			ExpressionAttributeValues: map[string]attr.Value{":v": attr.S("x"), ":x": attr.S("y")}}),
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"unused name", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "a = :v", ExpressionAttributeValues: vs,
			ExpressionAttributeNames: map[string]string{"#b": "b"}}),
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"},
		{"empty values map", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "a = b", ExpressionAttributeValues: map[string]attr.Value{}}),
			"ExpressionAttributeValues must not be empty"},
		{"invalid value", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "a = :v", ExpressionAttributeValues: map[string]attr.Value{":v": attr.N("x1")}}),
			"ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: x1 for key :v"},
		{"reserved word", put(api.PutItemInput{TableName: "hash", Item: item, ConditionExpression: "size = :v", ExpressionAttributeValues: vs}),
			"Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: size"},
	})
}

func update(in api.UpdateItemInput) func(context.Context, *Service) error {
	return func(ctx context.Context, s *Service) error { _, err := s.UpdateItem(ctx, &in); return err }
}

func TestUpdateItemValidation(t *testing.T) {
	key := attr.Item{"pk": attr.S("a")}
	v := attr.S("x")
	runValidation(t, []validationCase{
		{"no key", update(api.UpdateItemInput{TableName: "hash"}),
			"1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"},
		{"bad ReturnValues", update(api.UpdateItemInput{TableName: "hash", Key: key, ReturnValues: "OLD"}),
			"1 validation error detected: Value 'OLD' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"},
		{"bad ReturnValuesOnConditionCheckFailure", update(api.UpdateItemInput{TableName: "hash", Key: key, ReturnValuesOnConditionCheckFailure: "ALL_NEW"}),
			"1 validation error detected: Value 'ALL_NEW' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"},
		{"extra key attribute", update(api.UpdateItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("a"), "b": attr.S("b")}}),
			"The provided key element does not match the schema"},
		{"missing sort key", update(api.UpdateItemInput{TableName: "range", Key: key}),
			"The provided key element does not match the schema"},
		{"key of the wrong type", update(api.UpdateItemInput{TableName: "range", Key: attr.Item{"pk": attr.S("a"), "sk": attr.S("1")}}),
			"The provided key element does not match the schema"},
		{"update of a key attribute", update(api.UpdateItemInput{TableName: "hash", Key: key, UpdateExpression: "SET pk = :v", ExpressionAttributeValues: vs}),
			"One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{"legacy update of a key attribute", update(api.UpdateItemInput{TableName: "hash", Key: key, AttributeUpdates: map[string]api.AttributeValueUpdate{"pk": {Value: &v}}}),
			"One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{"update syntax", update(api.UpdateItemInput{TableName: "hash", Key: key, UpdateExpression: "SET"}),
			"Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\""},
		{"mixed update forms", update(api.UpdateItemInput{TableName: "hash", Key: key, UpdateExpression: "SET a = :v", ExpressionAttributeValues: vs,
			AttributeUpdates: map[string]api.AttributeValueUpdate{"a": {Value: &v}}}),
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}"},
		{"unused value across update and condition", update(api.UpdateItemInput{TableName: "hash", Key: key, UpdateExpression: "SET a = :v", ConditionExpression: "b = :v",
			ExpressionAttributeValues: map[string]attr.Value{":v": v, ":w": v}}),
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
	})
}

func del(in api.DeleteItemInput) func(context.Context, *Service) error {
	return func(ctx context.Context, s *Service) error { _, err := s.DeleteItem(ctx, &in); return err }
}

func get(in api.GetItemInput) func(context.Context, *Service) error {
	return func(ctx context.Context, s *Service) error { _, err := s.GetItem(ctx, &in); return err }
}

func TestDeleteAndGetItemValidation(t *testing.T) {
	key := attr.Item{"pk": attr.S("a")}
	runValidation(t, []validationCase{
		{"delete ReturnValues ALL_NEW", del(api.DeleteItemInput{TableName: "hash", Key: key, ReturnValues: api.ReturnValueAllNew}), MsgReturnValuesInvalid},
		{"delete ReturnValues UPDATED_NEW", del(api.DeleteItemInput{TableName: "hash", Key: key, ReturnValues: api.ReturnValueUpdatedNew}), MsgReturnValuesInvalid},
		{"delete without key", del(api.DeleteItemInput{TableName: "hash"}),
			"1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"},
		{"delete with an empty key value", del(api.DeleteItemInput{TableName: "hash", Key: attr.Item{"pk": attr.S("")}}),
			"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"delete with a condition on nothing", del(api.DeleteItemInput{TableName: "hash", Key: key, ConditionExpression: "a = :v"}),
			"Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"},
		{"get without key", get(api.GetItemInput{TableName: "hash"}),
			"1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"},
		{"get with a wrong key", get(api.GetItemInput{TableName: "hash", Key: attr.Item{"id": attr.S("a")}}),
			"The provided key element does not match the schema"},
		{"get with projection and AttributesToGet", get(api.GetItemInput{TableName: "hash", Key: key, ProjectionExpression: "a", AttributesToGet: []string{"a"}}),
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"},
		{"get with duplicate AttributesToGet", get(api.GetItemInput{TableName: "hash", Key: key, AttributesToGet: []string{"a", "a"}}),
			"One or more parameter values were invalid: Duplicate value in attribute name: a"},
		{"get with unused name", get(api.GetItemInput{TableName: "hash", Key: key, ProjectionExpression: "a", ExpressionAttributeNames: map[string]string{"#a": "a"}}),
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}"},
		{"get with overlapping projection", get(api.GetItemInput{TableName: "hash", Key: key, ProjectionExpression: "a, a.b"}),
			"Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"get with bad ReturnConsumedCapacity", get(api.GetItemInput{TableName: "hash", Key: key, ReturnConsumedCapacity: "total"}),
			"1 validation error detected: Value 'total' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"},
	})
}

func queryCall(in api.QueryInput) func(context.Context, *Service) error {
	if in.TableName == "" {
		in.TableName = "range"
	}
	return func(ctx context.Context, s *Service) error { _, err := s.Query(ctx, &in); return err }
}

func TestQueryValidation(t *testing.T) {
	p := map[string]attr.Value{":p": attr.S("a")}
	pv := func(extra map[string]attr.Value) map[string]attr.Value {
		m := map[string]attr.Value{":p": attr.S("a")}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	kc := "pk = :p"
	runValidation(t, []validationCase{
		{"Limit 0", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, Limit: ptr(int32(0))}),
			"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"bad Select", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, Select: "SOME"}),
			"1 validation error detected: Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"},
		{"short index name", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, IndexName: "ix"}),
			"1 validation error detected: Value 'ix' at 'indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"no key condition", queryCall(api.QueryInput{}), legacy.MsgKeyConditionsMissing},
		{"unknown index", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, IndexName: "byDate"}),
			"The table does not have the specified index: byDate"},
		{"key condition on the sort key only", queryCall(api.QueryInput{KeyConditionExpression: "sk = :s", ExpressionAttributeValues: map[string]attr.Value{":s": attr.N("1")}}),
			"Query condition missed key schema element: pk"},
		{"partition key inequality", queryCall(api.QueryInput{KeyConditionExpression: "pk > :p", ExpressionAttributeValues: p}),
			"Query key condition not supported"},
		{"OR in key condition", queryCall(api.QueryInput{KeyConditionExpression: "pk = :p OR pk = :p", ExpressionAttributeValues: p}),
			// expr's text; dynalite reports it without the "Invalid
			// KeyConditionExpression: " prefix.
			"Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"},
		{"key type mismatch", queryCall(api.QueryInput{KeyConditionExpression: "pk = :p AND sk > :s", ExpressionAttributeValues: pv(map[string]attr.Value{":s": attr.S("1")})}),
			"One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"legacy key condition without the partition key", queryCall(api.QueryInput{KeyConditions: map[string]api.Condition{
			"sk": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.N("1")}}}}),
			"Query condition missed key schema element: pk"},
		{"filter on a key attribute", queryCall(api.QueryInput{KeyConditionExpression: kc, FilterExpression: "sk > :s", ExpressionAttributeValues: pv(map[string]attr.Value{":s": attr.N("1")})}),
			"Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{"QueryFilter on a key attribute", queryCall(api.QueryInput{
			KeyConditions: map[string]api.Condition{"pk": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.S("a")}}},
			QueryFilter:   map[string]api.Condition{"sk": {ComparisonOperator: legacy.OpNotNull}}}),
			"QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"},
		{"unused value", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: pv(map[string]attr.Value{":x": attr.S("x")})}),
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"projection with Select COUNT", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ProjectionExpression: "a", Select: api.SelectCount}),
			"Cannot specify the ProjectionExpression when choosing to get only the Count"},
		{"projection with ALL_ATTRIBUTES", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ProjectionExpression: "a", Select: api.SelectAllAttributes}),
			"Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"},
		{"projection with ALL_PROJECTED_ATTRIBUTES and no index", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ProjectionExpression: "a", Select: api.SelectAllProjectedAttributes}),
			"Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES"},
		{"ALL_PROJECTED_ATTRIBUTES without index", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, Select: api.SelectAllProjectedAttributes}),
			MsgAllProjectedNoIndex},
		{"AttributesToGet with Select COUNT", queryCall(api.QueryInput{
			KeyConditions:   map[string]api.Condition{"pk": {ComparisonOperator: legacy.OpEQ, AttributeValueList: []attr.Value{attr.S("a")}}},
			AttributesToGet: []string{"a"}, Select: api.SelectCount}),
			"Cannot specify the AttributesToGet when choosing to get only the Count"},
		{"SPECIFIC_ATTRIBUTES without projection", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, Select: api.SelectSpecificAttributes}),
			"1 validation error detected: " + MsgSpecificNeedsProjection},
		{"start key with a missing attribute", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ExclusiveStartKey: attr.Item{"pk": attr.S("a")}}),
			MsgStartKeyInvalid},
		{"start key of the wrong type", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ExclusiveStartKey: attr.Item{"pk": attr.S("a"), "sk": attr.S("1")}}),
			MsgStartKeyInvalid},
		{"start key with an extra attribute", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ExclusiveStartKey: rangeItem("a", 1, attr.Item{"x": attr.S("y")})}),
			MsgStartKeyInvalid},
		{"start key with an invalid value", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ExclusiveStartKey: attr.Item{"pk": attr.S("a"), "sk": attr.N("1e999")}}),
			"The provided starting key is invalid: Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"start key of another collection", queryCall(api.QueryInput{KeyConditionExpression: kc, ExpressionAttributeValues: p, ExclusiveStartKey: rangeItem("b", 1, nil)}),
			MsgStartKeyOutside},
		{"start key outside the sort key condition", queryCall(api.QueryInput{KeyConditionExpression: "pk = :p AND sk > :s",
			ExpressionAttributeValues: pv(map[string]attr.Value{":s": attr.N("5")}), ExclusiveStartKey: rangeItem("a", 1, nil)}),
			MsgStartKeyRange},
		{"start key of another collection within the sort key condition", queryCall(api.QueryInput{KeyConditionExpression: "pk = :p AND sk > :s",
			ExpressionAttributeValues: pv(map[string]attr.Value{":s": attr.N("5")}), ExclusiveStartKey: rangeItem("b", 9, nil)}),
			MsgStartKeyOneRow},
	})
}

func scanCall(in api.ScanInput) func(context.Context, *Service) error {
	if in.TableName == "" {
		in.TableName = "range"
	}
	return func(ctx context.Context, s *Service) error { _, err := s.Scan(ctx, &in); return err }
}

func TestScanValidation(t *testing.T) {
	runValidation(t, []validationCase{
		{"Limit and segments out of range", scanCall(api.ScanInput{Limit: ptr(int32(-1)), Segment: ptr(int32(-1)), TotalSegments: ptr(int32(0))}),
			"3 validation errors detected: Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0; " +
				"Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"too many segments", scanCall(api.ScanInput{Segment: ptr(int32(0)), TotalSegments: ptr(int32(1_000_001))}),
			"1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"},
		{"segment too large", scanCall(api.ScanInput{Segment: ptr(int32(1_000_000)), TotalSegments: ptr(int32(1_000_000))}),
			"1 validation error detected: Value '1000000' at 'segment' failed to satisfy constraint: Member must have value less than or equal to 999999"},
		{"Segment without TotalSegments", scanCall(api.ScanInput{Segment: ptr(int32(0))}), MsgSegmentWithoutTotal},
		{"TotalSegments without Segment", scanCall(api.ScanInput{TotalSegments: ptr(int32(4))}), MsgTotalWithoutSegment},
		{"Segment not below TotalSegments", scanCall(api.ScanInput{Segment: ptr(int32(5)), TotalSegments: ptr(int32(5))}),
			"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 5 is not less than TotalSegments: 5"},
		{"SPECIFIC_ATTRIBUTES without projection", scanCall(api.ScanInput{Select: api.SelectSpecificAttributes}), MsgSpecificNeedsProjection},
		{"ALL_PROJECTED_ATTRIBUTES without index", scanCall(api.ScanInput{Select: api.SelectAllProjectedAttributes}), MsgAllProjectedNoIndex},
		{"AttributesToGet with ALL_ATTRIBUTES", scanCall(api.ScanInput{Select: api.SelectAllAttributes, AttributesToGet: []string{"a"}}),
			"Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"},
		{"start key with a wrong attribute", scanCall(api.ScanInput{TableName: "hash", ExclusiveStartKey: attr.Item{"bad": attr.S("p")}}),
			"The provided starting key is invalid: The provided key element does not match the schema"},
		{"start key with an empty value", scanCall(api.ScanInput{TableName: "hash", ExclusiveStartKey: attr.Item{"pk": attr.SS()}}),
			"The provided starting key is invalid: One or more parameter values were invalid: An string set  may not be empty"},
		{"unknown index", scanCall(api.ScanInput{IndexName: "byDate"}), "The table does not have the specified index: byDate"},
		{"start key on an unknown index", scanCall(api.ScanInput{IndexName: "byDate", ExclusiveStartKey: rangeItem("a", 1, nil)}), MsgStartKeyInvalid},
		{"filter syntax", scanCall(api.ScanInput{FilterExpression: "((a = :v))", ExpressionAttributeValues: vs}),
			"Invalid FilterExpression: The expression has redundant parentheses;"},
		{"filter and ScanFilter", scanCall(api.ScanInput{FilterExpression: "a = :v", ExpressionAttributeValues: vs,
			ScanFilter: map[string]api.Condition{"a": {ComparisonOperator: legacy.OpNull}}}),
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}"},
		{"begins_with of a number", scanCall(api.ScanInput{FilterExpression: "begins_with(a, :n)", ExpressionAttributeValues: map[string]attr.Value{":n": attr.N("1")}}),
			"Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
	})
}

func batchGet(in api.BatchGetItemInput) func(context.Context, *Service) error {
	return func(ctx context.Context, s *Service) error { _, err := s.BatchGetItem(ctx, &in); return err }
}

func batchWrite(in api.BatchWriteItemInput) func(context.Context, *Service) error {
	return func(ctx context.Context, s *Service) error { _, err := s.BatchWriteItem(ctx, &in); return err }
}

func keys(n int, prefix string) []attr.Item {
	out := make([]attr.Item, n)
	for i := range out {
		out[i] = hashKey(fmt.Sprint(prefix, i))
	}
	return out
}

func TestBatchValidation(t *testing.T) {
	puts := func(n int) []api.WriteRequest {
		out := make([]api.WriteRequest, n)
		for i := range out {
			out[i] = putReq(hashKey(fmt.Sprint(i)))
		}
		return out
	}
	runValidation(t, []validationCase{
		{"get: no RequestItems", batchGet(api.BatchGetItemInput{}),
			"1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null"},
		{"get: empty RequestItems", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{}}),
			"1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"get: empty key list", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"hash": {Keys: []attr.Item{}}}}),
			"1 validation error detected: Value '[]' at 'requestItems.hash.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"get: bad table name", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"h!": {Keys: keys(1, "a")}}}),
			"1 validation error detected: Value 'h!' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: " +
				"[Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]"},
		{"get: too many keys", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{
			"hash": {Keys: keys(60, "a")}, "range": {Keys: func() []attr.Item {
				var ks []attr.Item
				for i := range 41 {
					ks = append(ks, rangeItem("r", i, nil))
				}
				return ks
			}()}}}),
			MsgBatchGetTooMany},
		{"get: duplicate keys", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{
			"range": {Keys: []attr.Item{rangeItem("a", 1, nil), {"pk": attr.S("a"), "sk": attr.N("1.0")}}}}}),
			MsgDuplicateKeys},
		{"get: wrong key", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"hash": {Keys: []attr.Item{{"id": attr.S("a")}}}}}),
			"The provided key element does not match the schema"},
		{"get: unused name", batchGet(api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"hash": {Keys: keys(1, "a"),
			ProjectionExpression: "a", ExpressionAttributeNames: map[string]string{"#b": "b"}}}}),
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"},
		{"write: no RequestItems", batchWrite(api.BatchWriteItemInput{}),
			"1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null"},
		{"write: empty request list", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {}}}),
			"1 validation error detected: Value '{hash=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"},
		{"write: too many requests", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": puts(20), "binary": {
			putReq(attr.Item{"b": attr.B([]byte{1}), "s": attr.S("1")}), putReq(attr.Item{"b": attr.B([]byte{1}), "s": attr.S("2")}),
			putReq(attr.Item{"b": attr.B([]byte{1}), "s": attr.S("3")}), putReq(attr.Item{"b": attr.B([]byte{1}), "s": attr.S("4")}),
			putReq(attr.Item{"b": attr.B([]byte{1}), "s": attr.S("5")}), putReq(attr.Item{"b": attr.B([]byte{1}), "s": attr.S("6")}),
		}}}), MsgBatchWriteTooMany},
		{"write: neither put nor delete", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {{}}}}), MsgWriteRequestShape},
		{"write: both put and delete", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {{
			PutRequest: &api.PutRequest{Item: hashKey("a")}, DeleteRequest: &api.DeleteRequest{Key: hashKey("a")}}}}}), MsgWriteRequestShape},
		{"write: put and delete of one key", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {putReq(hashKey("a")), delReq(hashKey("a"))}}}),
			MsgDuplicateKeys},
		{"write: put missing its key", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"range": {putReq(attr.Item{"pk": attr.S("a")})}}}),
			"One or more parameter values were invalid: Missing the key sk in the item"},
		{"write: delete with a wrong key", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {delReq(rangeItem("a", 1, nil))}}}),
			"The provided key element does not match the schema"},
		{"write: item too large", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": {putReq(attr.Item{"pk": attr.S("a"), "p": attr.S(strings.Repeat("x", 400*1024))})}}}),
			"Item size has exceeded the maximum allowed size"},
		{"write: bad enum", batchWrite(api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"hash": puts(1)}, ReturnItemCollectionMetrics: "ALL"}),
			"1 validation error detected: Value 'ALL' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"},
	})
}

func TestNilInputIsAnEmptyRequest(t *testing.T) {
	runValidation(t, []validationCase{
		{"PutItem", func(ctx context.Context, s *Service) error { _, err := s.PutItem(ctx, nil); return err },
			"2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'item' failed to satisfy constraint: Member must not be null"},
		{"GetItem", func(ctx context.Context, s *Service) error { _, err := s.GetItem(ctx, nil); return err },
			"2 validation errors detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'key' failed to satisfy constraint: Member must not be null"},
		{"Scan", func(ctx context.Context, s *Service) error { _, err := s.Scan(ctx, nil); return err },
			"1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"},
		{"BatchWriteItem", func(ctx context.Context, s *Service) error { _, err := s.BatchWriteItem(ctx, nil); return err },
			"1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null"},
	})
}
