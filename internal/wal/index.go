package wal

import (
	"fmt"
	"slices"
	"sort"

	pb "go.etcd.io/raft/v3/raftpb"
)

// entryLoc says where an entry's encoding is: segment sequence number, byte
// offset in the segment, length.
type entryLoc struct {
	seg, off, size uint32
}

// termRun says that entries from index first on have term, up to the next
// run.
type termRun struct {
	first, term uint64
}

type hardState struct{ term, vote, commit uint64 }

// group is the in-memory index of one raft group. locs[i] is the location of
// entry snapIndex+1+i; cache holds the last len(cache) entries.
type group struct {
	id        uint64
	hs        hardState
	snapIndex uint64
	snapTerm  uint64
	conf      *pb.ConfState
	// hsSeg and snapSeg are the segments holding the latest hard state and
	// the latest compaction point (snapshot, compaction, group state or
	// creation record); 0 for none.
	hsSeg, snapSeg uint32
	locs           []entryLoc
	terms          []termRun

	cache      []*pb.Entry
	cacheBytes int64
	// lruPrev and lruNext link the groups with cached entries, least
	// recently saved first.
	lruPrev, lruNext *group
}

func (g *group) first() uint64 { return g.snapIndex + 1 }
func (g *group) last() uint64  { return g.snapIndex + uint64(len(g.locs)) }

// cacheFirst is the index of the first cached entry.
func (g *group) cacheFirst() uint64 { return g.last() + 1 - uint64(len(g.cache)) }

// termAt returns the term of a held entry.
func (g *group) termAt(index uint64) uint64 {
	i := sort.Search(len(g.terms), func(i int) bool { return g.terms[i].first > index })
	return g.terms[i-1].term
}

// cacheCost is what one cached entry counts against Options.CacheSize: its
// data plus the entry's own structure.
func cacheCost(e *pb.Entry) int64 { return int64(len(e.GetData())) + 96 }

// firstEntrySeg is the segment of the group's first retained entry, 0 if
// none. Entries are never older than the entries before them, so every
// retained entry is in this segment or a later one.
func (g *group) firstEntrySeg() uint32 {
	if len(g.locs) == 0 {
		return 0
	}
	return g.locs[0].seg
}

// op is one record to apply to the index: decoded at replay, or built by
// Save, Compact and RemoveGroup. Locations in locs are absolute.
type op struct {
	kind  byte
	group uint64
	hs    hardState
	index uint64
	term  uint64
	conf  *pb.ConfState
	// entries: first index, locations, terms; ents only when saved now.
	locs  []entryLoc
	terms []uint64
	ents  []*pb.Entry
}

// getGroup returns a group, creating it if needed.
func (w *WAL) getGroup(id uint64) *group {
	g := w.groups[id]
	if g == nil {
		g = &group{id: id}
		w.groups[id] = g
	}
	return g
}

// apply applies one record, written in segment seg, to the index. Errors are
// only possible at replay, for records that contradict the log.
func (w *WAL) apply(o *op, seg uint32) error {
	if o.kind == recRemove {
		delete(w.replayGaps, o.group)
		if g := w.groups[o.group]; g != nil {
			w.removeFromIndex(g)
		}
		return nil
	}
	g := w.getGroup(o.group)
	switch o.kind {
	case recCreate:
		if g.snapSeg == 0 {
			w.setSnapSeg(g, seg)
		}
	case recHardState:
		g.hs = o.hs
		w.setHSSeg(g, seg)
	case recSnapshot:
		delete(w.replayGaps, g.id)
		before := g.firstEntrySeg()
		g.locs, g.terms = nil, nil
		w.dropCache(g)
		g.snapIndex, g.snapTerm, g.conf = o.index, o.term, o.conf
		w.setSnapSeg(g, seg)
		w.moveEntryPin(before, g.firstEntrySeg())
	case recCompact, recGroupState:
		if o.kind == recGroupState {
			g.hs = o.hs
			w.setHSSeg(g, seg)
		}
		if gap, ok := w.replayGaps[g.id]; ok {
			if o.index < gap.index {
				// Below entries already replayed whose predecessors were
				// compacted and deleted: the group's compaction point was
				// this at the time, the gap is still open.
				gap.snapIndex, gap.snapTerm, gap.conf = o.index, o.term, o.conf
				w.replayGaps[g.id] = gap
				return nil
			}
			delete(w.replayGaps, g.id)
		}
		if o.index < g.snapIndex {
			return fmt.Errorf("compaction point %d of group %d is below %d", o.index, g.id, g.snapIndex)
		}
		w.compactIndex(g, o.index)
		g.snapIndex, g.snapTerm, g.conf = o.index, o.term, o.conf
		w.setSnapSeg(g, seg)
	case recEntries:
		return w.appendIndex(g, o)
	default:
		return fmt.Errorf("unknown record kind %d", o.kind)
	}
	return nil
}

