package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/catalog"
)

// tableLister answers ListTables; the embedded Service stands for the rest
// of the API, which this example does not call.
type tableLister struct {
	api.Service
	names []string
}

func (l tableLister) ListTables(context.Context, *catalog.ListTablesInput) (*catalog.ListTablesOutput, error) {
	return &catalog.ListTablesOutput{TableNames: l.names}, nil
}

// The AWS SDK talks to a Handler as it would to DynamoDB: point its
// endpoint at the server and sign with a key the Handler knows.
func ExampleNewHandler() {
	handler := httpapi.NewHandler(tableLister{names: []string{"orders", "users"}}, httpapi.Options{
		Credentials: map[string]string{"AKIDEXAMPLE": "example-secret"},
	})
	srv := httptest.NewServer(handler)
	defer srv.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()

	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "example-secret", ""),
		HTTPClient:   &http.Client{Transport: transport},
	})
	out, err := client.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.TableNames)

	// A request signed with an unknown key is refused as DynamoDB refuses it.
	stranger := dynamodb.New(client.Options(), func(o *dynamodb.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIDSTRANGER", "guess", "")
		o.RetryMaxAttempts = 1
	})
	_, err = stranger.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	fmt.Println(err != nil)
	// Output:
	// [orders users]
	// true
}
