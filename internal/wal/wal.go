package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/wal/vfs"
)

// WAL is the on-disk LogStore. Methods are safe for concurrent use.
//
// Locks: syncMu serialises fdatasync and segment deletion and is taken
// before mu; mu guards everything else (writers take it exclusively, readers
// shared).
type WAL struct {
	dir  string
	opts Options
	fs   vfs.FS
	lock io.Closer

	syncMu sync.Mutex
	synced uint64 // frames up to this sequence are durable; under syncMu

	mu       sync.RWMutex
	closed   bool
	failed   error // first write or sync failure; writes refused after it
	written  uint64
	segments []*segment // oldest first; the last is active
	groups   map[uint64]*group
	enc      encoder
	// replayGaps, during recovery only, holds the groups whose replayed
	// entries started after a gap, with the index before the gap.
	replayGaps map[uint64]replayGap

	cacheBytes       int64
	lruHead, lruTail *group
}

// segment is one segment file.
type segment struct {
	seq  uint32
	path string
	file vfs.File
	size int64
	// entryPins counts groups whose first retained entry is here;
	// statePins counts groups whose latest hard state or compaction point is.
	entryPins, statePins int
}

var _ logstore.LogStore = (*WAL)(nil)

const lockName = "LOCK"

func segmentName(seq uint32) string { return fmt.Sprintf("%016x.wal", seq) }

func parseSegmentName(name string) (uint32, bool) {
	hex, ok := strings.CutSuffix(name, ".wal")
	if !ok || len(hex) != 16 {
		return 0, false
	}
	seq, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || seq == 0 {
		return 0, false
	}
	return uint32(seq), true
}

// Open opens the log in dir, creating the directory and a first segment if
// needed, replaying every segment and repairing a torn tail. It returns a
// *CorruptError (matching ErrCorrupt) for data that is damaged rather than
// torn. Only one WAL may have a directory open at a time.
func Open(dir string, opts *Options) (*WAL, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &WAL{dir: dir, opts: o, fs: o.FS, groups: make(map[uint64]*group)}
	if err := w.fs.MkdirAll(dir); err != nil {
		return nil, fmt.Errorf("wal: create directory: %w", err)
	}
	if w.lock, err = w.fs.Lock(filepath.Join(dir, lockName)); err != nil {
		return nil, fmt.Errorf("wal: lock %s: %w", dir, err)
	}
	if err := w.recover(); err != nil {
		w.closeFiles()
		return nil, err
	}
	return w, nil
}

// Dir returns the directory the log lives in.
func (w *WAL) Dir() string { return w.dir }

