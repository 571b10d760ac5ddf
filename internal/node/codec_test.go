package node_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func sampleRequests() map[string]*node.Request {
	cond := putCmd("a", "1")
	cond.ConditionExpression = "attribute_not_exists(#p)"
	cond.Names = expr.Names{"#p": "pk"}
	return map[string]*node.Request{
		"write put": {Op: node.OpWrite, Group: 7, Command: cond},
		"write update": {Op: node.OpWrite, Group: 1 << 40, Command: &partition.Command{Op: partition.OpUpdate, Table: 3, Schema: testSchema,
			Key: key("k"), UpdateExpression: "ADD n :one", Values: expr.Values{":one": attr.N("1")}, ReturnValues: "ALL_NEW"}},
		"strong get":   {Op: node.OpGet, Group: 2, Key: key("x"), Consistent: true, Timeout: 1500 * time.Millisecond},
		"eventual get": {Op: node.OpGet, Group: 2, Key: attr.Item{"pk": attr.S("x"), "sk": attr.N("12.5")}},
		"scan bounded": {Op: node.OpScan, Group: 9, Scan: node.ScanRequest{Range: keyenc.Range{Start: []byte{1, 2}, End: []byte{}},
			StartAfter: []byte{1, 2, 3}, Reverse: true, Limit: 25, MaxBytes: 4096, Consistent: true}},
		"scan unbounded": {Op: node.OpScan, Group: 9},
		"create partition": {Op: node.OpCreatePartition, Group: 11, Meta: partition.Meta{Table: 3, Schema: testSchema,
			Range: keyenc.Range{Start: keyenc.TablePrefix(3), End: keyenc.PrefixEnd(keyenc.TablePrefix(3))}},
			Peers: []transport.NodeID{1, 2, 3}},
		"adopt partition": {Op: node.OpCreatePartition, Group: 12, Meta: partition.Meta{Table: 3, Schema: testSchema,
			Range: keyenc.Range{Start: keyenc.TablePrefix(3), End: keyenc.PrefixEnd(keyenc.TablePrefix(3))}},
			Peers: []transport.NodeID{2, 4, 5}, Adopt: true},
		"remove partition": {Op: node.OpRemovePartition, Group: 11},
		"control":          {Op: node.OpControl, Body: []byte(`{"op":"x"}`)},
		"change replicas":  {Op: node.OpChangeReplicas, Group: 12, Change: multiraft.ReplicaChange{Type: multiraft.PromoteLearner, Node: 4, Kind: multiraft.LogReplica}},
		"join log replica": {Op: node.OpJoin, Group: 12, Replica: 99, LogReplica: true},
		"report":           {Op: node.OpReport, SplitSize: 10 << 30},
		"status":           {Op: node.OpStatus, Group: 3},
		"control empty":    {Op: node.OpControl, Body: []byte{}},
	}
}

// Every request survives an encode and decode unchanged.
func TestRequestRoundTrip(t *testing.T) {
	for name, req := range sampleRequests() {
		t.Run(name, func(t *testing.T) {
			raw, err := node.EncodeRequest(req)
			require.NoError(t, err)
			got, err := node.DecodeRequest(raw)
			require.NoError(t, err)
			again, err := node.EncodeRequest(got)
			require.NoError(t, err)
			require.Equal(t, raw, again)
			require.Equal(t, req.Op, got.Op)
			require.Equal(t, req.Group, got.Group)
			require.Equal(t, req.Scan, got.Scan)
			require.Equal(t, req.Consistent, got.Consistent)
			require.Equal(t, req.Timeout, got.Timeout)
			require.True(t, attr.ItemsEqual(req.Key, got.Key))
			require.Equal(t, req.Meta, got.Meta)
			require.Equal(t, req.Peers, got.Peers)
			require.Equal(t, req.Change, got.Change)
			require.Equal(t, req.Replica, got.Replica)
			require.Equal(t, req.LogReplica, got.LogReplica)
			require.Equal(t, req.SplitSize, got.SplitSize)
			require.Equal(t, len(req.Body), len(got.Body))
			require.Equal(t, string(req.Body), string(got.Body))
		})
	}
}

