package db

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

var (
	linSeedsFlag = flag.Int("db.linseeds", 3, "number of seeds TestLinearizableHotItems runs")
	linSeedFlag  = flag.Uint64("db.linseed", 0, "run TestLinearizableHotItems on this seed only")
	linFaultFlag = flag.String("db.linfaults", "crash,isolate,cut,cut2,lossy", "fault kinds TestLinearizableHotItems injects, comma-separated")
)

// linFaultKinds are the faults the nemesis draws from, by name.
var linFaultKinds = []string{"crash", "isolate", "cut", "cut2", "lossy"}

// The porcupine model: each hot item is a register holding a number (or
// missing), and the operations are the client's calls on it.

// linKind is the kind of a recorded operation.
type linKind uint8

const (
	// linGet is a strongly consistent GetItem.
	linGet linKind = iota + 1
	// linPut is an unconditional PutItem of {pk, sk, v}.
	linPut
	// linCAS is UpdateItem "SET v = :new" under "v = :old".
	linCAS
	// linAdd is UpdateItem "ADD v :one" returning UPDATED_NEW.
	linAdd
)

// linInput is what an operation asked: its item, the value a put or a
// compare-and-set writes and the value a compare-and-set expects.
type linInput struct {
	kind     linKind
	key      string
	value    int64
	expected int64
}

// linOutput is what an operation answered. unknown marks a write whose
// outcome the client never learned (InternalServerError, deadline): it may
// have applied or not, so any answer is accepted and its return time is
// the end of the history.
type linOutput struct {
	unknown bool
	// found and value: the item a get read (found false: no item), or the
	// value an add returned.
	found bool
	value int64
	// swapped: a compare-and-set applied (false: ConditionalCheckFailed).
	swapped bool
}

// linState is one item: whether it exists and its v. A missing item has
// value 0, which is also what ADD starts from.
type linState struct {
	exists bool
	value  int64
}

func linStep(state, input, output any) (bool, any) {
	s, in, out := state.(linState), input.(linInput), output.(linOutput)
	switch in.kind {
	case linGet:
		return out.unknown || (out.found == s.exists && out.value == s.value), s
	case linPut:
		return true, linState{exists: true, value: in.value}
	case linCAS:
		swapped := s.exists && s.value == in.expected
		next := s
		if swapped {
			next = linState{exists: true, value: in.value}
		}
		return out.unknown || out.swapped == swapped, next
	case linAdd:
		next := linState{exists: true, value: s.value + 1}
		return out.unknown || out.value == next.value, next
	}
	panic(fmt.Sprintf("unknown operation kind %d", in.kind))
}

func linDescribe(input, output any) string {
	in, out := input.(linInput), output.(linOutput)
	var res string
	switch {
	case out.unknown:
		res = "?"
	case in.kind == linGet && !out.found:
		res = "none"
	case in.kind == linGet || in.kind == linAdd:
		res = strconv.FormatInt(out.value, 10)
	case in.kind == linCAS:
		res = strconv.FormatBool(out.swapped)
	default:
		res = "ok"
	}
	switch in.kind {
	case linGet:
		return fmt.Sprintf("get(%s) -> %s", in.key, res)
	case linPut:
		return fmt.Sprintf("put(%s, %d) -> %s", in.key, in.value, res)
	case linCAS:
		return fmt.Sprintf("cas(%s, %d -> %d) -> %s", in.key, in.expected, in.value, res)
	default:
		return fmt.Sprintf("add(%s, 1) -> %s", in.key, res)
	}
}

// linModel is the sequential specification of the hot items, partitioned
// by item so each is checked alone.
var linModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		index := map[string]int{}
		var out [][]porcupine.Operation
		for _, op := range history {
			k := op.Input.(linInput).key
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				out = append(out, nil)
			}
			out[i] = append(out[i], op)
		}
		return out
	},
	Init:              func() any { return linState{} },
	Step:              linStep,
	DescribeOperation: linDescribe,
	DescribeState: func(state any) string {
		s := state.(linState)
		if !s.exists {
			return "none"
		}
		return strconv.FormatInt(s.value, 10)
	},
}

// linOp builds a history entry; an unknown outcome gets its return time
// fixed at the end of the run by closeHistory.
func linOp(client int, in linInput, call, ret int64, out linOutput) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
}

// closeHistory moves the return of every operation of unknown outcome
// after every other event: such a write may take effect at any time after
// its call, or never, which is how porcupine expects indeterminate
// operations to be recorded.
func closeHistory(history []porcupine.Operation) {
	var end int64
	for _, op := range history {
		end = max(end, op.Call, op.Return)
	}
	for i := range history {
		if history[i].Output.(linOutput).unknown {
			history[i].Return = end + 1
		}
	}
}

