package dynamotest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/dynamotest"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

func TestTransportSuiteMemnet(t *testing.T) {
	dynamotest.TestTransport(t, func(t *testing.T, ids []transport.NodeID) []transport.Transport {
		network, err := memnet.New(memnet.Options{Seed: 1})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, network.Close()) })
		nodes := make([]transport.Transport, len(ids))
		for i, id := range ids {
			nodes[i], err = network.Join(id)
			require.NoError(t, err)
		}
		return nodes
	})
}