// recover replays the segments on disk.
func (w *WAL) recover() error {
	names, err := w.fs.ReadDir(w.dir)
	if err != nil {
		return fmt.Errorf("wal: list %s: %w", w.dir, err)
	}
	var seqs []uint32
	for _, name := range names {
		if seq, ok := parseSegmentName(name); ok {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	if len(seqs) == 0 {
		return w.createSegment(1)
	}
	w.replayGaps = make(map[uint64]replayGap)
	defer func() { w.replayGaps = nil }()
	var data []byte
	for i, seq := range seqs {
		path := filepath.Join(w.dir, segmentName(seq))
		if i > 0 && seq != seqs[i-1]+1 {
			return &CorruptError{Segment: filepath.Join(w.dir, segmentName(seqs[i-1]+1)), Reason: "segment missing"}
		}
		f, err := w.fs.OpenAppend(path)
		if err != nil {
			return fmt.Errorf("wal: open %s: %w", path, err)
		}
		s := &segment{seq: seq, path: path, file: f}
		w.segments = append(w.segments, s)
		size, err := f.Size()
		if err != nil {
			return fmt.Errorf("wal: size of %s: %w", path, err)
		}
		if size > MaxSegmentSize+maxFrameSize {
			return &CorruptError{Segment: path, Reason: fmt.Sprintf("segment of %d bytes is larger than any the log writes", size)}
		}
		data = slices.Grow(data[:0], int(size))[:size]
		if n, err := f.ReadAt(data, 0); n < len(data) {
			return fmt.Errorf("wal: read %s: %w", path, err)
		}
		good, bad := w.replaySegment(s, data)
		if bad == nil {
			s.size = size
			continue
		}
		var hard *CorruptError
		if errors.As(bad, &hard) {
			return bad
		}
		if i < len(seqs)-1 || validFrameAfter(data, good) {
			return &CorruptError{Segment: path, Offset: good, Reason: bad.Error()}
		}
		if err := w.repairTail(s, good); err != nil {
			return err
		}
	}
	for id, gap := range w.replayGaps {
		return &CorruptError{Segment: w.dir, Reason: fmt.Sprintf(
			"group %d has entries after %d but no record of those up to it", id, gap.index)}
	}
	return nil
}

// replaySegment applies the frames of one segment. It returns the end of the
// last good frame and, if it stopped before the end, why: a *CorruptError for
// a valid frame that does not decode or apply, another error for a bad frame
// (which may be a torn tail).
func (w *WAL) replaySegment(s *segment, data []byte) (good int64, bad error) {
	n, typ, ok := frameAt(data)
	if !ok || typ != frameSegmentHeader || n != segmentHeaderSize {
		return 0, errors.New("no valid segment header")
	}
	if [8]byte(data[frameHeaderSize:frameHeaderSize+8]) != segmentMagic ||
		binary.LittleEndian.Uint32(data[frameHeaderSize+8:]) != segmentVersion {
		return 0, &CorruptError{Segment: s.path, Reason: "not a segment of this log format"}
	}
	if seq := binary.LittleEndian.Uint64(data[frameHeaderSize+12:]); seq != uint64(s.seq) {
		return 0, &CorruptError{Segment: s.path, Reason: fmt.Sprintf("header names segment %d", seq)}
	}
	off := n
	var ops []op
	for off < len(data) {
		n, typ, ok := frameAt(data[off:])
		if !ok {
			return int64(off), fmt.Errorf("bad frame")
		}
		if typ != frameBatch {
			return int64(off), &CorruptError{Segment: s.path, Offset: int64(off), Reason: "segment header in the middle of a segment"}
		}
		var err error
		ops, err = decodeBatch(data[off:off+n], uint32(off), s.seq, ops[:0])
		if err == nil {
			for i := range ops {
				if err = w.apply(&ops[i], s.seq); err != nil {
					break
				}
			}
		}
		if err != nil {
			return int64(off), &CorruptError{Segment: s.path, Offset: int64(off), Reason: err.Error()}
		}
		off += n
	}
	return int64(off), nil
}

// validFrameAfter reports whether any valid frame starts after offset from:
// if so, the bad bytes at from are not a torn tail.
func validFrameAfter(data []byte, from int64) bool {
	for p := int(from) + 1; p+frameHeaderSize <= len(data); p++ {
		if _, _, ok := frameAt(data[p:]); ok {
			return true
		}
	}
	return false
}

// repairTail truncates the last segment at the end of its last good frame,
// rewriting the header if even that was torn.
func (w *WAL) repairTail(s *segment, good int64) error {
	if err := s.file.Truncate(good); err != nil {
		return fmt.Errorf("wal: repair torn tail of %s: %w", s.path, err)
	}
	if good == 0 {
		if _, err := s.file.Write(segmentHeader(s.seq)); err != nil {
			return fmt.Errorf("wal: repair header of %s: %w", s.path, err)
		}
		good = segmentHeaderSize
	}
	if err := s.file.Sync(); err != nil {
		return fmt.Errorf("wal: repair torn tail of %s: %w", s.path, err)
	}
	s.size = good
	return nil
}

// decodeBatch decodes the records of a batch frame found at offset frameOff
// of segment seg.
func decodeBatch(frame []byte, frameOff, seg uint32, ops []op) ([]op, error) {
	payload := frame[frameHeaderSize:]
	pos := 0
	for pos < len(payload) {
		if len(payload)-pos < recordHeaderSize {
			return ops, errDecode
		}
		kind := payload[pos]
		length := int(binary.LittleEndian.Uint32(payload[pos+1:]))
		body := pos + recordHeaderSize
		if length > len(payload)-body {
			return ops, errDecode
		}
		d := decoder{buf: payload[body : body+length]}
		o := op{kind: kind, group: d.uvarint()}
		switch kind {
		case recCreate, recRemove:
		case recHardState:
			o.hs = hardState{d.uvarint(), d.uvarint(), d.uvarint()}
		case recSnapshot, recCompact:
			o.index, o.term, o.conf = d.uvarint(), d.uvarint(), d.conf()
		case recGroupState:
			o.hs = hardState{d.uvarint(), d.uvarint(), d.uvarint()}
			o.index, o.term, o.conf = d.uvarint(), d.uvarint(), d.conf()
		case recEntries:
			o.index = d.uvarint()
			count := d.uvarint()
			if count > uint64(len(d.buf)) {
				return ops, errDecode
			}
			o.locs = make([]entryLoc, 0, count)
			o.terms = make([]uint64, 0, count)
			for i := uint64(0); i < count && d.err == nil; i++ {
				size := d.uvarint()
				if d.err != nil || size < 4 || size > uint64(len(d.buf)) {
					return ops, errDecode
				}
				start := frameOff + uint32(frameHeaderSize+body+length-len(d.buf))
				e := decoder{buf: d.buf[4:size]}
				term, index := e.uvarint(), e.uvarint()
				if e.err != nil || index != o.index+i {
					return ops, errDecode
				}
				o.locs = append(o.locs, entryLoc{seg: seg, off: start, size: uint32(size)})
				o.terms = append(o.terms, term)
				d.buf = d.buf[size:]
			}
		default:
			return ops, fmt.Errorf("unknown record kind %d", kind)
		}
		if d.err != nil || len(d.buf) != 0 {
			return ops, errDecode
		}
		ops = append(ops, o)
		pos = body + length
	}
	return ops, nil
}

// createSegment creates, syncs and activates a new segment, then syncs the
// directory. The caller holds mu (or is opening the log).
func (w *WAL) createSegment(seq uint32) error {
	path := filepath.Join(w.dir, segmentName(seq))
	f, err := w.fs.Create(path)
	if err != nil {
		return fmt.Errorf("wal: create segment: %w", err)
	}
	s := &segment{seq: seq, path: path, file: f}
	if _, err := f.Write(segmentHeader(seq)); err != nil {
		_ = f.Close()
		return fmt.Errorf("wal: write header of %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("wal: sync %s: %w", path, err)
	}
	if err := w.fs.SyncDir(w.dir); err != nil {
		_ = f.Close()
		return fmt.Errorf("wal: sync directory %s: %w", w.dir, err)
	}
	s.size = segmentHeaderSize
	w.segments = append(w.segments, s)
	return nil
}

func (w *WAL) active() *segment { return w.segments[len(w.segments)-1] }

// writable returns why writes are refused, if they are. The caller holds mu.
func (w *WAL) writable() error {
	if w.closed {
		return logstore.ErrClosed
	}
	if w.failed != nil {
		return &failedError{cause: w.failed}
	}
	return nil
}

// fail records the first write or sync failure. The caller holds mu.
func (w *WAL) fail(err error) error {
	if w.failed == nil {
		w.failed = err
	}
	return err
}

// writeFrame writes a sealed frame to the active segment, first moving to a
// new segment if the frame does not fit, and returns the frame's segment and
// offset. Any failure fails the log. The caller holds mu.
func (w *WAL) writeFrame(frame []byte) (seg, off uint32, err error) {
	if len(frame) > maxFrameSize {
		return 0, 0, fmt.Errorf("wal: a save of %d bytes is larger than the limit of %d: %w", len(frame), maxFrameSize, logstore.ErrInvalid)
	}
	s := w.active()
	if s.size+int64(len(frame)) > w.opts.SegmentSize && s.size > segmentHeaderSize {
		// Every frame of a segment that is not the last must be durable, so
		// that recovery can tell a torn tail from corruption.
		if err := s.file.Sync(); err != nil {
			return 0, 0, w.fail(fmt.Errorf("wal: sync %s: %w", s.path, err))
		}
		if err := w.createSegment(s.seq + 1); err != nil {
			return 0, 0, w.fail(err)
		}
		s = w.active()
	}
	n, err := s.file.Write(frame)
	if err != nil || n != len(frame) {
		if err == nil {
			err = io.ErrShortWrite
		}
		return 0, 0, w.fail(fmt.Errorf("wal: write %s: %w", s.path, err))
	}
	off = uint32(s.size)
	s.size += int64(n)
	w.written++
	return s.seq, off, nil
}

// syncTo makes every frame up to sequence seq durable, coalescing with
// concurrent callers: one fdatasync covers every frame written before it.
func (w *WAL) syncTo(seq uint64) error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	if w.synced >= seq {
		return nil
	}
	w.mu.RLock()
	if err := w.writable(); err != nil {
		w.mu.RUnlock()
		return err
	}
	target, s := w.written, w.active()
	w.mu.RUnlock()
	if err := s.file.Sync(); err != nil {
		w.mu.Lock()
		err = w.fail(fmt.Errorf("wal: sync %s: %w", s.path, err))
		w.mu.Unlock()
		return err
	}
	w.synced = target
	return nil
}

// Save persists updates with one write and one fdatasync.
func (w *WAL) Save(updates []logstore.Update) error {
	w.mu.Lock()
	if err := w.writable(); err != nil {
		w.mu.Unlock()
		return err
	}
	checked, err := w.check(updates)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	if len(checked) == 0 {
		w.mu.Unlock()
		return nil
	}
	frame, ops := w.encode(checked)
	if len(ops) == 0 { // nothing to write: every entry was below the compaction point
		w.mu.Unlock()
		return nil
	}
	seg, off, err := w.writeFrame(frame)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	for i := range ops {
		for j := range ops[i].locs {
			ops[i].locs[j].seg = seg
			ops[i].locs[j].off += off
		}
		// Checked above: a checked update always applies.
		_ = w.apply(&ops[i], seg)
	}
	seq, truncate := w.written, w.truncatable()
	w.mu.Unlock()
	if err := w.syncTo(seq); err != nil {
		return err
	}
	if truncate {
		return w.truncate()
	}
	return nil
}

// checkedUpdate is an update that passed the checks, with its entries
// trimmed of those below the compaction point.
type checkedUpdate struct {
	logstore.Update
	ents   []*pb.Entry
	create bool
}

// check validates updates in order against the index. The caller holds mu.
func (w *WAL) check(updates []logstore.Update) ([]checkedUpdate, error) {
	type bounds struct{ first, last uint64 }
	pending := make(map[uint64]bounds, len(updates))
	out := make([]checkedUpdate, 0, len(updates))
	for _, u := range updates {
		b, seen := pending[u.Group]
		create := false
		if !seen {
			if g := w.groups[u.Group]; g != nil {
				b = bounds{g.first(), g.last()}
			} else {
				b, create = bounds{1, 0}, true
			}
		}
		first, last, err := logstore.CheckUpdate(u, b.first, b.last)
		if err != nil {
			return nil, err
		}
		ents := u.Entries
		if u.Snapshot != nil {
			ents = logstore.TrimCompacted(ents, u.Snapshot.GetIndex()+1)
		} else {
			ents = logstore.TrimCompacted(ents, b.first)
		}
		pending[u.Group] = bounds{first, last}
		out = append(out, checkedUpdate{Update: u, ents: ents, create: create})
	}
	return out, nil
}

// encode builds the frame of checked updates and the ops that apply them,
// with entry offsets relative to the frame. The caller holds mu.
func (w *WAL) encode(updates []checkedUpdate) ([]byte, []op) {
	e := &w.enc
	e.reset()
	ops := make([]op, 0, len(updates))
	for _, u := range updates {
		if u.create && u.Snapshot == nil && len(u.ents) == 0 && u.HardState == nil {
			e.group(recCreate, u.Group)
			ops = append(ops, op{kind: recCreate, group: u.Group})
		}
		if s := u.Snapshot; s != nil {
			conf := cloneConf(s.GetConfState())
			e.point(recSnapshot, u.Group, s.GetIndex(), s.GetTerm(), conf)
			ops = append(ops, op{kind: recSnapshot, group: u.Group, index: s.GetIndex(), term: s.GetTerm(), conf: conf})
		}
		if len(u.ents) > 0 {
			o := op{kind: recEntries, group: u.Group, index: u.ents[0].GetIndex(), ents: u.ents}
			o.locs = e.entries(u.Group, u.ents, make([]entryLoc, 0, len(u.ents)))
			o.terms = make([]uint64, len(u.ents))
			for i, ent := range u.ents {
				o.terms[i] = ent.GetTerm()
			}
			ops = append(ops, o)
		}
		if hs := u.HardState; hs != nil {
			o := op{kind: recHardState, group: u.Group, hs: hardState{hs.GetTerm(), hs.GetVote(), hs.GetCommit()}}
			e.hardState(u.Group, o.hs)
			ops = append(ops, o)
		}
	}
	sealFrame(e.buf, frameBatch)
	return e.buf, ops
}

// State returns a group's hard state, compaction point and log bounds.
func (w *WAL) State(id uint64) (logstore.GroupState, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	g, err := w.group(id)
	if err != nil {
		return logstore.GroupState{}, err
	}
	return logstore.GroupState{
		HardState: pb.HardState{Term: new(g.hs.term), Vote: new(g.hs.vote), Commit: new(g.hs.commit)},
		Snapshot: pb.SnapshotMetadata{
			ConfState: cloneConf(g.conf),
			Index:     new(g.snapIndex),
			Term:      new(g.snapTerm),
		},
		FirstIndex: g.first(),
		LastIndex:  g.last(),
	}, nil
}

// Term returns the term of the entry at index, or of the compaction point.
func (w *WAL) Term(id, index uint64) (uint64, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	g, err := w.group(id)
	if err != nil {
		return 0, err
	}
	switch {
	case index < g.snapIndex:
		return 0, raft.ErrCompacted
	case index == g.snapIndex:
		return g.snapTerm, nil
	case index > g.last():
		return 0, raft.ErrUnavailable
	}
	return g.termAt(index), nil
}

// maxReadSpan bounds one pread of consecutive entries.
const maxReadSpan = 1 << 20

// Entries returns entries [lo, hi) of a group, at most maxSize bytes of them
// (measured as raft does) but at least one: from the cache when it holds
// them, else from disk.
func (w *WAL) Entries(id, lo, hi, maxSize uint64) ([]*pb.Entry, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	g, err := w.group(id)
	if err != nil {
		return nil, err
	}
	if err := logstore.CheckRange(id, lo, hi, g.first(), g.last()); err != nil {
		return nil, err
	}
	var out []*pb.Entry
	var size uint64
	full := func(e *pb.Entry) bool {
		size += uint64(proto.Size(e))
		if len(out) > 0 && size > maxSize {
			return true
		}
		out = append(out, e)
		return false
	}
	cacheFirst := g.cacheFirst()
	for i := lo; i < hi; {
		if len(g.cache) > 0 && i >= cacheFirst {
			if full(g.cache[i-cacheFirst]) {
				break
			}
			i++
			continue
		}
		// Read consecutive entries of one segment in one pread.
		start := g.locs[i-g.first()]
		end, span, want := i+1, uint64(start.size), uint64(start.size)
		for end < hi && (len(g.cache) == 0 || end < cacheFirst) {
			next := g.locs[end-g.first()]
			if next.seg != start.seg || next.off < start.off {
				break
			}
			newSpan := uint64(next.off-start.off) + uint64(next.size)
			if newSpan > maxReadSpan || want > maxSize {
				break
			}
			span, want, end = newSpan, want+uint64(next.size), end+1
		}
		ents, err := w.readEntries(g, i, end, start, span)
		if err != nil {
			return nil, err
		}
		stop := false
		for _, e := range ents {
			if stop = full(e); stop {
				break
			}
		}
		if stop {
			break
		}
		i = end
	}
	return out, nil
}

// readEntries reads entries [lo, hi) of g, which lie in one segment within
// span bytes from the first one's location.
func (w *WAL) readEntries(g *group, lo, hi uint64, start entryLoc, span uint64) ([]*pb.Entry, error) {
	s := w.segmentBySeq(start.seg)
	if s == nil {
		return nil, fmt.Errorf("wal: group %d entry %d: segment %d is gone", g.id, lo, start.seg)
	}
	buf := make([]byte, span)
	if n, err := s.file.ReadAt(buf, int64(start.off)); n < len(buf) {
		return nil, fmt.Errorf("wal: read %s at %d: %w", s.path, start.off, err)
	}
	// One allocation each for the entries, their numbers and their data
	// (which aliases buf): read entries are immutable.
	n := hi - lo
	ents := make([]*pb.Entry, 0, n)
	structs := make([]pb.Entry, n)
	nums := make([]uint64, 2*n)
	for i := lo; i < hi; i++ {
		loc := g.locs[i-g.first()]
		rel := loc.off - start.off
		k := i - lo
		e := &structs[k]
		err := decodeEntry(buf[rel:rel+loc.size], e, &nums[2*k], &nums[2*k+1])
		if err == nil && e.GetIndex() != i {
			err = fmt.Errorf("entry at the location of %d has index %d", i, e.GetIndex())
		}
		if err != nil {
			return nil, &CorruptError{Segment: s.path, Offset: int64(loc.off), Reason: fmt.Sprintf("group %d entry %d: %v", g.id, i, err)}
		}
		ents = append(ents, e)
	}
	return ents, nil
}

// Compact discards a group's entries up to and including snap.Index. It is
// made durable by the next Save, RemoveGroup or Close (see the package doc).
func (w *WAL) Compact(id uint64, snap *pb.SnapshotMetadata) error {
	w.mu.Lock()
	if err := w.writable(); err != nil {
		w.mu.Unlock()
		return err
	}
	g, err := w.group(id)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	var termAt uint64
	if i := snap.GetIndex(); i > g.snapIndex && i <= g.last() {
		termAt = g.termAt(i)
	}
	if err := logstore.CheckCompact(id, snap, g.snapIndex, g.last(), termAt); err != nil {
		w.mu.Unlock()
		return err
	}
	o := op{kind: recCompact, group: id, index: snap.GetIndex(), term: snap.GetTerm(), conf: cloneConf(snap.GetConfState())}
	w.enc.reset()
	w.enc.point(recCompact, id, o.index, o.term, o.conf)
	sealFrame(w.enc.buf, frameBatch)
	seg, _, err := w.writeFrame(w.enc.buf)
	if err != nil {
		w.mu.Unlock()
		return err
	}
	_ = w.apply(&o, seg)
	truncate := w.truncatable()
	w.mu.Unlock()
	if truncate {
		return w.truncate()
	}
	return nil
}

// RemoveGroup forgets a group; it is durable when RemoveGroup returns.
func (w *WAL) RemoveGroup(id uint64) error {
	w.mu.Lock()
	if err := w.writable(); err != nil {
		w.mu.Unlock()
		return err
	}
	if _, err := w.group(id); err != nil {
		w.mu.Unlock()
		return err
	}
	w.enc.reset()
	w.enc.group(recRemove, id)
	sealFrame(w.enc.buf, frameBatch)
	if _, _, err := w.writeFrame(w.enc.buf); err != nil {
		w.mu.Unlock()
		return err
	}
	_ = w.apply(&op{kind: recRemove, group: id}, 0)
	seq, truncate := w.written, w.truncatable()
	w.mu.Unlock()
	if err := w.syncTo(seq); err != nil {
		return err
	}
	if truncate {
		return w.truncate()
	}
	return nil
}

// Groups lists the groups held, in increasing order.
func (w *WAL) Groups() ([]uint64, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return nil, logstore.ErrClosed
	}
	return slices.Sorted(maps.Keys(w.groups)), nil
}

// Close syncs what was written, waiting for Saves in progress, and releases
// the files. Later calls return logstore.ErrClosed.
func (w *WAL) Close() error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return logstore.ErrClosed
	}
	w.closed = true
	var err error
	if w.failed == nil && w.written > w.synced {
		if err = w.active().file.Sync(); err != nil {
			err = fmt.Errorf("wal: sync on close: %w", err)
		} else {
			w.synced = w.written
		}
	}
	if cerr := w.closeFiles(); err == nil {
		err = cerr
	}
	w.groups, w.lruHead, w.lruTail, w.cacheBytes = nil, nil, nil, 0
	return err
}