// The checker itself must tell legal histories from illegal ones, with
// unknown outcomes treated as possibly applied at any time after the call.
func TestLinearizabilityModelCatchesViolations(t *testing.T) {
	const unknown = -1
	type op struct {
		client    int
		in        linInput
		call, ret int64
		out       linOutput
	}
	get := func(client int, key string, call, ret int64, found bool, v int64) op {
		return op{client, linInput{kind: linGet, key: key}, call, ret, linOutput{found: found, value: v}}
	}
	put := func(client int, key string, call, ret, v int64) op {
		return op{client, linInput{kind: linPut, key: key, value: v}, call, ret, linOutput{unknown: ret == unknown}}
	}
	cas := func(client int, key string, call, ret, old, v int64, swapped bool) op {
		return op{client, linInput{kind: linCAS, key: key, value: v, expected: old}, call, ret, linOutput{unknown: ret == unknown, swapped: swapped}}
	}
	add := func(client int, key string, call, ret, v int64) op {
		return op{client, linInput{kind: linAdd, key: key}, call, ret, linOutput{unknown: ret == unknown, value: v}}
	}
	cases := []struct {
		name string
		ops  []op
		want porcupine.CheckResult
	}{
		{"a read after a put sees it", []op{put(0, "a", 0, 10, 5), get(1, "a", 11, 20, true, 5)}, porcupine.Ok},
		{"a stale read after a completed put", []op{put(0, "a", 0, 10, 5), get(1, "a", 11, 20, false, 0)}, porcupine.Illegal},
		{"concurrent reads may see either side of a put", []op{
			put(0, "a", 0, 50, 5), get(1, "a", 10, 20, true, 5), get(2, "a", 30, 40, true, 5),
		}, porcupine.Ok},
		{"a read may not go back in time", []op{
			put(0, "a", 0, 10, 1), put(0, "a", 11, 50, 2), get(1, "a", 12, 20, true, 2), get(2, "a", 30, 40, true, 1),
		}, porcupine.Illegal},
		{"two compare-and-sets from the same value cannot both win", []op{
			put(0, "a", 0, 10, 1), cas(1, "a", 11, 20, 1, 2, true), cas(2, "a", 21, 30, 1, 3, true),
		}, porcupine.Illegal},
		{"a compare-and-set on a missing item fails", []op{cas(1, "a", 0, 10, 0, 2, true)}, porcupine.Illegal},
		{"a failed compare-and-set leaves the item", []op{
			put(0, "a", 0, 10, 1), cas(1, "a", 11, 20, 7, 2, false), get(2, "a", 21, 30, true, 2),
		}, porcupine.Illegal},
		{"a compare-and-set reported failed must have failed", []op{
			put(0, "a", 0, 10, 1), cas(1, "a", 11, 20, 1, 2, false),
		}, porcupine.Illegal},
		{"an increment applied twice", []op{
			add(0, "a", 0, 10, 1), add(1, "a", 11, 20, 3),
		}, porcupine.Illegal},
		{"increments count from a missing item", []op{
			add(0, "a", 0, 10, 1), add(1, "a", 5, 20, 2), get(2, "a", 21, 30, true, 2),
		}, porcupine.Ok},
		{"an unknown increment may show up later", []op{
			add(0, "a", 0, unknown, 0), get(1, "a", 5, 8, false, 0), get(1, "a", 100, 110, true, 1),
		}, porcupine.Ok},
		{"an unknown increment may never apply", []op{
			add(0, "a", 0, unknown, 0), get(1, "a", 100, 110, false, 0),
		}, porcupine.Ok},
		{"an unknown write cannot apply before its call", []op{
			get(1, "a", 0, 10, true, 7), put(0, "a", 20, unknown, 7),
		}, porcupine.Illegal},
		{"an unknown write applies at most once", []op{
			put(2, "a", 0, 5, 10), add(0, "a", 10, unknown, 0), get(1, "a", 100, 110, true, 11), get(1, "a", 120, 130, true, 12),
		}, porcupine.Illegal},
		{"an unknown compare-and-set that applied", []op{
			put(2, "a", 0, 5, 1), cas(0, "a", 10, unknown, 1, 2, false), get(1, "a", 100, 110, true, 2),
		}, porcupine.Ok},
		{"an unknown compare-and-set cannot win from the wrong value", []op{
			put(2, "a", 0, 5, 1), cas(0, "a", 10, unknown, 9, 2, false), get(1, "a", 100, 110, true, 2),
		}, porcupine.Illegal},
		{"items are independent", []op{
			put(0, "a", 0, 10, 1), put(1, "b", 0, 10, 2), get(2, "a", 11, 20, true, 1), get(2, "b", 21, 30, true, 2),
		}, porcupine.Ok},
		{"a violation on one item of several", []op{
			put(0, "a", 0, 10, 1), put(1, "b", 0, 10, 2), get(2, "a", 11, 20, true, 1), get(2, "b", 21, 30, true, 1),
		}, porcupine.Illegal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			history := make([]porcupine.Operation, 0, len(tc.ops))
			for _, o := range tc.ops {
				history = append(history, linOp(o.client, o.in, o.call, o.ret, o.out))
			}
			closeHistory(history)
			require.Equal(t, tc.want, porcupine.CheckOperationsTimeout(linModel, history, 10*time.Second))
		})
	}
}

