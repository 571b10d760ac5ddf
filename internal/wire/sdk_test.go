package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/sigv4"
)

const (
	sdkKeyID  = "AKIDWIRETEST"
	sdkSecret = "wire-test-secret"
)

// handlerClient is an aws.HTTPClient that serves requests with an
// in-process handler: no sockets.
type handlerClient struct{ h http.Handler }

func (c handlerClient) Do(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// fakeDynamo verifies the SDK's signature, then answers every request with
// respond's error or body.
type fakeDynamo struct {
	t        *testing.T
	verifier *sigv4.Verifier
	respond  func(target string, body []byte) ([]byte, error)
	tamper   func(http.Header)
	requests int
}

func (f *fakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests++
	requestID := fmt.Sprintf("REQ%049d", f.requests)
	// assert, not require: over loopback this runs on a server goroutine.
	body, err := io.ReadAll(r.Body)
	assert.NoError(f.t, err)
	assert.Equal(f.t, ContentType, r.Header.Get("Content-Type"))
	if _, err := f.verifier.Verify(r, body); err != nil {
		EncodeError(w, requestID, err)
		return
	}
	out, err := f.respond(r.Header.Get("X-Amz-Target"), body)
	if f.tamper != nil {
		w = tamperingWriter{ResponseWriter: w, tamper: f.tamper}
	}
	if err != nil {
		EncodeError(w, requestID, err)
		return
	}
	EncodeResponse(w, requestID, out)
}

// tamperingWriter changes the headers just before they are sent.
type tamperingWriter struct {
	http.ResponseWriter
	tamper func(http.Header)
}

func (w tamperingWriter) WriteHeader(status int) {
	w.tamper(w.Header())
	w.ResponseWriter.WriteHeader(status)
}

func newClient(t *testing.T, f *fakeDynamo, secret string) *dynamodb.Client {
	f.t = t
	if f.verifier == nil {
		f.verifier = sigv4.New(sigv4.Config{
			Keys:   map[string]sigv4.Credentials{sdkKeyID: {SecretAccessKey: sdkSecret}},
			Region: "us-east-1",
		})
	}
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(sdkKeyID, secret, ""),
		BaseEndpoint:     aws.String("http://localhost:8000"),
		HTTPClient:       handlerClient{f},
		RetryMaxAttempts: 1,
	})
}

func failWith(err error) func(string, []byte) ([]byte, error) {
	return func(string, []byte) ([]byte, error) { return nil, err }
}