func (w *WAL) closeFiles() error {
	var err error
	for _, s := range w.segments {
		if cerr := s.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("wal: close %s: %w", s.path, cerr)
		}
	}
	w.segments = nil
	if w.lock != nil {
		if cerr := w.lock.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("wal: unlock: %w", cerr)
		}
		w.lock = nil
	}
	return err
}

// group returns a group, or an error when closed or unknown. The caller holds
// mu.
func (w *WAL) group(id uint64) (*group, error) {
	if w.closed {
		return nil, logstore.ErrClosed
	}
	g := w.groups[id]
	if g == nil {
		return nil, fmt.Errorf("logstore: group %d: %w", id, logstore.ErrUnknownGroup)
	}
	return g, nil
}

// truncatable reports whether the oldest segment may be deletable. The
// caller holds mu.
func (w *WAL) truncatable() bool {
	return len(w.segments) > 1 && w.segments[0].entryPins == 0
}

// truncate deletes the oldest segments that nothing needs, carrying forward
// the hard states and compaction points recorded only in them. A closed or
// failed log has nothing to truncate (the failure is reported by writes); a
// failure here fails the log.
func (w *WAL) truncate() error {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.failed != nil {
		return nil
	}
	for w.truncatable() {
		s := w.segments[0]
		if s.statePins > 0 {
			if err := w.carryForward(s.seq); err != nil {
				return err
			}
			if s.statePins > 0 || s.entryPins > 0 {
				return w.fail(fmt.Errorf("wal: segment %s still pinned after carrying state forward", s.path))
			}
		}
		// What supersedes this segment's records (compaction points, group
		// states, removals) must be durable before the records go.
		if w.written > w.synced {
			a := w.active()
			if err := a.file.Sync(); err != nil {
				return w.fail(fmt.Errorf("wal: sync %s: %w", a.path, err))
			}
			w.synced = w.written
		}
		if err := s.file.Close(); err != nil {
			return w.fail(fmt.Errorf("wal: close %s: %w", s.path, err))
		}
		w.segments = w.segments[1:]
		if err := w.fs.Remove(s.path); err != nil {
			return w.fail(fmt.Errorf("wal: remove %s: %w", s.path, err))
		}
		if err := w.fs.SyncDir(w.dir); err != nil {
			return w.fail(fmt.Errorf("wal: sync directory %s: %w", w.dir, err))
		}
	}
	return nil
}

