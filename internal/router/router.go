// Package router is the data plane's Backend over a cluster of nodes: it maps
// a storage key to the partition that owns it with a cached partition map
// read from the system table (internal/meta), sends the request to the
// partition's leader (or, for an eventually consistent read, to any
// replica) through a local node, and retries within the request's deadline
// on the typed redirects the nodes return: a leader that moved
// (*multiraft.NotLeaderError), a range that split
// (*partition.WrongRangeError), a replica that moved away
// (multiraft.ErrGroupNotFound), a proposal dropped during an election.
//
// A write whose outcome is unknown (the leader changed or became
// unreachable after the command was sent) is never sent again: it may
// still commit, and applying it twice, even a plain put, can undo the
// writes made in between. The caller gets an InternalServerError, as from
// DynamoDB, and decides. A write to a node known to be down before
// anything was sent goes to another replica.
package router

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// DefaultTimeout bounds a request whose context has no deadline.
const DefaultTimeout = 10 * time.Second

// Router implements dataplane.Backend. It is safe for concurrent use.
type Router struct {
	gw      meta.Gateway
	meta    *meta.Client
	timeout time.Duration

	// id names this router to the tables' admission services.
	id string
	// now tells the time to admission control.
	now func() time.Time
	// unmetered turns global admission control off.
	unmetered bool

	// metrics counts what this router refused (global admission control)
	// and the latency of what it sent, per table.
	metrics admission.Metrics

	// mu guards tables, the cached routes by table name, and gac, this
	// router's global admission control clients by table and kind.
	mu     sync.Mutex
	tables map[string]*route
	gac    map[gacKey]*admission.Client
}

// route is one table's cached partition map. It is immutable once
// published, except leaders, which has its own lock.
type route struct {
	table catalog.Table
	// version counts refreshes, so that concurrent requests that saw the
	// same stale map refresh it once.
	version uint64

	// mu guards leaders, the node last seen leading each partition.
	mu      sync.Mutex
	leaders map[uint64]transport.NodeID
}

// New returns a router sending through gw and reading partition maps with
// mc. timeout bounds requests whose context has no deadline (zero:
// DefaultTimeout).
func New(gw meta.Gateway, mc *meta.Client, timeout time.Duration) *Router {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Router{gw: gw, meta: mc, timeout: timeout, tables: map[string]*route{},
		id: newRouterID(), now: time.Now, gac: map[gacKey]*admission.Client{}}
}

var _ dataplane.Backend = (*Router)(nil)

// Table returns the table called name if it serves data-plane requests.
func (r *Router) Table(ctx context.Context, name string) (dataplane.Table, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	rt, err := r.route(ctx, name, nil)
	if err != nil {
		return dataplane.Table{}, err
	}
	if !servable(rt.table) {
		// The cache may be behind a table that has become ACTIVE.
		if rt, err = r.route(ctx, name, rt); err != nil {
			return dataplane.Table{}, err
		}
		if !servable(rt.table) {
			return dataplane.Table{}, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
		}
	}
	schema, err := meta.KeySchema(&rt.table.Description)
	if err != nil {
		return dataplane.Table{}, err
	}
	return dataplane.Table{Name: name, ID: rt.table.ID, Schema: schema}, nil
}

func servable(t catalog.Table) bool {
	s := t.Description.TableStatus
	return s == catalog.TableStatusActive || s == catalog.TableStatusUpdating
}

// Stats returns the router's metrics: per table, the requests its global
// admission control refused, by reason, and the latency of the writes,
// reads and pages it sent (the nodes count what they admitted).
func (r *Router) Stats() admission.Stats { return r.metrics.Stats() }

// SetUnmetered turns the router's global admission control off (for
// benchmarks of the engine itself). Call it before the router serves
// requests.
func (r *Router) SetUnmetered() { r.unmetered = true }

// SetClock makes admission control read the time from now (a simulated
// clock in tests); the default is the wall clock. Call it before the
// router serves requests.
func (r *Router) SetClock(now func() time.Time) { r.now = now }

// Invalidate drops the cached route of table name, so that the next request
// reads it again (after a table is deleted and created anew).
func (r *Router) Invalidate(name string) {
	r.mu.Lock()
	delete(r.tables, name)
	r.mu.Unlock()
}

