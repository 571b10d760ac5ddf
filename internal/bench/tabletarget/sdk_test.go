package tabletarget

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/bench"
)

// sdkAPI serves client over HTTP on loopback and returns an SDKAPI of it.
func sdkAPI(t *testing.T, client API) *SDKAPI {
	t.Helper()
	svc, ok := client.(api.Service)
	require.True(t, ok)
	srv := httptest.NewServer(httpapi.NewHandler(svc, httpapi.Options{AllowAnyCredentials: true}))
	t.Cleanup(srv.Close)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(transport.CloseIdleConnections)
	return NewSDKAPI(dynamodb.New(dynamodb.Options{
		Region:       httpapi.DefaultRegion,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("key", "secret", ""),
		HTTPClient:   &http.Client{Transport: transport},
		Retryer:      ConnectionRetryer(),
	}))
}

// Every workload's operations go through the SDK and the HTTP endpoint as
// they go through the Client.
func TestWorkloadsRunThroughTheSDK(t *testing.T) {
	client := sdkAPI(t, memoryCluster(t))
	for _, name := range []string{"e", "f", "ddb"} {
		t.Run(name, func(t *testing.T) {
			w := workload(t, name, 60)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			target, err := Open(ctx, client, Options{Table: "sdk-" + name, SortKey: w.ItemsPerPartition > 0, Consistent: true, ThrottleBackoff: 5 * time.Millisecond})
			require.NoError(t, err)
			require.NoError(t, target.Load(ctx, w, 2, 1))
			outcome, err := target.Read(ctx, w.KeyOf(0))
			require.NoError(t, err)
			require.Equal(t, bench.OK, outcome)
			res, err := bench.Run(ctx, target, bench.Options{Workload: w, Concurrency: 2, Duration: 200 * time.Millisecond, Seed: 1})
			require.NoError(t, err)
			require.Positive(t, res.Operations)
			require.Zero(t, res.Errors, "errors: %v", res.ErrorSamples)
			for op, s := range res.Ops {
				require.Positive(t, s.OK, op)
			}
		})
	}
	// Opening an existing table finds it.
	_, err := Open(context.Background(), client, Options{Table: "sdk-e"})
	require.NoError(t, err)
}

func TestAttributeValuesConvertBothWays(t *testing.T) {
	item := attr.Item{
		"s": attr.S("text"), "n": attr.N("-12.5"), "b": attr.B([]byte{0, 1, 2}), "bool": attr.Bool(true), "null": attr.Null(),
		"m":  attr.M(map[string]attr.Value{"inner": attr.L(attr.S("x"), attr.N("1"))}),
		"ss": attr.SS("a", "b"), "ns": attr.NS("1", "2"), "bs": attr.BS([]byte("x"), []byte("y")),
	}
	back, err := fromSDKItem(toSDKItem(item))
	require.NoError(t, err)
	require.Len(t, back, len(item))
	for name, v := range item {
		require.Equal(t, v.String(), back[name].String(), name)
	}
	none, err := fromSDKItem(nil)
	require.NoError(t, err)
	require.Nil(t, none)
	require.Nil(t, toSDKItem(nil))
}

// A benchmark's client retries a connection closed under a response, and
// nothing the service answered: throttling reaches the benchmark.
func TestConnectionRetryerRetriesOnlyConnectionFailures(t *testing.T) {
	r := ConnectionRetryer()
	require.Equal(t, 3, r.MaxAttempts())
	closed := fmt.Errorf("deserialization failed: %w", &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed})
	require.True(t, r.IsErrorRetryable(closed))
	require.False(t, r.IsErrorRetryable(&types.ProvisionedThroughputExceededException{Message: aws.String("throttled")}))
	require.False(t, r.IsErrorRetryable(&types.ThrottlingException{Message: aws.String("throttled")}))
	require.False(t, r.IsErrorRetryable(&types.InternalServerError{Message: aws.String("boom")}))
	delay, err := r.RetryDelay(1, closed)
	require.NoError(t, err)
	require.Zero(t, delay)
}
