package memlog_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/dynamotest"
	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	dynamotest.TestLogStore(t, func(t *testing.T) dynamo.LogStore { return memlog.New() })
}

func TestNewStoreHoldsNothing(t *testing.T) {
	s := memlog.New()
	groups, err := s.Groups()
	require.NoError(t, err)
	require.Empty(t, groups)
	_, err = s.State(1)
	require.ErrorIs(t, err, logstore.ErrUnknownGroup)
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Close(), logstore.ErrClosed)
}
