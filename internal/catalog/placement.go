package catalog

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"sort"

	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// Per-partition throughput ceilings (Developer Guide, "Best practices for
// designing and using partition keys effectively": a partition serves at
// most 3,000 RCU and 1,000 WCU).
const (
	PartitionReadUnits  = 3000
	PartitionWriteUnits = 1000
)

// InitialPartitionCount returns the number of partitions a new table starts
// with. A PROVISIONED table gets ceil(RCU/3000 + WCU/1000), at least 1: the
// count at which no partition must serve more than DynamoDB's per-partition
// ceilings of 3,000 RCU and 1,000 WCU (Developer Guide, "Best practices for
// designing and using partition keys effectively"). The formula itself is
// the one AWS gave for partitions by capacity in the Developer Guide's former
// "Understand Partition Behavior" section and in its 2016 DynamoDB deep-dive
// talks (Rick Houlihan, AWS Loft San Francisco): partitions by capacity =
// RCU/3000 + WCU/1000, rounded up; the size term (10 GB per partition) does
// not apply to an empty table. A PAY_PER_REQUEST table gets onDemand
// partitions (Options.OnDemandPartitions) and grows by split.
func InitialPartitionCount(mode BillingMode, rcu, wcu int64, onDemand int) int {
	if mode == BillingModePayPerRequest {
		return max(onDemand, 1)
	}
	rcu, wcu = max(rcu, 0), max(wcu, 0)
	// ceil(rcu/3000 + wcu/1000) = ceil((rcu + 3*wcu) / 3000), exactly.
	units := rcu + 3*wcu
	n := (units + PartitionReadUnits - 1) / PartitionReadUnits
	return int(max(n, 1))
}

// SplitPoints returns the n-1 keys that divide table's key space into n
// parts of equal hash range: keys are the table prefix followed by the
// 64-bit hash of the partition key (keyenc), so the i-th point is the prefix
// followed by floor(i * 2^64 / n) big endian. Every key whose hash is at or
// above that value sorts at or after the point.
func SplitPoints(table uint64, n int) [][]byte {
	if n <= 1 {
		return nil
	}
	points := make([][]byte, 0, n-1)
	for i := 1; i < n; i++ {
		// floor(i * 2^64 / n) with a 128-bit dividend i<<64.
		q, _ := bits.Div64(uint64(i), 0, uint64(n))
		key := binary.BigEndian.AppendUint64(keyenc.TablePrefix(table), q)
		points = append(points, key)
	}
	return points
}

// InitialRanges returns n ranges covering table's key space, divided at
// SplitPoints.
func InitialRanges(table uint64, n int) []keyenc.Range {
	space := tableSpace(table)
	n = max(n, 1)
	points := SplitPoints(table, n)
	ranges := make([]keyenc.Range, n)
	start := space.Start
	for i := range ranges {
		end := space.End
		if i < len(points) {
			end = points[i]
		}
		ranges[i] = keyenc.Range{Start: start, End: end}
		start = end
	}
	return ranges
}

// hasRoom reports whether node can take one more replica.
func hasRoom(n Node, count int, bytes int64) bool {
	if n.Capacity.Replicas > 0 && count >= n.Capacity.Replicas {
		return false
	}
	if n.Capacity.Bytes > 0 && bytes >= n.Capacity.Bytes {
		return false
	}
	return true
}

// PlaceReplicas chooses nodes for the replicas of one partition: want
// replicas on live nodes with room, no two on one node, in distinct zones.
// Among the candidates of an unused zone it takes the node with the fewest
// replicas (counts), then the lowest ID, so placement is deterministic and
// balanced. When fewer zones than replicas have candidates, the remaining
// replicas go to the zones holding the fewest replicas of this partition,
// by the same order (two replicas then share a zone, which cannot be
// avoided). When fewer nodes than replicas have room, fewer replicas are
// placed. It fails with ErrNoNodes when no node can take one. counts is
// not modified.
func PlaceReplicas(nodes []Node, counts map[NodeID]int, want int) ([]NodeID, error) {
	type cand struct {
		node  Node
		count int
	}
	var cands []cand
	for _, n := range nodes {
		if n.Live && hasRoom(n, counts[n.ID], 0) {
			cands = append(cands, cand{n, counts[n.ID]})
		}
	}
	if len(cands) == 0 {
		return nil, ErrNoNodes
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].count != cands[j].count {
			return cands[i].count < cands[j].count
		}
		return cands[i].node.ID < cands[j].node.ID
	})
	chosen := make([]NodeID, 0, want)
	taken := make(map[NodeID]bool)
	zoneUse := make(map[string]int)
	for len(chosen) < want {
		best := -1
		for i, c := range cands {
			if taken[c.node.ID] {
				continue
			}
			// Candidates are sorted by load, so the first in the least
			// used zone wins.
			if best < 0 || zoneUse[c.node.Zone] < zoneUse[cands[best].node.Zone] {
				best = i
			}
		}
		if best < 0 {
			break
		}
		c := cands[best]
		taken[c.node.ID] = true
		zoneUse[c.node.Zone]++
		chosen = append(chosen, c.node.ID)
	}
	return chosen, nil
}

// PlaceMany places the replicas of partitions partitions one after another,
// counting each placement in the load of the next, so a table's replicas
// spread over the nodes. counts is not modified.
func PlaceMany(nodes []Node, counts map[NodeID]int, want, partitions int) ([][]NodeID, error) {
	load := make(map[NodeID]int, len(counts))
	for id, n := range counts {
		load[id] = n
	}
	out := make([][]NodeID, partitions)
	for i := range out {
		chosen, err := PlaceReplicas(nodes, load, want)
		if err != nil {
			return nil, fmt.Errorf("place partition %d of %d: %w", i+1, partitions, err)
		}
		for _, id := range chosen {
			load[id]++
		}
		out[i] = chosen
	}
	return out, nil
}
