package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/catalog"
)

const (
	testKeyID  = "AKIDHTTPAPITEST"
	testSecret = "httpapi-test-secret"
	testRegion = "us-east-1"
)

// fakeService is an api.Service that records each operation's input and
// answers with canned outputs, or with queued errors first.
type fakeService struct {
	mu      sync.Mutex
	inputs  map[string]any
	outputs map[string]any
	errs    map[string][]error
	calls   map[string]int
	// block, when set, is called with the context of every call before it
	// answers.
	block func(ctx context.Context)
}

func newFake() *fakeService {
	return &fakeService{inputs: map[string]any{}, outputs: map[string]any{}, errs: map[string][]error{}, calls: map[string]int{}}
}

// fail queues errors for op: its next calls fail with them, in order.
func (f *fakeService) fail(op string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs[op] = append(f.errs[op], errs...)
}

func (f *fakeService) answer(op string, out any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outputs[op] = out
}

func (f *fakeService) input(op string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inputs[op]
}

func (f *fakeService) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *fakeService) call(ctx context.Context, op string, in any) (any, error) {
	f.mu.Lock()
	block := f.block
	f.inputs[op] = in
	f.calls[op]++
	var err error
	if q := f.errs[op]; len(q) > 0 {
		err, f.errs[op] = q[0], q[1:]
	}
	out := f.outputs[op]
	f.mu.Unlock()
	if block != nil {
		block(ctx)
	}
	return out, err
}

func result[T any](out any, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if o, ok := out.(*T); ok && o != nil {
		return o, nil
	}
	return new(T), nil
}

func (f *fakeService) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	return result[api.PutItemOutput](f.call(ctx, "PutItem", in))
}

func (f *fakeService) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return result[api.GetItemOutput](f.call(ctx, "GetItem", in))
}

func (f *fakeService) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	return result[api.UpdateItemOutput](f.call(ctx, "UpdateItem", in))
}

func (f *fakeService) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	return result[api.DeleteItemOutput](f.call(ctx, "DeleteItem", in))
}

func (f *fakeService) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	return result[api.QueryOutput](f.call(ctx, "Query", in))
}

func (f *fakeService) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	return result[api.ScanOutput](f.call(ctx, "Scan", in))
}

func (f *fakeService) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return result[api.BatchGetItemOutput](f.call(ctx, "BatchGetItem", in))
}

func (f *fakeService) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return result[api.BatchWriteItemOutput](f.call(ctx, "BatchWriteItem", in))
}

func (f *fakeService) CreateTable(ctx context.Context, in *catalog.CreateTableInput) (*catalog.CreateTableOutput, error) {
	return result[catalog.CreateTableOutput](f.call(ctx, "CreateTable", in))
}

func (f *fakeService) DescribeTable(ctx context.Context, in *catalog.DescribeTableInput) (*catalog.DescribeTableOutput, error) {
	return result[catalog.DescribeTableOutput](f.call(ctx, "DescribeTable", in))
}

func (f *fakeService) UpdateTable(ctx context.Context, in *catalog.UpdateTableInput) (*catalog.UpdateTableOutput, error) {
	return result[catalog.UpdateTableOutput](f.call(ctx, "UpdateTable", in))
}

func (f *fakeService) DeleteTable(ctx context.Context, in *catalog.DeleteTableInput) (*catalog.DeleteTableOutput, error) {
	return result[catalog.DeleteTableOutput](f.call(ctx, "DeleteTable", in))
}

func (f *fakeService) ListTables(ctx context.Context, in *catalog.ListTablesInput) (*catalog.ListTablesOutput, error) {
	return result[catalog.ListTablesOutput](f.call(ctx, "ListTables", in))
}

func (f *fakeService) TagResource(ctx context.Context, in *catalog.TagResourceInput) error {
	_, err := f.call(ctx, "TagResource", in)
	return err
}

func (f *fakeService) UntagResource(ctx context.Context, in *catalog.UntagResourceInput) error {
	_, err := f.call(ctx, "UntagResource", in)
	return err
}

func (f *fakeService) ListTagsOfResource(ctx context.Context, in *catalog.ListTagsOfResourceInput) (*catalog.ListTagsOfResourceOutput, error) {
	return result[catalog.ListTagsOfResourceOutput](f.call(ctx, "ListTagsOfResource", in))
}

// serve starts a loopback server for a Handler over svc, closed when the
// test ends.
func serve(t testing.TB, svc api.Service, opts httpapi.Options) *httptest.Server {
	t.Helper()
	if opts.Credentials == nil && !opts.AllowAnyCredentials {
		opts.Credentials = map[string]string{testKeyID: testSecret}
	}
	srv := httptest.NewServer(httpapi.NewHandler(svc, opts))
	t.Cleanup(srv.Close)
	return srv
}

// sdkClient returns an SDK client for srv signing with the test key, with
// retries that do not wait. Its connections close when the test ends.
func sdkClient(t testing.TB, srv *httptest.Server, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: 128}
	t.Cleanup(transport.CloseIdleConnections)
	opts := dynamodb.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""),
		HTTPClient:   &http.Client{Transport: transport},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		}),
	}
	return dynamodb.New(opts, optFns...)
}
