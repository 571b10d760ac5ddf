package meta

import (
	"context"
	"fmt"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// PartitionLimits returns the admission limits of each of t's partitions:
// on a PROVISIONED table an equal share of the table's read and write
// capacity (the partition buckets cap it at the partition maximum); on a
// PAY_PER_REQUEST table the partition maximum, 3,000 read and 1,000 write
// units per second.
func PartitionLimits(t catalog.Table) map[uint64]gate.Limits {
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
		}
		out[p.ID] = l
	}
	return out
}

// pushLimits gives every replica of t's partitions its limits, skipping
// those already given (since this controller loaded the catalog, or since
// the node last registered).
func (c *Controller) pushLimits(ctx context.Context, t catalog.Table) {
	limits := PartitionLimits(t)
	for _, p := range t.Partitions {
		want := limits[p.ID]
		for _, r := range p.Replicas {
			id := transport.NodeID(r.Node)
			if c.pushed[id] == nil {
				c.pushed[id] = map[uint64]gate.Limits{}
			}
			if got, ok := c.pushed[id][p.ID]; ok && got == want {
				continue
			}
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := c.cfg.Node.Forward(cctx, id, &node.Request{Op: node.OpSetLimits, Group: p.ID, Limits: want})
			cancel()
			if err != nil {
				c.log.Warn("set partition limits failed", "table", t.Description.TableName, "partition", p.ID, "on", uint64(id), "err", err)
				continue
			}
			c.pushed[id][p.ID] = want
		}
	}
}
