package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// rawPost sends body to the target operation, signed with the test key
// unless headers has "Authorization" (an empty one sends none).
func rawPost(t testing.TB, srv *httptest.Server, target string, body []byte, headers map[string]string) rawResponse {
	t.Helper()
	return rawRequest(t, srv, http.MethodPost, target, body, headers)
}

func rawRequest(t testing.TB, srv *httptest.Server, method, target string, body []byte, headers map[string]string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	}
	auth, custom := headers["Authorization"]
	for k, v := range headers {
		if k != "Authorization" {
			req.Header.Set(k, v)
		}
	}
	switch {
	case !custom:
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", testRegion, time.Now()))
	case auth != "":
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: got}
}

func crcOf(b []byte) string { return strconv.FormatUint(uint64(crc32Of(b)), 10) }

func crc32Of(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func gunzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

func getItemOutput() *api.GetItemOutput { return &api.GetItemOutput{Item: attrItem()} }

var requestIDPattern = regexp.MustCompile(`^[0-9A-Z]{52}$`)

// requireEnvelope checks the headers every response carries.
func requireEnvelope(t *testing.T, resp rawResponse) {
	t.Helper()
	assert.Regexp(t, requestIDPattern, resp.header.Get("x-amzn-RequestId"))
	assert.Equal(t, crcOf(resp.body), resp.header.Get("x-amz-crc32"))
	assert.Equal(t, strconv.Itoa(len(resp.body)), resp.header.Get("Content-Length"))
}

func TestMalformedRequestsGetDynamoDBsAnswers(t *testing.T) {
	fake := newFake()
	srv := serve(t, fake, httpapi.Options{})
	const (
		serializationNoMessage = `{"__type":"com.amazon.coral.service#SerializationException"}`
		unknownOperation       = `{"__type":"com.amazon.coral.service#UnknownOperationException"}`
	)
	cases := []struct {
		name   string
		target string
		body   string
		want   string
	}{
		{"not JSON", "PutItem", `hi`, serializationNoMessage},
		{"truncated JSON", "PutItem", `{"TableName":"t"`, serializationNoMessage},
		{"not JSON beats an unknown target", "Nope", `{`, serializationNoMessage},
		{"no body", "ListTables", ``, serializationNoMessage},
		{"JSON list", "ListTables", `[]`, ser("Start of list found where not expected")},
		{"JSON string", "ListTables", `"x"`, serializationNoMessage},
		{"JSON null", "ListTables", `null`, serializationNoMessage},
		{"unknown target", "ListTable", `{}`, unknownOperation},
		{"no target", "", `{}`, unknownOperation},
		{"string as boolean", "GetItem", `{"ConsistentRead":"maybe"}`, ser("Unexpected token received from parser")},
		{"true as string", "PutItem", `{"TableName":true}`, ser("TRUE_VALUE cannot be converted to String")},
		{"false as string", "PutItem", `{"TableName":false}`, ser("FALSE_VALUE cannot be converted to String")},
		{"number as string", "DeleteTable", `{"TableName":23}`, ser("NUMBER_VALUE cannot be converted to String")},
		{"decimal as string", "DescribeTable", `{"TableName":3.5}`, ser("DECIMAL_VALUE cannot be converted to String")},
		{"list as string", "Scan", `{"IndexName":[]}`, ser("Unrecognized collection type class java.lang.String")},
		{"object as string", "Scan", `{"IndexName":{}}`, ser("Start of structure or map found where not expected")},
		{"string as integer", "Query", `{"Limit":"5"}`, ser("STRING_VALUE cannot be converted to Integer")},
		{"true as integer", "Scan", `{"Segment":true}`, ser("TRUE_VALUE cannot be converted to Integer")},
		{"list as integer", "ListTables", `{"Limit":[]}`, ser("Unrecognized collection type class java.lang.Integer")},
		{"string as long", "CreateTable", `{"ProvisionedThroughput":{"ReadCapacityUnits":"5"}}`, ser("STRING_VALUE cannot be converted to Long")},
		{"number as boolean", "GetItem", `{"ConsistentRead":23}`, ser("NUMBER_VALUE cannot be converted to Boolean")},
		{"decimal as boolean", "Query", `{"ScanIndexForward":2.5}`, ser("DECIMAL_VALUE cannot be converted to Boolean")},
		{"list as boolean", "GetItem", `{"ConsistentRead":[]}`, ser("Unrecognized collection type class java.lang.Boolean")},
		{"string as list", "CreateTable", `{"KeySchema":"23"}`, ser("Unexpected field type")},
		{"object as list", "GetItem", `{"AttributesToGet":{}}`, ser("Start of structure or map found where not expected")},
		{"number in a list of structures", "CreateTable", `{"KeySchema":[23]}`, ser("Unexpected value type in payload")},
		{"list in a list of structures", "CreateTable", `{"KeySchema":[[]]}`, ser("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement")},
		{"string as structure", "CreateTable", `{"ProvisionedThroughput":"x"}`, ser("Unexpected field type")},
		{"list as structure", "UpdateTable", `{"StreamSpecification":[]}`, ser("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.StreamSpecification")},
		{"list as map of strings", "Query", `{"ExpressionAttributeNames":[]}`, ser("Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>")},
		{"number as map", "PutItem", `{"Expected":1}`, ser("Unexpected field type")},
		{"list as request items", "BatchWriteItem", `{"RequestItems":[]}`, ser("Unrecognized collection type java.util.Map<java.lang.String, java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>")},
		{"string as write requests", "BatchWriteItem", `{"RequestItems":{"t":"23"}}`, ser("class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')")},
		{"list as keys and attributes", "BatchGetItem", `{"RequestItems":{"t":[]}}`, ser("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeysAndAttributes")},
		{"number in an AttributeValue", "PutItem", `{"Item":{"a":{"S":1}}}`, ser("NUMBER_VALUE cannot be converted to String")},
		{"serialization beats validation", "PutItem", `{"Item":{"a":{}},"TableName":1}`, ser("NUMBER_VALUE cannot be converted to String")},
		{"empty AttributeValue", "PutItem", `{"TableName":"t","Item":{"a":{}}}`, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"}`},
		{"empty expression attribute value", "UpdateItem", `{"ExpressionAttributeValues":{":v":{}}}`, `{"__type":"com.amazon.coral.validate#ValidationException","message":"ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes for key :v"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := rawPost(t, srv, c.target, []byte(c.body), nil)
			assert.Equal(t, 400, resp.status)
			assert.JSONEq(t, c.want, string(resp.body))
			assert.Equal(t, "application/x-amz-json-1.0", resp.header.Get("Content-Type"))
			requireEnvelope(t, resp)
		})
	}
	for _, op := range []string{"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "CreateTable", "UpdateTable", "ListTables"} {
		assert.Zero(t, fake.count(op), "%s reached the service", op)
	}
}

func ser(msg string) string {
	return `{"__type":"com.amazon.coral.service#SerializationException","Message":"` + msg + `"}`
}

func TestUnknownMembersAreIgnoredAndLenientValuesRead(t *testing.T) {
	fake := newFake()
	srv := serve(t, fake, httpapi.Options{})
	resp := rawPost(t, srv, "Query", []byte(`{"TableName":"t","Bogus":{"deep":[1,{"x":null}]},"Limit":7.9,"ConsistentRead":"YES",`+
		`"ScanIndexForward":null,"ExclusiveStartKey":{"pk":{"S":"a","Unknown":1}},"AttributesToGet":["a",null,"b"]}`), nil)
	require.Equal(t, 200, resp.status, string(resp.body))
	in := fake.input("Query").(*api.QueryInput)
	assert.Equal(t, "t", in.TableName)
	assert.Equal(t, aws.Int32(7), in.Limit, "a fraction is truncated")
	assert.True(t, in.ConsistentRead)
	assert.Nil(t, in.ScanIndexForward)
	requireItem(t, attr.Item{"pk": attr.S("a")}, in.ExclusiveStartKey)
	assert.Equal(t, []string{"a", "b"}, in.AttributesToGet)

	resp = rawPost(t, srv, "ListTables", []byte(`{"Limit":1e30}`), nil)
	require.Equal(t, 200, resp.status, string(resp.body))
	assert.Equal(t, aws.Int32(2147483647), fake.input("ListTables").(*catalog.ListTablesInput).Limit)
}

func TestProtocolLevelAnswers(t *testing.T) {
	fake := newFake()
	srv := serve(t, fake, httpapi.Options{})

	t.Run("GET is a health check", func(t *testing.T) {
		resp := rawRequest(t, srv, http.MethodGet, "", nil, map[string]string{"Authorization": ""})
		assert.Equal(t, 200, resp.status)
		assert.Equal(t, "healthy: dynamodb.us-east-1.amazonaws.com ", string(resp.body))
		requireEnvelope(t, resp)
	})
	t.Run("health check names the region", func(t *testing.T) {
		other := serve(t, fake, httpapi.Options{Region: "eu-west-2"})
		resp := rawRequest(t, other, http.MethodGet, "", nil, map[string]string{"Authorization": ""})
		assert.Equal(t, "healthy: dynamodb.eu-west-2.amazonaws.com ", string(resp.body))
	})
	for _, c := range []struct {
		name        string
		method      string
		contentType string
		body        string
	}{
		{"PUT", http.MethodPut, "application/x-amz-json-1.0", "{}"},
		{"DELETE", http.MethodDelete, "application/x-amz-json-1.0", ""},
		{"OPTIONS", http.MethodOptions, "", ""},
		{"body without content type", http.MethodPost, "", "hi"},
		{"wrong content type", http.MethodPost, "whatever", "hi"},
		{"JSON 1.1", http.MethodPost, "application/x-amz-json-1.1", "{}"},
		{"content type with a suffix", http.MethodPost, "application/jsonasdf", "{}"},
	} {
		t.Run(c.name+" is not found", func(t *testing.T) {
			resp := rawRequest(t, srv, c.method, "ListTables", []byte(c.body), map[string]string{"Content-Type": c.contentType})
			assert.Equal(t, 404, resp.status)
			assert.Equal(t, "<UnknownOperationException/>\n", string(resp.body))
			assert.Equal(t, "3552371480", resp.header.Get("x-amz-crc32"))
			requireEnvelope(t, resp)
		})
	}
	t.Run("CORS preflight", func(t *testing.T) {
		resp := rawRequest(t, srv, http.MethodOptions, "", nil, map[string]string{"Authorization": "", "Origin": "https://app.example",
			"Access-Control-Request-Headers": "a, b, c", "Access-Control-Request-Method": "POST"})
		assert.Equal(t, 200, resp.status)
		assert.Equal(t, "*", resp.header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "a, b, c", resp.header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, "POST", resp.header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "172800", resp.header.Get("Access-Control-Max-Age"))
		assert.Empty(t, resp.body)
		requireEnvelope(t, resp)
	})
	t.Run("CORS on an answer", func(t *testing.T) {
		resp := rawPost(t, srv, "Nope", []byte(`{}`), map[string]string{"Origin": "https://app.example"})
		assert.Equal(t, 400, resp.status)
		assert.Equal(t, "*", resp.header.Get("Access-Control-Allow-Origin"))
	})
	t.Run("application/json is answered in kind", func(t *testing.T) {
		resp := rawPost(t, srv, "ListTables", []byte(`{}`), map[string]string{"Content-Type": "  application/json  ;   charset=x"})
		assert.Equal(t, 200, resp.status)
		assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
		assert.JSONEq(t, `{"TableNames":[]}`, string(resp.body))
		requireEnvelope(t, resp)
	})
	t.Run("missing Authorization", func(t *testing.T) {
		resp := rawPost(t, srv, "ListTables", []byte(`{}`), map[string]string{"Authorization": ""})
		assert.Equal(t, 400, resp.status)
		assert.JSONEq(t, `{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`, string(resp.body))
		requireEnvelope(t, resp)
	})
	t.Run("16 MiB body is too large", func(t *testing.T) {
		resp := rawPost(t, srv, "PutItem", bytes.Repeat([]byte{' '}, httpapi.MaxRequestBytes), map[string]string{"Authorization": ""})
		assert.Equal(t, 413, resp.status)
		assert.Empty(t, resp.body)
		requireEnvelope(t, resp)
	})
	t.Run("16 MiB - 1 body is read", func(t *testing.T) {
		body := append([]byte(`{"TableName":"t"}`), bytes.Repeat([]byte{' '}, httpapi.MaxRequestBytes-1-17)...)
		resp := rawPost(t, srv, "DescribeTable", body, nil)
		assert.Equal(t, 200, resp.status, string(resp.body))
	})
	t.Run("a gzip body over the limit once decompressed", func(t *testing.T) {
		zipped := gzipBytes(t, bytes.Repeat([]byte{' '}, httpapi.MaxRequestBytes))
		resp := rawPost(t, srv, "PutItem", zipped, map[string]string{"Content-Encoding": "gzip"})
		assert.Equal(t, 413, resp.status)
	})
	t.Run("success carries the envelope", func(t *testing.T) {
		resp := rawPost(t, srv, "DescribeLimits", []byte(`{}`), nil)
		assert.Equal(t, 200, resp.status)
		assert.JSONEq(t, `{"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,"TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000}`, string(resp.body))
		requireEnvelope(t, resp)
		assert.False(t, strings.Contains(resp.header.Get("Content-Encoding"), "gzip"))
	})
	t.Run("TagResource answers with an empty body", func(t *testing.T) {
		resp := rawPost(t, srv, "TagResource", []byte(`{"ResourceArn":"arn","Tags":[{"Key":"k","Value":"v"}]}`), nil)
		assert.Equal(t, 200, resp.status)
		assert.Empty(t, resp.body)
		requireEnvelope(t, resp)
	})
	t.Run("capacity units are written with a fraction", func(t *testing.T) {
		fake.answer("PutItem", &api.PutItemOutput{ConsumedCapacity: &api.ConsumedCapacity{TableName: "t", CapacityUnits: 1}})
		resp := rawPost(t, srv, "PutItem", []byte(`{"TableName":"t","Item":{"pk":{"S":"a"}}}`), nil)
		assert.Equal(t, 200, resp.status)
		assert.Equal(t, `{"ConsumedCapacity":{"TableName":"t","CapacityUnits":1.0}}`, string(resp.body))
	})
}

func TestErrorStatuses(t *testing.T) {
	fake := newFake()
	srv := serve(t, fake, httpapi.Options{})
	for _, c := range []struct {
		err    error
		status int
		body   string
	}{
		{&dberr.ResourceNotFoundException{Message: "Requested resource not found"}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`},
		{&dberr.InternalServerError{Message: "Internal server error"}, 500,
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{errors.New("not for the client's eyes"), 500,
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{&dberr.ServiceUnavailable{Message: "try later"}, 503,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailable","message":"try later"}`},
		{&dberr.ConditionalCheckFailedException{Message: "The conditional request failed", Item: attr.Item{"pk": attr.S("a")}}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"a"}}}`},
	} {
		fake.fail("DeleteItem", c.err)
		resp := rawPost(t, srv, "DeleteItem", []byte(`{"TableName":"t","Key":{"pk":{"S":"a"}}}`), nil)
		assert.Equal(t, c.status, resp.status, c.body)
		assert.JSONEq(t, c.body, string(resp.body))
		requireEnvelope(t, resp)
	}
}

// TestAnswersAreByteForByteDynamoDBs compares whole bodies and their CRC32
// with the values dynalite's connection tests recorded from DynamoDB.
func TestAnswersAreByteForByteDynamoDBs(t *testing.T) {
	srv := serve(t, newFake(), httpapi.Options{})
	jsonType := map[string]string{"Authorization": "", "Content-Type": "application/json"}
	for _, c := range []struct {
		name    string
		target  string
		body    string
		headers map[string]string
		crc     string
	}{
		{"no target", "", "", jsonType, "1368724161"},
		{"not JSON", "ListTables", "hi", jsonType, "3948637019"},
		{"no Authorization", "ListTables", "", jsonType, "2088342776"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := rawPost(t, srv, c.target, []byte(c.body), c.headers)
			assert.Equal(t, 400, resp.status)
			assert.Equal(t, c.crc, resp.header.Get("x-amz-crc32"), "body %s", resp.body)
			assert.Equal(t, "application/json", resp.header.Get("Content-Type"))
			requireEnvelope(t, resp)
		})
	}
}