// linConfig sizes one run of the hot-item workload.
type linConfig struct {
	clients      int
	opsPerClient int
	// faultEvery is the number of completed operations between two fault
	// steps (inject, then repair).
	faultEvery int
	opTimeout  time.Duration
	// pace is a pause between two operations of a client, so that a run
	// lasts long enough for the control plane's work (a steady load, not
	// synchronisation).
	pace time.Duration
	// heal runs four nodes in three zones with a short liveness timeout:
	// every fault is a crash that lasts until the control plane has
	// replaced the dead node's replicas (log replica, full replica, dead
	// one out), and the node then comes back to be reconciled.
	heal bool
}

var linDefaults = linConfig{clients: 6, opsPerClient: 120, faultEvery: 40, opTimeout: 2 * time.Second}

// linHealing is linDefaults through healing: more operations, paced, so
// that the clients are still at work while each dead node's replicas are
// replaced.
var linHealing = linConfig{clients: 6, opsPerClient: 300, faultEvery: 100, opTimeout: 2 * time.Second, pace: 5 * time.Millisecond, heal: true}

// linTable is the table of the hot items; linKeys their partition keys.
const linTable = "hot"

var linKeys = []string{"hot-0", "hot-1", "hot-2"}

func linItemKey(key string) attr.Item { return attr.Item{"pk": attr.S(key), "sk": attr.N("1")} }

// linRun is the state one run shares between its clients and its fault
// schedule.
type linRun struct {
	t     *testing.T
	seed  uint64
	c     *Cluster
	cfg   linConfig
	start time.Time

	mu        sync.Mutex
	cond      *sync.Cond
	completed int // operations finished, whatever their outcome
	finished  int // clients done
	history   []porcupine.Operation
	faults    []string
	heals     int // dead nodes whose replicas were replaced (cfg.heal)
	// per client: operations that definitely took effect or definitely
	// answered, writes of unknown outcome, failed reads, other errors.
	definite, unknown, failedReads []int
	unexpected                     []string
}

func (r *linRun) now() int64 { return time.Since(r.start).Nanoseconds() }

func (r *linRun) record(op porcupine.Operation) {
	r.mu.Lock()
	r.history = append(r.history, op)
	r.mu.Unlock()
}

func (r *linRun) done(client int, definite, unknown, failedRead bool) {
	r.mu.Lock()
	r.completed++
	switch {
	case definite:
		r.definite[client]++
	case unknown:
		r.unknown[client]++
	case failedRead:
		r.failedReads[client]++
	}
	r.cond.Broadcast()
	r.mu.Unlock()
}

// waitOps blocks until n more operations completed, or every client is
// done (false).
func (r *linRun) waitOps(n int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	target := r.completed + n
	for r.completed < target && r.finished < r.cfg.clients {
		r.cond.Wait()
	}
	return r.finished < r.cfg.clients
}

// classify sorts a write's error: a condition that failed (the write
// certainly did not apply), an outcome that is unknown, or an error the
// workload does not expect (reported, and counted as unknown).
func (r *linRun) classify(err error) (conditionFailed, unknown bool) {
	var (
		ccf         *dberr.ConditionalCheckFailedException
		ise         *dberr.InternalServerError
		throttle    *dberr.ThrottlingException
		provisioned *dberr.ProvisionedThroughputExceededException
		limit       *dberr.RequestLimitExceeded
		unavail     *dberr.ServiceUnavailable
	)
	switch {
	case errors.As(err, &ccf):
		return true, false
	case errors.As(err, &ise), errors.Is(err, context.DeadlineExceeded):
		return false, true
	case errors.As(err, &throttle), errors.As(err, &provisioned), errors.As(err, &limit), errors.As(err, &unavail):
		// Refused before applying, but recording it as unknown is safe.
		return false, true
	}
	r.mu.Lock()
	r.unexpected = append(r.unexpected, fmt.Sprintf("%T: %v", err, err))
	r.mu.Unlock()
	return false, true
}

