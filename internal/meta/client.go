package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// Gateway returns the local node through which a client sends a request to
// node target: target itself when it runs in this process and is up (the
// request then needs no encoding), otherwise any local node that is up. It
// fails with an error wrapping node.ErrNodeDown when target is known to be
// down (nothing is sent), and when no local node is up.
type Gateway func(target transport.NodeID) (*node.Node, error)

// Client sends control requests to the active controller and reads table
// records from the system table, following redirects among the system
// table's voters. It is safe for concurrent use.
type Client struct {
	gw     Gateway
	voters []transport.NodeID

	// mu guards leader, the node last known to lead Group (0: unknown).
	mu     sync.Mutex
	leader transport.NodeID
}

// NewClient returns a client sending through gw to the system table hosted
// by voters.
func NewClient(gw Gateway, voters []transport.NodeID) *Client {
	return &Client{gw: gw, voters: voters}
}

// controlRequest is the body of an OpControl request.
type controlRequest struct {
	Op    string          `json:"op"`
	Input json.RawMessage `json:"input"`
}

// Call runs control operation op with input in on the active controller and
// decodes its output into out (nil: no output). Errors are the controller's
// (dberr exceptions) or ctx's.
func (c *Client) Call(ctx context.Context, op string, in, out any) error {
	raw, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("meta: encode %s input: %w", op, err)
	}
	body, err := json.Marshal(controlRequest{Op: op, Input: raw})
	if err != nil {
		return fmt.Errorf("meta: encode %s: %w", op, err)
	}
	resp, err := c.send(ctx, &node.Request{Op: node.OpControl, Body: body})
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("meta: decode %s output: %w", op, err)
	}
	return nil
}

// Table reads the record of the table called name with a strongly
// consistent read: the table with its partition map, or a
// *dberr.ResourceNotFoundException when there is no such table.
func (c *Client) Table(ctx context.Context, name string) (catalog.Table, error) {
	resp, err := c.send(ctx, &node.Request{Op: node.OpGet, Group: Group, Key: recordKey(tableKey(name)), Consistent: true})
	if err != nil {
		return catalog.Table{}, err
	}
	if resp == nil || resp.Item == nil {
		return catalog.Table{}, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
	}
	return decodeTable(resp.Item)
}

// send runs req on the leader of Group, following redirects and trying the
// voters in turn, with a growing pause after each round that found no
// leader, until ctx ends.
func (c *Client) send(ctx context.Context, req *node.Request) (*node.Response, error) {
	c.mu.Lock()
	target := c.leader
	c.mu.Unlock()
	next := 0
	var last error
	for attempt := 0; ; attempt++ {
		if target == 0 {
			if next == len(c.voters) {
				next = 0
				if err := Backoff(ctx, attempt, 200*time.Millisecond); err != nil {
					return nil, errors.Join(err, last)
				}
			}
			target = c.voters[next]
			next++
		}
		gw, err := c.gw(target)
		if errors.Is(err, node.ErrNodeDown) {
			target = 0
			continue
		}
		if err != nil {
			return nil, err
		}
		resp, err := gw.Forward(ctx, target, req)
		if req.Op == node.OpGet && errors.Is(err, multiraft.ErrLeaderChanged) {
			// A read changes nothing: ask the new leader.
			err = &multiraft.NotLeaderError{Group: Group}
		}
		if err == nil || !redirect(err) {
			if err == nil {
				c.mu.Lock()
				c.leader = target
				c.mu.Unlock()
			}
			return resp, err
		}
		last = err
		if ctx.Err() != nil {
			return nil, errors.Join(ctx.Err(), last)
		}
		var nl *multiraft.NotLeaderError
		if errors.As(err, &nl) && nl.Leader != 0 && nl.Leader != target {
			target = nl.Leader
			continue
		}
		target = 0
	}
}

// redirect reports an error after which another voter may succeed: the
// target does not lead, does not host the group, is down or starting.
func redirect(err error) bool {
	var nl *multiraft.NotLeaderError
	return errors.As(err, &nl) ||
		errors.Is(err, multiraft.ErrGroupNotFound) ||
		errors.Is(err, multiraft.ErrProposalDropped) ||
		errors.Is(err, multiraft.ErrClosed) ||
		errors.Is(err, transport.ErrUnreachable) ||
		errors.Is(err, node.ErrNoControlHandler) ||
		errors.Is(err, ErrNotReady)
}

// Backoff waits attempt times 10ms, at most limit, or until ctx ends: the
// growing pause between the rounds of a retry loop.
func Backoff(ctx context.Context, attempt int, limit time.Duration) error {
	d := min(time.Duration(max(attempt, 0))*10*time.Millisecond, limit)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
