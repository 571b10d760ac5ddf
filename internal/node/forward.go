package node

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// WireVersion is the version of the request and response encodings, the
// first byte of every message Forward sends or receives.
const WireVersion byte = 2

// RequestOp is the operation of a Request.
type RequestOp uint8

// The operations a Request runs on a node.
const (
	// OpWrite runs Node.Write with Command.
	OpWrite RequestOp = iota + 1
	// OpGet runs Node.Get with Key and Consistent.
	OpGet
	// OpScan runs Node.Scan with Scan.
	OpScan
	// OpCreatePartition runs Node.CreatePartition with Meta and Peers, or
	// Node.AdoptPartition when Adopt is set.
	OpCreatePartition
	// OpRemovePartition runs Node.RemovePartition, or RemoveLogReplica
	// when LogReplica is set.
	OpRemovePartition
	// OpControl hands Body to the node's control handler (SetControlHandler).
	OpControl
	// OpSetLimits gives a partition its admission Limits in the node's gate.
	OpSetLimits
	// OpTakeUsage returns the gate's usage of every partition since the
	// previous one (gate.TakeUsage), as JSON in Body.
	OpTakeUsage
	// OpReport returns Reports(SplitSize) as JSON in Body.
	OpReport
	// OpLoad returns Load(Group), the partition's sampled load, as JSON in
	// Body.
	OpLoad
	// OpChangeReplicas applies Change to the group's membership on its
	// leader (multiraft's ChangeReplicas); Body holds the replica ID it
	// returned, as a uvarint.
	OpChangeReplicas
	// OpJoin hosts a replica of an existing group: JoinPartition with
	// Replica, or JoinLogReplica when LogReplica is set.
	OpJoin
	// OpStatus returns the node's view of the group (Status) as JSON in
	// Body.
	OpStatus
	// OpHosted returns the groups the node hosts (Hosted) as JSON in Body.
	OpHosted
	// OpTransferLeader hands the group's leadership from this node, its
	// leader, to the node in Change.Node.
	OpTransferLeader
)

// Request is one call of Write, Get, Scan, CreatePartition,
// RemovePartition or the control handler to run on a node, local or remote
// (Forward).
type Request struct {
	Op    RequestOp
	Group uint64
	// Command is the write of OpWrite.
	Command *partition.Command
	// Key and Consistent are the read of OpGet.
	Key        attr.Item
	Consistent bool
	// Scan is the page request of OpScan.
	Scan ScanRequest
	// Meta and Peers are the partition and initial voters of
	// OpCreatePartition.
	Meta  partition.Meta
	Peers []transport.NodeID
	// Adopt makes OpCreatePartition host a split's right side
	// (AdoptPartition) rather than a new partition.
	Adopt bool
	// Body is the opaque request of OpControl.
	Body []byte
	// Limits are the partition's admission settings of OpSetLimits.
	Limits gate.Limits
	// SplitSize is the size above which OpReport decides splits.
	SplitSize int64
	// Change is the membership change of OpChangeReplicas.
	Change multiraft.ReplicaChange
	// Replica and LogReplica say what OpJoin hosts; LogReplica also makes
	// OpRemovePartition remove the log replica.
	Replica    uint64
	LogReplica bool
	// Timeout is how long the peer may work on the request; zero means no
	// bound beyond the call itself. Forward sets it from ctx's deadline, so
	// that a peer stops working for a caller that has given up even over a
	// transport that carries no deadline.
	Timeout time.Duration
}

// Response is what a Request returned: Result for OpWrite (also set, with
// the error, for a write that applied without effect), Item for OpGet (nil:
// no item), Page for OpScan, Body for OpControl.
type Response struct {
	Result *partition.Result
	Item   attr.Item
	Page   *Page
	Body   []byte
}

// Hosted lists the groups a node hosts: full replicas (partitions) and log
// replicas.
type Hosted struct {
	Partitions  []uint64
	LogReplicas []uint64
	// Replicas are the raft replicas the node hosts, with their IDs.
	Replicas []multiraft.HostedReplica
}

// ControlHandler serves the opaque requests of OpControl: the control
// plane's protocol, which the node only carries.
type ControlHandler func(ctx context.Context, body []byte) ([]byte, error)

// ErrNoControlHandler is returned for an OpControl request on a node with no
// control handler set.
var ErrNoControlHandler = errors.New("node: no control handler")

// SetControlHandler installs the handler of OpControl requests, replacing
// any earlier one; nil removes it.
func (n *Node) SetControlHandler(h ControlHandler) {
	n.control.Store(&h)
}