func TestSDKReadsEncodedErrors(t *testing.T) {
	ctx := context.Background()
	getItem := func(c *dynamodb.Client) error {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("T"),
			Key: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "1"}}})
		return err
	}
	putItem := func(c *dynamodb.Client) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"),
			Item: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "1"}}})
		return err
	}
	transact := func(c *dynamodb.Client) error {
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("T"),
				Item: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "1"}}}}}})
		return err
	}
	createTable := func(c *dynamodb.Client) error {
		_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("T"),
			BillingMode:          types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}}})
		return err
	}
	oldItem := attr.Item{"k": attr.S("1"), "n": attr.N("7"), "b": attr.B([]byte{1, 2})}
	cases := []struct {
		name   string
		err    error
		call   func(*dynamodb.Client) error
		status int
		check  func(t *testing.T, err error)
	}{
		{name: "conditional check failed with the old item", call: putItem, status: 400,
			err: &dberr.ConditionalCheckFailedException{Message: "The conditional request failed", Item: oldItem},
			check: func(t *testing.T, err error) {
				var e *types.ConditionalCheckFailedException
				require.ErrorAs(t, err, &e)
				require.Equal(t, "The conditional request failed", e.ErrorMessage())
				require.Equal(t, map[string]types.AttributeValue{
					"k": &types.AttributeValueMemberS{Value: "1"},
					"n": &types.AttributeValueMemberN{Value: "7"},
					"b": &types.AttributeValueMemberB{Value: []byte{1, 2}},
				}, e.Item)
			}},
		{name: "resource not found", call: getItem, status: 400,
			err: &dberr.ResourceNotFoundException{Message: "Requested resource not found"},
			check: func(t *testing.T, err error) {
				var e *types.ResourceNotFoundException
				require.ErrorAs(t, err, &e)
				require.Equal(t, "Requested resource not found", e.ErrorMessage())
			}},
		{name: "resource in use", call: createTable, status: 400,
			err: &dberr.ResourceInUseException{Message: "Table already exists: T"},
			check: func(t *testing.T, err error) {
				var e *types.ResourceInUseException
				require.ErrorAs(t, err, &e)
				require.Equal(t, "Table already exists: T", e.ErrorMessage())
			}},
		{name: "provisioned throughput exceeded", call: getItem, status: 400,
			err: &dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput " +
				"for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."},
			check: func(t *testing.T, err error) {
				var e *types.ProvisionedThroughputExceededException
				require.ErrorAs(t, err, &e)
				require.Contains(t, e.ErrorMessage(), "configured provisioned throughput")
			}},
		{name: "transaction cancelled with reasons", call: transact, status: 400,
			err: &dberr.TransactionCanceledException{
				Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
				CancellationReasons: []dberr.CancellationReason{
					{Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: attr.Item{"k": attr.S("1")}},
					{Code: "None"},
				}},
			check: func(t *testing.T, err error) {
				var e *types.TransactionCanceledException
				require.ErrorAs(t, err, &e)
				require.Contains(t, e.ErrorMessage(), "[ConditionalCheckFailed, None]")
				require.Len(t, e.CancellationReasons, 2)
				require.Equal(t, "ConditionalCheckFailed", aws.ToString(e.CancellationReasons[0].Code))
				require.Equal(t, "The conditional request failed", aws.ToString(e.CancellationReasons[0].Message))
				require.Equal(t, map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "1"}},
					e.CancellationReasons[0].Item)
				require.Equal(t, "None", aws.ToString(e.CancellationReasons[1].Code))
				require.Nil(t, e.CancellationReasons[1].Message)
			}},
		{name: "transaction conflict", call: putItem, status: 400,
			err: &dberr.TransactionConflictException{Message: "Transaction is ongoing for the item"},
			check: func(t *testing.T, err error) {
				var e *types.TransactionConflictException
				require.ErrorAs(t, err, &e)
			}},
		{name: "item collection size limit", call: putItem, status: 400,
			err: &dberr.ItemCollectionSizeLimitExceededException{Message: "Item collection size limit exceeded"},
			check: func(t *testing.T, err error) {
				var e *types.ItemCollectionSizeLimitExceededException
				require.ErrorAs(t, err, &e)
			}},
		{name: "limit exceeded", call: createTable, status: 400,
			err: &dberr.LimitExceededException{Message: "Too many tables"},
			check: func(t *testing.T, err error) {
				var e *types.LimitExceededException
				require.ErrorAs(t, err, &e)
				require.Equal(t, "Too many tables", e.ErrorMessage())
			}},
		{name: "internal server error", call: getItem, status: 500,
			err: &dberr.InternalServerError{Message: "Internal server error", Err: errors.New("disk on fire")},
			check: func(t *testing.T, err error) {
				var e *types.InternalServerError
				require.ErrorAs(t, err, &e)
				require.Equal(t, "Internal server error", e.ErrorMessage())
				require.NotContains(t, err.Error(), "disk on fire")
			}},
		{name: "plain error is an internal server error without its text", call: getItem, status: 500,
			err: errors.New("secret detail"),
			check: func(t *testing.T, err error) {
				var e *types.InternalServerError
				require.ErrorAs(t, err, &e)
				require.Equal(t, MsgInternalServerError, e.ErrorMessage())
				require.NotContains(t, err.Error(), "secret detail")
			}},
		{name: "wrapped exception", call: getItem, status: 400,
			err: fmt.Errorf("get item: %w", &dberr.ResourceNotFoundException{Message: "Requested resource not found"}),
			check: func(t *testing.T, err error) {
				var e *types.ResourceNotFoundException
				require.ErrorAs(t, err, &e)
			}},
		{name: "throttling", call: createTable, status: 400,
			err: &dberr.ThrottlingException{Message: "Rate of requests exceeds the allowed throughput."},
			check: func(t *testing.T, err error) {
				var e *types.ThrottlingException
				require.ErrorAs(t, err, &e)
				require.Equal(t, "Rate of requests exceeds the allowed throughput.", e.ErrorMessage())
			}},
		{name: "validation", call: getItem, status: 400,
			err: &dberr.ValidationException{Message: "One or more parameter values were invalid: bad"},
			check: func(t *testing.T, err error) {
				var e smithy.APIError
				require.ErrorAs(t, err, &e)
				require.Equal(t, "ValidationException", e.ErrorCode())
				require.Equal(t, "One or more parameter values were invalid: bad", e.ErrorMessage())
			}},
		{name: "serialization with capitalised Message", call: getItem, status: 400,
			err: &dberr.SerializationException{Message: "NUMBER_VALUE cannot be converted to String"},
			check: func(t *testing.T, err error) {
				var e smithy.APIError
				require.ErrorAs(t, err, &e)
				require.Equal(t, "SerializationException", e.ErrorCode())
				require.Equal(t, "NUMBER_VALUE cannot be converted to String", e.ErrorMessage())
			}},
		{name: "attribute error unwraps to its validation exception", call: putItem, status: 400,
			err: &AttributeError{Name: "k", Err: &dberr.ValidationException{Message: MsgEmptyValue}},
			check: func(t *testing.T, err error) {
				var e smithy.APIError
				require.ErrorAs(t, err, &e)
				require.Equal(t, "ValidationException", e.ErrorCode())
				require.Equal(t, MsgEmptyValue, e.ErrorMessage())
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeDynamo{respond: failWith(tc.err)}
			err := tc.call(newClient(t, f, sdkSecret))
			require.Error(t, err)
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			require.Equal(t, tc.status, re.HTTPStatusCode())
			require.Equal(t, fmt.Sprintf("REQ%049d", 1), re.ServiceRequestID())
			tc.check(t, err)
		})
	}
}