// appendIndex adds entries, replacing any conflicting suffix.
func (w *WAL) appendIndex(g *group, o *op) error {
	if len(o.locs) == 0 {
		return nil
	}
	first := o.index
	if w.replayGaps != nil {
		if _, inGap := w.replayGaps[g.id]; first > g.last()+1 || (inGap && first < g.first()) {
			w.replayGap(g, first)
		}
	}
	if first < g.first() { // below the compaction point: only at replay
		skip := g.first() - first
		if skip >= uint64(len(o.locs)) {
			return nil
		}
		o.locs, o.terms, first = o.locs[skip:], o.terms[skip:], g.first()
		if o.ents != nil {
			o.ents = o.ents[skip:]
		}
	}
	if first > g.last()+1 {
		return fmt.Errorf("entries of group %d start at %d but its log ends at %d", g.id, first, g.last())
	}
	before := g.firstEntrySeg()
	oldCacheFirst := g.cacheFirst()
	keep := first - g.first()
	g.locs = append(g.locs[:keep], o.locs...)
	cut := sort.Search(len(g.terms), func(i int) bool { return g.terms[i].first >= first })
	g.terms = g.terms[:cut]
	for i, term := range o.terms {
		if len(g.terms) == 0 || g.terms[len(g.terms)-1].term != term {
			g.terms = append(g.terms, termRun{first: first + uint64(i), term: term})
		}
	}
	w.moveEntryPin(before, g.firstEntrySeg())
	if o.ents != nil {
		w.cacheAppend(g, first, oldCacheFirst, o.ents)
	} else {
		w.dropCache(g)
	}
	return nil
}

// replayGap handles, at replay, entries whose predecessors are not in the
// log: they were in a deleted segment, so they were compacted, and either the
// last compaction point replayed for the group is first-1, or a later one (or
// a snapshot or group state) at or past first-1 covers the gap: recovery
// checks that one did. Until then the group holds only what is known, the
// entries from first on; so also when, still uncovered, entries rewrite the
// log from below first.
func (w *WAL) replayGap(g *group, first uint64) {
	gap, open := w.replayGaps[g.id]
	if !open {
		gap = replayGap{snapIndex: g.snapIndex, snapTerm: g.snapTerm, conf: g.conf}
	}
	before := g.firstEntrySeg()
	g.locs, g.terms = nil, nil
	w.moveEntryPin(before, 0)
	if first-1 == gap.snapIndex { // nothing is missing after all
		g.snapIndex, g.snapTerm, g.conf = gap.snapIndex, gap.snapTerm, gap.conf
		delete(w.replayGaps, g.id)
		return
	}
	g.snapIndex, g.snapTerm = first-1, 0
	gap.index = first - 1
	w.replayGaps[g.id] = gap
}

// replayGap is an open gap in a group's replayed log: index is the index
// before the first entry known; snapIndex, snapTerm and conf the last
// compaction point replayed.
type replayGap struct {
	index               uint64
	snapIndex, snapTerm uint64
	conf                *pb.ConfState
}

// compactIndex drops the entries up to and including index.
func (w *WAL) compactIndex(g *group, index uint64) {
	if index <= g.snapIndex {
		return
	}
	before := g.firstEntrySeg()
	drop := min(index-g.snapIndex, uint64(len(g.locs)))
	if len(g.cache) > 0 {
		if cf := g.cacheFirst(); index >= cf {
			w.trimCache(g, min(index-cf+1, uint64(len(g.cache))))
		}
	}
	// Copy rather than reslice, so that an idle group's memory shrinks.
	g.locs = slices.Clone(g.locs[drop:])
	if len(g.locs) == 0 {
		g.locs, g.terms = nil, nil
	} else {
		newFirst := index + 1
		i := sort.Search(len(g.terms), func(i int) bool { return g.terms[i].first > newFirst })
		runs := slices.Clone(g.terms[i-1:])
		runs[0].first = newFirst
		g.terms = runs
	}
	w.moveEntryPin(before, g.firstEntrySeg())
}

