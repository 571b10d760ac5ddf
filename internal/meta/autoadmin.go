package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/split"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// OpEvents returns the control plane's recent events (EventsOutput).
const OpEvents = "Events"

// Event is one decision of the control plane: what it decided, why, and
// what came of it.
type Event struct {
	Time      time.Time
	Kind      string // "table", "split", "node", "heal", "rebalance", "reconcile"
	Table     string
	Partition uint64
	What      string
	Why       string
	Outcome   string
}

// EventsOutput is the output of OpEvents, oldest first.
type EventsOutput struct {
	Events []Event
}

// MaxEvents is how many events the control plane keeps.
const MaxEvents = 1000

// events is the controller's log of decisions, a ring of the latest
// MaxEvents, numbered in order. The active controller saves it in the
// system table with the catalog, and the next one loads it from there.
type events struct {
	// mu guards list and first.
	mu   sync.Mutex
	list []Event
	// first is the sequence number of list[0].
	first uint64
}

func (e *events) add(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) == MaxEvents {
		copy(e.list, e.list[1:])
		e.list = e.list[:MaxEvents-1]
		e.first++
	}
	e.list = append(e.list, ev)
}

// reset replaces the log with the one a controller loaded.
func (e *events) reset(list []Event, first uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list, e.first = list, first
}

// state returns a copy of the log and the sequence number of its first
// event.
func (e *events) state() ([]Event, uint64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.list...), e.first
}

// next returns the sequence number the next event will take.
func (e *events) next() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.first + uint64(len(e.list))
}

func (e *events) snapshot() []Event {
	list, _ := e.state()
	return list
}

// DefaultSplitCheckInterval is how often the active controller asks the
// leaders for their partitions' sizes by default.
const DefaultSplitCheckInterval = time.Second

// splitBySize asks every live node for the partitions it leads and splits
// those above the split size at the key that halves their bytes, recording
// an event for each split and for each refusal. The reports also say who
// leads what (c.led), for the balance of leaderships. c.mu is held.
func (c *Controller) splitBySize(ctx context.Context) {
	now := c.cfg.Clock.Now()
	if now.Sub(c.lastSplitCheck) < c.cfg.SplitCheckInterval {
		return
	}
	c.lastSplitCheck = now
	size := c.cfg.SplitSize
	if size <= 0 {
		size = split.DefaultSplitSize
	}
	changed := false
	led := map[uint64]transport.NodeID{}
	members := map[uint64][]multiraft.Replica{}
	defer func() { c.led, c.members = led, members }()
	for _, n := range c.cat.Nodes() {
		if !n.Live {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		resp, err := c.cfg.Node.Forward(cctx, transport.NodeID(n.ID), &node.Request{Op: node.OpReport, SplitSize: size})
		cancel()
		if err != nil || resp == nil {
			continue
		}
		var reports []node.PartitionReport
		if err := json.Unmarshal(resp.Body, &reports); err != nil {
			continue
		}
		for _, r := range reports {
			led[r.Group] = transport.NodeID(n.ID)
			members[r.Group] = r.Members
			if c.sizes == nil {
				c.sizes = map[uint64]catalog.PartitionLoad{}
			}
			l := c.sizes[r.Group]
			l.Bytes = int64(r.Bytes)
			c.sizes[r.Group] = l
			if c.splitOne(r, size) {
				changed = true
			}
		}
	}
	if changed {
		_ = c.persist(ctx)
	}
}

// splitOne acts on one report: it records the split in the catalog (the
// reconciliation then has the partition's group apply it) and reports
// whether the catalog changed.
func (c *Controller) splitOne(r node.PartitionReport, size int64) bool {
	t, ok := c.cat.TableByID(r.Table)
	if !ok || r.Size.Reason == 0 {
		return false
	}
	name := t.Description.TableName
	var current bool
	for _, p := range t.Partitions {
		if p.ID == r.Group && string(p.Range.Start) == string(r.Range.Start) && string(p.Range.End) == string(r.Range.End) {
			current = true
		}
	}
	if !current || c.moving(r.Group) {
		// The catalog already divided this range (a split the group has
		// not applied yet): the report is stale. Or a replica is moving:
		// the split waits for the move (see moving).
		return false
	}
	if !r.Size.Split {
		if c.refused[r.Group] != r.Size.Detail {
			c.refused[r.Group] = r.Size.Detail
			c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "split", Table: name, Partition: r.Group,
				What: "no split for size", Why: r.Size.Detail, Outcome: "refused"})
		}
		return false
	}
	right := c.cat.AllocatePartitionID()
	err := c.cat.ApplySplit(name, r.Group, r.Size.Key, right)
	outcome := fmt.Sprintf("partition %d split: keys from the split key go to new partition %d", r.Group, right)
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "split", Table: name, Partition: r.Group,
		What:    fmt.Sprintf("split for size at the byte median (%d of %d bytes on the left)", int64(r.Size.Left), r.Bytes),
		Why:     fmt.Sprintf("%d bytes in %d items, above the split size of %d bytes: %s", r.Bytes, r.Items, size, r.Size.Detail),
		Outcome: outcome})
	c.log.Info("split for size", "table", name, "partition", r.Group, "new", right, "bytes", r.Bytes, "err", err)
	return true // the allocated ID is spent either way
}