func (r *linRun) get(ctx context.Context, client int, key string) (linState, bool) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.opTimeout)
	defer cancel()
	call := r.now()
	out, err := r.c.Client().GetItem(ctx, &api.GetItemInput{TableName: linTable, Key: linItemKey(key), ConsistentRead: true})
	ret := r.now()
	if err != nil {
		// A failed read changed nothing: it stays out of the history.
		r.done(client, false, false, true)
		return linState{}, false
	}
	var s linState
	if out.Item != nil {
		v, perr := strconv.ParseInt(out.Item["v"].N(), 10, 64)
		if perr != nil {
			r.t.Errorf("seed %d: item %s has v %v: %v", r.seed, key, out.Item["v"], perr)
		}
		s = linState{exists: true, value: v}
	}
	r.record(linOp(client, linInput{kind: linGet, key: key}, call, ret, linOutput{found: s.exists, value: s.value}))
	r.done(client, true, false, false)
	return s, true
}

func (r *linRun) put(ctx context.Context, client int, key string, v int64) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.opTimeout)
	defer cancel()
	item := linItemKey(key)
	item["v"] = attr.N(strconv.FormatInt(v, 10))
	call := r.now()
	_, err := r.c.Client().PutItem(ctx, &api.PutItemInput{TableName: linTable, Item: item})
	ret := r.now()
	unknown := false
	if err != nil {
		r.classify(err) // an unconditional put never fails a condition
		unknown = true
	}
	r.record(linOp(client, linInput{kind: linPut, key: key, value: v}, call, ret, linOutput{unknown: unknown}))
	r.done(client, !unknown, unknown, false)
}

// cas tries to move key from old to v and reports whether it did (known
// is false when the outcome is unknown).
func (r *linRun) cas(ctx context.Context, client int, key string, old, v int64) (swapped, known bool) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.opTimeout)
	defer cancel()
	call := r.now()
	_, err := r.c.Client().UpdateItem(ctx, &api.UpdateItemInput{
		TableName: linTable, Key: linItemKey(key),
		UpdateExpression:    "SET v = :new",
		ConditionExpression: "v = :old",
		ExpressionAttributeValues: map[string]attr.Value{
			":new": attr.N(strconv.FormatInt(v, 10)), ":old": attr.N(strconv.FormatInt(old, 10)),
		},
	})
	ret := r.now()
	out := linOutput{swapped: err == nil}
	if err != nil {
		_, out.unknown = r.classify(err)
	}
	r.record(linOp(client, linInput{kind: linCAS, key: key, value: v, expected: old}, call, ret, out))
	r.done(client, !out.unknown, out.unknown, false)
	return out.swapped, !out.unknown
}

// add increments key and returns the new value (known is false when the
// outcome is unknown).
func (r *linRun) add(ctx context.Context, client int, key string) (v int64, known bool) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.opTimeout)
	defer cancel()
	call := r.now()
	res, err := r.c.Client().UpdateItem(ctx, &api.UpdateItemInput{
		TableName: linTable, Key: linItemKey(key),
		UpdateExpression:          "ADD v :one",
		ExpressionAttributeValues: map[string]attr.Value{":one": attr.N("1")},
		ReturnValues:              api.ReturnValueUpdatedNew,
	})
	ret := r.now()
	var out linOutput
	if err != nil {
		// ADD has no condition: any error leaves the outcome unknown.
		r.classify(err)
		out.unknown = true
	} else {
		got, ok := res.Attributes["v"]
		n, perr := strconv.ParseInt(got.N(), 10, 64)
		if !ok || perr != nil || len(res.Attributes) != 1 {
			r.t.Errorf("seed %d: ADD on %s returned %v, want only v", r.seed, key, res.Attributes)
		}
		out.value = n
	}
	r.record(linOp(client, linInput{kind: linAdd, key: key}, call, ret, out))
	r.done(client, !out.unknown, out.unknown, false)
	return out.value, !out.unknown
}

