package tabletarget

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
)

// SDKAPI is API over the AWS SDK for Go v2: each call is sent as an HTTP
// request to the endpoint the SDK client is configured with (this
// project's HTTP endpoint, or DynamoDB itself). It carries the request
// members the target sets and the response members it reads, no others:
// it is the target's transport, not a general converter. The SDK's errors
// pass through unchanged; their ErrorCode is what the target classifies.
type SDKAPI struct {
	client *dynamodb.Client
}

var _ API = (*SDKAPI)(nil)

// NewSDKAPI returns an API sending its calls through client. Configure the
// client with ConnectionRetryer to see throttling as the endpoint answers
// it: the SDK's default retryer retries throttled requests itself.
func NewSDKAPI(client *dynamodb.Client) *SDKAPI { return &SDKAPI{client: client} }

// ConnectionRetryer is the SDK retryer for a benchmark's client: it tries
// an operation again only when the connection failed under it, at most
// twice, at once and without the SDK's retry quota, so that throttling and
// every error of the service reach the benchmark as the endpoint returned
// them. Go's HTTP client can report a connection it closed itself while
// the SDK read a complete response ("use of closed network connection",
// aws-sdk-go-v2 issue 2737); with no retry at all (RetryMaxAttempts 1) a
// run would count that as the endpoint's error. A retried write may apply
// twice, which a benchmark's workload tolerates.
func ConnectionRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// CreateTable creates the table.
func (s *SDKAPI) CreateTable(ctx context.Context, in *catalog.CreateTableInput) (*catalog.CreateTableOutput, error) {
	req := &dynamodb.CreateTableInput{TableName: aws.String(in.TableName), BillingMode: types.BillingMode(in.BillingMode)}
	for _, k := range in.KeySchema {
		req.KeySchema = append(req.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)})
	}
	for _, d := range in.AttributeDefinitions {
		req.AttributeDefinitions = append(req.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(d.AttributeName), AttributeType: types.ScalarAttributeType(d.AttributeType)})
	}
	if p := in.ProvisionedThroughput; p != nil {
		req.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: p.ReadCapacityUnits, WriteCapacityUnits: p.WriteCapacityUnits}
	}
	out, err := s.client.CreateTable(ctx, req)
	if err != nil {
		return nil, err
	}
	return &catalog.CreateTableOutput{TableDescription: describe(out.TableDescription)}, nil
}

// DescribeTable reports the table's name and status.
func (s *SDKAPI) DescribeTable(ctx context.Context, in *catalog.DescribeTableInput) (*catalog.DescribeTableOutput, error) {
	out, err := s.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(in.TableName)})
	if err != nil {
		return nil, err
	}
	return &catalog.DescribeTableOutput{Table: describe(out.Table)}, nil
}

func describe(d *types.TableDescription) *catalog.TableDescription {
	if d == nil {
		return nil
	}
	return &catalog.TableDescription{TableName: aws.ToString(d.TableName), TableStatus: catalog.TableStatus(d.TableStatus)}
}

// PutItem writes an item.
func (s *SDKAPI) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(in.TableName), Item: toSDKItem(in.Item)}); err != nil {
		return nil, err
	}
	return &api.PutItemOutput{}, nil
}

// GetItem reads an item.
func (s *SDKAPI) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(in.TableName), Key: toSDKItem(in.Key), ConsistentRead: aws.Bool(in.ConsistentRead)})
	if err != nil {
		return nil, err
	}
	item, err := fromSDKItem(out.Item)
	if err != nil {
		return nil, err
	}
	return &api.GetItemOutput{Item: item}, nil
}

// UpdateItem updates an item, on a condition if there is one.
func (s *SDKAPI) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	req := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(in.TableName),
		Key:                       toSDKItem(in.Key),
		UpdateExpression:          optional(in.UpdateExpression),
		ConditionExpression:       optional(in.ConditionExpression),
		ExpressionAttributeNames:  in.ExpressionAttributeNames,
		ExpressionAttributeValues: toSDKItem(in.ExpressionAttributeValues),
	}
	if _, err := s.client.UpdateItem(ctx, req); err != nil {
		return nil, err
	}
	return &api.UpdateItemOutput{}, nil
}

// Query reads a page of one item collection.
func (s *SDKAPI) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(in.TableName),
		KeyConditionExpression:    optional(in.KeyConditionExpression),
		ExpressionAttributeNames:  in.ExpressionAttributeNames,
		ExpressionAttributeValues: toSDKItem(in.ExpressionAttributeValues),
		Limit:                     in.Limit,
		ExclusiveStartKey:         toSDKItem(in.ExclusiveStartKey),
		ConsistentRead:            aws.Bool(in.ConsistentRead),
	})
	if err != nil {
		return nil, err
	}
	last, err := fromSDKItem(out.LastEvaluatedKey)
	if err != nil {
		return nil, err
	}
	return &api.QueryOutput{Count: out.Count, ScannedCount: out.ScannedCount, LastEvaluatedKey: last}, nil
}