// sustained tracks how long a partition's consumption of one kind has stayed
// at or above the split threshold of its limit, and the lowest rate in that
// span.
type sustained struct {
	since time.Time
	min   float64
}

// observe updates s with the rate consumed over the interval ending at now,
// against limit, and returns the consumption split.DecideConsumption reads.
func (s *sustained) observe(now time.Time, rate, limit, threshold float64) split.Consumption {
	if limit <= 0 || rate < threshold*limit {
		*s = sustained{}
		return split.Consumption{Consumed: rate, Limit: limit}
	}
	if s.since.IsZero() {
		s.since, s.min = now, rate
	}
	s.min = min(s.min, rate)
	return split.Consumption{Consumed: s.min, Limit: limit, For: now.Sub(s.since)}
}

// splitByLoad decides, for one partition whose consumption has been
// measured, whether to split it for consumption at the median of its
// sampled load (internal/split's DecideConsumption, with the refusals for a
// single hot key and for load walking a sequential key range), and acts as
// splitOne does. It asks the leader for the sampled load only once a kind
// has stayed above the threshold for the policy's span. c.mu is held.
func (c *Controller) splitByLoad(ctx context.Context, t catalog.Table, p catalog.Partition, reads, writes split.Consumption) bool {
	pol := c.cfg.SplitPolicy
	sustain := pol.Sustain
	if sustain <= 0 {
		sustain = split.DefaultSustain
	}
	if (reads.For < sustain && writes.For < sustain) || c.moving(p.ID) {
		return false
	}
	leader := c.leaderOf(p)
	if leader == 0 {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	resp, err := c.cfg.Node.Forward(cctx, leader, &node.Request{Op: node.OpLoad, Group: p.ID})
	cancel()
	if err != nil || resp == nil {
		return false
	}
	var load split.Load
	if err := json.Unmarshal(resp.Body, &load); err != nil {
		return false
	}
	d, err := split.DecideConsumption(split.ConsumptionInput{Range: p.Range, Load: load, Reads: reads, Writes: writes}, pol)
	if err != nil {
		c.log.Warn("split for consumption", "partition", p.ID, "err", err)
		return false
	}
	name := t.Description.TableName
	if !d.Split {
		if c.refused[p.ID] != d.Detail {
			c.refused[p.ID] = d.Detail
			c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "split", Table: name, Partition: p.ID,
				What: "no split for consumption", Why: fmt.Sprintf("%s: %s", d.Reason, d.Detail), Outcome: "refused"})
		}
		return false
	}
	right := c.cat.AllocatePartitionID()
	err = c.cat.ApplySplit(name, p.ID, d.Key, right)
	outcome := fmt.Sprintf("partition %d split: keys from the split key go to new partition %d", p.ID, right)
	if err != nil {
		outcome = "failed: " + err.Error()
	}
	c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "split", Table: name, Partition: p.ID,
		What: fmt.Sprintf("split for consumption at the load median (%.0f of %.0f sampled units on the left)", d.Left, d.Left+d.Right),
		Why:  d.Detail, Outcome: outcome})
	c.log.Info("split for consumption", "table", name, "partition", p.ID, "new", right, "err", err)
	delete(c.load, p.ID)
	return true
}

// leaderOf returns the node leading p as this node sees it, or its first
// replica.
func (c *Controller) leaderOf(p catalog.Partition) transport.NodeID {
	if st, err := c.cfg.Node.Status(p.ID); err == nil && st.Leader != 0 {
		return st.Leader
	}
	if p.Leader != 0 {
		return transport.NodeID(p.Leader)
	}
	if len(p.Replicas) > 0 {
		return transport.NodeID(p.Replicas[0].Node)
	}
	return 0
}