// Serve runs req on this node. Writes and reads pass the node's gate
// (Config.Gate) first.
func (n *Node) Serve(ctx context.Context, req *Request) (*Response, error) {
	switch req.Op {
	case OpWrite:
		res, err := n.admitWrite(req.Group, req.Command, func() (*partition.Result, error) {
			return n.Write(ctx, req.Group, req.Command)
		})
		if res == nil {
			return nil, err
		}
		return &Response{Result: res}, err
	case OpGet:
		var item attr.Item
		err := n.admitRead(req.Group, req.Consistent, false, func() (int, error) {
			var err error
			item, err = n.Get(ctx, req.Group, req.Key, req.Consistent)
			if item == nil {
				return 0, err
			}
			return itemcheck.Size(item), err
		})
		if err != nil {
			return nil, err
		}
		n.recordGet(req.Group, req.Key, item, req.Consistent)
		return &Response{Item: item}, nil
	case OpScan:
		var page *Page
		err := n.admitRead(req.Group, req.Scan.Consistent, true, func() (int, error) {
			var err error
			page, err = n.Scan(ctx, req.Group, req.Scan)
			if page == nil {
				return 0, err
			}
			return page.Bytes, err
		})
		if err != nil {
			return nil, err
		}
		n.recordPage(req.Group, page, req.Scan.Consistent)
		return &Response{Page: page}, nil
	case OpCreatePartition:
		if req.Adopt {
			return nil, n.AdoptPartition(ctx, req.Group, req.Meta, req.Peers)
		}
		return nil, n.CreatePartition(ctx, req.Group, req.Meta, req.Peers)
	case OpRemovePartition:
		if req.LogReplica {
			return nil, n.RemoveLogReplica(ctx, req.Group)
		}
		if n.gate != nil {
			n.gate.Remove(req.Group)
		}
		n.samplers.Delete(req.Group)
		return nil, n.RemovePartition(ctx, req.Group)
	case OpSetLimits:
		if n.gate == nil {
			return nil, nil
		}
		return nil, n.gate.Set(req.Group, req.Limits)
	case OpReport:
		reports, err := n.Reports(ctx, req.SplitSize)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(reports)
		if err != nil {
			return nil, err
		}
		return &Response{Body: body}, nil
	case OpChangeReplicas:
		id, err := n.raft.ChangeReplicas(ctx, req.Group, req.Change)
		if err != nil {
			return nil, err
		}
		return &Response{Body: binary.AppendUvarint(nil, id)}, nil
	case OpJoin:
		if req.LogReplica {
			return nil, n.JoinLogReplica(ctx, req.Group, req.Replica)
		}
		return nil, n.JoinPartition(ctx, req.Group, req.Replica)
	case OpTransferLeader:
		return nil, n.raft.TransferLeadership(ctx, req.Group, req.Change.Node)
	case OpHosted:
		replicas, err := n.raft.Hosted()
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(Hosted{Partitions: n.Partitions(), LogReplicas: n.LogReplicas(), Replicas: replicas})
		if err != nil {
			return nil, err
		}
		return &Response{Body: body}, nil
	case OpStatus:
		st, err := n.Status(req.Group)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(st)
		if err != nil {
			return nil, err
		}
		return &Response{Body: body}, nil
	case OpLoad:
		if _, err := n.Partition(req.Group); err != nil {
			return nil, err
		}
		body, err := json.Marshal(n.Load(req.Group))
		if err != nil {
			return nil, err
		}
		return &Response{Body: body}, nil
	case OpTakeUsage:
		var usage []gate.GroupUsage
		if n.gate != nil {
			usage = n.gate.TakeUsage()
		}
		body, err := json.Marshal(usage)
		if err != nil {
			return nil, err
		}
		return &Response{Body: body}, nil
	case OpControl:
		h := n.control.Load()
		if h == nil || *h == nil {
			return nil, fmt.Errorf("node %d: %w", n.id, ErrNoControlHandler)
		}
		body, err := (*h)(ctx, req.Body)
		if err != nil {
			return nil, err
		}
		return &Response{Body: body}, nil
	}
	return nil, fmt.Errorf("node %d: unknown request operation %d", n.id, req.Op)
}

