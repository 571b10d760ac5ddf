package wal

import (
	"encoding/binary"
	"errors"
	"hash/crc32"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Frame layout: length u32 | crc u32 | type u8 | header crc u32 | payload.
// The CRC32C crc covers the length, the type and the payload; the header
// crc covers the length and the type alone, so that recovery can look for a
// valid frame at every offset of a damaged tail without checksumming
// megabytes at each one.
const (
	frameHeaderSize = 13

	frameSegmentHeader byte = 1
	frameBatch         byte = 2
)

// Segment header payload: magic | version u32 | sequence u64.
var segmentMagic = [8]byte{'D', 'Y', 'N', 'W', 'A', 'L', 0, 1}

const (
	segmentVersion    = 1
	segmentHeaderSize = frameHeaderSize + 8 + 4 + 8
)

// Record kinds inside a batch frame: kind u8 | length u32 | body.
const (
	recEntries    byte = 1 // group, first index, count, then (length uvarint, entry)*
	recHardState  byte = 2 // group, term, vote, commit
	recSnapshot   byte = 3 // group, index, term, conf state: replaces the log
	recCompact    byte = 4 // group, index, term, conf state: drops entries up to index
	recGroupState byte = 5 // group, term, vote, commit, index, term, conf state
	recCreate     byte = 6 // group
	recRemove     byte = 7 // group

	recordHeaderSize = 5
)

// frameCRC is the checksum of a frame: its length field, type and payload.
func frameCRC(frame []byte) uint32 {
	crc := crc32.Update(0, castagnoli, frame[0:4])
	crc = crc32.Update(crc, castagnoli, frame[8:9])
	return crc32.Update(crc, castagnoli, frame[frameHeaderSize:])
}

// headerCRC is the checksum of a frame's length field and type.
func headerCRC(frame []byte) uint32 {
	crc := crc32.Update(0, castagnoli, frame[0:4])
	return crc32.Update(crc, castagnoli, frame[8:9])
}

// sealFrame fills in the header of a frame built after frameHeaderSize
// reserved bytes.
func sealFrame(frame []byte, typ byte) {
	binary.LittleEndian.PutUint32(frame[0:4], uint32(len(frame)-frameHeaderSize))
	frame[8] = typ
	binary.LittleEndian.PutUint32(frame[9:13], headerCRC(frame))
	binary.LittleEndian.PutUint32(frame[4:8], frameCRC(frame))
}

// frameAt checks the frame starting at data[0]. It returns the frame's total
// length and type, or ok=false for anything that is not a whole, valid frame.
func frameAt(data []byte) (n int, typ byte, ok bool) {
	if len(data) < frameHeaderSize {
		return 0, 0, false
	}
	typ = data[8]
	if typ != frameSegmentHeader && typ != frameBatch {
		return 0, 0, false
	}
	length := binary.LittleEndian.Uint32(data[0:4])
	if length == 0 || uint64(length) > uint64(len(data)-frameHeaderSize) ||
		binary.LittleEndian.Uint32(data[9:13]) != headerCRC(data) {
		return 0, 0, false
	}
	n = frameHeaderSize + int(length)
	if binary.LittleEndian.Uint32(data[4:8]) != frameCRC(data[:n]) {
		return 0, 0, false
	}
	return n, typ, true
}

func segmentHeader(seq uint32) []byte {
	frame := make([]byte, frameHeaderSize, segmentHeaderSize)
	frame = append(frame, segmentMagic[:]...)
	frame = binary.LittleEndian.AppendUint32(frame, segmentVersion)
	frame = binary.LittleEndian.AppendUint64(frame, uint64(seq))
	sealFrame(frame, frameSegmentHeader)
	return frame
}

// encoder appends records to a batch frame.
type encoder struct {
	buf []byte
}

func (e *encoder) reset() {
	e.buf = append(e.buf[:0], make([]byte, frameHeaderSize)...)
}

// begin starts a record and returns where its length goes.
func (e *encoder) begin(kind byte) int {
	e.buf = append(e.buf, kind, 0, 0, 0, 0)
	return len(e.buf) - 4
}

func (e *encoder) end(lengthAt int) {
	binary.LittleEndian.PutUint32(e.buf[lengthAt:], uint32(len(e.buf)-lengthAt-4))
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) conf(cs *pb.ConfState) {
	if cs == nil {
		e.bytes(nil)
		return
	}
	// Deterministic marshalling of a message we built is infallible.
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(cs)
	e.bytes(b)
}

func (e *encoder) group(kind byte, group uint64) {
	at := e.begin(kind)
	e.uvarint(group)
	e.end(at)
}

func (e *encoder) hardState(group uint64, hs hardState) {
	at := e.begin(recHardState)
	e.uvarint(group)
	e.uvarint(hs.term)
	e.uvarint(hs.vote)
	e.uvarint(hs.commit)
	e.end(at)
}

func (e *encoder) point(kind byte, group, index, term uint64, cs *pb.ConfState) {
	at := e.begin(kind)
	e.uvarint(group)
	e.uvarint(index)
	e.uvarint(term)
	e.conf(cs)
	e.end(at)
}

func (e *encoder) groupState(g *group) {
	at := e.begin(recGroupState)
	e.uvarint(g.id)
	e.uvarint(g.hs.term)
	e.uvarint(g.hs.vote)
	e.uvarint(g.hs.commit)
	e.uvarint(g.snapIndex)
	e.uvarint(g.snapTerm)
	e.conf(g.conf)
	e.end(at)
}

// entries encodes consecutive entries and returns where each entry's
// encoding starts in the frame and its length.
func (e *encoder) entries(group uint64, ents []*pb.Entry, locs []entryLoc) []entryLoc {
	at := e.begin(recEntries)
	e.uvarint(group)
	e.uvarint(ents[0].GetIndex())
	e.uvarint(uint64(len(ents)))
	for _, ent := range ents {
		size := entrySize(ent)
		e.uvarint(uint64(size))
		start := len(e.buf)
		e.buf = append(e.buf, 0, 0, 0, 0)
		e.uvarint(ent.GetTerm())
		e.uvarint(ent.GetIndex())
		e.uvarint(uint64(ent.GetType()))
		e.buf = append(e.buf, ent.GetData()...)
		binary.LittleEndian.PutUint32(e.buf[start:], crc32.Checksum(e.buf[start+4:], castagnoli))
		locs = append(locs, entryLoc{off: uint32(start), size: uint32(size)})
	}
	e.end(at)
	return locs
}

// entrySize is the length of an entry's encoding: crc u32 | term | index |
// type | data.
func entrySize(ent *pb.Entry) int {
	return 4 + uvarintLen(ent.GetTerm()) + uvarintLen(ent.GetIndex()) +
		uvarintLen(uint64(ent.GetType())) + len(ent.GetData())
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

var errDecode = errors.New("record does not decode")

// entryTypes are shared, never modified, values for Entry.Type.
var entryTypes = [...]pb.EntryType{pb.EntryType_EntryNormal, pb.EntryType_EntryConfChange, pb.EntryType_EntryConfChangeV2}

// decodeEntry decodes one entry's encoding into e, checking its CRC. term
// and index back e.Term and e.Index; e.Data aliases b.
func decodeEntry(b []byte, e *pb.Entry, term, index *uint64) error {
	if len(b) < 4 || binary.LittleEndian.Uint32(b) != crc32.Checksum(b[4:], castagnoli) {
		return errors.New("entry checksum mismatch")
	}
	d := decoder{buf: b[4:]}
	*term, *index = d.uvarint(), d.uvarint()
	typ := d.uvarint()
	if d.err != nil || typ >= uint64(len(entryTypes)) {
		return errors.New("entry header does not decode")
	}
	e.Term, e.Index, e.Type = term, index, &entryTypes[typ]
	if len(d.buf) > 0 {
		e.Data = d.buf[:len(d.buf):len(d.buf)]
	}
	return nil
}

// decoder reads a record body; the first failure sticks in err.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errDecode
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.err = errDecode
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) conf() *pb.ConfState {
	b := d.bytes()
	if d.err != nil || len(b) == 0 {
		return nil
	}
	cs := &pb.ConfState{}
	if err := proto.Unmarshal(b, cs); err != nil {
		d.err = errDecode
		return nil
	}
	return cs
}