// Every typed error crosses the wire as the same type with the same
// fields, and keeps the context text its sender wrapped it in.
func TestErrorRoundTrip(t *testing.T) {
	old := attr.Item{"pk": attr.S("a"), "v": attr.N("3")}
	tests := []struct {
		name  string
		err   error
		check func(t *testing.T, got error)
	}{
		{"not leader names the leader", &multiraft.NotLeaderError{Group: 4, Leader: 2}, func(t *testing.T, got error) {
			var nl *multiraft.NotLeaderError
			require.ErrorAs(t, got, &nl)
			require.Equal(t, multiraft.NotLeaderError{Group: 4, Leader: 2}, *nl)
			require.ErrorIs(t, got, multiraft.ErrNotLeader)
		}},
		{"wrong range keeps key and range", &partition.WrongRangeError{Group: 5, Table: 1, Key: []byte{9}, Range: keyenc.Range{Start: []byte{1}}}, func(t *testing.T, got error) {
			var wr *partition.WrongRangeError
			require.ErrorAs(t, got, &wr)
			require.Equal(t, partition.WrongRangeError{Group: 5, Table: 1, Key: []byte{9}, Range: keyenc.Range{Start: []byte{1}}}, *wr)
		}},
		{"conditional check failure keeps the old item", fmt.Errorf("apply: %w", &dberr.ConditionalCheckFailedException{Message: partition.MsgConditionalCheckFailed, Item: old}), func(t *testing.T, got error) {
			var ccf *dberr.ConditionalCheckFailedException
			require.ErrorAs(t, got, &ccf)
			require.Equal(t, partition.MsgConditionalCheckFailed, ccf.Message)
			require.True(t, attr.ItemsEqual(old, ccf.Item))
			require.Equal(t, "apply: ConditionalCheckFailedException: The conditional request failed", got.Error())
		}},
		{"validation exception", &dberr.ValidationException{Message: "The provided key element does not match the schema"}, func(t *testing.T, got error) {
			var v *dberr.ValidationException
			require.ErrorAs(t, got, &v)
			require.Equal(t, "The provided key element does not match the schema", v.Message)
		}},
		{"throttling keeps reason and retry", &dberr.ProvisionedThroughputExceededException{Message: "m", Reason: dberr.ThrottlePartition, Resource: "p1", RetryAfter: 250 * time.Millisecond}, func(t *testing.T, got error) {
			var p *dberr.ProvisionedThroughputExceededException
			require.ErrorAs(t, got, &p)
			require.Equal(t, dberr.ProvisionedThroughputExceededException{Message: "m", Reason: dberr.ThrottlePartition, Resource: "p1", RetryAfter: 250 * time.Millisecond}, *p)
		}},
		{"transaction cancellation keeps reasons", &dberr.TransactionCanceledException{Message: "m", CancellationReasons: []dberr.CancellationReason{{Code: "None"}, {Code: "ConditionalCheckFailed", Message: "c", Item: old}}}, func(t *testing.T, got error) {
			var tc *dberr.TransactionCanceledException
			require.ErrorAs(t, got, &tc)
			require.Len(t, tc.CancellationReasons, 2)
			require.Equal(t, "ConditionalCheckFailed", tc.CancellationReasons[1].Code)
			require.True(t, attr.ItemsEqual(old, tc.CancellationReasons[1].Item))
		}},
		{"internal server error keeps its cause text", &dberr.InternalServerError{Message: "m", Err: errors.New("disk")}, func(t *testing.T, got error) {
			var ise *dberr.InternalServerError
			require.ErrorAs(t, got, &ise)
			require.EqualError(t, ise.Err, "disk")
		}},
		{"leader change stays matchable", fmt.Errorf("group 3: %w", multiraft.ErrLeaderChanged), func(t *testing.T, got error) {
			require.ErrorIs(t, got, multiraft.ErrLeaderChanged)
			require.Equal(t, "group 3: "+multiraft.ErrLeaderChanged.Error(), got.Error())
		}},
		{"deadline stays matchable", context.DeadlineExceeded, func(t *testing.T, got error) {
			require.ErrorIs(t, got, context.DeadlineExceeded)
		}},
		{"other errors travel as text", errors.New("boom"), func(t *testing.T, got error) {
			var re *node.RemoteError
			require.ErrorAs(t, got, &re)
			require.Equal(t, node.RemoteError{Node: 3, Message: "boom"}, *re)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := node.EncodeResponse(nil, tc.err)
			require.NoError(t, err)
			resp, got, err := node.DecodeResponse(raw, 3)
			require.NoError(t, err)
			require.Nil(t, resp)
			require.Error(t, got)
			tc.check(t, got)
		})
	}
}

