package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/split"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// PartitionLimits returns the admission limits of each of t's partitions:
// on a PROVISIONED table an equal share of the table's read and write
// capacity (the partition buckets cap it at the partition maximum), or the
// rates adaptive capacity set (boost, by partition); on a PAY_PER_REQUEST
// table the partition maximum, 3,000 read and 1,000 write units per second.
func PartitionLimits(t catalog.Table, boost map[uint64]boosted) map[uint64]gate.Limits {
	d := &t.Description
	out := make(map[uint64]gate.Limits, len(t.Partitions))
	n := float64(max(len(t.Partitions), 1))
	onDemand := d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == catalog.BillingModePayPerRequest
	for _, p := range t.Partitions {
		l := gate.Limits{Table: d.TableName, Partition: fmt.Sprintf("%s/partition-%d", d.TableName, p.ID), OnDemand: onDemand}
		if onDemand {
			l.ReadRate, l.WriteRate = admission.PartitionMaxRead, admission.PartitionMaxWrite
		} else {
			l.ReadRate = min(float64(d.ProvisionedThroughput.ReadCapacityUnits)/n, admission.PartitionMaxRead)
			l.WriteRate = min(float64(d.ProvisionedThroughput.WriteCapacityUnits)/n, admission.PartitionMaxWrite)
			if b, ok := boost[p.ID]; ok && b.baseRead == l.ReadRate && b.baseWrite == l.WriteRate {
				l.ReadRate, l.WriteRate = b.read, b.write
			}
		}
		out[p.ID] = l
	}
	return out
}

