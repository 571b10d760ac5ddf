package catalog

import (
	"sort"
)

// DefaultRebalanceThreshold is how far above the mean a node may be loaded
// before the planner moves replicas off it: 1.2 times the mean.
const DefaultRebalanceThreshold = 1.2

// PartitionLoad is the observed load of one partition: stored bytes and
// consumed capacity units per second. Each full replica carries all of it;
// a log replica stores no data and serves nothing, so it carries neither.
type PartitionLoad struct {
	Bytes int64
	Units float64
}

// RebalanceInput is what the rebalancing planner looks at.
type RebalanceInput struct {
	// Nodes are the registered nodes; only live ones take part.
	Nodes []Node
	// Partitions are the partitions of every table, with their replicas.
	Partitions []Partition
	// Load is each partition's load by partition ID; missing means zero.
	Load map[uint64]PartitionLoad
	// Threshold is the largest allowed ratio of a node's load to the mean
	// load of live nodes, in each dimension. Zero means
	// DefaultRebalanceThreshold.
	Threshold float64
	// MaxMoves bounds the plan's length; zero means no bound beyond the
	// planner's own.
	MaxMoves int
}

// Move is one replica move proposed by the planner: the replica of
// Partition (of table Table) on From goes to To.
type Move struct {
	Table     uint64
	Partition uint64
	From      NodeID
	To        NodeID
}

// The load dimensions the planner balances.
const (
	dimReplicas = iota
	dimBytes
	dimUnits
	dims
)

type loadVec [dims]float64

// planState is the planner's working copy of the placement.
type planState struct {
	nodes    map[NodeID]Node
	live     []NodeID
	parts    []Partition
	load     map[uint64]PartitionLoad
	nodeLoad map[NodeID]*loadVec
}

func replicaLoad(r Replica, l PartitionLoad) loadVec {
	if r.Kind != ReplicaFull {
		return loadVec{1, 0, 0}
	}
	return loadVec{1, float64(l.Bytes), l.Units}
}

// ratio is a load relative to a mean, the largest over the dimensions,
// and the dimension it is largest in.
func ratio(v, mean *loadVec) (float64, int) {
	worst, dim := 0.0, 0
	for d := 0; d < dims; d++ {
		if mean[d] <= 0 {
			continue
		}
		if r := v[d] / mean[d]; r > worst {
			worst, dim = r, d
		}
	}
	return worst, dim
}

// scope is a set of live nodes balanced against the mean load of its
// members: the whole cluster, or one zone.
type scope struct {
	nodes []NodeID
	mean  loadVec
}

func (s *planState) scopeOf(nodes []NodeID) *scope {
	sc := &scope{nodes: nodes}
	for _, id := range nodes {
		for d, x := range s.nodeLoad[id] {
			sc.mean[d] += x
		}
	}
	for d := range sc.mean {
		sc.mean[d] /= float64(len(nodes))
	}
	return sc
}

// PlanRebalance proposes replica moves, in order, after which no live node
// carries more than Threshold times the mean live-node load in replica
// count, bytes or capacity units, as far as moves can achieve it. It never
// proposes a move that puts two replicas of a partition in one zone while a
// live node in an unused zone could take the replica (a replica alone in
// its zone stays there), nor one onto a dead node, a node without room
// (Capacity) or a node already holding the partition. First it gives back
// its zone spread to any partition with two replicas in one zone while a
// live node in an unused zone could take one. Where zones keep the
// cluster from that balance (a zone of one node holds a replica of every
// partition), it then balances each zone's nodes against the zone's mean
// the same way. Each move strictly lowers the load of an overloaded node
// and leaves the target below the source's former level, so the plan
// converges; ties break by node and partition ID, so the plan is
// deterministic. Moves are valid when applied in order with
// Catalog.MoveReplica.
func PlanRebalance(in RebalanceInput) []Move {
	threshold := in.Threshold
	if threshold <= 0 {
		threshold = DefaultRebalanceThreshold
	}
	s := &planState{nodes: make(map[NodeID]Node), load: in.Load, nodeLoad: make(map[NodeID]*loadVec)}
	zones := map[string][]NodeID{}
	for _, n := range in.Nodes {
		s.nodes[n.ID] = n
		if n.Live {
			s.live = append(s.live, n.ID)
			s.nodeLoad[n.ID] = &loadVec{}
		}
	}
	sort.Slice(s.live, func(i, j int) bool { return s.live[i] < s.live[j] })
	if len(s.live) < 2 {
		return nil
	}
	for _, id := range s.live {
		zones[s.nodes[id].Zone] = append(zones[s.nodes[id].Zone], id)
	}
	s.parts = make([]Partition, len(in.Partitions))
	total := 0
	for i, p := range in.Partitions {
		s.parts[i] = p.Clone()
		for _, r := range p.Replicas {
			v, ok := s.nodeLoad[r.Node]
			if !ok {
				continue
			}
			rl := replicaLoad(r, in.Load[p.ID])
			for d := range v {
				v[d] += rl[d]
			}
			total++
		}
	}
	limit := 4*total + 16
	if in.MaxMoves > 0 {
		limit = min(limit, in.MaxMoves)
	}
	moves := s.spreadZones(nil, limit)
	moves = s.balance(moves, s.live, threshold, limit)
	names := make([]string, 0, len(zones))
	for z := range zones {
		names = append(names, z)
	}
	sort.Strings(names)
	for _, z := range names {
		if len(zones[z]) > 1 {
			moves = s.balance(moves, zones[z], threshold, limit)
		}
	}
	return moves
}