// Responses carry results, items and pages whole.
func TestResponseRoundTrip(t *testing.T) {
	left, right := wholeTable(), wholeTable()
	right.Range.Start = []byte{1, 5}
	res := &partition.Result{Key: []byte{1, 2}, Attributes: attr.Item{"v": attr.S("x")}, Old: key("o"), New: key("n"),
		OldSize: 10, NewSize: 20, Split: &partition.SplitResult{Left: left, Right: right}}
	raw, err := node.EncodeResponse(&node.Response{Result: res}, nil)
	require.NoError(t, err)
	resp, rerr, err := node.DecodeResponse(raw, 1)
	require.NoError(t, err)
	require.NoError(t, rerr)
	require.Equal(t, res.Key, resp.Result.Key)
	require.True(t, attr.ItemsEqual(res.Attributes, resp.Result.Attributes))
	require.True(t, attr.ItemsEqual(res.New, resp.Result.New))
	require.Equal(t, 20, resp.Result.NewSize)
	require.Equal(t, right.Range, resp.Result.Split.Right.Range)

	page := &node.Page{Keys: [][]byte{{1}, {2}}, Items: []attr.Item{key("a"), key("b")}, Bytes: 7, LastKey: []byte{2}, Range: keyenc.Range{Start: []byte{1}}}
	raw, err = node.EncodeResponse(&node.Response{Page: page}, nil)
	require.NoError(t, err)
	resp, rerr, err = node.DecodeResponse(raw, 1)
	require.NoError(t, err)
	require.NoError(t, rerr)
	require.Equal(t, page.Keys, resp.Page.Keys)
	require.Equal(t, page.LastKey, resp.Page.LastKey)
	require.Equal(t, page.Range, resp.Page.Range)
	require.Equal(t, 7, resp.Page.Bytes)

	raw, err = node.EncodeResponse(&node.Response{Body: []byte("answer")}, &dberr.ResourceInUseException{Message: "busy"})
	require.NoError(t, err)
	resp, rerr, err = node.DecodeResponse(raw, 1)
	require.NoError(t, err)
	require.Equal(t, "answer", string(resp.Body))
	var inUse *dberr.ResourceInUseException
	require.ErrorAs(t, rerr, &inUse)
}

// Corrupt bytes are refused with ErrCorruptMessage (or the command's own
// corruption error), never a panic.
func TestDecodeCorrupt(t *testing.T) {
	valid, err := node.EncodeRequest(sampleRequests()["strong get"])
	require.NoError(t, err)
	tests := map[string][]byte{
		"empty":           nil,
		"unknown version": {9, 1, 1},
		"unknown op":      {node.WireVersion, 99, 1},
		"truncated":       valid[:len(valid)-1],
		"trailing bytes":  append(append([]byte{}, valid...), 0),
		"huge length":     {node.WireVersion, byte(node.OpWrite), 1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
	}
	for name, raw := range tests {
		t.Run("request "+name, func(t *testing.T) {
			_, err := node.DecodeRequest(raw)
			require.ErrorIs(t, err, node.ErrCorruptMessage)
		})
		t.Run("response "+name, func(t *testing.T) {
			_, _, err := node.DecodeResponse(raw, 1)
			require.ErrorIs(t, err, node.ErrCorruptMessage)
		})
	}
}

// A request to a node that is not on the network fails as unreachable.
func TestForwardUnreachable(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 2, Zones: 2, Seed: 7})
	n, err := c.Node(1)
	require.NoError(t, err)
	require.NoError(t, c.Crash(2))
	_, err = n.Forward(ctx, 2, &node.Request{Op: node.OpGet, Group: 1, Key: key("a")})
	require.ErrorIs(t, err, transport.ErrUnreachable)
}

