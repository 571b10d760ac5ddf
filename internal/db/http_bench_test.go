package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/db"
)

// BenchmarkClusterHTTP is BenchmarkCluster's PutItem and strong GetItem
// through DynamoDB's HTTP API on loopback, driven by the AWS SDK for Go v2
// (its retries off) from 64 goroutines: run both in one invocation
// (-bench 'BenchmarkCluster') for the ratio of the endpoint to the
// in-process client.
func BenchmarkClusterHTTP(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cluster, err := db.StartCluster(ctx, db.ClusterConfig{Nodes: 3, Zones: 3, Dir: b.TempDir(), Seed: 1, Unmetered: !*benchMetered})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := cluster.Close(); err != nil {
			b.Error(err)
		}
	})
	setupBenchTable(ctx, b, cluster.Client())
	srv := httptest.NewServer(httpapi.NewHandler(cluster.Client(), httpapi.Options{AllowAnyCredentials: true}))
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: benchGoroutines}
	b.Cleanup(tr.CloseIdleConnections)
	client := dynamodb.New(dynamodb.Options{
		Region:       httpapi.DefaultRegion,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Transport: tr},
	})
	var putSeq atomic.Int64
	b.Run("PutItem", func(b *testing.B) {
		runParallel(b, func(ctx context.Context, _ *rand.Rand) error {
			n := putSeq.Add(1)
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(benchTable), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("hput%d", n%1000)},
				"sk": &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)},
				"v":  &types.AttributeValueMemberS{Value: strings.Repeat("x", benchItemSize-30)},
			}})
			return err
		})
	})
	b.Run("GetItem/strong", func(b *testing.B) {
		runParallel(b, func(ctx context.Context, r *rand.Rand) error {
			n := r.IntN(benchGetItems)
			out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(benchTable), ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: "get" + strconv.Itoa(n)},
					"sk": &types.AttributeValueMemberN{Value: "0"},
				}})
			if err == nil && out.Item == nil {
				err = fmt.Errorf("item get%d not found", n)
			}
			return err
		})
	})
}
