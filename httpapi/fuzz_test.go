package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/wire"
)

// echoService answers every write with the item it was given and every
// read with the key it was asked for, so that what the Handler decoded
// comes back through its encoder.
type echoService struct{ *fakeService }

func (echoService) PutItem(_ context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	return &api.PutItemOutput{Attributes: in.Item, ConsumedCapacity: &api.ConsumedCapacity{TableName: in.TableName, CapacityUnits: 1}}, nil
}

func (echoService) GetItem(_ context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return &api.GetItemOutput{Item: in.Key}, nil
}

func (echoService) Query(_ context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	return &api.QueryOutput{Items: []attr.Item{in.ExclusiveStartKey, in.ExpressionAttributeValues}, LastEvaluatedKey: in.ExclusiveStartKey}, nil
}

func (echoService) BatchWriteItem(_ context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return &api.BatchWriteItemOutput{UnprocessedItems: in.RequestItems}, nil
}

func (echoService) BatchGetItem(_ context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return &api.BatchGetItemOutput{UnprocessedKeys: in.RequestItems}, nil
}

// fuzzAuthorization is a well-formed signature; with AllowAnyCredentials
// it is not checked.
const fuzzAuthorization = "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/dynamodb/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00"

func FuzzHandler(f *testing.F) {
	seeds := []struct{ target, body string }{
		{"PutItem", `{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"l":{"L":[{"BOOL":true},{"NULL":true},{"B":"AAE="}]}}},"s":{"SS":["x","y"]},"ns":{"NS":["1"]},"bs":{"BS":["AA=="]}},"Expected":{"a":{"Value":{"S":"v"},"Exists":true}}}`},
		{"GetItem", `{"TableName":"t","Key":{"pk":{"S":"a"}},"ConsistentRead":"yes","AttributesToGet":["a"]}`},
		{"Query", `{"TableName":"t","Limit":5,"ExclusiveStartKey":{"pk":{"S":"a"}},"ExpressionAttributeValues":{":v":{"N":"1"}},"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}}}`},
		{"Scan", `{"TableName":"t","Segment":1,"TotalSegments":2,"ScanFilter":{"a":{"ComparisonOperator":"NULL"}}}`},
		{"UpdateItem", `{"TableName":"t","Key":{"pk":{"S":"a"}},"AttributeUpdates":{"n":{"Action":"ADD","Value":{"N":"1"}}}}`},
		{"DeleteItem", `{"TableName":"t","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_OLD"}`},
		{"BatchWriteItem", `{"RequestItems":{"t":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]}}`},
		{"BatchGetItem", `{"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"}}],"ProjectionExpression":"pk"}}}`},
		{"CreateTable", `{"TableName":"t","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"GlobalSecondaryIndexes":[{"IndexName":"g","KeySchema":[],"Projection":{"ProjectionType":"ALL"}}]}`},
		{"UpdateTable", `{"TableName":"t","GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"g"}},{"Delete":{"IndexName":"h"}}]}`},
		{"ListTables", `{"Limit":1e40}`},
		{"TagResource", `{"ResourceArn":"a","Tags":[{"Key":"k","Value":"v"}]}`},
		{"DescribeEndpoints", `{}`},
		{"PutItem", `{"Item":{"a":{"S":1}}}`},
		{"PutItem", `{"TableName":"t\u0000\ud800","Item":{"a":{}}}`},
		{"Nope", `{`},
	}
	for _, s := range seeds {
		f.Add([]byte(s.body), s.target)
	}
	handler := httpapi.NewHandler(echoService{newFake()}, httpapi.Options{AllowAnyCredentials: true})
	f.Fuzz(func(t *testing.T, body []byte, target string) {
		req := httptest.NewRequest(http.MethodPost, "http://dynamodb.us-east-1.amazonaws.com/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("Authorization", fuzzAuthorization)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)

		got := rec.Body.Bytes()
		require.Regexp(t, requestIDPattern, rec.Header().Get("x-amzn-RequestId"))
		require.Equal(t, strconv.FormatUint(uint64(crc32Of(got)), 10), rec.Header().Get("x-amz-crc32"))
		switch rec.Code {
		case http.StatusOK:
			if len(got) > 0 {
				require.True(t, json.Valid(got), "invalid JSON response %q", got)
			}
		case http.StatusBadRequest:
			var envelope map[string]any
			require.NoError(t, json.Unmarshal(got, &envelope), "%q", got)
			require.Contains(t, envelope, "__type")
		case http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q %q: %s", rec.Code, target, body, got)
		}
		if rec.Code == http.StatusOK && target == "PutItem" {
			// The item decoded comes back encoded: it must read back equal.
			// Member names match exactly; the last of duplicates wins.
			var in, out map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &in))
			require.NoError(t, json.Unmarshal(got, &out))
			sent, err := wire.DecodeItem(orNull(in["Item"]))
			require.NoError(t, err)
			echoed, err := wire.DecodeItem(orNull(out["Attributes"]))
			require.NoError(t, err)
			require.True(t, attr.ItemsEqual(sent, echoed), "sent %v, echoed %v", sent, echoed)
		}
	})
}

func orNull(raw json.RawMessage) []byte {
	if raw == nil {
		return []byte("null")
	}
	return raw
}