// bound gives ctx the router's default deadline when it has none.
func (r *Router) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, r.timeout)
}

// route returns the cached route of table name, reading it from the system
// table when there is none or when stale is the cached one (a request
// found it wrong).
func (r *Router) route(ctx context.Context, name string, stale *route) (*route, error) {
	r.mu.Lock()
	rt := r.tables[name]
	r.mu.Unlock()
	if rt != nil && (stale == nil || rt.version != stale.version) {
		return rt, nil
	}
	t, err := r.meta.Table(ctx, name)
	if err != nil {
		var nf *dberr.ResourceNotFoundException
		if errors.As(err, &nf) {
			r.Invalidate(name)
		}
		return nil, err
	}
	next := &route{table: t, leaders: map[uint64]transport.NodeID{}}
	if rt != nil {
		next.version = rt.version + 1
		rt.mu.Lock()
		for id, l := range rt.leaders {
			next.leaders[id] = l
		}
		rt.mu.Unlock()
	}
	r.mu.Lock()
	if cur := r.tables[name]; cur == nil || cur.version < next.version || cur == rt {
		r.tables[name] = next
	}
	r.mu.Unlock()
	return next, nil
}

// locate returns the partition owning key.
func (rt *route) locate(key []byte) (catalog.Partition, bool) {
	ps := rt.table.Partitions
	i := sort.Search(len(ps), func(i int) bool { return bytes.Compare(ps[i].Range.Start, key) > 0 }) - 1
	if i < 0 || !ps[i].Range.Contains(key) {
		return catalog.Partition{}, false
	}
	return ps[i], true
}

// locateBefore returns the partition owning the greatest key below end (nil
// end: the last partition).
func (rt *route) locateBefore(end []byte) (catalog.Partition, bool) {
	ps := rt.table.Partitions
	if len(ps) == 0 {
		return catalog.Partition{}, false
	}
	if end == nil {
		return ps[len(ps)-1], true
	}
	i := sort.Search(len(ps), func(i int) bool { return bytes.Compare(ps[i].Range.Start, end) >= 0 }) - 1
	if i < 0 {
		return catalog.Partition{}, false
	}
	return ps[i], true
}

func (rt *route) leader(p uint64) transport.NodeID {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.leaders[p]
}

func (rt *route) setLeader(p uint64, n transport.NodeID) {
	rt.mu.Lock()
	rt.leaders[p] = n
	rt.mu.Unlock()
}

// attempt walks the replicas of one partition for one request: the leader
// hint first, then redirects, then each replica in turn, pausing after each
// full round.
type attempt struct {
	p      catalog.Partition
	target transport.NodeID
	tried  int
	rounds int
}

func newAttempt(rt *route, p catalog.Partition, prefer transport.NodeID) *attempt {
	a := &attempt{p: p}
	switch {
	case prefer != 0 && p.Holds(catalog.NodeID(prefer)):
		a.target = prefer
	case rt.leader(p.ID) != 0 && p.Holds(catalog.NodeID(rt.leader(p.ID))):
		// A hint naming a node that no longer holds the partition (its
		// replica moved) is stale.
		a.target = rt.leader(p.ID)
	}
	return a
}

// next returns the node to try now, pausing after every replica was tried.
func (a *attempt) next(ctx context.Context) (transport.NodeID, error) {
	if a.target != 0 {
		return a.target, nil
	}
	if len(a.p.Replicas) == 0 {
		return 0, fmt.Errorf("router: partition %d has no replicas", a.p.ID)
	}
	if a.tried == len(a.p.Replicas) {
		a.tried = 0
		a.rounds++
		if err := pause(ctx, a.rounds); err != nil {
			return 0, err
		}
	}
	a.target = transport.NodeID(a.p.Replicas[a.tried].Node)
	a.tried++
	return a.target, nil
}

// redirect moves the attempt to the leader an error names, or to the next
// replica.
func (a *attempt) redirect(err error) {
	var nl *multiraft.NotLeaderError
	if errors.As(err, &nl) && nl.Leader != 0 && nl.Leader != a.target && a.p.Holds(catalog.NodeID(nl.Leader)) {
		a.target = nl.Leader
		return
	}
	a.target = 0
}

// pause waits longer with each round, up to 100ms, or until ctx ends.
func pause(ctx context.Context, round int) error {
	return meta.Backoff(ctx, round, 100*time.Millisecond)
}

