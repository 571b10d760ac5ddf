package dynamotest_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/dynamotest"
)

// Code written against the AWS SDK for Go v2 runs unchanged against the
// fixture's endpoint: table creation with the SDK's waiter, writes, a
// conditional failure as the SDK's typed error, a paginated query.
func TestNewServerWithTheAWSSDK(t *testing.T) {
	// Cleanups run last-registered first: this check runs after the
	// fixture's. The SDK's idle keep-alive connections are its own.
	t.Cleanup(func() {
		goleak.VerifyNone(t, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
			goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
	})
	srv := dynamotest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := dynamodb.New(dynamodb.Options{
		Region:       srv.Region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})

	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("orders"),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("customer"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("id"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("customer"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	require.NoError(t, dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 10 * time.Millisecond
		o.MaxDelay = 100 * time.Millisecond
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")}, 30*time.Second))

	for i := range 25 {
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]types.AttributeValue{
			"customer": &types.AttributeValueMemberS{Value: "ada"},
			"id":       &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		}})
		require.NoError(t, err)
	}
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"),
		Item: map[string]types.AttributeValue{
			"customer": &types.AttributeValueMemberS{Value: "ada"},
			"id":       &types.AttributeValueMemberN{Value: "3"},
		},
		ConditionExpression: aws.String("attribute_not_exists(customer)")})
	var failed *types.ConditionalCheckFailedException
	require.True(t, errors.As(err, &failed), "got %v", err)

	pages := dynamodb.NewQueryPaginator(client, &dynamodb.QueryInput{
		TableName:                 aws.String("orders"),
		KeyConditionExpression:    aws.String("customer = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: "ada"}},
		Limit:                     aws.Int32(10),
		ConsistentRead:            aws.Bool(true),
	})
	count, n := 0, 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		count += int(page.Count)
		n++
	}
	require.Equal(t, 25, count)
	require.Equal(t, 3, n, "pages of 10, 10, 5")
}

// The SDK's standard retryer rides through throttling: writes beyond a
// small provisioned table's capacity are refused with
// ProvisionedThroughputExceededException, retried with backoff by the SDK,
// and all succeed.
func TestNewServerSDKRetriesThroughThrottling(t *testing.T) {
	srv := dynamotest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var throttled atomic.Int64
	client := dynamodb.New(dynamodb.Options{
		Region:       srv.Region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 20
			o.MaxBackoff = 500 * time.Millisecond
			o.RateLimiter = ratelimit.None
			// Seen first, decides nothing: counts the throttles.
			count := retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				var pte *types.ProvisionedThroughputExceededException
				if errors.As(err, &pte) {
					throttled.Add(1)
				}
				return aws.UnknownTernary
			})
			o.Retryables = append([]retry.IsErrorRetryable{count}, o.Retryables...)
		}),
	})
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("tiny"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(2)},
	})
	require.NoError(t, err)
	require.NoError(t, dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tiny")}, 30*time.Second))
	for i := range 8 {
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tiny"),
			Item: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: strconv.Itoa(i)}}})
		require.NoError(t, err)
	}
	require.Positive(t, throttled.Load(), "the table's 2 WCU throttled some of the 8 writes")
}
