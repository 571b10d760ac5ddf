package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/sigv4"
)

func noRetries(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }

// TestErrorsReachTheSDKAsItsTypedErrors checks every exception the service
// can raise against the SDK's typed error (or, where the SDK has none, its
// error code), with the message intact.
func TestErrorsReachTheSDKAsItsTypedErrors(t *testing.T) {
	fake := newFake()
	client := sdkClient(t, serve(t, fake, httpapi.Options{}), noRetries)

	cases := []struct {
		err   error
		check func(t *testing.T, err error)
	}{
		{&dberr.ConditionalCheckFailedException{Message: "The conditional request failed", Item: attr.Item{"pk": attr.S("user#1")}}, func(t *testing.T, err error) {
			var typed *types.ConditionalCheckFailedException
			require.ErrorAs(t, err, &typed)
			assert.Equal(t, "The conditional request failed", typed.ErrorMessage())
			assert.Equal(t, sdkKey("user#1"), typed.Item)
		}},
		{&dberr.TransactionCanceledException{Message: "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",
			CancellationReasons: []dberr.CancellationReason{{Code: "ConditionalCheckFailed", Message: "The conditional request failed", Item: attr.Item{"pk": attr.S("a")}}, {Code: "None"}}}, func(t *testing.T, err error) {
			var typed *types.TransactionCanceledException
			require.ErrorAs(t, err, &typed)
			assert.Contains(t, typed.ErrorMessage(), "Transaction cancelled")
			require.Len(t, typed.CancellationReasons, 2)
			assert.Equal(t, "ConditionalCheckFailed", aws.ToString(typed.CancellationReasons[0].Code))
			assert.Equal(t, "The conditional request failed", aws.ToString(typed.CancellationReasons[0].Message))
			assert.Equal(t, sdkKey("a"), typed.CancellationReasons[0].Item)
			assert.Equal(t, "None", aws.ToString(typed.CancellationReasons[1].Code))
		}},
		{&dberr.ResourceNotFoundException{Message: "Requested resource not found"}, typed[*types.ResourceNotFoundException]("Requested resource not found")},
		{&dberr.ResourceInUseException{Message: "Table already exists: t"}, typed[*types.ResourceInUseException]("Table already exists: t")},
		{&dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput for the table was exceeded."}, typed[*types.ProvisionedThroughputExceededException]("The level of configured provisioned throughput for the table was exceeded.")},
		{&dberr.ThrottlingException{Message: "Throughput exceeds the current capacity of your table or index."}, typed[*types.ThrottlingException]("Throughput exceeds the current capacity of your table or index.")},
		{&dberr.RequestLimitExceeded{Message: "Throughput exceeds the current throughput limit for your account."}, typed[*types.RequestLimitExceeded]("Throughput exceeds the current throughput limit for your account.")},
		{&dberr.ItemCollectionSizeLimitExceededException{Message: "Item collection size limit exceeded"}, typed[*types.ItemCollectionSizeLimitExceededException]("Item collection size limit exceeded")},
		{&dberr.LimitExceededException{Message: "Too many operations"}, typed[*types.LimitExceededException]("Too many operations")},
		{&dberr.TransactionConflictException{Message: "Transaction is ongoing for the item"}, typed[*types.TransactionConflictException]("Transaction is ongoing for the item")},
		{&dberr.TransactionInProgressException{Message: "in progress"}, typed[*types.TransactionInProgressException]("in progress")},
		{&dberr.IdempotentParameterMismatchException{Message: "mismatch"}, typed[*types.IdempotentParameterMismatchException]("mismatch")},
		{&dberr.InternalServerError{Message: "Internal server error"}, typed[*types.InternalServerError]("Internal server error")},
		{errors.New("disk on fire"), typed[*types.InternalServerError]("Internal server error")},
		{&dberr.ValidationException{Message: "One or more parameter values were invalid: Missing the key pk in the item"}, code("ValidationException", "One or more parameter values were invalid: Missing the key pk in the item")},
		{&dberr.SerializationException{Message: "NUMBER_VALUE cannot be converted to String"}, code("SerializationException", "NUMBER_VALUE cannot be converted to String")},
		{&dberr.AccessDeniedException{Message: "not allowed"}, code("AccessDeniedException", "not allowed")},
		{&dberr.UnknownOperationException{}, code("UnknownOperationException", "UnknownError")}, // the SDK's text for an error without a message
		{&dberr.ServiceUnavailable{Message: "try later"}, code("ServiceUnavailable", "try later")},
		{fmt.Errorf("wrapped: %w", &dberr.ResourceNotFoundException{Message: "Requested resource not found"}), typed[*types.ResourceNotFoundException]("Requested resource not found")},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%T", c.err), func(t *testing.T) {
			fake.fail("PutItem", c.err)
			_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: sdkKey("user#1")})
			require.Error(t, err)
			c.check(t, err)
		})
	}
}

func typed[T interface {
	*E
	smithy.APIError
}, E any](message string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		var target T
		require.ErrorAs(t, err, &target)
		assert.Equal(t, message, target.ErrorMessage())
	}
}

func code(name, message string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		var apiErr smithy.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, name, apiErr.ErrorCode())
		assert.Equal(t, message, apiErr.ErrorMessage())
	}
}

func TestRetryerRidesThroughThrottling(t *testing.T) {
	fake := newFake()
	fake.fail("GetItem",
		&dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput for the table was exceeded."},
		&dberr.ProvisionedThroughputExceededException{Message: "The level of configured provisioned throughput for the table was exceeded."})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: sdkKey("k")})
	require.NoError(t, err)
	assert.Nil(t, out.Item)
	assert.Equal(t, 3, fake.count("GetItem"))
}