// Forward runs req on node to (this node itself runs it directly) and
// returns its response and error as the peer's Serve returned them: a
// *multiraft.NotLeaderError, a *partition.WrongRangeError, a dberr
// exception or one of multiraft's sentinel errors is matchable with
// errors.As and errors.Is; other errors arrive as *RemoteError. A transport
// failure (transport.ErrUnreachable) or ctx's end means the outcome of a
// write is unknown.
func (n *Node) Forward(ctx context.Context, to transport.NodeID, req *Request) (*Response, error) {
	if to == n.id {
		return n.Serve(ctx, req)
	}
	if deadline, ok := ctx.Deadline(); ok {
		bounded := *req
		bounded.Timeout = max(time.Until(deadline), time.Nanosecond)
		req = &bounded
	}
	msg, err := EncodeRequest(req)
	if err != nil {
		return nil, fmt.Errorf("node %d: forward to %d: %w", n.id, to, err)
	}
	raw, err := n.tr.Call(ctx, to, msg)
	if err != nil {
		return nil, fmt.Errorf("node %d: forward to %d: %w", n.id, to, err)
	}
	resp, rerr, err := DecodeResponse(raw, to)
	if err != nil {
		return nil, fmt.Errorf("node %d: forward to %d: %w", n.id, to, err)
	}
	return resp, rerr
}

