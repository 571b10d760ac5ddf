package dynamotest_test

import (
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/dynamotest"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
	"github.com/embeddynamo/dynamo/internal/transport/tcpnet"
	"github.com/embeddynamo/dynamo/internal/transport/tcpnet/tlstest"
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

// tcpFactory builds loopback TCP nodes that know each other's addresses;
// tlsFor, when set, returns each node's TLS config.
func tcpFactory(tlsFor func(t *testing.T, n int) []*tls.Config) dynamotest.TransportFactory {
	return func(t *testing.T, ids []transport.NodeID) []transport.Transport {
		var configs []*tls.Config
		if tlsFor != nil {
			configs = tlsFor(t, len(ids))
		}
		nodes := make([]*tcpnet.Transport, len(ids))
		for i, id := range ids {
			opts := tcpnet.Options{ID: id, ClusterID: 7, ListenAddr: "127.0.0.1:0"}
			if configs != nil {
				opts.TLS = configs[i]
			}
			n, err := tcpnet.New(opts)
			require.NoError(t, err)
			nodes[i] = n
		}
		out := make([]transport.Transport, len(ids))
		for i, n := range nodes {
			for j, peer := range nodes {
				if i != j {
					n.SetPeer(ids[j], peer.Addr().String())
				}
			}
			out[i] = n
		}
		return out
	}
}

func TestTransportSuiteTCP(t *testing.T) {
	dynamotest.TestTransport(t, tcpFactory(nil))
}

func TestTransportSuiteTCPMutualTLS(t *testing.T) {
	dynamotest.TestTransport(t, tcpFactory(func(t *testing.T, n int) []*tls.Config {
		configs, err := tlstest.MutualTLS(n)
		require.NoError(t, err)
		return configs
	}))
}