func TestServiceSeesTheRequestContext(t *testing.T) {
	fake := newFake()
	entered := make(chan struct{})
	seen := make(chan error, 1)
	fake.block = func(ctx context.Context) {
		close(entered)
		<-ctx.Done() // released when the client gives up and the connection closes
		seen <- ctx.Err()
	}
	client := sdkClient(t, serve(t, fake, httpapi.Options{}), noRetries)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("t")})
		done <- err
	}()
	<-entered
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.ErrorIs(t, <-seen, context.Canceled)
}

func TestAuthenticationFailuresHaveDynamoDBsNames(t *testing.T) {
	fake := newFake()
	future := time.Now().Add(time.Hour)
	type authCase struct {
		name    string
		opts    httpapi.Options
		region  string // the client's; empty means the handler's
		keyID   string
		secret  string
		code    string
		message string
	}
	cases := []authCase{
		{"unknown access key", httpapi.Options{}, "", "AKIDUNKNOWN", testSecret, "UnrecognizedClientException", sigv4.MsgInvalidToken},
		{"wrong secret", httpapi.Options{}, "", testKeyID, "not-the-secret", "InvalidSignatureException", sigv4.MsgSignatureMismatch},
		{"expired date", httpapi.Options{Now: func() time.Time { return future }}, "", testKeyID, testSecret, "InvalidSignatureException", "Signature expired: "},
		{"no keys configured", httpapi.Options{Credentials: map[string]string{}, AllowAnyCredentials: false}, "", testKeyID, testSecret, "UnrecognizedClientException", sigv4.MsgInvalidToken},
		{"another region", httpapi.Options{}, "eu-west-1", testKeyID, testSecret, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, fake, c.opts)
			client := sdkClient(t, srv, noRetries, func(o *dynamodb.Options) {
				o.Credentials = credentials.NewStaticCredentialsProvider(c.keyID, c.secret, "")
				if c.region != "" {
					o.Region = c.region
				}
			})
			_, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
			var apiErr smithy.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, c.code, apiErr.ErrorCode())
			assert.Contains(t, apiErr.ErrorMessage(), c.message)
		})
	}
	assert.Zero(t, fake.count("ListTables"), "no unauthenticated request reaches the service")
}

func TestAllowAnyCredentialsAcceptsAnySignedRequest(t *testing.T) {
	fake := newFake()
	srv := serve(t, fake, httpapi.Options{AllowAnyCredentials: true})
	client := sdkClient(t, srv, func(o *dynamodb.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("anykey", "anysecret", "")
	})
	_, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Equal(t, 1, fake.count("ListTables"))

	// An access key ID that is not letters and digits is refused, as by
	// DynamoDB Local 2.x.
	odd := sdkClient(t, srv, noRetries, func(o *dynamodb.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("any_key", "anysecret", "")
	})
	_, err = odd.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	code("UnrecognizedClientException", sigv4.MsgInvalidAccessKeyID)(t, err)

	// With keys configured, only they are accepted.
	strict := serve(t, fake, httpapi.Options{AllowAnyCredentials: true, Credentials: map[string]string{testKeyID: testSecret}})
	_, err = sdkClient(t, strict, noRetries, func(o *dynamodb.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("anykey", "anysecret", "")
	}).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	code("UnrecognizedClientException", sigv4.MsgInvalidToken)(t, err)

	// Unsigned is still refused.
	resp := rawPost(t, srv, "ListTables", []byte(`{}`), map[string]string{"Authorization": ""})
	assert.Equal(t, 400, resp.status)
	assert.JSONEq(t, `{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`, string(resp.body))
}

func TestGzipBothWays(t *testing.T) {
	fake := newFake()
	fake.answer("GetItem", getItemOutput())
	srv := serve(t, fake, httpapi.Options{})

	// The SDK asks for gzip, checks the CRC32 of the gzipped bytes and
	// decompresses.
	client := sdkClient(t, srv, func(o *dynamodb.Options) { o.EnableAcceptEncodingGzip = true })
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: sdkKey("user#1")})
	require.NoError(t, err)
	requireSDKItem(t, sdkItem(), out.Item)

	// A gzipped request body, signed over the bytes sent.
	body := []byte(`{"TableName":"t","Key":{"pk":{"S":"user#1"}}}`)
	resp := rawPost(t, srv, "GetItem", gzipBytes(t, body), map[string]string{"Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
	require.Equal(t, 200, resp.status, string(resp.body))
	assert.Equal(t, "gzip", resp.header.Get("Content-Encoding"))
	assert.Equal(t, crcOf(resp.body), resp.header.Get("x-amz-crc32"), "CRC32 of the gzipped body")
	assert.Contains(t, string(gunzipBytes(t, resp.body)), `"Item":{`)
	in := fake.input("GetItem").(*api.GetItemInput)
	requireItem(t, attrKey("user#1"), in.Key)

	// A body that is not gzip at all.
	resp = rawPost(t, srv, "GetItem", body, map[string]string{"Content-Encoding": "gzip"})
	assert.Equal(t, 400, resp.status)
	assert.JSONEq(t, `{"__type":"com.amazon.coral.service#SerializationException"}`, string(resp.body))
}

func TestSessionTokensAreRefused(t *testing.T) {
	fake := newFake()
	client := sdkClient(t, serve(t, fake, httpapi.Options{}), noRetries, func(o *dynamodb.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "session-token")
	})
	_, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	code("UnrecognizedClientException", sigv4.MsgInvalidSessionToken)(t, err)
	assert.Zero(t, fake.count("ListTables"))
}