// handleCall serves a Forward from a peer. It fails the call only for bytes
// it cannot decode; every error of the request itself travels in the
// response.
func (n *Node) handleCall(ctx context.Context, from transport.NodeID, raw []byte) ([]byte, error) {
	select {
	case <-n.opened:
	case <-ctx.Done():
		return nil, fmt.Errorf("node %d: call from %d before the node opened: %w", n.id, from, ctx.Err())
	}
	req, err := DecodeRequest(raw)
	if err != nil {
		return nil, fmt.Errorf("node %d: call from %d: %w", n.id, from, err)
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	resp, serr := n.Serve(ctx, req)
	out, err := EncodeResponse(resp, serr)
	if err != nil {
		return nil, fmt.Errorf("node %d: call from %d: %w", n.id, from, err)
	}
	return out, nil
}

// EncodeRequest returns the binary form of req, version WireVersion:
//
//	version op group timeout body
//	timeout: nanoseconds, 0 for none
//	write: command (partition.Command.Encode, length-prefixed)
//	get:   consistent key(item)
//	scan:  consistent reverse range startAfter(opt) limit maxBytes
//	create partition: meta (partition.EncodeMeta) peers (count, ids)
//	remove partition: nothing
//	control: body
//	set limits: table partition readRate writeRate (float64 bits) onDemand
//
// Integers are unsigned varints, byte strings length-prefixed, optional
// byte strings and items preceded by a presence byte, items in itemcodec.
func EncodeRequest(req *Request) ([]byte, error) {
	b := []byte{WireVersion, byte(req.Op)}
	b = appendUvarint(b, req.Group)
	b = appendUvarint(b, uint64(max(req.Timeout, 0)))
	var err error
	switch req.Op {
	case OpWrite:
		if req.Command == nil {
			return nil, errors.New("node: write request without a command")
		}
		cmd, cerr := req.Command.Encode()
		if cerr != nil {
			return nil, cerr
		}
		b = appendBytes(b, cmd)
	case OpGet:
		b = appendBool(b, req.Consistent)
		b, err = appendItem(b, req.Key)
	case OpScan:
		s := req.Scan
		if s.Limit < 0 || s.MaxBytes < 0 {
			return nil, fmt.Errorf("node: scan request with negative Limit %d or MaxBytes %d", s.Limit, s.MaxBytes)
		}
		b = appendBool(b, s.Consistent)
		b = appendBool(b, s.Reverse)
		b = appendRange(b, s.Range)
		b = appendOptBytes(b, s.StartAfter)
		b = appendUvarint(b, uint64(s.Limit))
		b = appendUvarint(b, uint64(s.MaxBytes))
	case OpCreatePartition:
		b = appendBytes(b, partition.EncodeMeta(req.Meta))
		b = appendUvarint(b, uint64(len(req.Peers)))
		for _, p := range req.Peers {
			b = appendUvarint(b, uint64(p))
		}
		b = appendBool(b, req.Adopt)
	case OpTakeUsage, OpLoad, OpStatus, OpHosted:
	case OpRemovePartition:
		b = appendBool(b, req.LogReplica)
	case OpChangeReplicas, OpTransferLeader:
		b = append(b, byte(req.Change.Type), byte(req.Change.Kind))
		b = appendUvarint(b, uint64(req.Change.Node))
	case OpJoin:
		b = appendUvarint(b, req.Replica)
		b = appendBool(b, req.LogReplica)
	case OpReport:
		b = appendUvarint(b, uint64(max(req.SplitSize, 0)))
	case OpControl:
		b = appendBytes(b, req.Body)
	case OpSetLimits:
		l := req.Limits
		b = appendString(b, l.Table)
		b = appendString(b, l.Partition)
		b = appendUvarint(b, math.Float64bits(l.ReadRate))
		b = appendUvarint(b, math.Float64bits(l.WriteRate))
		b = appendBool(b, l.OnDemand)
	default:
		return nil, fmt.Errorf("node: unknown request operation %d", req.Op)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// DecodeRequest parses bytes written by EncodeRequest. Corrupt input yields
// an error wrapping ErrCorruptMessage (or partition.ErrCorruptCommand).
func DecodeRequest(raw []byte) (*Request, error) {
	d := newDecoder(raw)
	if v := d.Byte("version"); d.Err() == nil && v != WireVersion {
		d.Fail("unknown wire version %d", v)
	}
	req := &Request{Op: RequestOp(d.Byte("operation")), Group: d.Uvarint("group")}
	if timeout := d.Uvarint("timeout"); timeout > math.MaxInt64 {
		d.Fail("timeout %d", timeout)
	} else {
		req.Timeout = time.Duration(timeout)
	}
	if d.Err() != nil {
		return nil, d.Err()
	}
	switch req.Op {
	case OpWrite:
		cmd := d.CopyBytes("command")
		if d.Err() != nil {
			return nil, d.Err()
		}
		c, err := partition.DecodeCommand(cmd)
		if err != nil {
			return nil, err
		}
		req.Command = c
	case OpGet:
		req.Consistent = d.Bool("consistent")
		req.Key = d.item("key")
	case OpScan:
		req.Scan.Consistent = d.Bool("consistent")
		req.Scan.Reverse = d.Bool("reverse")
		req.Scan.Range = d.keyRange("range")
		req.Scan.StartAfter = d.optBytes("start after")
		req.Scan.Limit = d.int("limit")
		req.Scan.MaxBytes = d.int("max bytes")
	case OpCreatePartition:
		raw := d.CopyBytes("meta")
		if d.Err() != nil {
			return nil, d.Err()
		}
		m, err := partition.DecodeMeta(raw)
		if err != nil {
			d.Fail("meta: %v", err)
			return nil, d.Err()
		}
		req.Meta = m
		n := d.int("peer count")
		for i := 0; i < n && d.Err() == nil; i++ {
			req.Peers = append(req.Peers, transport.NodeID(d.Uvarint("peer")))
		}
		req.Adopt = d.Bool("adopt")
	case OpTakeUsage, OpLoad, OpStatus, OpHosted:
	case OpRemovePartition:
		req.LogReplica = d.Bool("log replica")
	case OpChangeReplicas, OpTransferLeader:
		req.Change.Type = multiraft.ReplicaChangeType(d.Byte("change type"))
		req.Change.Kind = multiraft.ReplicaKind(d.Byte("replica kind"))
		req.Change.Node = transport.NodeID(d.Uvarint("change node"))
	case OpJoin:
		req.Replica = d.Uvarint("replica")
		req.LogReplica = d.Bool("log replica")
	case OpReport:
		req.SplitSize = int64(min(d.Uvarint("split size"), math.MaxInt64))
	case OpControl:
		req.Body = d.CopyBytes("body")
	case OpSetLimits:
		req.Limits.Table = d.String("table")
		req.Limits.Partition = d.String("partition")
		req.Limits.ReadRate = d.float("read rate")
		req.Limits.WriteRate = d.float("write rate")
		req.Limits.OnDemand = d.Bool("on demand")
	default:
		d.Fail("unknown request operation %d", req.Op)
	}
	d.End()
	if d.Err() != nil {
		return nil, d.Err()
	}
	return req, nil
}

// Response kinds: what follows the status byte.
const (
	respResult = 1 << 0
	respItem   = 1 << 1
	respPage   = 1 << 2
	respError  = 1 << 3
	respBody   = 1 << 4
)

// EncodeResponse returns the binary form of a response and its error,
// version WireVersion:
//
//	version flags [result] [item] [page] [error]
//	result: key(opt) attributes(item) old(item) new(item) oldSize newSize
//	        split(opt: left right, partition.EncodeMeta each)
//	page:   count (key item)* bytes lastKey(opt) range
//	body:   bytes (OpControl)
//	error:  kind message fields (see appendError)
//
// A Result's Err is not encoded inside it: it is the response's error.
func EncodeResponse(resp *Response, rerr error) ([]byte, error) {
	var flags byte
	if resp != nil {
		if resp.Result != nil {
			flags |= respResult
		}
		if resp.Item != nil {
			flags |= respItem
		}
		if resp.Page != nil {
			flags |= respPage
		}
		if resp.Body != nil {
			flags |= respBody
		}
	}
	if rerr != nil {
		flags |= respError
	}
	b := []byte{WireVersion, flags}
	var err error
	if flags&respResult != 0 {
		if b, err = appendResult(b, resp.Result); err != nil {
			return nil, err
		}
	}
	if flags&respItem != 0 {
		if b, err = appendItem(b, resp.Item); err != nil {
			return nil, err
		}
	}
	if flags&respPage != 0 {
		p := resp.Page
		if len(p.Keys) != len(p.Items) {
			return nil, fmt.Errorf("node: page with %d keys and %d items", len(p.Keys), len(p.Items))
		}
		b = appendUvarint(b, uint64(len(p.Items)))
		for i := range p.Items {
			b = appendBytes(b, p.Keys[i])
			if b, err = appendItem(b, p.Items[i]); err != nil {
				return nil, err
			}
		}
		b = appendUvarint(b, uint64(max(p.Bytes, 0)))
		b = appendOptBytes(b, p.LastKey)
		b = appendRange(b, p.Range)
	}
	if flags&respBody != 0 {
		b = appendBytes(b, resp.Body)
	}
	if rerr != nil {
		b = appendError(b, rerr)
	}
	return b, nil
}

func appendResult(b []byte, r *partition.Result) ([]byte, error) {
	var err error
	b = appendOptBytes(b, r.Key)
	for _, item := range []attr.Item{r.Attributes, r.Old, r.New} {
		if b, err = appendItem(b, item); err != nil {
			return nil, err
		}
	}
	b = appendUvarint(b, uint64(max(r.OldSize, 0)))
	b = appendUvarint(b, uint64(max(r.NewSize, 0)))
	b = appendBool(b, r.Split != nil)
	if r.Split != nil {
		b = appendBytes(b, partition.EncodeMeta(r.Split.Left))
		b = appendBytes(b, partition.EncodeMeta(r.Split.Right))
	}
	return b, nil
}

// DecodeResponse parses bytes written by EncodeResponse: the response, the
// error it carries (from names the peer for errors that travel as text),
// and err for bytes that do not decode (wrapping ErrCorruptMessage).
func DecodeResponse(raw []byte, from transport.NodeID) (resp *Response, rerr, err error) {
	d := newDecoder(raw)
	if v := d.Byte("version"); d.Err() == nil && v != WireVersion {
		d.Fail("unknown wire version %d", v)
	}
	flags := d.Byte("flags")
	if d.Err() == nil && flags&^(respResult|respItem|respPage|respError|respBody) != 0 {
		d.Fail("unknown flags %#x", flags)
	}
	resp = &Response{}
	if flags&respResult != 0 {
		resp.Result = d.result()
	}
	if flags&respItem != 0 {
		resp.Item = d.item("item")
	}
	if flags&respPage != 0 {
		resp.Page = d.page()
	}
	if flags&respBody != 0 {
		resp.Body = d.CopyBytes("body")
	}
	if flags&respError != 0 {
		rerr = d.error(from)
	}
	d.End()
	if d.Err() != nil {
		return nil, nil, d.Err()
	}
	if resp.Result != nil {
		resp.Result.Err = rerr
	}
	if flags&(respResult|respItem|respPage|respBody) == 0 && rerr != nil {
		// A failed request has no response; a Get of a missing item has
		// an empty one.
		resp = nil
	}
	return resp, rerr, nil
}

func (d *decoder) result() *partition.Result {
	r := &partition.Result{Key: d.optBytes("result key")}
	r.Attributes = d.item("attributes")
	r.Old = d.item("old item")
	r.New = d.item("new item")
	r.OldSize = d.int("old size")
	r.NewSize = d.int("new size")
	if d.Bool("split flag") {
		left := d.CopyBytes("split left")
		right := d.CopyBytes("split right")
		if d.Err() != nil {
			return nil
		}
		lm, err := partition.DecodeMeta(left)
		if err != nil {
			d.Fail("split left: %v", err)
			return nil
		}
		rm, err := partition.DecodeMeta(right)
		if err != nil {
			d.Fail("split right: %v", err)
			return nil
		}
		r.Split = &partition.SplitResult{Left: lm, Right: rm}
	}
	return r
}

func (d *decoder) page() *Page {
	n := d.int("page items")
	p := &Page{}
	for i := 0; i < n && d.Err() == nil; i++ {
		p.Keys = append(p.Keys, d.CopyBytes("page key"))
		p.Items = append(p.Items, d.item("page item"))
	}
	p.Bytes = d.int("page bytes")
	p.LastKey = d.optBytes("last key")
	p.Range = d.keyRange("page range")
	return p
}