// spreadZones appends to moves, up to limit, a move for each partition
// with two replicas in one zone while a live node in a zone it does not use
// could take one (what healing leaves when a dead node's zone had no other
// node, once that zone has a live node again): the replica on the more
// loaded node of the shared zone goes to the least loaded such node.
func (s *planState) spreadZones(moves []Move, limit int) []Move {
	for pi := range s.parts {
		for len(moves) < limit {
			m, ok := s.spreadOne(pi)
			if !ok {
				break
			}
			p := &s.parts[pi]
			src := p.Replicas[m.replica].Node
			s.apply(m)
			moves = append(moves, Move{Table: p.Table, Partition: p.ID, From: src, To: m.to})
		}
	}
	return moves
}

// spreadOne finds one move that spreads partition pi over one more zone.
func (s *planState) spreadOne(pi int) (plannedMove, bool) {
	p := &s.parts[pi]
	byZone := map[string][]int{}
	for ri, r := range p.Replicas {
		if n, ok := s.nodes[r.Node]; ok {
			byZone[n.Zone] = append(byZone[n.Zone], ri)
		}
	}
	from := -1
	for _, ris := range byZone {
		if len(ris) < 2 {
			continue
		}
		for _, ri := range ris {
			node := p.Replicas[ri].Node
			if _, live := s.nodeLoad[node]; !live {
				continue // healing's business
			}
			if from < 0 || s.heavier(node, p.Replicas[from].Node) {
				from = ri
			}
		}
	}
	if from < 0 {
		return plannedMove{}, false
	}
	rl := replicaLoad(p.Replicas[from], s.load[p.ID])
	var to NodeID
	for _, id := range s.live {
		if _, used := byZone[s.nodes[id].Zone]; used || p.Holds(id) {
			continue
		}
		v := s.nodeLoad[id]
		if !fits(s.nodes[id], int(v[dimReplicas])+1, int64(v[dimBytes]+rl[dimBytes])) {
			continue
		}
		if to == 0 || s.heavier(to, id) {
			to = id
		}
	}
	return plannedMove{part: pi, replica: from, to: to}, to != 0
}

// heavier reports whether node a carries more replicas than b (then more
// bytes, then the higher ID).
func (s *planState) heavier(a, b NodeID) bool {
	va, vb := s.nodeLoad[a], s.nodeLoad[b]
	if va[dimReplicas] != vb[dimReplicas] {
		return va[dimReplicas] > vb[dimReplicas]
	}
	if va[dimBytes] != vb[dimBytes] {
		return va[dimBytes] > vb[dimBytes]
	}
	return a > b
}

// balance appends to moves, up to limit, the moves that bring the nodes of
// a scope within threshold times the scope's mean load, and then fill the
// nodes below the mean divided by threshold (a node that just joined) from
// the most loaded ones.
func (s *planState) balance(moves []Move, nodes []NodeID, threshold float64, limit int) []Move {
	sc := s.scopeOf(nodes)
	stuck := make(map[NodeID]bool)
	for len(moves) < limit {
		src, srcRatio, dim := s.mostLoaded(sc, stuck)
		if src == 0 {
			break
		}
		var onlyTo map[NodeID]bool
		if srcRatio <= threshold {
			if onlyTo = s.underloaded(sc, threshold); len(onlyTo) == 0 {
				break
			}
		}
		m, ok := s.bestMove(sc, src, srcRatio, dim, onlyTo)
		if !ok {
			stuck[src] = true
			continue
		}
		s.apply(m)
		moves = append(moves, Move{Table: s.parts[m.part].Table, Partition: s.parts[m.part].ID, From: src, To: m.to})
		clear(stuck)
	}
	return moves
}

