package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

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
	Kind      string // "split", "table"
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

// MaxEvents is how many events the active controller keeps.
const MaxEvents = 1000

// events is the controller's log of decisions, a ring of the latest
// MaxEvents. A new controller starts an empty one.
type events struct {
	// mu guards list.
	mu   sync.Mutex
	list []Event
}

func (e *events) add(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.list) == MaxEvents {
		copy(e.list, e.list[1:])
		e.list = e.list[:MaxEvents-1]
	}
	e.list = append(e.list, ev)
}

func (e *events) snapshot() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.list...)
}

// DefaultSplitCheckInterval is how often the active controller asks the
// leaders for their partitions' sizes by default.
const DefaultSplitCheckInterval = time.Second

// splitBySize asks every live node for the partitions it leads and splits
// those above the split size at the key that halves their bytes, recording
// an event for each split and for each refusal. c.mu is held.
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
			if c.splitOne(r, size) {
				changed = true
			}
		}
	}
	if changed {
		if err := c.store.save(ctx, c.cat); err != nil {
			c.cat = nil
			c.log.Warn("catalog save failed", "err", err)
			return
		}
		c.gac.setCapacities(c.cat)
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
	if !current {
		// The catalog already divided this range (a split the group has
		// not applied yet): the report is stale.
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