func TestSDKReadsAuthenticationErrors(t *testing.T) {
	ok := func(string, []byte) ([]byte, error) { return []byte(`{"TableNames":[]}`), nil }
	cases := []struct {
		name     string
		secret   string
		verifier *sigv4.Verifier
		code     string
		msg      string
	}{
		{name: "wrong secret", secret: "not-the-secret", code: "InvalidSignatureException", msg: sigv4.MsgSignatureMismatch},
		{name: "unknown key", secret: sdkSecret, code: "UnrecognizedClientException", msg: sigv4.MsgInvalidToken,
			verifier: sigv4.New(sigv4.Config{Keys: map[string]sigv4.Credentials{"OTHER": {SecretAccessKey: "x"}}})},
		{name: "clock far ahead", secret: sdkSecret, code: "InvalidSignatureException",
			verifier: sigv4.New(sigv4.Config{
				Keys: map[string]sigv4.Credentials{sdkKeyID: {SecretAccessKey: sdkSecret}},
				Now:  func() time.Time { return time.Now().Add(time.Hour) }})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeDynamo{respond: ok, verifier: tc.verifier}
			_, err := newClient(t, f, tc.secret).ListTables(context.Background(), &dynamodb.ListTablesInput{})
			var e smithy.APIError
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.code, e.ErrorCode())
			if tc.msg != "" {
				require.Equal(t, tc.msg, e.ErrorMessage())
			} else {
				require.Contains(t, e.ErrorMessage(), "Signature expired: ")
			}
		})
	}

	f := &fakeDynamo{respond: ok}
	out, err := newClient(t, f, sdkSecret).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	require.Empty(t, out.TableNames)
}