// underloaded returns the nodes of sc below the mean divided by threshold
// in every dimension.
func (s *planState) underloaded(sc *scope, threshold float64) map[NodeID]bool {
	out := map[NodeID]bool{}
	for _, id := range sc.nodes {
		if r, _ := ratio(s.nodeLoad[id], &sc.mean); r < 1/threshold {
			out[id] = true
		}
	}
	return out
}

// mostLoaded returns the node of sc with the highest load ratio that is
// not stuck.
func (s *planState) mostLoaded(sc *scope, stuck map[NodeID]bool) (NodeID, float64, int) {
	var best NodeID
	bestRatio, bestDim := -1.0, 0
	for _, id := range sc.nodes {
		if stuck[id] {
			continue
		}
		r, d := ratio(s.nodeLoad[id], &sc.mean)
		if r > bestRatio {
			best, bestRatio, bestDim = id, r, d
		}
	}
	return best, bestRatio, bestDim
}

type plannedMove struct {
	part    int
	replica int
	to      NodeID
}

// bestMove finds the move off src to another node of sc (of onlyTo, when
// not nil) that helps most: the replica contributing most to the loaded
// dimension, to the target left least loaded, and below src's ratio.
func (s *planState) bestMove(sc *scope, src NodeID, srcRatio float64, dim int, onlyTo map[NodeID]bool) (plannedMove, bool) {
	type cand struct {
		part, replica int
		weight        float64
	}
	var cands []cand
	for pi, p := range s.parts {
		for ri, r := range p.Replicas {
			if r.Node == src {
				cands = append(cands, cand{pi, ri, replicaLoad(r, s.load[p.ID])[dim]})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].weight != cands[j].weight {
			return cands[i].weight > cands[j].weight
		}
		return s.parts[cands[i].part].ID < s.parts[cands[j].part].ID
	})
	for _, c := range cands {
		p := &s.parts[c.part]
		rl := replicaLoad(p.Replicas[c.replica], s.load[p.ID])
		if rl[dim] <= 0 {
			continue
		}
		var best NodeID
		bestAfter := srcRatio
		for _, to := range sc.nodes {
			if to == src || p.Holds(to) || (onlyTo != nil && !onlyTo[to]) || !s.zoneAllowed(p, to, src) {
				continue
			}
			n := s.nodes[to]
			v := s.nodeLoad[to]
			if !fits(n, int(v[dimReplicas])+1, int64(v[dimBytes]+rl[dimBytes])) {
				continue
			}
			after := *v
			for d := range after {
				after[d] += rl[d]
			}
			r, _ := ratio(&after, &sc.mean)
			if r < bestAfter {
				best, bestAfter = to, r
			}
		}
		if best != 0 {
			return plannedMove{part: c.part, replica: c.replica, to: best}, true
		}
	}
	return plannedMove{}, false
}

// fits reports whether a node's capacity allows the given replica count and
// bytes.
func fits(n Node, replicas int, bytes int64) bool {
	return (n.Capacity.Replicas <= 0 || replicas <= n.Capacity.Replicas) &&
		(n.Capacity.Bytes <= 0 || bytes <= n.Capacity.Bytes)
}

// zoneAllowed is Catalog.zoneAllowed on the planner's copy.
func (s *planState) zoneAllowed(p *Partition, to, except NodeID) bool {
	used := make(map[string]bool)
	for _, r := range p.Replicas {
		if r.Node == except {
			continue
		}
		if n, ok := s.nodes[r.Node]; ok {
			used[n.Zone] = true
		}
	}
	if !used[s.nodes[to].Zone] {
		return true
	}
	for _, id := range s.live {
		if n := s.nodes[id]; !used[n.Zone] && (!p.Holds(id) || id == except) {
			return false
		}
	}
	return true
}

func (s *planState) apply(m plannedMove) {
	p := &s.parts[m.part]
	r := &p.Replicas[m.replica]
	rl := replicaLoad(*r, s.load[p.ID])
	from, to := s.nodeLoad[r.Node], s.nodeLoad[m.to]
	for d := range rl {
		from[d] -= rl[d]
		to[d] += rl[d]
	}
	if p.Leader == r.Node {
		p.Leader = 0
	}
	r.Node = m.to
}