// Error classes of a failed request to one replica.
type class int

const (
	// classDone: the error is the request's answer.
	classDone class = iota
	// classRedirect: another replica may serve it; nothing was applied.
	classRedirect
	// classRemap: the partition map is stale; nothing was applied.
	classRemap
	// classRetry: try the same target again after a pause; nothing was
	// applied.
	classRetry
	// classUnknown: a write may or may not have applied.
	classUnknown
)

func classify(err error) class {
	var (
		nl    *multiraft.NotLeaderError
		wrong *partition.WrongRangeError
	)
	switch {
	case errors.As(err, &wrong):
		return classRemap
	case errors.As(err, &nl):
		return classRedirect
	case errors.Is(err, multiraft.ErrGroupNotFound), errors.Is(err, multiraft.ErrGroupRemoved):
		return classRemap
	case errors.Is(err, multiraft.ErrProposalDropped):
		return classRetry
	case errors.Is(err, multiraft.ErrLeaderChanged), errors.Is(err, transport.ErrUnreachable),
		errors.Is(err, multiraft.ErrClosed), errors.Is(err, transport.ErrClosed), errors.Is(err, node.ErrNodeDown):
		return classUnknown
	}
	return classDone
}

// Write applies cmd on the leader of the partition owning key.
func (r *Router) Write(ctx context.Context, t dataplane.Table, key []byte, cmd *partition.Command) (*partition.Result, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	defer r.observe(t.Name, time.Now())
	var (
		rt       *route
		remaps   int
		admitted bool
	)
	for {
		var (
			p   catalog.Partition
			err error
		)
		if rt, p, err = r.partitionFor(ctx, t, rt, key); err != nil {
			return nil, err
		}
		if !admitted && cmd.Op != partition.OpSplit {
			if err := r.admit(ctx, rt, admission.Write, node.WriteEstimate(cmd)); err != nil {
				return nil, err
			}
			admitted = true
		}
		res, err, remap := r.writeTo(ctx, rt, p, cmd)
		if !remap {
			return res, err
		}
		if err := remapPause(ctx, &remaps); err != nil {
			return nil, internalError(err)
		}
	}
}

// partitionFor returns t's route (read again when stale is the cached one)
// and the partition in it that owns key. A route of another table of the
// same name (t was deleted and created again) is ResourceNotFound, as for
// a deleted table.
func (r *Router) partitionFor(ctx context.Context, t dataplane.Table, stale *route, key []byte) (*route, catalog.Partition, error) {
	rt, err := r.route(ctx, t.Name, stale)
	if err != nil {
		return nil, catalog.Partition{}, err
	}
	if rt.table.ID != t.ID {
		return nil, catalog.Partition{}, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
	}
	p, ok := rt.locate(key)
	if !ok {
		return nil, catalog.Partition{}, fmt.Errorf("router: table %s: no partition owns key %x", t.Name, key)
	}
	return rt, p, nil
}

// remapPause lets a partition map that proved stale catch up: the first
// refresh is at once, later ones after a growing pause.
func remapPause(ctx context.Context, remaps *int) error {
	*remaps++
	if *remaps == 1 {
		return nil
	}
	return pause(ctx, *remaps-1)
}

// writeTo sends cmd to p's leader until it applies, fails for good, or the
// partition map proves stale (remap).
func (r *Router) writeTo(ctx context.Context, rt *route, p catalog.Partition, cmd *partition.Command) (res *partition.Result, err error, remap bool) {
	a := newAttempt(rt, p, 0)
	for {
		target, err := a.next(ctx)
		if err != nil {
			return nil, internalError(err), false
		}
		gw, err := r.gw(target)
		if errors.Is(err, node.ErrNodeDown) && target != 0 {
			// Known down before anything was sent: try another replica.
			a.target = 0
			continue
		}
		if err != nil {
			return nil, err, false
		}
		resp, err := gw.Forward(ctx, target, &node.Request{Op: node.OpWrite, Group: p.ID, Command: cmd})
		if err == nil {
			rt.setLeader(p.ID, target)
			return resp.Result, nil, false
		}
		if ctx.Err() != nil {
			return nil, internalError(ctx.Err()), false
		}
		switch classify(err) {
		case classDone:
			if resp != nil && resp.Result != nil {
				rt.setLeader(p.ID, target)
				return resp.Result, err, false
			}
			return nil, err, false
		case classRemap:
			return nil, nil, true
		case classRedirect:
			a.redirect(err)
		case classRetry:
			a.rounds++
			if perr := pause(ctx, a.rounds); perr != nil {
				return nil, internalError(perr), false
			}
		case classUnknown:
			// The command may have been appended to the log and may
			// still commit: sending it again could apply it twice, even
			// a plain put (after other writes, it would bring back an
			// overwritten value). The caller decides, as with DynamoDB.
			// The next request starts from the replicas, not from this
			// target.
			rt.setLeader(p.ID, 0)
			return nil, internalError(err), false
		}
	}
}

