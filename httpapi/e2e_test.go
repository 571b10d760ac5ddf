package httpapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// dataService is the real data plane over a Local backend, with the
// control plane of the fake.
type dataService struct {
	*dataplane.Service
	*fakeService
}

// Resolve the methods both embed in favour of the data plane.
func (s dataService) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	return s.Service.PutItem(ctx, in)
}

func (s dataService) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return s.Service.GetItem(ctx, in)
}

func (s dataService) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	return s.Service.UpdateItem(ctx, in)
}

func (s dataService) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	return s.Service.DeleteItem(ctx, in)
}

func (s dataService) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	return s.Service.Query(ctx, in)
}

func (s dataService) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	return s.Service.Scan(ctx, in)
}

func (s dataService) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return s.Service.BatchGetItem(ctx, in)
}

func (s dataService) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return s.Service.BatchWriteItem(ctx, in)
}

func newDataService(t testing.TB) dataService {
	t.Helper()
	local := dataplane.NewLocal()
	t.Cleanup(func() { require.NoError(t, local.Close()) })
	require.NoError(t, local.AddTable(dataplane.Table{Name: "orders", ID: 1, Schema: itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "customer", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "order", Type: attr.TypeN},
	}}))
	return dataService{Service: dataplane.New(local, dataplane.Options{}), fakeService: newFake()}
}

func order(customer, n string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"customer": &types.AttributeValueMemberS{Value: customer},
		"order":    &types.AttributeValueMemberN{Value: n},
	}
}

func TestEndToEndOverTheDataPlane(t *testing.T) {
	client := sdkClient(t, serve(t, newDataService(t), httpapi.Options{}))
	ctx := context.Background()

	for _, n := range []string{"1", "2", "3"} {
		item := order("ana", n)
		item["amount"] = &types.AttributeValueMemberN{Value: n + "0"}
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: item})
		require.NoError(t, err)
	}

	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("orders"), Key: order("ana", "2"), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	require.NoError(t, err)
	assert.Equal(t, &types.AttributeValueMemberN{Value: "20"}, got.Item["amount"])
	require.NotNil(t, got.ConsumedCapacity)
	assert.Equal(t, 0.5, aws.ToFloat64(got.ConsumedCapacity.CapacityUnits))

	// A failed condition returns the item it saw.
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("orders"), Item: order("ana", "1"),
		ConditionExpression:                 aws.String("attribute_not_exists(customer)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &ccf)
	assert.Equal(t, &types.AttributeValueMemberN{Value: "10"}, ccf.Item["amount"])

	updated, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("orders"), Key: order("ana", "3"),
		UpdateExpression:          aws.String("SET amount = amount + :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": &types.AttributeValueMemberN{Value: "5"}},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]types.AttributeValue{"amount": &types.AttributeValueMemberN{Value: "35"}}, updated.Attributes)

	// Paging through a Query with the SDK's paginator.
	pages := dynamodb.NewQueryPaginator(client, &dynamodb.QueryInput{
		TableName:                 aws.String("orders"),
		KeyConditionExpression:    aws.String("customer = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: "ana"}},
		Limit:                     aws.Int32(2),
	})
	var amounts []string
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		for _, item := range page.Items {
			amounts = append(amounts, item["amount"].(*types.AttributeValueMemberN).Value)
		}
	}
	assert.Equal(t, []string{"10", "20", "35"}, amounts)

	_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("orders"), Key: order("ana", "1")})
	require.NoError(t, err)
	scanned, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("orders"), Select: types.SelectCount})
	require.NoError(t, err)
	assert.Equal(t, int32(2), scanned.Count)

	// The data plane's validation reaches the SDK with its message.
	_, err = client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: order("ana", "1")})
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, err, &notFound)
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "x"}}})
	code("ValidationException", "One or more parameter values were invalid: Missing the key order in the item")(t, err)
}