// client runs one client's operations on random hot items. It remembers
// the last value it learned of each item to aim its compare-and-sets, and
// reads first when it knows nothing (or, at random, to refresh).
func (r *linRun) client(ctx context.Context, id int) {
	rng := rand.New(rand.NewPCG(r.seed, uint64(id)+1))
	known := map[string]int64{}
	for seq := range r.cfg.opsPerClient {
		if r.cfg.pace > 0 {
			time.Sleep(r.cfg.pace)
		}
		key := linKeys[rng.IntN(len(linKeys))]
		// Values written are unique per client and sequence, far apart so
		// increments do not run into another writer's values.
		fresh := int64(id+1)*1_000_000_000 + int64(seq)*10_000
		switch p := rng.IntN(100); {
		case p < 25:
			if s, ok := r.get(ctx, id, key); ok && s.exists {
				known[key] = s.value
			}
		case p < 60:
			old, ok := known[key]
			if !ok || rng.IntN(3) == 0 {
				s, ok := r.get(ctx, id, key)
				if !ok {
					continue
				}
				if !s.exists {
					// Compare against a value nobody wrote: a certain
					// condition failure, which must be reported as one.
					s.value = -1
				}
				old = s.value
			}
			if swapped, ok := r.cas(ctx, id, key, old, fresh); ok && swapped {
				known[key] = fresh
			} else {
				delete(known, key)
			}
		case p < 85:
			if v, ok := r.add(ctx, id, key); ok {
				known[key] = v
			} else {
				delete(known, key)
			}
		default:
			r.put(ctx, id, key, fresh)
			delete(known, key)
		}
	}
	r.mu.Lock()
	r.finished++
	r.cond.Broadcast()
	r.mu.Unlock()
}

// nemesis injects one fault after every faultEvery completed operations
// and repairs it after as many again, until the clients are done; then it
// heals everything. At most one node is down or cut off at a time, so a
// majority stays able to serve.
func (r *linRun) nemesis(ctx context.Context) {
	rng := rand.New(rand.NewPCG(r.seed, 0xfa017))
	net := r.c.Network()
	ids := r.c.NodeIDs()
	var kinds []string
	for _, k := range strings.Split(*linFaultFlag, ",") {
		if slices.Contains(linFaultKinds, k) {
			kinds = append(kinds, k)
		} else {
			r.t.Errorf("-db.linfaults: unknown fault kind %q (known: %v)", k, linFaultKinds)
			return
		}
	}
	var crashed transport.NodeID
	repair := func() {
		net.Heal()
		if err := net.SetFaults(memnet.Faults{}); err != nil {
			r.t.Errorf("seed %d: clear faults: %v", r.seed, err)
		}
		if crashed != 0 {
			if err := r.c.Restart(ctx, crashed); err != nil {
				r.t.Errorf("seed %d: restart node %d: %v", r.seed, crashed, err)
			}
			crashed = 0
		}
	}
	defer repair()
	if r.cfg.heal {
		kinds = []string{"crash"}
	}
	for r.waitOps(r.cfg.faultEvery) {
		victim := ids[rng.IntN(len(ids))]
		other := ids[(int(victim)+rng.IntN(len(ids)-1))%len(ids)]
		var desc string
		switch kinds[rng.IntN(len(kinds))] {
		case "crash":
			if err := r.c.Crash(victim); err != nil {
				r.t.Errorf("seed %d: crash node %d: %v", r.seed, victim, err)
			}
			crashed = victim
			desc = fmt.Sprintf("crash %d", victim)
		case "isolate":
			net.Isolate(victim)
			desc = fmt.Sprintf("isolate %d", victim)
		case "cut":
			net.PartitionOneWay(victim, other)
			desc = fmt.Sprintf("cut %d -> %d", victim, other)
		case "cut2":
			net.PartitionOneWay(victim, other)
			net.PartitionOneWay(other, ids[(int(other))%len(ids)])
			desc = fmt.Sprintf("cut %d -> %d and %d -> %d", victim, other, other, ids[(int(other))%len(ids)])
		case "lossy":
			f := memnet.Faults{
				Drop: 0.05 + rng.Float64()*0.2, Duplicate: rng.Float64() * 0.1,
				MinDelay: time.Duration(rng.IntN(2)) * time.Millisecond, MaxDelay: time.Duration(2+rng.IntN(8)) * time.Millisecond,
				Reorder: rng.Float64() * 0.2,
			}
			if err := net.SetFaults(f); err != nil {
				r.t.Errorf("seed %d: set faults: %v", r.seed, err)
			}
			desc = fmt.Sprintf("lossy network %+v", f)
		}
		r.mu.Lock()
		r.faults = append(r.faults, fmt.Sprintf("after %d ops at %.3fms: %s", r.completed, float64(r.now())/1e6, desc))
		r.mu.Unlock()
		if r.cfg.heal && !r.waitHealed(ctx, victim) {
			return
		}
		if !r.waitOps(r.cfg.faultEvery) {
			return
		}
		repair()
		r.mu.Lock()
		r.faults = append(r.faults, fmt.Sprintf("after %d ops at %.3fms: repaired", r.completed, float64(r.now())/1e6))
		r.mu.Unlock()
	}
}