// everyType is an item with every attribute type, as attr values and as the
// SDK's types.
func everyType() (attr.Item, map[string]types.AttributeValue) {
	item := attr.Item{
		"s":    attr.S("text \"quoted\" é\n"),
		"n":    attr.N("-12.5E3"),
		"b":    attr.B([]byte{0, 0xff, 0x10}),
		"t":    attr.Bool(true),
		"f":    attr.Bool(false),
		"null": attr.Null(),
		"m":    attr.M(map[string]attr.Value{"inner": attr.S("x"), "deeper": attr.L(attr.N("1"))}),
		"l":    attr.L(attr.S("a"), attr.N("2"), attr.M(nil)),
		"ss":   attr.SS("x", "y"),
		"ns":   attr.NS("1", "2.5"),
		"bs":   attr.BS([]byte("a"), []byte{}),
	}
	sdk := map[string]types.AttributeValue{
		"s":    &types.AttributeValueMemberS{Value: "text \"quoted\" é\n"},
		"n":    &types.AttributeValueMemberN{Value: "-12.5E3"},
		"b":    &types.AttributeValueMemberB{Value: []byte{0, 0xff, 0x10}},
		"t":    &types.AttributeValueMemberBOOL{Value: true},
		"f":    &types.AttributeValueMemberBOOL{Value: false},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"inner":  &types.AttributeValueMemberS{Value: "x"},
			"deeper": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "1"}}},
		}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberS{Value: "a"},
			&types.AttributeValueMemberN{Value: "2"},
			&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
		"ss": &types.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"ns": &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{[]byte("a"), {}}},
	}
	return item, sdk
}

func TestSDKReadsEncodedItems(t *testing.T) {
	item, want := everyType()
	f := &fakeDynamo{respond: func(target string, _ []byte) ([]byte, error) {
		assert.Equal(t, "DynamoDB_20120810.GetItem", target)
		body := append([]byte(`{"Item":`), AppendItem(nil, item)...)
		return append(body, '}'), nil
	}}
	out, err := newClient(t, f, sdkSecret).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("T"), Key: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "1"}}})
	require.NoError(t, err)
	require.Equal(t, want, out.Item)
}

func TestDecodesSDKRequests(t *testing.T) {
	want, item := everyType()
	var got attr.Item
	f := &fakeDynamo{respond: func(_ string, body []byte) ([]byte, error) {
		var req struct {
			TableName string
			Item      Item
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, err
		}
		got = attr.Item(req.Item)
		return []byte(`{}`), nil
	}}
	_, err := newClient(t, f, sdkSecret).PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String("T"), Item: item})
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(want, got), "decoded %s, want %s", got, want)
}

// The SDK checks x-amz-crc32 as it closes the response body and reports a
// mismatch through its logger (it has already returned the output).
func TestSDKChecksCRC32(t *testing.T) {
	var logged []string
	logger := logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		logged = append(logged, fmt.Sprintf(format, v...))
	})
	f := &fakeDynamo{respond: func(string, []byte) ([]byte, error) { return []byte(`{"TableNames":["a"]}`), nil }}
	list := func() {
		c := newClient(t, f, sdkSecret)
		out, err := c.ListTables(context.Background(), &dynamodb.ListTablesInput{}, func(o *dynamodb.Options) {
			o.Logger = logger
		})
		require.NoError(t, err)
		require.Equal(t, []string{"a"}, out.TableNames)
	}

	list()
	require.Empty(t, logged, "the SDK found our checksum wrong")

	f.tamper = func(h http.Header) { h.Set(HeaderCRC32, "12345") }
	list()
	require.Len(t, logged, 1)
	require.Contains(t, logged[0], "did not match expected checksum")
}