// pushLimits gives every replica of t's partitions its limits, skipping
// those already given (since this controller loaded the catalog, or since
// the node last registered).
func (c *Controller) pushLimits(ctx context.Context, t catalog.Table) {
	limits := PartitionLimits(t, c.boost)
	for _, p := range t.Partitions {
		want := limits[p.ID]
		for _, r := range p.Replicas {
			id := transport.NodeID(r.Node)
			if n, ok := c.cat.Node(r.Node); ok && !n.Live {
				continue // it gets them when it registers again
			}
			if c.pushed[id] == nil {
				c.pushed[id] = map[uint64]gate.Limits{}
			}
			if got, ok := c.pushed[id][p.ID]; ok && got == want {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := c.cfg.Node.Forward(cctx, id, &node.Request{Op: node.OpSetLimits, Group: p.ID, Limits: want})
			cancel()
			if errors.Is(err, transport.ErrUnreachable) {
				continue // down, not yet declared dead: tried again next tick
			}
			if err != nil {
				c.log.Warn("set partition limits failed", "table", t.Description.TableName, "partition", p.ID, "on", uint64(id), "err", err)
				continue
			}
			c.pushed[id][p.ID] = want
		}
	}
}

// boosted is a partition's rates as adaptive capacity set them, valid
// while its even shares are still baseRead and baseWrite (a capacity change
// or a split voids the boost).
type boosted struct {
	read, write         float64
	baseRead, baseWrite float64
}

// AdaptInterval is how often the active controller applies adaptive
// capacity.
const AdaptInterval = time.Second

// adapt gathers what every partition's buckets admitted and refused since
// the previous call from every live node, and moves the rates of the
// partitions of provisioned tables by adaptive capacity's control law
// (admission.AdjustRates): a throttled partition borrows what its table
// leaves unused. pushLimits then gives the new rates to the nodes.
func (c *Controller) adapt(ctx context.Context) {
	now := c.gac.now()
	if !c.lastAdapt.IsZero() && now.Sub(c.lastAdapt) < AdaptInterval {
		return
	}
	interval := now.Sub(c.lastAdapt).Seconds()
	first := c.lastAdapt.IsZero()
	c.lastAdapt = now
	type sums struct{ readC, readT, writeC, writeT float64 }
	usage := map[uint64]*sums{}
	for _, n := range c.cat.Nodes() {
		if !n.Live {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := c.cfg.Node.Forward(cctx, transport.NodeID(n.ID), &node.Request{Op: node.OpTakeUsage})
		cancel()
		if err != nil || resp == nil {
			continue
		}
		var gus []gate.GroupUsage
		if err := json.Unmarshal(resp.Body, &gus); err != nil {
			continue
		}
		for _, u := range gus {
			s := usage[u.Group]
			if s == nil {
				s = &sums{}
				usage[u.Group] = s
			}
			s.readC += u.Read.Consumed
			s.readT += u.Read.Throttled
			s.writeC += u.Write.Consumed
			s.writeT += u.Write.Throttled
		}
	}
	c.adaptRounds.Add(1)
	if first || interval <= 0 {
		return
	}
	// What each partition consumed feeds rebalancing's throughput
	// dimension beside the bytes the size reports give.
	if c.sizes == nil {
		c.sizes = map[uint64]catalog.PartitionLoad{}
	}
	for g, s := range usage {
		l := c.sizes[g]
		l.Units = (s.readC + s.writeC) / interval
		c.sizes[g] = l
	}
	splits := false
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		d := &t.Description
		if d.TableStatus != catalog.TableStatusActive {
			continue
		}
		limits := PartitionLimits(t, c.boost)
		didSplit := false
		threshold := c.cfg.SplitPolicy.Threshold
		if threshold <= 0 {
			threshold = split.DefaultThreshold
		}
		for _, p := range t.Partitions {
			s := usage[p.ID]
			if s == nil {
				s = &sums{}
			}
			tr := c.load[p.ID]
			if tr == nil {
				tr = &[2]sustained{}
				c.load[p.ID] = tr
			}
			reads := tr[0].observe(now, s.readC/interval, limits[p.ID].ReadRate, threshold)
			writes := tr[1].observe(now, s.writeC/interval, limits[p.ID].WriteRate, threshold)
			if c.splitByLoad(ctx, t, p, reads, writes) {
				didSplit = true
				break // the table's map changed: its other partitions wait a round
			}
		}
		splits = splits || didSplit
		if didSplit || (d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == catalog.BillingModePayPerRequest) {
			continue
		}
		base := PartitionLimits(t, nil)
		readObs := make([]admission.PartitionObservation, len(t.Partitions))
		writeObs := make([]admission.PartitionObservation, len(t.Partitions))
		for i, p := range t.Partitions {
			s := usage[p.ID]
			if s == nil {
				s = &sums{}
			}
			readObs[i] = admission.PartitionObservation{Rate: limits[p.ID].ReadRate, Base: base[p.ID].ReadRate,
				Max: admission.PartitionMaxRead, Consumed: s.readC / interval, Throttled: s.readT / interval}
			writeObs[i] = admission.PartitionObservation{Rate: limits[p.ID].WriteRate, Base: base[p.ID].WriteRate,
				Max: admission.PartitionMaxWrite, Consumed: s.writeC / interval, Throttled: s.writeT / interval}
		}
		reads := admission.AdjustRates(float64(d.ProvisionedThroughput.ReadCapacityUnits), 0, readObs)
		writes := admission.AdjustRates(float64(d.ProvisionedThroughput.WriteCapacityUnits), 0, writeObs)
		for i, p := range t.Partitions {
			b := base[p.ID]
			if reads[i] == b.ReadRate && writes[i] == b.WriteRate {
				delete(c.boost, p.ID)
				continue
			}
			if reads[i] != limits[p.ID].ReadRate || writes[i] != limits[p.ID].WriteRate {
				c.log.Info("adaptive capacity", "table", name, "partition", p.ID,
					"read", reads[i], "write", writes[i], "base read", b.ReadRate, "base write", b.WriteRate)
			}
			c.boost[p.ID] = boosted{read: reads[i], write: writes[i], baseRead: b.ReadRate, baseWrite: b.WriteRate}
		}
	}
	if splits {
		_ = c.persist(ctx)
	}
}
