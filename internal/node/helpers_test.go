package node_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testTable = 1

// tickForTests is raft's tick in the tests' nodes.
const tickForTests = 10 * time.Millisecond

// testSchema is the test table's key: pk (S), no sort key.
var testSchema = itemcheck.KeySchema{Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS}}

// wholeTable is a partition meta owning the test table's whole key space.
func wholeTable() partition.Meta {
	prefix := keyenc.TablePrefix(testTable)
	return partition.Meta{Table: testTable, Schema: testSchema, Range: keyenc.Range{Start: prefix, End: keyenc.PrefixEnd(prefix)}}
}

func putCmd(pk, value string) *partition.Command {
	return &partition.Command{Op: partition.OpPut, Table: testTable, Schema: testSchema,
		Item: attr.Item{"pk": attr.S(pk), "v": attr.S(value)}}
}

func key(pk string) attr.Item { return attr.Item{"pk": attr.S(pk)} }

func startCluster(t testing.TB, cfg node.ClusterConfig) *node.Cluster {
	t.Helper()
	c, err := node.StartCluster(testContext(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// testContext bounds every wait of a test.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls check until it returns nil or ctx ends, and fails the
// test with check's last error then.
func eventually(t testing.TB, ctx context.Context, check func() error) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			require.NoError(t, err, "condition not reached before the deadline")
			return
		case <-tick.C:
		}
	}
}

// retryable reports whether a write may be retried at another node: it
// was redirected, not appended, or its outcome is unknown (the tests only
// retry idempotent Puts).
func retryable(err error) bool {
	var tr *node.RemoteError
	return errors.Is(err, multiraft.ErrNotLeader) || errors.Is(err, multiraft.ErrLeaderChanged) ||
		errors.Is(err, multiraft.ErrProposalDropped) || errors.Is(err, transport.ErrUnreachable) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, multiraft.ErrClosed) ||
		errors.Is(err, transport.ErrClosed) || errors.As(err, &tr)
}

// routedWrite is a minimal router: it sends the write from node via to the
// group's leader (following redirects) until it is acknowledged, with a
// per-attempt deadline, and returns the result.
func routedWrite(ctx context.Context, c *node.Cluster, via transport.NodeID, group uint64, cmd *partition.Command) (*partition.Result, error) {
	target := c.Leader(group)
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("write after %d attempts: %w", attempt, err)
		}
		if target == 0 {
			target = c.Leader(group)
		}
		from, err := c.Node(via)
		if err != nil {
			return nil, err
		}
		if target == 0 {
			target = via
		}
		actx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := from.Forward(actx, target, &node.Request{Op: node.OpWrite, Group: group, Command: cmd})
		cancel()
		if err == nil {
			return resp.Result, nil
		}
		var nl *multiraft.NotLeaderError
		switch {
		case errors.As(err, &nl) && nl.Leader != 0 && nl.Leader != target:
			target = nl.Leader
		case retryable(err):
			// Wait for the group to know a leader again (an election).
			wctx, cancel := context.WithTimeout(ctx, time.Second)
			target, _ = c.WaitLeader(wctx, group)
			cancel()
		default:
			if resp != nil {
				return resp.Result, err
			}
			return nil, err
		}
	}
}

// followers returns the members of ids other than leader.
func followers(ids []transport.NodeID, leader transport.NodeID) []transport.NodeID {
	var out []transport.NodeID
	for _, id := range ids {
		if id != leader {
			out = append(out, id)
		}
	}
	return out
}
