package dynamotest_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/dynamotest"
)

func TestMemoryLogStore(t *testing.T) {
	defer goleak.VerifyNone(t)
	dynamotest.TestLogStore(t, func(t *testing.T) dynamo.LogStore { return dynamo.NewMemoryLogStore() })
}