// carryForward writes a group-state record, to the active segment, for each
// group whose latest hard state or compaction point is in segment seq. The
// caller holds mu and syncMu.
func (w *WAL) carryForward(seq uint32) error {
	var carried []*group
	for _, g := range w.groups {
		if g.hsSeg == seq || g.snapSeg == seq {
			carried = append(carried, g)
		}
	}
	slices.SortFunc(carried, func(a, b *group) int { return cmpUint64(a.id, b.id) })
	w.enc.reset()
	for _, g := range carried {
		w.enc.groupState(g)
	}
	sealFrame(w.enc.buf, frameBatch)
	seg, _, err := w.writeFrame(w.enc.buf)
	if err != nil {
		return err
	}
	for _, g := range carried {
		w.setHSSeg(g, seg)
		w.setSnapSeg(g, seg)
	}
	return nil
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cloneConf(cs *pb.ConfState) *pb.ConfState {
	if cs == nil {
		return &pb.ConfState{}
	}
	return proto.CloneOf(cs)
}

// Stats describe the log's size, for tests and metrics.
type Stats struct {
	// Segments is the number of segment files; Bytes their total size.
	Segments int
	Bytes    int64
	// Groups is the number of groups held.
	Groups int
	// CacheBytes is what the entry cache holds, as counted against
	// Options.CacheSize.
	CacheBytes int64
}

// Stats returns the log's current size.
func (w *WAL) Stats() Stats {
	w.mu.RLock()
	defer w.mu.RUnlock()
	st := Stats{Segments: len(w.segments), Groups: len(w.groups), CacheBytes: w.cacheBytes}
	for _, s := range w.segments {
		st.Bytes += s.size
	}
	return st
}
