package storage

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// A range stream carries the key/value pairs of one key range, for a replica
// snapshot. Layout (all integers unsigned varints unless noted):
//
//	header: "DYRS" version(1 byte, =1)
//	pair:   0x01 keyLen valueLen key value crc(4 bytes, little endian)
//	end:    0x02 count streamCRC(4 bytes) crc(4 bytes)
//
// A pair's crc is CRC-32C over its bytes from the 0x01 tag through the value.
// The end record carries the number of pairs and streamCRC, the CRC-32C of
// every byte of the stream before the end record; its own crc covers the tag,
// count and streamCRC. Keys appear in strictly ascending order. A stream is
// valid only if it ends with a valid end record; nothing may follow it.
const (
	streamMagic   = "DYRS"
	streamVersion = 1
	tagPair       = 0x01
	tagEnd        = 0x02
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptStream is returned by IngestRange for a range stream that is
// truncated, fails a checksum, breaks the format, or holds keys out of order
// or out of the range. Nothing is applied.
var ErrCorruptStream = errors.New("storage: corrupt range stream")

// ExportRange writes every key/value pair of r in [lower, upper) (nil bounds
// are unbounded) to w as a framed, CRC-checked range stream that IngestRange
// reads. Pass a Snapshot for a consistent export: a live engine's iterator
// may observe writes made during the export.
func ExportRange(r Reader, lower, upper []byte, w io.Writer) (err error) {
	it, err := r.NewIter(IterOptions{Lower: lower, Upper: upper})
	if err != nil {
		return fmt.Errorf("storage: export: %w", err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("storage: export: %w", cerr)
		}
	}()

	bw := bufio.NewWriterSize(w, 64<<10)
	stream := crc32.New(castagnoli)
	out := io.MultiWriter(bw, stream)
	if _, err := out.Write(append([]byte(streamMagic), streamVersion)); err != nil {
		return fmt.Errorf("storage: export: %w", err)
	}
	var head []byte
	var count uint64
	for it.Next() {
		key, value := it.Key(), it.Value()
		head = append(head[:0], tagPair)
		head = binary.AppendUvarint(head, uint64(len(key)))
		head = binary.AppendUvarint(head, uint64(len(value)))
		sum := crc32.Update(0, castagnoli, head)
		sum = crc32.Update(sum, castagnoli, key)
		sum = crc32.Update(sum, castagnoli, value)
		head2 := binary.LittleEndian.AppendUint32(nil, sum)
		for _, part := range [][]byte{head, key, value, head2} {
			if _, err := out.Write(part); err != nil {
				return fmt.Errorf("storage: export: %w", err)
			}
		}
		count++
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("storage: export: %w", err)
	}
	end := []byte{tagEnd}
	end = binary.AppendUvarint(end, count)
	end = binary.LittleEndian.AppendUint32(end, stream.Sum32())
	end = binary.LittleEndian.AppendUint32(end, crc32.Checksum(end, castagnoli))
	if _, err := bw.Write(end); err != nil {
		return fmt.Errorf("storage: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("storage: export: %w", err)
	}
	return nil
}

// IngestRange atomically replaces the keys of e in [lower, upper) (nil bounds
// are unbounded) with the pairs of a range stream written by ExportRange, and
// sets the metadata of every group in meta in the same batch, committed with
// sync.
//
// The whole stream is read and checked before anything is written: a corrupt
// stream (ErrCorruptStream) or a read error leaves e unchanged. Atomicity
// comes from applying everything in one batch, so the stream is held in memory
// once (its pairs, in the batch); a range larger than memory needs a staged
// install (write under a scratch prefix, then switch), which the built-in
// engines do not offer yet.
func IngestRange(e Engine, lower, upper []byte, r io.Reader, meta map[uint64][]byte) error {
	b := e.NewBatch()
	b.DeleteRange(lower, upper)
	if err := readStream(r, lower, upper, b.Set); err != nil {
		return fmt.Errorf("storage: ingest: %w", err)
	}
	for group, value := range meta {
		b.SetMeta(group, value)
	}
	if err := e.Commit(b, true); err != nil {
		return fmt.Errorf("storage: ingest: %w", err)
	}
	return nil
}

// streamReader tracks the running checksum of everything read.
type streamReader struct {
	r      *bufio.Reader
	stream uint32 // CRC-32C of every byte consumed so far
	record uint32 // CRC-32C of the current record so far
	// readErr is the last error of the underlying reader, to tell a
	// malformed varint from a failed read.
	readErr error
}

func (s *streamReader) readByte() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		s.readErr = err
		return 0, err
	}
	s.stream = crc32.Update(s.stream, castagnoli, []byte{c})
	s.record = crc32.Update(s.record, castagnoli, []byte{c})
	return c, nil
}

func (s *streamReader) readUvarint() (uint64, error) {
	s.readErr = nil
	n := 0
	v, err := binary.ReadUvarint(byteReaderFunc(func() (byte, error) {
		n++
		return s.readByte()
	}))
	if err != nil && s.readErr == nil {
		return 0, corrupt("malformed varint: %v", err)
	}
	// Only the shortest encoding is valid, so that a stream has exactly
	// one form.
	if err == nil && n != len(binary.AppendUvarint(nil, v)) {
		return 0, corrupt("non-minimal varint encoding of %d", v)
	}
	return v, err
}

