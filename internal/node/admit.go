package node

import (
	"errors"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// This file puts the node's gate (Config.Gate) in front of the requests
// Serve runs: a request is admitted on an estimate of its cost before it
// runs, and what it consumed is recorded, the excess charged, after.

// WriteEstimate is what a write is admitted for before it runs, by the
// node's gate and by a router's global admission control: the item it
// stores for a put, the one write unit every update or delete costs at
// least.
func WriteEstimate(cmd *partition.Command) float64 {
	if cmd.Op == partition.OpPut {
		return admission.WriteUnits(admission.Standard, itemcheck.Size(cmd.Item))
	}
	return admission.WriteUnits(admission.Standard, 0)
}

// writeConsumed is what a write cost by DynamoDB's arithmetic, from the
// sizes of the item before and after it.
func writeConsumed(cmd *partition.Command, res *partition.Result, failed bool) float64 {
	if res == nil {
		return 0
	}
	if failed {
		size := res.OldSize
		if cmd.Op == partition.OpPut {
			size = itemcheck.Size(cmd.Item)
		}
		return admission.ConditionFailedUnits(admission.Standard, res.Old != nil, size)
	}
	switch cmd.Op {
	case partition.OpPut:
		return admission.PutItemUnits(admission.Standard, res.OldSize, res.NewSize)
	case partition.OpUpdate:
		return admission.UpdateItemUnits(admission.Standard, res.OldSize, res.NewSize)
	default:
		return admission.DeleteItemUnits(admission.Standard, res.OldSize)
	}
}

// ReadEstimate is what a read of one item or one page is admitted for
// before it runs: one 4 KB block, strongly or eventually consistent.
func ReadEstimate(consistent bool) float64 {
	return admission.ReadUnits(readMode(consistent), 0)
}

func readMode(consistent bool) admission.ReadMode {
	if consistent {
		return admission.Strong
	}
	return admission.Eventual
}

// admitWrite runs write under the gate.
func (n *Node) admitWrite(group uint64, cmd *partition.Command, write func() (*partition.Result, error)) (*partition.Result, error) {
	if n.gate == nil || cmd.Op == partition.OpSplit {
		return write()
	}
	est := WriteEstimate(cmd)
	if err := n.gate.Admit(group, admission.Write, est); err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := write()
	switch {
	case res != nil:
		n.gate.Done(group, admission.Write, est, writeConsumed(cmd, res, err != nil), time.Since(start))
	case didNotRun(err):
		n.gate.Refund(group, admission.Write, est)
	}
	return res, err
}

// didNotRun reports an error with which a request was refused before it
// did anything: this replica is not the leader or hosts no such partition,
// the key is not the partition's, or raft dropped the proposal. The router
// sends such a request elsewhere or again, so it must not pay here.
func didNotRun(err error) bool {
	var (
		nl    *multiraft.NotLeaderError
		wrong *partition.WrongRangeError
	)
	return errors.As(err, &nl) || errors.As(err, &wrong) ||
		errors.Is(err, multiraft.ErrGroupNotFound) || errors.Is(err, multiraft.ErrProposalDropped)
}

// admitRead runs a read of one item or one page under the gate; read
// returns the bytes it read.
func (n *Node) admitRead(group uint64, consistent bool, page bool, read func() (int, error)) error {
	if n.gate == nil {
		_, err := read()
		return err
	}
	mode := readMode(consistent)
	est := ReadEstimate(consistent)
	if err := n.gate.Admit(group, admission.Read, est); err != nil {
		return err
	}
	start := time.Now()
	size, err := read()
	if err != nil {
		if didNotRun(err) {
			n.gate.Refund(group, admission.Read, est)
		}
		return err
	}
	consumed := admission.GetItemUnits(mode, size, size > 0)
	if page {
		consumed = admission.QueryUnits(mode, size, 1)
	}
	n.gate.Done(group, admission.Read, est, consumed, time.Since(start))
	return nil
}

// recordGet feeds a read of one item to group's load sampler.
func (n *Node) recordGet(group uint64, key, item attr.Item, consistent bool) {
	p, err := n.Partition(group)
	if err != nil {
		return
	}
	k, err := p.Key(key)
	if err != nil {
		return
	}
	size := 0
	if item != nil {
		size = itemcheck.Size(item)
	}
	n.sampler(group).RecordRead(k, admission.GetItemUnits(readMode(consistent), size, item != nil), n.now())
}

// recordPage feeds the items of a scan page to group's load sampler, each
// with its share of the page's read units.
func (n *Node) recordPage(group uint64, page *Page, consistent bool) {
	if page == nil || len(page.Keys) == 0 {
		return
	}
	s, now := n.sampler(group), n.now()
	units := admission.QueryUnits(readMode(consistent), page.Bytes, 1) / float64(len(page.Keys))
	for _, k := range page.Keys {
		s.RecordRead(k, units, now)
	}
}
