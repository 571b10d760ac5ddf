package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/bench/tabletarget"
)

// serveHTTP serves client's API with httpapi's Handler on a loopback port
// and returns an API that reaches it through the AWS SDK for Go v2, and the
// function that stops the server. The SDK does not retry, so throttling is
// counted as the endpoint answers it, and keeps enough idle connections
// for every worker.
func serveHTTP(ctx context.Context, client *dynamo.Client) (tabletarget.API, func() error, error) {
	var lc net.ListenConfig
	listener, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("http target: listen: %w", err)
	}
	server := &http.Server{
		Handler:           httpapi.NewHandler(client, httpapi.Options{AllowAnyCredentials: true}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()

	transport := &http.Transport{MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	sdk := dynamodb.New(dynamodb.Options{
		Region:       httpapi.DefaultRegion,
		BaseEndpoint: aws.String("http://" + listener.Addr().String()),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		HTTPClient:   &http.Client{Transport: transport},
		Retryer:      tabletarget.ConnectionRetryer(),
	})
	stop := func() error {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := server.Shutdown(shutdownCtx)
		transport.CloseIdleConnections()
		if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
			err = errors.Join(err, serveErr)
		}
		if err != nil {
			return fmt.Errorf("http target: stop the server: %w", err)
		}
		return nil
	}
	return tabletarget.NewSDKAPI(sdk), stop, nil
}