// internalError is DynamoDB's answer to a request the cluster could not
// complete: a write whose outcome is not known, or a request that found no
// replica to serve it before its deadline.
func internalError(err error) error {
	return &dberr.InternalServerError{Message: "Internal server error", Err: err}
}

// Get reads the item under key from the partition that owns it.
func (r *Router) Get(ctx context.Context, t dataplane.Table, key []byte, itemKey attr.Item, consistent bool) (attr.Item, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	defer r.observe(t.Name, time.Now())
	var (
		rt       *route
		remaps   int
		admitted bool
	)
	for {
		var (
			p   catalog.Partition
			err error
		)
		if rt, p, err = r.partitionFor(ctx, t, rt, key); err != nil {
			return nil, err
		}
		if !admitted {
			if err := r.admit(ctx, rt, admission.Read, node.ReadEstimate(consistent)); err != nil {
				return nil, err
			}
			admitted = true
		}
		var item attr.Item
		remap, err := r.read(ctx, rt, p, consistent, func(gw *node.Node, target transport.NodeID) error {
			resp, err := gw.Forward(ctx, target, &node.Request{Op: node.OpGet, Group: p.ID, Key: itemKey, Consistent: consistent})
			if err == nil && resp != nil {
				item = resp.Item
			}
			return err
		})
		if !remap {
			return item, err
		}
		if err := remapPause(ctx, &remaps); err != nil {
			return nil, internalError(err)
		}
	}
}

// read runs one read on a replica of p: the leader for a consistent read,
// the gateway's own replica or any other for an eventual one, moving on
// until one answers, the error is final, or the map proves stale.
func (r *Router) read(ctx context.Context, rt *route, p catalog.Partition, consistent bool, do func(gw *node.Node, target transport.NodeID) error) (remap bool, err error) {
	var prefer transport.NodeID
	if !consistent {
		if gw, err := r.gw(0); err == nil && p.Holds(catalog.NodeID(gw.ID())) {
			prefer = gw.ID()
		}
	}
	a := newAttempt(rt, p, prefer)
	for {
		target, err := a.next(ctx)
		if err != nil {
			return false, internalError(err)
		}
		gw, err := r.gw(target)
		if errors.Is(err, node.ErrNodeDown) && target != 0 {
			a.target = 0
			continue
		}
		if err != nil {
			return false, err
		}
		err = do(gw, target)
		if err == nil {
			if consistent {
				rt.setLeader(p.ID, target)
			}
			return false, nil
		}
		if ctx.Err() != nil {
			return false, internalError(ctx.Err())
		}
		switch classify(err) {
		case classDone:
			return false, err
		case classRemap:
			return true, nil
		case classRedirect:
			a.redirect(err)
		default:
			a.target = 0
		}
	}
}

