package main

import (
	"context"
	"errors"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/internal/bench/tabletarget"
)

// serveHTTP serves client's API on a loopback HTTP endpoint and returns an
// AWS SDK client of it, and the function that stops the server.
func serveHTTP(context.Context, *dynamo.Client) (tabletarget.API, func() error, error) {
	return nil, nil, errors.New("target \"http\" needs the SDK adapter")
}