func FuzzDecodeRequest(f *testing.F) {
	for _, req := range sampleRequests() {
		raw, err := node.EncodeRequest(req)
		require.NoError(f, err)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := node.DecodeRequest(raw)
		if err != nil {
			return
		}
		again, err := node.EncodeRequest(req)
		require.NoError(t, err)
		req2, err := node.DecodeRequest(again)
		require.NoError(t, err)
		require.Equal(t, req.Op, req2.Op)
		require.Equal(t, req.Group, req2.Group)
		require.Equal(t, req.Scan, req2.Scan)
	})
}

func FuzzDecodeResponse(f *testing.F) {
	seeds := []error{nil, &multiraft.NotLeaderError{Group: 1, Leader: 2}, &dberr.ConditionalCheckFailedException{Message: "m", Item: key("a")},
		&partition.WrongRangeError{Group: 1, Key: []byte{1}}, multiraft.ErrLeaderChanged, errors.New("x"),
		&dberr.TransactionCanceledException{Message: "m", CancellationReasons: []dberr.CancellationReason{{Code: "None"}}}}
	for _, e := range seeds {
		raw, err := node.EncodeResponse(&node.Response{Item: key("a"), Page: &node.Page{Keys: [][]byte{{1}}, Items: []attr.Item{key("b")}}}, e)
		require.NoError(f, err)
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		resp, rerr, err := node.DecodeResponse(raw, 1)
		if err != nil {
			return
		}
		again, err := node.EncodeResponse(resp, rerr)
		require.NoError(t, err)
		_, rerr2, err := node.DecodeResponse(again, 1)
		require.NoError(t, err)
		require.Equal(t, rerr == nil, rerr2 == nil)
		if rerr != nil {
			require.Equal(t, rerr.Error(), rerr2.Error())
		}
	})
}

// refuseAll is a transport.Handler that serves nothing.
type refuseAll struct{}

func (refuseAll) HandleMessages(transport.NodeID, []transport.GroupMessage) {}
func (refuseAll) HandleCall(context.Context, transport.NodeID, []byte) ([]byte, error) {
	return nil, errors.New("refused")
}
func (refuseAll) HandleSnapshot(context.Context, transport.NodeID, []byte, io.Reader) error {
	return errors.New("refused")
}

// A peer that sends bytes which are not a request gets an error back; the
// node goes on serving.
func TestCallWithGarbageIsRefused(t *testing.T) {
	ctx := testContext(t)
	c := startCluster(t, node.ClusterConfig{Nodes: 1, Zones: 1, Seed: 15})
	peer, err := c.Network().Join(99)
	require.NoError(t, err)
	require.NoError(t, peer.Start(refuseAll{}))
	defer peer.Close()
	for _, raw := range [][]byte{nil, {node.WireVersion}, {node.WireVersion, byte(node.OpGet), 1, 0, 1, 5, 0xff}} {
		_, err := peer.Call(ctx, 1, raw)
		var remote *transport.RemoteError
		require.ErrorAs(t, err, &remote)
		require.Contains(t, remote.Message, "corrupt message")
	}
	good, err := node.EncodeRequest(&node.Request{Op: node.OpGet, Group: 1, Key: key("a")})
	require.NoError(t, err)
	raw, err := peer.Call(ctx, 1, good)
	require.NoError(t, err)
	_, rerr, err := node.DecodeResponse(raw, 1)
	require.NoError(t, err)
	require.ErrorIs(t, rerr, multiraft.ErrGroupNotFound)
}