// Scan reads a page of the table.
func (s *SDKAPI) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	out, err := s.client.Scan(ctx, &dynamodb.ScanInput{
		TableName:         aws.String(in.TableName),
		Limit:             in.Limit,
		ExclusiveStartKey: toSDKItem(in.ExclusiveStartKey),
		ConsistentRead:    aws.Bool(in.ConsistentRead),
	})
	if err != nil {
		return nil, err
	}
	last, err := fromSDKItem(out.LastEvaluatedKey)
	if err != nil {
		return nil, err
	}
	return &api.ScanOutput{Count: out.Count, ScannedCount: out.ScannedCount, LastEvaluatedKey: last}, nil
}

// BatchWriteItem writes a batch and returns its unprocessed writes.
func (s *SDKAPI) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	req := &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{}}
	for table, writes := range in.RequestItems {
		for _, w := range writes {
			var sw types.WriteRequest
			if w.PutRequest != nil {
				sw.PutRequest = &types.PutRequest{Item: toSDKItem(w.PutRequest.Item)}
			}
			if w.DeleteRequest != nil {
				sw.DeleteRequest = &types.DeleteRequest{Key: toSDKItem(w.DeleteRequest.Key)}
			}
			req.RequestItems[table] = append(req.RequestItems[table], sw)
		}
	}
	out, err := s.client.BatchWriteItem(ctx, req)
	if err != nil {
		return nil, err
	}
	res := &api.BatchWriteItemOutput{}
	for table, writes := range out.UnprocessedItems {
		if res.UnprocessedItems == nil {
			res.UnprocessedItems = map[string][]api.WriteRequest{}
		}
		for _, sw := range writes {
			var w api.WriteRequest
			if sw.PutRequest != nil {
				item, err := fromSDKItem(sw.PutRequest.Item)
				if err != nil {
					return nil, err
				}
				w.PutRequest = &api.PutRequest{Item: item}
			}
			if sw.DeleteRequest != nil {
				key, err := fromSDKItem(sw.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				w.DeleteRequest = &api.DeleteRequest{Key: key}
			}
			res.UnprocessedItems[table] = append(res.UnprocessedItems[table], w)
		}
	}
	return res, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// toSDKItem converts an item (or a map of expression values) to the SDK's
// form; nil stays nil.
func toSDKItem(item map[string]attr.Value) map[string]types.AttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(item))
	for name, v := range item {
		out[name] = toSDK(v)
	}
	return out
}

func toSDK(v attr.Value) types.AttributeValue {
	switch v.Type() {
	case attr.TypeS:
		return &types.AttributeValueMemberS{Value: v.S()}
	case attr.TypeN:
		return &types.AttributeValueMemberN{Value: v.N()}
	case attr.TypeB:
		return &types.AttributeValueMemberB{Value: v.B()}
	case attr.TypeBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool()}
	case attr.TypeNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case attr.TypeM:
		return &types.AttributeValueMemberM{Value: toSDKItem(v.M())}
	case attr.TypeL:
		elems := v.L()
		list := make([]types.AttributeValue, len(elems))
		for i, e := range elems {
			list[i] = toSDK(e)
		}
		return &types.AttributeValueMemberL{Value: list}
	case attr.TypeSS:
		return &types.AttributeValueMemberSS{Value: v.SS()}
	case attr.TypeNS:
		return &types.AttributeValueMemberNS{Value: v.NS()}
	case attr.TypeBS:
		return &types.AttributeValueMemberBS{Value: v.BS()}
	}
	// An invalid value: the SDK's empty union member, which the endpoint
	// refuses as DynamoDB does.
	return nil
}

// fromSDKItem converts the SDK's item to this project's; nil stays nil.
func fromSDKItem(item map[string]types.AttributeValue) (attr.Item, error) {
	if item == nil {
		return nil, nil
	}
	out := make(attr.Item, len(item))
	for name, v := range item {
		av, err := fromSDK(v)
		if err != nil {
			return nil, fmt.Errorf("tabletarget: attribute %q: %w", name, err)
		}
		out[name] = av
	}
	return out, nil
}

func fromSDK(v types.AttributeValue) (attr.Value, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return attr.S(v.Value), nil
	case *types.AttributeValueMemberN:
		return attr.N(v.Value), nil
	case *types.AttributeValueMemberB:
		return attr.B(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return attr.Bool(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return attr.Null(), nil
	case *types.AttributeValueMemberM:
		m, err := fromSDKItem(v.Value)
		if err != nil {
			return attr.Value{}, err
		}
		return attr.M(m), nil
	case *types.AttributeValueMemberL:
		elems := make([]attr.Value, len(v.Value))
		for i, e := range v.Value {
			av, err := fromSDK(e)
			if err != nil {
				return attr.Value{}, err
			}
			elems[i] = av
		}
		return attr.L(elems...), nil
	case *types.AttributeValueMemberSS:
		return attr.SS(v.Value...), nil
	case *types.AttributeValueMemberNS:
		return attr.NS(v.Value...), nil
	case *types.AttributeValueMemberBS:
		return attr.BS(v.Value...), nil
	}
	return attr.Value{}, fmt.Errorf("unknown attribute value %T", v)
}
