package memlog_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/dynamotest"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	dynamotest.TestLogStore(t, func(t *testing.T) dynamo.LogStore { return memlog.New() })
}
