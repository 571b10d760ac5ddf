package sim

import (
	"errors"
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// KVInput is a client operation in a porcupine history.
type KVInput struct {
	Op              byte
	Key, Value, Old string
}

// KVOutput is an operation's outcome. Unknown marks an operation whose
// outcome the client never learned (a timeout, a lost leader): it may or
// may not have taken effect.
type KVOutput struct {
	Value   string
	Swapped bool
	Unknown bool
}

// KVModel is the porcupine model of the KV state machine, partitioned by
// key.
var KVModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(KVInput).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		s := state.(string)
		in, out := input.(KVInput), output.(KVOutput)
		switch in.Op {
		case OpPut:
			return true, in.Value
		case OpCAS:
			swapped := s == in.Old
			next := s
			if swapped {
				next = in.Value
			}
			return out.Unknown || out.Swapped == swapped, next
		default:
			return out.Unknown || out.Value == s, s
		}
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(KVInput), output.(KVOutput)
		res := fmt.Sprintf("%q", out.Value)
		switch {
		case out.Unknown:
			res = "?"
		case in.Op == OpCAS:
			res = fmt.Sprint(out.Swapped)
		case in.Op == OpPut:
			res = "ok"
		}
		switch in.Op {
		case OpPut:
			return fmt.Sprintf("put(%s,%s) -> %s", in.Key, in.Value, res)
		case OpCAS:
			return fmt.Sprintf("cas(%s,%s->%s) -> %s", in.Key, in.Old, in.Value, res)
		}
		return fmt.Sprintf("get(%s) -> %s", in.Key, res)
	},
}

// WorkloadOptions configures the clients.
type WorkloadOptions struct {
	// Clients is the number of concurrent clients; default 4.
	Clients int
	// Keys is the number of distinct keys; default 3.
	Keys int
	// Timeout is how long a client waits for an operation before giving up
	// (outcome unknown); default one second of simulated time.
	Timeout time.Duration
}

type client struct {
	id       int
	op       *pendingOp
	guess    transport.NodeID
	retryAt  time.Time
	attempts int
}

type pendingOp struct {
	in       KVInput
	group    uint64
	call     int64
	deadline time.Time
	attempt  int // guards against callbacks of an abandoned attempt
	waiting  bool
}

// Workload runs clients doing put, get and compare-and-set against a
// Cluster and records their history.
type Workload struct {
	c       *Cluster
	opts    WorkloadOptions
	clients []*client
	clock   int64
	history []porcupine.Operation
	seq     int
	// Completed counts operations that returned a known outcome.
	Completed int
}