func (w *WAL) removeFromIndex(g *group) {
	w.moveEntryPin(g.firstEntrySeg(), 0)
	w.setHSSeg(g, 0)
	w.setSnapSeg(g, 0)
	w.dropCache(g)
	delete(w.groups, g.id)
}

// Segment pins: a segment can be deleted once no group pins it.

func (w *WAL) segmentBySeq(seq uint32) *segment {
	if len(w.segments) == 0 || seq < w.segments[0].seq {
		return nil
	}
	i := int(seq - w.segments[0].seq)
	if i >= len(w.segments) {
		return nil
	}
	return w.segments[i]
}

func (w *WAL) moveEntryPin(from, to uint32) {
	if from == to {
		return
	}
	if s := w.segmentBySeq(from); s != nil {
		s.entryPins--
	}
	if s := w.segmentBySeq(to); s != nil {
		s.entryPins++
	}
}

func (w *WAL) moveStatePin(from, to uint32) {
	if s := w.segmentBySeq(from); s != nil {
		s.statePins--
	}
	if s := w.segmentBySeq(to); s != nil {
		s.statePins++
	}
}

func (w *WAL) setHSSeg(g *group, seg uint32) {
	w.moveStatePin(g.hsSeg, seg)
	g.hsSeg = seg
}

func (w *WAL) setSnapSeg(g *group, seg uint32) {
	w.moveStatePin(g.snapSeg, seg)
	g.snapSeg = seg
}

// The entry cache.

// cacheAppend records entries just saved from index first on; the group's
// locations are already updated. oldCacheFirst is where the cache started
// before.
func (w *WAL) cacheAppend(g *group, first, oldCacheFirst uint64, ents []*pb.Entry) {
	if w.opts.CacheSize < 0 {
		return
	}
	if len(g.cache) > 0 && first >= oldCacheFirst && first <= oldCacheFirst+uint64(len(g.cache)) {
		keep := first - oldCacheFirst
		for _, e := range g.cache[keep:] {
			g.cacheBytes -= cacheCost(e)
			w.cacheBytes -= cacheCost(e)
		}
		clear(g.cache[keep:])
		g.cache = g.cache[:keep]
	} else {
		w.dropCache(g)
	}
	for _, e := range ents {
		g.cacheBytes += cacheCost(e)
		w.cacheBytes += cacheCost(e)
	}
	g.cache = append(g.cache, ents...)
	w.lruMoveBack(g)
	for w.cacheBytes > w.opts.CacheSize && w.lruHead != nil {
		victim := w.lruHead
		if victim != g {
			w.dropCache(victim)
			continue
		}
		// Only the group just saved is left: keep its newest entries.
		n := 0
		for n < len(g.cache) && w.cacheBytes > w.opts.CacheSize {
			w.cacheBytes -= cacheCost(g.cache[n])
			g.cacheBytes -= cacheCost(g.cache[n])
			n++
		}
		g.cache = slices.Clone(g.cache[n:])
		if len(g.cache) == 0 {
			w.dropCache(g)
		}
		break
	}
}

// trimCache drops the first n cached entries.
func (w *WAL) trimCache(g *group, n uint64) {
	for _, e := range g.cache[:n] {
		g.cacheBytes -= cacheCost(e)
		w.cacheBytes -= cacheCost(e)
	}
	g.cache = slices.Clone(g.cache[n:])
	if len(g.cache) == 0 {
		w.dropCache(g)
	}
}

func (w *WAL) dropCache(g *group) {
	w.cacheBytes -= g.cacheBytes
	g.cache, g.cacheBytes = nil, 0
	w.lruUnlink(g)
}

func (w *WAL) lruUnlink(g *group) {
	if g.lruPrev == nil && w.lruHead != g {
		return // not linked
	}
	if g.lruPrev != nil {
		g.lruPrev.lruNext = g.lruNext
	} else {
		w.lruHead = g.lruNext
	}
	if g.lruNext != nil {
		g.lruNext.lruPrev = g.lruPrev
	} else {
		w.lruTail = g.lruPrev
	}
	g.lruPrev, g.lruNext = nil, nil
}

func (w *WAL) lruMoveBack(g *group) {
	w.lruUnlink(g)
	g.lruPrev = w.lruTail
	if w.lruTail != nil {
		w.lruTail.lruNext = g
	} else {
		w.lruHead = g
	}
	w.lruTail = g
}
