package node

import (
	"context"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/split"
)

// PartitionReport is what a leader tells the control plane of one
// partition it leads: its size, and whether it should split for size.
type PartitionReport struct {
	Group uint64
	Table uint64
	Range keyenc.Range
	Items uint64
	Bytes uint64
	// Size is the split-for-size decision (internal/split's DecideSize) for
	// the SplitSize the report was asked with; Split is false below it.
	Size split.Decision
	// Members are the group's member replicas as the leader sees them.
	Members []multiraft.Replica
}

// Reports describes every partition this node leads (OpReport): the
// control plane's observation of sizes. A partition above splitSize is
// walked once to find the key that halves its bytes.
func (n *Node) Reports(ctx context.Context, splitSize int64) ([]PartitionReport, error) {
	led, err := n.raft.Led()
	if err != nil {
		return nil, err
	}
	var out []PartitionReport
	for _, lg := range led {
		group := lg.Group
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := n.Partition(group)
		if err != nil {
			continue // a log replica, or removed since
		}
		m := p.Meta()
		r := PartitionReport{Group: group, Table: m.Table, Range: m.Range, Items: m.Items, Bytes: m.Bytes, Members: lg.Replicas}
		if splitSize > 0 && int64(m.Bytes) > splitSize {
			samples, err := n.sizeSamples(group)
			if err != nil {
				return nil, err
			}
			if r.Size, err = split.DecideSize(split.SizeInput{Range: m.Range, Samples: samples, SplitSize: splitSize}); err != nil {
				return nil, fmt.Errorf("node %d: partition %d: %w", n.id, group, err)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// sizeSamples walks group's items in key order with their sizes.
func (n *Node) sizeSamples(group uint64) ([]split.SizeSample, error) {
	p, err := n.Partition(group)
	if err != nil {
		return nil, err
	}
	it, err := p.Scan(partition.ScanOptions{})
	if err != nil {
		return nil, err
	}
	var samples []split.SizeSample
	for it.Next() {
		samples = append(samples, split.SizeSample{Key: append([]byte(nil), it.Key()...), Bytes: int64(it.Size())})
	}
	return samples, it.Close()
}