// Scan reads a run of items across partitions.
func (r *Router) Scan(ctx context.Context, t dataplane.Table, req dataplane.ScanRequest) (*dataplane.Page, error) {
	ctx, cancel := r.bound(ctx)
	defer cancel()
	defer r.observe(t.Name, time.Now())
	maxBytes := req.MaxBytes
	if maxBytes <= 0 {
		maxBytes = node.DefaultPageBytes
	}
	out := &dataplane.Page{}
	after := req.StartAfter
	// lo and hi bound what is left to read: [lo, hi) forward; reverse reads
	// downward from hi.
	lo, hi := req.Range.Start, req.Range.End
	var (
		rt          *route
		remaps      int
		admittedFor uint64 // the partition whose page was admitted
	)
	for {
		var err error
		if rt, err = r.route(ctx, t.Name, rt); err != nil {
			return nil, err
		}
		if rt.table.ID != t.ID {
			return nil, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
		}
		var (
			p   catalog.Partition
			ok  bool
			pos []byte
		)
		if !req.Reverse {
			// pos is the lowest key that may be read: lo, or what follows
			// after.
			pos = lo
			if after != nil && bytes.Compare(after, pos) >= 0 {
				pos = after
			}
			p, ok = rt.locate(pos)
		} else {
			// pos bounds the keys that may be read from above, exclusive.
			pos = hi
			if after != nil && (pos == nil || bytes.Compare(after, pos) < 0) {
				pos = after
			}
			p, ok = rt.locateBefore(pos)
		}
		if !ok {
			return nil, fmt.Errorf("router: table %s: no partition owns the scan position", t.Name)
		}
		// One admission per partition page: a retry after a stale map does
		// not pay again for the same partition.
		if p.ID != admittedFor {
			if err := r.admit(ctx, rt, admission.Read, node.ReadEstimate(req.Consistent)); err != nil {
				if len(out.Items) > 0 {
					// What was read stands; the caller resumes after it.
					out.LastKey = out.Keys[len(out.Keys)-1]
					return out, nil
				}
				return nil, err
			}
			admittedFor = p.ID
		}
		sreq := node.ScanRequest{
			Range:      keyenc.Range{Start: lo, End: hi},
			StartAfter: after,
			Reverse:    req.Reverse,
			MaxBytes:   maxBytes - out.Bytes,
			Consistent: req.Consistent,
		}
		if req.Limit > 0 {
			sreq.Limit = req.Limit - len(out.Items)
		}
		var page *node.Page
		remap, err := r.read(ctx, rt, p, req.Consistent, func(gw *node.Node, target transport.NodeID) error {
			resp, err := gw.Forward(ctx, target, &node.Request{Op: node.OpScan, Group: p.ID, Scan: sreq})
			if err == nil {
				page = resp.Page
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		if !remap && !covers(page.Range, pos, req.Reverse) {
			// The replica's partition no longer reaches the position: it
			// split after the map was read, and it clamped the read to
			// its smaller range. Taking its page would skip the keys of
			// the split-off part.
			remap = true
		}
		if remap {
			if err := remapPause(ctx, &remaps); err != nil {
				return nil, internalError(err)
			}
			continue
		}
		out.Keys = append(out.Keys, page.Keys...)
		out.Items = append(out.Items, page.Items...)
		out.Bytes += page.Bytes
		if page.LastKey != nil {
			out.LastKey = page.LastKey
			return out, nil
		}
		// The partition's part is exhausted: go on past its range.
		if !req.Reverse {
			if page.Range.End == nil || (hi != nil && bytes.Compare(page.Range.End, hi) >= 0) {
				return out, nil
			}
			lo, after = page.Range.End, nil
		} else {
			if lo != nil && bytes.Compare(page.Range.Start, lo) <= 0 {
				return out, nil
			}
			hi, after = page.Range.Start, nil
		}
		if (req.Limit > 0 && len(out.Items) >= req.Limit) || out.Bytes >= maxBytes {
			// Stopped exactly at a partition boundary: more may follow.
			if n := len(out.Keys); n > 0 {
				out.LastKey = out.Keys[n-1]
			}
			return out, nil
		}
	}
}

// covers reports whether a partition with range pr holds the scan position
// pos: forward, the lowest key that may be read (pos itself, or the key
// after it when it was the last one read); in reverse, the exclusive upper
// bound of the keys that may be read (nil: the end of the key space).
func covers(pr keyenc.Range, pos []byte, reverse bool) bool {
	if !reverse {
		return bytes.Compare(pr.Start, pos) <= 0 && (pr.End == nil || bytes.Compare(pos, pr.End) < 0)
	}
	if pos == nil {
		// Unbounded above: only the last partition is asked, by locateBefore.
		return true
	}
	return bytes.Compare(pr.Start, pos) < 0 && (pr.End == nil || bytes.Compare(pr.End, pos) >= 0)
}

// observe records the latency of a request of table begun at start.
func (r *Router) observe(table string, start time.Time) {
	r.metrics.RecordLatency(table, "", time.Since(start))
}
