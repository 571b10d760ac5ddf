package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/embeddynamo/dynamo"
)

// greeter is a TransportHandler that answers calls with a greeting.
type greeter struct{ name string }

func (g greeter) HandleMessages(dynamo.NodeID, []dynamo.GroupMessage) {}

func (g greeter) HandleCall(_ context.Context, from dynamo.NodeID, req []byte) ([]byte, error) {
	if string(req) == "fail" {
		return nil, errors.New("asked to fail")
	}
	return []byte(fmt.Sprintf("%s greets node %d: %s", g.name, from, req)), nil
}

func (g greeter) HandleSnapshot(_ context.Context, _ dynamo.NodeID, _ []byte, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return err
}

// Two nodes on an in-process network: a call goes through, fails across a
// partition, and goes through again once the network heals.
func ExampleNewMemoryNetwork() {
	network, err := dynamo.NewMemoryNetwork(dynamo.MemoryNetworkOptions{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer network.Close()
	nodes := map[dynamo.NodeID]dynamo.Transport{}
	for _, id := range []dynamo.NodeID{1, 2, 3} {
		node, err := network.Join(id)
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := node.Start(greeter{name: fmt.Sprintf("node %d", id)}); err != nil {
			fmt.Println(err)
			return
		}
		nodes[id] = node
	}
	one := nodes[3]

	ctx := context.Background()
	resp, err := one.Call(ctx, 1, []byte("hello"))
	fmt.Println(string(resp), err)

	network.Partition(3, 1)
	_, err = one.Call(ctx, 1, []byte("hello"))
	fmt.Println(errors.Is(err, dynamo.ErrUnreachable))

	network.Heal()
	_, err = one.Call(ctx, 1, []byte("fail"))
	var remote *dynamo.RemoteError
	fmt.Println(errors.As(err, &remote), remote.Message)
	// Output:
	// node 1 greets node 3: hello <nil>
	// true
	// true asked to fail
}

// Two nodes over TCP on the loopback interface. A real deployment gives each
// node a fixed address (and TLS), and the same ClusterID.
func ExampleNewTCPTransport() {
	var nodes []*dynamo.TCPTransport
	for _, id := range []dynamo.NodeID{1, 2} {
		node, err := dynamo.NewTCPTransport(dynamo.TCPOptions{ID: id, ClusterID: 42, ListenAddr: "127.0.0.1:0"})
		if err != nil {
			fmt.Println(err)
			return
		}
		defer node.Close()
		if err := node.Start(greeter{name: fmt.Sprintf("node %d", id)}); err != nil {
			fmt.Println(err)
			return
		}
		nodes = append(nodes, node)
	}
	a, b := nodes[0], nodes[1]
	a.SetPeer(2, b.Addr().String())

	resp, err := a.Call(context.Background(), 2, []byte("over TCP"))
	fmt.Println(string(resp), err)
	// Output: node 2 greets node 1: over TCP <nil>
}