// waitHealed waits until the catalog places no replica of the table on
// node dead and every group has only its three full replicas again (in two
// zones when dead was alone in its zone), or the clients are done; it
// records the heal among the faults.
func (r *linRun) waitHealed(ctx context.Context, dead transport.NodeID) bool {
	done := healedIn(r.c, linTable, dead, 2)
	for !done() {
		r.mu.Lock()
		finished := r.finished == r.cfg.clients
		r.mu.Unlock()
		if finished {
			return false
		}
		if err := meta.Backoff(ctx, 1, 10*time.Millisecond); err != nil { // polling the control plane's progress
			return false
		}
	}
	r.mu.Lock()
	r.faults = append(r.faults, fmt.Sprintf("after %d ops at %.3fms: node %d's replicas replaced", r.completed, float64(r.now())/1e6, dead))
	r.heals++
	r.mu.Unlock()
	return true
}

// explainViolation describes, for each item whose history is not
// linearizable, the longest linearizable prefix found and the operations
// around the first one that could not be placed after it, in call order.
func explainViolation(history []porcupine.Operation, events *linEvents) string {
	var b strings.Builder
	for _, part := range linModel.Partition(history) {
		ops := slices.Clone(part)
		slices.SortStableFunc(ops, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
		result, info := porcupine.CheckOperationsVerbose(porcupine.Model{Init: linModel.Init, Step: linModel.Step}, ops, 30*time.Second)
		if result == porcupine.Ok {
			continue
		}
		var longest []int
		for _, lin := range info.PartialLinearizations()[0] {
			if len(lin) > len(longest) {
				longest = lin
			}
		}
		placed := map[int]bool{}
		state := linModel.Init()
		for _, i := range longest {
			placed[i] = true
			_, state = linModel.Step(state, ops[i].Input, ops[i].Output)
		}
		// The operation that blocks: the first to return among those not
		// placed.
		stuck := -1
		for i, op := range ops {
			if !placed[i] && (stuck < 0 || op.Return < ops[stuck].Return) {
				stuck = i
			}
		}
		fmt.Fprintf(&b, "item %s: %s (%d operations); %d linearize, ending in state %s; stuck at #%d\n",
			ops[0].Input.(linInput).key, result, len(ops), len(longest), linModel.DescribeState(state), stuck)
		for i, op := range ops {
			if i < stuck-25 || i > stuck+10 {
				continue
			}
			mark := " "
			switch {
			case i == stuck:
				mark = ">"
			case placed[i]:
				mark = "+"
			}
			ret := fmt.Sprintf("%9.3fms", float64(op.Return)/1e6)
			if op.Output.(linOutput).unknown {
				ret = "      end  "
			}
			fmt.Fprintf(&b, "%s #%-4d client %d [%9.3fms, %s] %s\n", mark, i, op.ClientId, float64(op.Call)/1e6, ret, linModel.DescribeOperation(op.Input, op.Output))
		}
		from := ops[max(stuck-25, 0)].Call
		fmt.Fprintf(&b, "cluster events from %.3fms to %.3fms:\n%s", float64(from)/1e6, float64(ops[stuck].Return)/1e6,
			events.around(from, ops[stuck].Return))
	}
	return b.String()
}

// checkReplicasAgree waits until every replica of the table's partitions
// has applied the same index and requires them to hold the same hot items:
// replicas that applied the same log must agree.
func checkReplicasAgree(ctx context.Context, t *testing.T, c *Cluster, seed uint64) {
	t.Helper()
	// The placement is read again on every look: the control plane may
	// still be moving replicas (healing, spreading over zones) after the
	// run. The catalog read is retried: meta.Client does not follow
	// multiraft.ErrLeaderChanged on reads, and a leader may just have moved.
	placement := func() catalog.Table {
		var rec catalog.Table
		var err error
		for range 20 {
			if rec, err = c.Client().meta.Table(ctx, linTable); !errors.Is(err, multiraft.ErrLeaderChanged) {
				break
			}
		}
		require.NoError(t, err)
		return rec
	}
	for i := 1; ; i++ {
		rec := placement()
		caughtUp := true
		var lagging string
		for _, p := range rec.Partitions {
			applied := map[transport.NodeID]uint64{}
			for _, r := range p.Replicas {
				n, err := c.nc.Node(transport.NodeID(r.Node))
				require.NoError(t, err)
				if st, err := n.Status(p.ID); err == nil {
					applied[n.ID()] = st.Applied
				}
			}
			first := applied[transport.NodeID(p.Replicas[0].Node)]
			for _, a := range applied {
				caughtUp = caughtUp && a == first
			}
			if len(applied) != len(p.Replicas) || !caughtUp {
				caughtUp = false
				lagging = fmt.Sprintf("partition %d: replicas on %v applied %v", p.ID, p.Replicas, applied)
				break
			}
		}
		if caughtUp && replicasHoldTheSame(ctx, t, c, rec, seed) && placementOf(placement()) == placementOf(rec) {
			return
		}
		if i == 500 {
			explainTable(t, c, linTable)()
		}
		require.Less(t, i, 500, "seed %d: replicas never caught up: %s", seed, lagging)
		time.Sleep(10 * time.Millisecond) // polling for convergence, not ordering
	}
}

// placementOf describes where rec's partitions' replicas are.
func placementOf(rec catalog.Table) string {
	var b strings.Builder
	for _, p := range rec.Partitions {
		fmt.Fprintf(&b, "%d:%v ", p.ID, p.Replicas)
	}
	return b.String()
}

// replicasHoldTheSame requires the replicas of each partition of rec to
// hold the same hot items, and reports false if one no longer hosts its
// partition (the placement changed meanwhile).
func replicasHoldTheSame(ctx context.Context, t *testing.T, c *Cluster, rec catalog.Table, seed uint64) bool {
	for _, p := range rec.Partitions {
		for _, key := range linKeys {
			items := map[transport.NodeID]string{}
			for _, r := range p.Replicas {
				n, err := c.nc.Node(transport.NodeID(r.Node))
				require.NoError(t, err)
				item, err := n.Get(ctx, p.ID, linItemKey(key), false)
				var wrong *partition.WrongRangeError
				switch {
				case errors.As(err, &wrong):
					continue
				case errors.Is(err, multiraft.ErrGroupNotFound):
					return false
				}
				require.NoError(t, err)
				items[n.ID()] = fmt.Sprint(item["v"])
			}
			first := items[transport.NodeID(p.Replicas[0].Node)]
			for id, v := range items {
				require.Equal(t, first, v, "seed %d: partition %d: replicas disagree on %s: %v (node %d)", seed, p.ID, key, items, id)
			}
		}
	}
	return true
}

// linEvents collects the cluster's log records, stamped with the time since
// the run's start, to explain a failure.
type linEvents struct {
	mu    sync.Mutex
	start time.Time
	lines []linEvent
}

type linEvent struct {
	at   int64
	text string
}

func (e *linEvents) Enabled(context.Context, slog.Level) bool { return true }
func (e *linEvents) WithAttrs([]slog.Attr) slog.Handler       { return e }
func (e *linEvents) WithGroup(string) slog.Handler            { return e }
func (e *linEvents) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	e.mu.Lock()
	e.lines = append(e.lines, linEvent{at: rec.Time.Sub(e.start).Nanoseconds(), text: b.String()})
	e.mu.Unlock()
	return nil
}

