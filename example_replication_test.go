package dynamo_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo"
)

// counter is a replicated counter: each command adds a number.
type counter struct {
	mu      sync.Mutex
	total   int64
	applied uint64
}

func (c *counter) Apply(cmds []dynamo.CommittedCommand) ([]any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]any, len(cmds))
	for i, cmd := range cmds {
		n, _ := binary.Varint(cmd.Data)
		c.total += n
		c.applied = cmd.Index
		out[i] = c.total
	}
	return out, nil
}

// AppliedIndex: this counter lives in memory, so nothing is durable, and a
// restart replays the whole log.
func (c *counter) AppliedIndex() uint64 { return 0 }

func (c *counter) Snapshot() (dynamo.StateMachineSnapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return counterSnapshot{total: c.total, index: c.applied}, nil
}

func (c *counter) Restore(r io.Reader) (uint64, error) {
	var buf [16]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.applied = int64(binary.BigEndian.Uint64(buf[:8])), binary.BigEndian.Uint64(buf[8:])
	return c.applied, nil
}

type counterSnapshot struct {
	total int64
	index uint64
}

func (s counterSnapshot) Index() uint64 { return s.index }
func (s counterSnapshot) Close() error  { return nil }
func (s counterSnapshot) WriteTo(w io.Writer) (int64, error) {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(s.total))
	binary.BigEndian.PutUint64(buf[8:], s.index)
	n, err := w.Write(buf[:])
	return int64(n), err
}

// Three replica nodes in one process host a replicated counter; whichever
// node leads takes the writes.
func ExampleReplicaNode() {
	network, _ := dynamo.NewMemoryNetwork(dynamo.MemoryNetworkOptions{})
	defer network.Close()
	var nodes []*dynamo.ReplicaNode
	for _, id := range []dynamo.NodeID{1, 2, 3} {
		tr, err := network.Join(id)
		if err != nil {
			fmt.Println(err)
			return
		}
		node, err := dynamo.StartReplicaNode(dynamo.ReplicaNodeOptions{
			ID:           id,
			Transport:    tr,
			LogStore:     dynamo.NewMemoryLogStore(),
			TickInterval: 10 * time.Millisecond,
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		defer node.Close()
		if err := node.AddGroup(1, &counter{}, 1, 2, 3); err != nil {
			fmt.Println(err)
			return
		}
		nodes = append(nodes, node)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	add := func(n int64) any {
		cmd := binary.AppendVarint(nil, n)
		for ctx.Err() == nil {
			for _, node := range nodes {
				result, err := node.Propose(ctx, 1, cmd)
				if err == nil {
					return result
				}
				if !errors.Is(err, dynamo.ErrNotLeader) && !errors.Is(err, dynamo.ErrLeaderChanged) {
					return err
				}
			}
			// No leader yet (an election is under way): back off a tick.
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
		return ctx.Err()
	}
	fmt.Println(add(40))
	fmt.Println(add(2))
	// Output:
	// 40
	// 42
}
