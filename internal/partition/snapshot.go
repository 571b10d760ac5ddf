package partition

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// A snapshot stream is a header carrying the partition's Meta, then the
// storage range stream (storage.ExportRange) of the partition's bounds:
//
//	"DYPS" version(1 byte, =1) metaLen(uvarint) meta(EncodeMeta) crc
//
// crc is the CRC-32C of the header bytes before it, 4 bytes little endian.
// The range stream checks itself (per-pair and whole-stream checksums, an
// end record, keys in order and in bounds).
const (
	snapshotMagic   = "DYPS"
	snapshotVersion = 1
	// maxSnapshotMeta bounds the header's meta length: two keys of at most
	// storage.MaxKeySize and two attribute names fit well inside it.
	maxSnapshotMeta = 1 << 20
)

// Snapshot implements multiraft.StateMachine: a consistent view of the
// partition at its applied index, made of an engine snapshot and the Meta of
// the last committed batch. It is cheap (the engine's snapshot is a
// copy-on-write view); streaming happens in WriteTo, on any goroutine.
func (p *Partition) Snapshot() (multiraft.Snapshot, error) {
	snap, err := p.engine.NewSnapshot()
	if err != nil {
		return nil, fmt.Errorf("partition: group %d: snapshot: %w", p.group, err)
	}
	// Apply is not running (the scheduler calls Snapshot between Applies),
	// so the engine view and the meta agree.
	m := p.meta.Load().Clone()
	return &partitionSnapshot{snap: snap, meta: m, group: p.group}, nil
}

type partitionSnapshot struct {
	snap      storage.Snapshot
	meta      Meta
	group     uint64
	closeOnce sync.Once
	closeErr  error
}

// Index returns the applied index the snapshot reflects.
func (s *partitionSnapshot) Index() uint64 { return s.meta.AppliedIndex }

// WriteTo streams the snapshot: the header, then the range stream.
func (s *partitionSnapshot) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	metaBytes := EncodeMeta(s.meta)
	head := append([]byte(snapshotMagic), snapshotVersion)
	head = binary.AppendUvarint(head, uint64(len(metaBytes)))
	head = append(head, metaBytes...)
	head = binary.LittleEndian.AppendUint32(head, crc32.Checksum(head, castagnoli))
	if _, err := cw.Write(head); err != nil {
		return cw.n, fmt.Errorf("partition: group %d: write snapshot: %w", s.group, err)
	}
	lo, hi := exportBounds(&s.meta)
	if err := storage.ExportRange(s.snap, lo, hi, cw); err != nil {
		return cw.n, fmt.Errorf("partition: group %d: write snapshot: %w", s.group, err)
	}
	return cw.n, nil
}

// Close releases the engine snapshot; it may be called more than once.
func (s *partitionSnapshot) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.snap.Close() })
	return s.closeErr
}

// exportBounds returns the byte range a snapshot of m carries: its bounds,
// or an empty range for a partition that owns nothing.
func exportBounds(m *Meta) (lo, hi []byte) {
	lo, hi = m.bounds()
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return lo, lo
	}
	return lo, hi
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Restore implements multiraft.StateMachine: it replaces the partition's
// state with a snapshot stream written by a Snapshot's WriteTo, and returns
// the applied index the snapshot reflects. The data of the snapshot's range
// and the new Meta are installed in one batch, committed with sync, after
// the whole stream has been read and checked: a corrupt or failing stream
// changes nothing (the error wraps ErrCorruptSnapshot, or the read error).
//
// Keys of the old range outside the snapshot's range are left in place:
// keys are the table's key space, shared by every partition on the node, so
// they may belong to a sibling group (the right side of a split this
// replica missed); the control plane reclaims what no group owns.
func (p *Partition) Restore(r io.Reader) (uint64, error) {
	if p.staged != nil {
		// multiraft holds the state machine until its round commits.
		return 0, fmt.Errorf("partition: group %d: restore while a round holds uncommitted writes of it", p.group)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	m, metaBytes, err := readSnapshotHeader(br)
	if err != nil {
		return 0, fmt.Errorf("partition: group %d: restore: %w", p.group, err)
	}
	if cur := p.meta.Load(); !cur.Range.Empty() && cur.Table != m.Table {
		return 0, fmt.Errorf("partition: group %d: restore: snapshot of table %d, partition of table %d", p.group, m.Table, cur.Table)
	}
	if p.opts.ClaimRange != nil {
		release, err := p.opts.ClaimRange(m)
		if err != nil {
			return 0, fmt.Errorf("partition: group %d: restore: %w", p.group, err)
		}
		defer release()
	}
	lo, hi := exportBounds(&m)
	if err := storage.IngestRange(p.engine, lo, hi, br, map[uint64][]byte{p.group: metaBytes}); err != nil {
		if errors.Is(err, storage.ErrCorruptStream) {
			return 0, fmt.Errorf("partition: group %d: restore: %w: %w", p.group, ErrCorruptSnapshot, err)
		}
		return 0, fmt.Errorf("partition: group %d: restore: %w", p.group, err)
	}
	p.meta.Store(&m)
	return m.AppliedIndex, nil
}

func readSnapshotHeader(br *bufio.Reader) (Meta, []byte, error) {
	var head []byte
	magic := make([]byte, len(snapshotMagic)+1)
	if _, err := io.ReadFull(br, magic); err != nil {
		return Meta{}, nil, truncated("header", err)
	}
	if string(magic[:len(snapshotMagic)]) != snapshotMagic {
		return Meta{}, nil, fmt.Errorf("%w: bad magic %q", ErrCorruptSnapshot, magic[:len(snapshotMagic)])
	}
	if magic[len(snapshotMagic)] != snapshotVersion {
		return Meta{}, nil, fmt.Errorf("%w: unknown version %d", ErrCorruptSnapshot, magic[len(snapshotMagic)])
	}
	head = append(head, magic...)
	metaLen, err := binary.ReadUvarint(br)
	if err != nil {
		return Meta{}, nil, truncated("meta length", err)
	}
	if metaLen > maxSnapshotMeta {
		return Meta{}, nil, fmt.Errorf("%w: meta length %d", ErrCorruptSnapshot, metaLen)
	}
	head = binary.AppendUvarint(head, metaLen)
	metaBytes := make([]byte, metaLen)
	if _, err := io.ReadFull(br, metaBytes); err != nil {
		return Meta{}, nil, truncated("meta", err)
	}
	head = append(head, metaBytes...)
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return Meta{}, nil, truncated("header checksum", err)
	}
	if got, want := binary.LittleEndian.Uint32(sum[:]), crc32.Checksum(head, castagnoli); got != want {
		return Meta{}, nil, fmt.Errorf("%w: header checksum %08x, computed %08x", ErrCorruptSnapshot, got, want)
	}
	m, err := DecodeMeta(metaBytes)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("%w: %w", ErrCorruptSnapshot, err)
	}
	if err := checkSchema(m.Schema); err != nil && !m.Range.Empty() {
		return Meta{}, nil, fmt.Errorf("%w: %w", ErrCorruptSnapshot, err)
	}
	return m, metaBytes, nil
}

func truncated(what string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated in %s", ErrCorruptSnapshot, what)
	}
	return fmt.Errorf("read snapshot %s: %w", what, err)
}
