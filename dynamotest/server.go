package dynamotest

import (
	"net/http/httptest"
	"testing"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/httpapi"
)

// Server is an in-process cluster behind DynamoDB's HTTP API on a loopback
// port: point an AWS SDK at URL with any credentials and region Region.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:<port>.
	URL string
	// Region is the region requests must be signed for.
	Region string
	// Cluster is the cluster behind the endpoint, for direct access and
	// node failures.
	Cluster *dynamo.Cluster
}

// NewServer starts a cluster (as NewCluster) and DynamoDB's HTTP API over it
// on a loopback port for the duration of test t; both stop at t's cleanup.
// The endpoint accepts requests signed with any access key and secret for
// region us-east-1, as DynamoDB Local does.
func NewServer(t testing.TB, opts ...ClusterOption) *Server {
	t.Helper()
	c := NewCluster(t, opts...)
	h := httpapi.NewHandler(c.Client(), httpapi.Options{AllowAnyCredentials: true, Region: httpapi.DefaultRegion})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Server{URL: srv.URL, Region: httpapi.DefaultRegion, Cluster: c}
}