// around returns the records logged between from and to.
func (e *linEvents) around(from, to int64) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, l := range e.lines {
		if l.at >= from && l.at <= to {
			fmt.Fprintf(&b, "  %9.3fms %s\n", float64(l.at)/1e6, l.text)
		}
	}
	return b.String()
}

// dumpHistory renders the whole history, by item in call order, and every
// cluster event.
func dumpHistory(history []porcupine.Operation, events *linEvents) string {
	var b strings.Builder
	for _, part := range linModel.Partition(history) {
		ops := slices.Clone(part)
		slices.SortStableFunc(ops, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
		for i, op := range ops {
			ret := fmt.Sprintf("%9.3fms", float64(op.Return)/1e6)
			if op.Output.(linOutput).unknown {
				ret = "      end  "
			}
			fmt.Fprintf(&b, "#%-4d client %d [%9.3fms, %s] %s\n", i, op.ClientId, float64(op.Call)/1e6, ret, linModel.DescribeOperation(op.Input, op.Output))
		}
	}
	b.WriteString("cluster events:\n")
	b.WriteString(events.around(math.MinInt64, math.MaxInt64))
	return b.String()
}

func linSeeds() []uint64 {
	if *linSeedFlag != 0 {
		return []uint64{*linSeedFlag}
	}
	out := make([]uint64, *linSeedsFlag)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	return out
}

// Several clients hammer three hot items of a table on a three-node
// cluster with strong reads, puts, compare-and-set updates and increments
// while a seeded schedule crashes and restarts nodes, isolates them, cuts
// links one way and makes the network lossy. Every history must be
// linearizable, writes of unknown outcome counting as possibly applied.
//
// A seed fixes the fault schedule, the operations each client draws and the
// network's random choices; the interleaving of the goroutines is not
// fixed, so a failing seed fails often but not always when replayed
// (-db.linseed=N). -db.linseeds=N runs seeds 1 to N, -db.linfaults narrows
// the fault kinds to bisect a failure. A violation prints the operations
// around the first one that cannot be linearized and the cluster's events
// meanwhile, and writes the whole history to a file.
func TestLinearizableHotItems(t *testing.T) {
	for _, seed := range linSeeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runLinearizable(t, seed, linDefaults) })
	}
}

