// Command replicated-kv is a replicated key-value service built from
// dynamo's replication parts alone: three in-process nodes host one
// replication group running a small state machine; writes go through the
// leader, reads are linearizable, and the service survives its leader.
package main

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo"
)

// kv is the state machine: a map and its applied index, behind a mutex so
// that reads may run beside the node's scheduler, which applies commands.
type kv struct {
	mu      sync.Mutex
	Data    map[string]string
	Applied uint64
}

func (s *kv) Apply(cmds []dynamo.CommittedCommand) ([]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cmds {
		key, value, _ := bytes.Cut(c.Data, []byte("="))
		s.Data[string(key)] = string(value)
		s.Applied = c.Index
	}
	return make([]any, len(cmds)), nil
}

// AppliedIndex is what survives a crash: this map lives in memory, so
// nothing; a restarted node would replay the whole log.
func (s *kv) AppliedIndex() uint64 { return 0 }

func (s *kv) get(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Data[key]
}

func (s *kv) Snapshot() (dynamo.StateMachineSnapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := &encoded{s.Applied, new(bytes.Buffer)}
	return snap, gob.NewEncoder(snap).Encode(s)
}

func (s *kv) Restore(r io.Reader) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Data = nil
	err := gob.NewDecoder(r).Decode(s)
	return s.Applied, err
}

// encoded is a snapshot (sent to replicas too far behind for the log) taken
// at index; its buffer streams it (WriteTo).
type encoded struct {
	index uint64
	*bytes.Buffer
}

func (e *encoded) Index() uint64 { return e.index }
func (e *encoded) Close() error  { return nil }

type node struct {
	id      dynamo.NodeID
	replica *dynamo.ReplicaNode
	state   *kv
}

// leader finds the node leading the group, waiting out elections.
func leader(ctx context.Context, nodes []*node) (*node, error) {
	for ctx.Err() == nil {
		for _, n := range nodes {
			if st, err := n.replica.Status(1); err == nil && st.IsLeader {
				return n, nil
			}
		}
		select { // an election is under way
		case <-ctx.Done():
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil, ctx.Err()
}

func put(ctx context.Context, nodes []*node, key, value string) {
	for {
		n := must(leader(ctx, nodes))
		_, err := n.replica.Propose(ctx, 1, []byte(key+"="+value))
		if !errors.Is(err, dynamo.ErrNotLeader) && !errors.Is(err, dynamo.ErrLeaderChanged) {
			fmt.Printf("put %s=%s via node %d: err=%v\n", key, value, n.id, err)
			return
		}
	}
}

// get reads at the leader once it confirmed its leadership: linearizable.
func get(ctx context.Context, nodes []*node, key string) {
	n := must(leader(ctx, nodes))
	must(0, n.replica.Read(ctx, 1))
	fmt.Printf("get %s via node %d: %q\n", key, n.id, n.state.get(key))
}

func must[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

func main() {
	network := must(dynamo.NewMemoryNetwork(dynamo.MemoryNetworkOptions{}))
	defer network.Close()
	var nodes []*node
	for _, id := range []dynamo.NodeID{1, 2, 3} {
		replica := must(dynamo.StartReplicaNode(dynamo.ReplicaNodeOptions{ID: id, Transport: must(network.Join(id)),
			LogStore: dynamo.NewMemoryLogStore(), TickInterval: 20 * time.Millisecond}))
		defer replica.Close()
		n := &node{id: id, replica: replica, state: &kv{Data: map[string]string{}}}
		must(0, replica.AddGroup(1, n.state, 1, 2, 3))
		nodes = append(nodes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	put(ctx, nodes, "color", "blue")
	put(ctx, nodes, "shape", "circle")
	get(ctx, nodes, "color")
	old := must(leader(ctx, nodes))
	fmt.Printf("stopping the leader, node %d\n", old.id)
	must(0, old.replica.Close())
	nodes = slices.DeleteFunc(nodes, func(n *node) bool { return n == old })
	put(ctx, nodes, "color", "green")
	get(ctx, nodes, "color")
	get(ctx, nodes, "shape")
}