// readFull reads n bytes into dst[:0], growing dst in steps so that a
// corrupt length cannot force a large allocation before the data run out.
func (s *streamReader) readFull(dst []byte, n int) ([]byte, error) {
	dst = dst[:0]
	const step = 1 << 20
	for len(dst) < n {
		chunk := min(n-len(dst), step)
		start := len(dst)
		dst = append(dst, make([]byte, chunk)...)
		if _, err := io.ReadFull(s.r, dst[start:]); err != nil {
			return nil, err
		}
		s.stream = crc32.Update(s.stream, castagnoli, dst[start:])
		s.record = crc32.Update(s.record, castagnoli, dst[start:])
	}
	return dst, nil
}

// readCRC reads a 4-byte little-endian checksum, outside the record's sum.
func (s *streamReader) readCRC() (uint32, error) {
	var b [4]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		return 0, err
	}
	s.stream = crc32.Update(s.stream, castagnoli, b[:])
	return binary.LittleEndian.Uint32(b[:]), nil
}

type byteReaderFunc func() (byte, error)

func (f byteReaderFunc) ReadByte() (byte, error) { return f() }

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorruptStream, fmt.Sprintf(format, args...))
}

// unexpected turns a premature end of the stream into ErrCorruptStream and
// passes other read errors through.
func unexpected(what string, err error) error {
	if errors.Is(err, ErrCorruptStream) {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("truncated in %s", what)
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// readStream decodes a range stream, checking every checksum, the order of
// keys and their bounds, and calls emit for each pair (key and value are
// reused after emit returns). It returns nil only after a valid end record.
func readStream(r io.Reader, lower, upper []byte, emit func(key, value []byte)) error {
	s := &streamReader{r: bufio.NewReaderSize(r, 64<<10)}
	magic, err := s.readFull(nil, len(streamMagic)+1)
	if err != nil {
		return unexpected("header", err)
	}
	if string(magic[:len(streamMagic)]) != streamMagic {
		return corrupt("bad magic %q", magic[:len(streamMagic)])
	}
	if magic[len(streamMagic)] != streamVersion {
		return corrupt("unknown version %d", magic[len(streamMagic)])
	}
	var key, prev, value []byte
	var count uint64
	for {
		s.record = 0
		before := s.stream
		tag, err := s.readByte()
		if err != nil {
			return unexpected("record tag", err)
		}
		switch tag {
		case tagPair:
			keyLen, err := s.readUvarint()
			if err != nil {
				return unexpected("key length", err)
			}
			valueLen, err := s.readUvarint()
			if err != nil {
				return unexpected("value length", err)
			}
			if keyLen == 0 || keyLen > MaxKeySize {
				return corrupt("pair %d: key length %d", count, keyLen)
			}
			if valueLen > MaxValueSize {
				return corrupt("pair %d: value length %d", count, valueLen)
			}
			if key, err = s.readFull(key, int(keyLen)); err != nil {
				return unexpected("key", err)
			}
			if value, err = s.readFull(value, int(valueLen)); err != nil {
				return unexpected("value", err)
			}
			want := s.record
			got, err := s.readCRC()
			if err != nil {
				return unexpected("pair checksum", err)
			}
			if got != want {
				return corrupt("pair %d: checksum %08x, computed %08x", count, got, want)
			}
			if count > 0 && bytes.Compare(prev, key) >= 0 {
				return corrupt("pair %d: key %q not after %q", count, key, prev)
			}
			if (lower != nil && bytes.Compare(key, lower) < 0) || (upper != nil && bytes.Compare(key, upper) >= 0) {
				return corrupt("pair %d: key %q outside [%q, %q)", count, key, lower, upper)
			}
			emit(key, value)
			prev = append(prev[:0], key...)
			count++
		case tagEnd:
			return readEnd(s, count, before)
		default:
			return corrupt("unknown record tag 0x%02x after %d pairs", tag, count)
		}
	}
}

// readEnd checks the end record (its tag already read): the pair count, the
// checksum of the stream before it, its own checksum, and that nothing
// follows.
func readEnd(s *streamReader, count uint64, streamSum uint32) error {
	n, err := s.readUvarint()
	if err != nil {
		return unexpected("end record count", err)
	}
	gotStream, err := s.readCRC()
	if err != nil {
		return unexpected("end record stream checksum", err)
	}
	s.record = crc32.Update(s.record, castagnoli, binary.LittleEndian.AppendUint32(nil, gotStream))
	want := s.record
	got, err := s.readCRC()
	if err != nil {
		return unexpected("end record checksum", err)
	}
	if got != want {
		return corrupt("end record: checksum %08x, computed %08x", got, want)
	}
	if n != count {
		return corrupt("end record counts %d pairs, stream holds %d", n, count)
	}
	if gotStream != streamSum {
		return corrupt("stream checksum %08x, computed %08x", gotStream, streamSum)
	}
	if _, err := s.r.ReadByte(); err == nil {
		return corrupt("data after the end record")
	} else if !errors.Is(err, io.EOF) {
		return fmt.Errorf("read after end record: %w", err)
	}
	return nil
}
