package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
)

// staticService answers PutItem and GetItem at once with fixed outputs,
// so that a benchmark measures the endpoint alone.
type staticService struct {
	api.Service
	item attr.Item
}

func (s staticService) PutItem(context.Context, *api.PutItemInput) (*api.PutItemOutput, error) {
	return &api.PutItemOutput{}, nil
}

func (s staticService) GetItem(context.Context, *api.GetItemInput) (*api.GetItemOutput, error) {
	return &api.GetItemOutput{Item: s.item}, nil
}

func benchItem() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: "user#0001"},
		"sk":     &types.AttributeValueMemberN{Value: "42"},
		"name":   &types.AttributeValueMemberS{Value: "Ana Example"},
		"email":  &types.AttributeValueMemberS{Value: "ana@example.com"},
		"tags":   &types.AttributeValueMemberSS{Value: []string{"a", "b", "c"}},
		"active": &types.AttributeValueMemberBOOL{Value: true},
		"score":  &types.AttributeValueMemberN{Value: "1234.5"},
	}
}

// BenchmarkSDKLoopback is one PutItem and one GetItem per op, through the
// SDK over loopback HTTP from 64 goroutines, against a service that does
// nothing: the endpoint's overhead with the client's. It reports the p99
// latency of one call.
func BenchmarkSDKLoopback(b *testing.B) {
	svc := staticService{item: attr.Item{
		"pk": attr.S("user#0001"), "sk": attr.N("42"), "name": attr.S("Ana Example"), "email": attr.S("ana@example.com"),
		"tags": attr.SS("a", "b", "c"), "active": attr.Bool(true), "score": attr.N("1234.5"),
	}}
	client := sdkClient(b, serve(b, svc, httpapi.Options{}))
	ctx := context.Background()
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "user#0001"}, "sk": &types.AttributeValueMemberN{Value: "42"}}
	put := &dynamodb.PutItemInput{TableName: aws.String("t"), Item: benchItem()}
	get := &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key}
	// Warm the connection pool.
	_, err := client.GetItem(ctx, get)
	require.NoError(b, err)

	var mu sync.Mutex
	var latencies []time.Duration
	b.SetParallelism(max(1, 64/runtimeProcs()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			start := time.Now()
			if _, err := client.PutItem(ctx, put); err != nil {
				b.Error(err)
				return
			}
			mid := time.Now()
			out, err := client.GetItem(ctx, get)
			if err != nil || len(out.Item) != 7 {
				b.Error(err)
				return
			}
			local = append(local, mid.Sub(start), time.Since(mid))
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(latencies) > 0 {
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs/call")
	}
}

// BenchmarkHandler is the Handler alone, in process: a signed PutItem and
// a GetItem per op, each decoded, verified (SigV4) and answered, from 64
// goroutines, without a network or an SDK.
func BenchmarkHandler(b *testing.B) {
	svc := staticService{item: attr.Item{"pk": attr.S("user#0001"), "sk": attr.N("42"), "name": attr.S("Ana Example")}}
	handler := httpapi.NewHandler(svc, httpapi.Options{Credentials: map[string]string{testKeyID: testSecret}})
	putBody := []byte(`{"TableName":"t","Item":{"pk":{"S":"user#0001"},"sk":{"N":"42"},"name":{"S":"Ana Example"},` +
		`"email":{"S":"ana@example.com"},"tags":{"SS":["a","b","c"]},"active":{"BOOL":true},"score":{"N":"1234.5"}}}`)
	getBody := []byte(`{"TableName":"t","Key":{"pk":{"S":"user#0001"},"sk":{"N":"42"}}}`)
	putHeaders := signedHeaders(b, "PutItem", putBody)
	getHeaders := signedHeaders(b, "GetItem", getBody)

	b.SetParallelism(max(1, 64/runtimeProcs()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			for _, c := range []struct {
				body    []byte
				headers http.Header
			}{{putBody, putHeaders}, {getBody, getHeaders}} {
				req := httptest.NewRequest(http.MethodPost, "http://dynamodb.us-east-1.amazonaws.com/", bytes.NewReader(c.body))
				req.Header = c.headers.Clone()
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Errorf("status %d: %s", rec.Code, rec.Body)
					return
				}
			}
		}
	})
}

// signedHeaders signs a request for target with body, now.
func signedHeaders(b *testing.B, target string, body []byte) http.Header {
	b.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://dynamodb.us-east-1.amazonaws.com/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+target)
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	require.NoError(b, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", testRegion, time.Now()))
	return req.Header
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