// NewWorkload prepares clients for c.
func NewWorkload(c *Cluster, opts WorkloadOptions) *Workload {
	if opts.Clients <= 0 {
		opts.Clients = 4
	}
	if opts.Keys <= 0 {
		opts.Keys = 3
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	w := &Workload{c: c, opts: opts}
	for i := range opts.Clients {
		w.clients = append(w.clients, &client{id: i, guess: transport.NodeID(1 + i%len(c.Nodes))})
	}
	return w
}

func (w *Workload) now() int64 {
	w.clock++
	return w.clock
}

// GroupOf maps a key to its group.
func (w *Workload) GroupOf(key string) uint64 {
	h := uint64(0)
	for _, b := range []byte(key) {
		h = h*31 + uint64(b)
	}
	return 1 + h%uint64(w.c.Opts.Groups)
}

// Tick starts new operations on idle clients (when start is set), retries
// redirected ones and abandons timed-out ones.
func (w *Workload) Tick(start bool) {
	now := w.c.Clock.Now()
	for _, cl := range w.clients {
		if cl.op == nil {
			if !start || w.c.Rng.Float64() > 0.3 {
				continue
			}
			cl.op = w.newOp(now)
			cl.attempts = 0
		}
		op := cl.op
		if now.After(op.deadline) {
			w.finish(cl, KVOutput{Unknown: true}, true)
			continue
		}
		if op.waiting || now.Before(cl.retryAt) {
			continue
		}
		w.submit(cl)
	}
}

func (w *Workload) newOp(now time.Time) *pendingOp {
	key := fmt.Sprintf("k%d", w.c.Rng.IntN(w.opts.Keys))
	w.seq++
	in := KVInput{Key: key}
	switch r := w.c.Rng.IntN(10); {
	case r < 4:
		in.Op, in.Value = OpPut, fmt.Sprintf("v%d", w.seq)
	case r < 6:
		in.Op, in.Value, in.Old = OpCAS, fmt.Sprintf("v%d", w.seq), fmt.Sprintf("v%d", w.c.Rng.IntN(w.seq+1))
	default:
		in.Op = OpGet
	}
	return &pendingOp{in: in, group: w.GroupOf(key), call: w.now(), deadline: now.Add(w.opts.Timeout)}
}

func (w *Workload) submit(cl *client) {
	op := cl.op
	n := w.c.Node(cl.guess)
	if !n.Up {
		w.redirect(cl, 0)
		return
	}
	op.attempt++
	op.waiting = true
	attempt := op.attempt
	node := n
	if op.in.Op == OpGet {
		node.Core.Read(op.group, func(err error) {
			if cl.op != op || op.attempt != attempt {
				return
			}
			op.waiting = false
			if err != nil {
				w.failed(cl, err)
				return
			}
			w.finish(cl, KVOutput{Value: node.KV(op.group).Get(op.in.Key)}, false)
		})
		return
	}
	cmd := KVCommand{Op: op.in.Op, Key: op.in.Key, Value: op.in.Value, Old: op.in.Old}
	node.Core.Propose(op.group, cmd.Encode(), func(res any, err error) {
		if cl.op != op || op.attempt != attempt {
			return
		}
		op.waiting = false
		if err != nil {
			w.failed(cl, err)
			return
		}
		out := KVOutput{}
		if op.in.Op == OpCAS {
			out.Swapped, _ = res.(bool)
		}
		w.finish(cl, out, false)
	})
}

// failed handles an error: a redirect or a definite refusal is retried, an
// unknown outcome ends the operation.
func (w *Workload) failed(cl *client, err error) {
	var nl *multiraft.NotLeaderError
	switch {
	case errors.As(err, &nl):
		w.redirect(cl, nl.Leader)
	case errors.Is(err, multiraft.ErrProposalDropped):
		w.redirect(cl, cl.guess)
	case cl.op.in.Op == OpGet:
		// A read has no effect: retry it anywhere.
		w.redirect(cl, 0)
	default:
		w.finish(cl, KVOutput{Unknown: true}, true)
	}
}

func (w *Workload) redirect(cl *client, hint transport.NodeID) {
	cl.attempts++
	if hint == 0 || hint == cl.guess && cl.attempts%3 == 0 {
		hint = transport.NodeID(1 + w.c.Rng.IntN(len(w.c.Nodes)))
	}
	cl.guess = hint
	cl.op.waiting = false
	cl.retryAt = w.c.Clock.Now().Add(w.c.Opts.Tick * 2)
}

func (w *Workload) finish(cl *client, out KVOutput, unknown bool) {
	op := cl.op
	cl.op = nil
	if unknown && op.in.Op == OpGet {
		return // an abandoned read has no effect on anyone
	}
	ret := w.now()
	if unknown {
		ret = 1 << 62 // may take effect at any time after its call
	} else {
		w.Completed++
	}
	w.history = append(w.history, porcupine.Operation{ClientId: cl.id, Input: op.in, Call: op.call, Output: out, Return: ret})
	w.c.Tracef("client %d %s", cl.id, KVModel.DescribeOperation(op.in, out))
}

// Busy reports whether some client has an operation in flight.
func (w *Workload) Busy() bool {
	for _, cl := range w.clients {
		if cl.op != nil {
			return true
		}
	}
	return false
}

// History returns the operations recorded.
func (w *Workload) History() []porcupine.Operation { return w.history }