// The same clients on four nodes in three zones, where each fault is a
// node dying for as long as the control plane takes to replace its
// replicas (a log replica beside the new full one, the full one built and
// promoted, the dead one and the log replica removed) and then coming
// back: the history must stay linearizable through every membership
// change.
func TestLinearizableThroughHealing(t *testing.T) {
	for _, seed := range linSeeds() {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) { runLinearizable(t, seed, linHealing) })
	}
}

func runLinearizable(t *testing.T, seed uint64, cfg linConfig) {
	replay := fmt.Sprintf("replay: go test ./internal/db -run '^TestLinearizableHotItems$' -db.linseed=%d -v", seed)
	began := time.Now()
	events := &linEvents{start: began}
	cc := ClusterConfig{Seed: seed, Logger: slog.New(events)}
	if cfg.heal {
		cc.Nodes, cc.Zones = 4, 3
		cc.DeadAfter, cc.HeartbeatInterval = 500*time.Millisecond, 50*time.Millisecond
		replay = strings.Replace(replay, "TestLinearizableHotItems", "TestLinearizableThroughHealing", 1)
	}
	c := startCluster(t, cc)
	createTable(t, c.Client(), ordersTable(linTable))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	events.mu.Lock()
	events.start = time.Now()
	events.lines = nil
	events.mu.Unlock()
	r := &linRun{t: t, seed: seed, c: c, cfg: cfg, start: events.start,
		definite: make([]int, cfg.clients), unknown: make([]int, cfg.clients), failedReads: make([]int, cfg.clients)}
	r.cond = sync.NewCond(&r.mu)
	var wg sync.WaitGroup
	for id := range cfg.clients {
		wg.Add(1)
		go func() { defer wg.Done(); r.client(ctx, id) }()
	}
	nemesisDone := make(chan struct{})
	go func() { defer close(nemesisDone); r.nemesis(ctx) }()
	wg.Wait()
	<-nemesisDone

	// With the cluster whole again, one last strong read of every item by
	// a client of its own pins the final states down.
	final := cfg.clients
	r.definite = append(r.definite, 0)
	r.unknown = append(r.unknown, 0)
	r.failedReads = append(r.failedReads, 0)
	for _, key := range linKeys {
		_, ok := r.get(ctx, final, key)
		require.True(t, ok, "seed %d: final read of %s failed on a healed cluster\n%s", seed, key, replay)
	}
	ran := time.Since(began)
	checkReplicasAgree(ctx, t, c, seed)

	require.Empty(t, r.unexpected, "seed %d: unexpected errors\n%s", seed, replay)
	closeHistory(r.history)
	checkStart := time.Now()
	result, info := porcupine.CheckOperationsVerbose(linModel, r.history, 30*time.Second)
	checked := time.Since(checkStart)
	unknownOps := 0
	for _, n := range r.unknown {
		unknownOps += n
	}
	t.Logf("seed %d: %d operations checked (%d of unknown outcome), definite per client %v, failed reads %v, run %v, check %v",
		seed, len(r.history), unknownOps, r.definite[:cfg.clients], r.failedReads[:cfg.clients], ran.Round(time.Millisecond), checked.Round(time.Millisecond))
	for _, f := range r.faults {
		t.Logf("seed %d: fault %s", seed, f)
	}
	if result != porcupine.Ok {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("dynamo-linearizability-seed%d.html", seed))
		if f, err := os.Create(path); err == nil {
			_ = porcupine.Visualize(linModel, info, f)
			_ = f.Close()
		}
		dump := filepath.Join(os.TempDir(), fmt.Sprintf("dynamo-linearizability-seed%d.txt", seed))
		_ = os.WriteFile(dump, []byte(dumpHistory(r.history, events)), 0o644)
		t.Logf("seed %d: history and cluster events written to %s", seed, dump)
		if result == porcupine.Unknown {
			t.Fatalf("seed %d: the checker timed out on %d operations: the workload is too large to check (visualization %s)\n%s", seed, len(r.history), path, replay)
		}
		t.Fatalf("seed %d: history of %d operations is not linearizable (visualization %s)\n%s\n%s", seed, len(r.history), path, replay, explainViolation(r.history, events))
	}
	require.NotEmpty(t, r.faults, "seed %d: no fault was injected", seed)
	if cfg.heal {
		require.Positive(t, r.heals, "seed %d: no dead node was healed while the clients ran\n%s", seed, replay)
	}
	for id := range cfg.clients {
		require.GreaterOrEqual(t, r.definite[id], cfg.opsPerClient/3,
			"seed %d: client %d finished only %d of %d operations with a known outcome\n%s", seed, id, r.definite[id], cfg.opsPerClient, replay)
	}
}