func TestErrorEnvelope(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"validation", &dberr.ValidationException{Message: "bad"}, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"bad"}`},
		{"serialization", &dberr.SerializationException{Message: "x"}, 400,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"x"}`},
		{"serialization without message", &dberr.SerializationException{}, 400,
			`{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"conditional check without item", &dberr.ConditionalCheckFailedException{Message: "The conditional request failed"}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
		{"missing token", &sigv4.MissingAuthenticationTokenException{Message: sigv4.MsgMissingToken}, 400,
			`{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`},
		{"throttling", &dberr.ThrottlingException{Message: "slow down"}, 400,
			`{"__type":"com.amazon.coral.availability#ThrottlingException","message":"slow down"}`},
		{"internal", &dberr.InternalServerError{Message: "Internal server error"}, 500,
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{"service unavailable", serviceUnavailable{}, 503,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailable","message":"try later"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			EncodeError(rec, "RID", tc.err)
			require.Equal(t, tc.status, rec.Code)
			require.Equal(t, tc.body, rec.Body.String())
			require.Equal(t, ContentType, rec.Header().Get("Content-Type"))
			require.Equal(t, "RID", rec.Header().Get(HeaderRequestID))
			require.Equal(t, fmt.Sprint(len(tc.body)), rec.Header().Get("Content-Length"))
		})
	}
	// dynalite records DynamoDB's checksum of this exact body.
	rec := httptest.NewRecorder()
	EncodeError(rec, "RID", &dberr.SerializationException{})
	require.Equal(t, "3948637019", rec.Header().Get(HeaderCRC32))
	require.Equal(t, "com.amazon.coral.service#UnknownOperationException", ErrorType("UnknownOperationException"))
	require.Equal(t, 400, ErrorStatus("ResourceNotFoundException"))
}

type serviceUnavailable struct{}

func (serviceUnavailable) Error() string        { return "ServiceUnavailable: try later" }
func (serviceUnavailable) ErrorCode() string    { return "ServiceUnavailable" }
func (serviceUnavailable) ErrorMessage() string { return "try later" }
func (serviceUnavailable) Retryable() bool      { return true }

// TestSDKOverLoopback runs the SDK against a real HTTP server on 127.0.0.1,
// so the request the verifier sees has been through net/http's client and
// server (Host, Content-Length and header handling as in production).
func TestSDKOverLoopback(t *testing.T) {
	item, sdkItem := everyType()
	var stored attr.Item
	f := &fakeDynamo{t: t, respond: func(target string, body []byte) ([]byte, error) {
		switch target {
		case "DynamoDB_20120810.PutItem":
			var req struct{ Item Item }
			if err := json.Unmarshal(body, &req); err != nil {
				return nil, err
			}
			stored = attr.Item(req.Item)
			return []byte(`{}`), nil
		case "DynamoDB_20120810.GetItem":
			out := append([]byte(`{"Item":`), AppendItem(nil, stored)...)
			return append(out, '}'), nil
		}
		return nil, &dberr.ValidationException{Message: "unexpected " + target}
	}}
	f.verifier = sigv4.New(sigv4.Config{
		Keys:   map[string]sigv4.Credentials{sdkKeyID: {SecretAccessKey: sdkSecret}},
		Region: "us-east-1",
	})
	server := httptest.NewServer(f)
	defer server.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(sdkKeyID, sdkSecret, ""),
		BaseEndpoint:     aws.String(server.URL),
		HTTPClient:       &http.Client{Transport: transport},
		RetryMaxAttempts: 1,
	})
	ctx := context.Background()
	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T"), Item: sdkItem})
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(item, stored), "stored %s, want %s", stored, item)
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("T"),
		Key: map[string]types.AttributeValue{"s": sdkItem["s"]}})
	require.NoError(t, err)
	require.Equal(t, sdkItem, out.Item)
	_, err = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("T")})
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, "ValidationException", api.ErrorCode())
	require.Equal(t, "unexpected DynamoDB_20120810.DeleteTable", api.ErrorMessage())
}
