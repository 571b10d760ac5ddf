package tcpnet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// Frame types. Requests flow from the dialer to the acceptor, answers back.
const (
	frameHello        byte = 1  // dialer: magic, version, cluster, from, to
	frameHelloAck     byte = 2  // acceptor: its node ID
	frameHelloReject  byte = 3  // acceptor: reason text
	frameMessages     byte = 4  // dialer: count, then (group, length, protobuf) each
	frameCallRequest  byte = 5  // dialer: id, request
	frameCallResponse byte = 6  // acceptor: id, status, response or error text
	frameCallCancel   byte = 7  // dialer: id
	frameSnapBegin    byte = 8  // dialer: id, header
	frameSnapChunk    byte = 9  // dialer: id, data
	frameSnapEnd      byte = 10 // dialer: id
	frameSnapAbort    byte = 11 // dialer: id
	frameSnapCredit   byte = 12 // acceptor: id, chunks
	frameSnapVerdict  byte = 13 // acceptor: id, status, error text
)

const (
	frameHeaderSize = 8 // length + crc
	protocolVersion = 1
	helloSize       = 4 + 1 + 8 + 8 + 8

	statusOK    byte = 0
	statusError byte = 1
)

var (
	helloMagic = [4]byte{'D', 'Y', 'N', 'T'}
	crcTable   = crc32.MakeTable(crc32.Castagnoli)
)

// protocolError reports bytes from a peer that break the wire protocol. The
// connection they came on is closed.
type protocolError struct{ Reason string }

func (e *protocolError) Error() string { return "tcpnet: protocol error: " + e.Reason }

func protocolErrorf(format string, args ...any) error {
	return &protocolError{Reason: fmt.Sprintf(format, args...)}
}

// frame is one decoded frame. payload is owned by the reader's caller.
type frame struct {
	typ     byte
	payload []byte
}

// readFrame reads one frame, refusing bodies over maxBody bytes (type +
// payload) before allocating them.
func readFrame(r *bufio.Reader, maxBody int) (frame, error) {
	var hdr [frameHeaderSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return frame{}, err
	}
	length := binary.BigEndian.Uint32(hdr[0:4])
	sum := binary.BigEndian.Uint32(hdr[4:8])
	if length == 0 {
		return frame{}, protocolErrorf("empty frame")
	}
	if uint64(length) > uint64(maxBody) {
		return frame{}, protocolErrorf("frame of %d bytes exceeds the limit of %d", length, maxBody)
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, err
	}
	if got := crc32.Checksum(body, crcTable); got != sum {
		return frame{}, protocolErrorf("frame checksum %08x, computed %08x", sum, got)
	}
	return frame{typ: body[0], payload: body[1:]}, nil
}

// appendFrameStart starts a frame of type typ in buf; the payload is appended
// after it and finishFrame fills in the header.
func appendFrameStart(buf []byte, typ byte) []byte {
	return append(buf, 0, 0, 0, 0, 0, 0, 0, 0, typ)
}

// finishFrame fills in the header of the frame that starts at buf[start:].
func finishFrame(buf []byte, start int) []byte {
	body := buf[start+frameHeaderSize:]
	binary.BigEndian.PutUint32(buf[start:], uint32(len(body)))
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(body, crcTable))
	return buf
}

// encodeFrame returns a whole frame with an ID-prefixed payload.
func encodeFrame(typ byte, id uint64, parts ...[]byte) []byte {
	size := frameHeaderSize + 1 + 8
	for _, p := range parts {
		size += len(p)
	}
	buf := appendFrameStart(make([]byte, 0, size), typ)
	buf = binary.BigEndian.AppendUint64(buf, id)
	for _, p := range parts {
		buf = append(buf, p...)
	}
	return finishFrame(buf, 0)
}

type hello struct {
	cluster  uint64
	from, to transport.NodeID
}

func encodeHello(h hello) []byte {
	buf := appendFrameStart(make([]byte, 0, frameHeaderSize+1+helloSize), frameHello)
	buf = append(buf, helloMagic[:]...)
	buf = append(buf, protocolVersion)
	buf = binary.BigEndian.AppendUint64(buf, h.cluster)
	buf = binary.BigEndian.AppendUint64(buf, uint64(h.from))
	buf = binary.BigEndian.AppendUint64(buf, uint64(h.to))
	return finishFrame(buf, 0)
}

func decodeHello(p []byte) (hello, error) {
	if len(p) != helloSize {
		return hello{}, protocolErrorf("hello of %d bytes, want %d", len(p), helloSize)
	}
	if [4]byte(p[0:4]) != helloMagic {
		return hello{}, protocolErrorf("bad magic %q", p[0:4])
	}
	if p[4] != protocolVersion {
		return hello{}, protocolErrorf("protocol version %d, want %d", p[4], protocolVersion)
	}
	return hello{
		cluster: binary.BigEndian.Uint64(p[5:13]),
		from:    transport.NodeID(binary.BigEndian.Uint64(p[13:21])),
		to:      transport.NodeID(binary.BigEndian.Uint64(p[21:29])),
	}, nil
}

func encodeNodeFrame(typ byte, id transport.NodeID) []byte {
	buf := appendFrameStart(make([]byte, 0, frameHeaderSize+1+8), typ)
	buf = binary.BigEndian.AppendUint64(buf, uint64(id))
	return finishFrame(buf, 0)
}

func encodeTextFrame(typ byte, text string) []byte {
	buf := appendFrameStart(make([]byte, 0, frameHeaderSize+1+len(text)), typ)
	buf = append(buf, text...)
	return finishFrame(buf, 0)
}

// splitID splits an ID-prefixed payload.
func splitID(p []byte) (uint64, []byte, error) {
	if len(p) < 8 {
		return 0, nil, protocolErrorf("payload of %d bytes has no ID", len(p))
	}
	return binary.BigEndian.Uint64(p), p[8:], nil
}

// encodeStatus returns the status-prefixed body of a response or verdict.
func encodeStatus(resp []byte, err error) []byte {
	if err != nil {
		return append([]byte{statusError}, err.Error()...)
	}
	return append([]byte{statusOK}, resp...)
}

// decodeStatus parses a status-prefixed body into a response or a
// *transport.RemoteError.
func decodeStatus(p []byte) ([]byte, error, error) {
	if len(p) < 1 {
		return nil, nil, protocolErrorf("answer without status")
	}
	switch p[0] {
	case statusOK:
		return p[1:], nil, nil
	case statusError:
		return nil, &transport.RemoteError{Message: string(p[1:])}, nil
	default:
		return nil, nil, protocolErrorf("unknown status %d", p[0])
	}
}

// wireMessage is a marshalled raft message waiting in a send queue.
type wireMessage struct {
	group uint64
	data  []byte
}

// messagesFrameOverhead bounds the bytes a message adds besides its data.
const messagesFrameOverhead = 2 * binary.MaxVarintLen64

// appendMessagesFrame appends one frame holding msgs.
func appendMessagesFrame(buf []byte, msgs []wireMessage) []byte {
	start := len(buf)
	buf = appendFrameStart(buf, frameMessages)
	buf = binary.AppendUvarint(buf, uint64(len(msgs)))
	for _, m := range msgs {
		buf = binary.AppendUvarint(buf, m.group)
		buf = binary.AppendUvarint(buf, uint64(len(m.data)))
		buf = append(buf, m.data...)
	}
	return finishFrame(buf, start)
}

// decodeMessages parses a messages payload; the returned data slices alias p.
func decodeMessages(p []byte) ([]wireMessage, error) {
	count, n := binary.Uvarint(p)
	if n <= 0 {
		return nil, protocolErrorf("bad message count")
	}
	p = p[n:]
	// Each message takes at least two bytes, which bounds a lying count.
	if count > uint64(len(p))/2 {
		return nil, protocolErrorf("message count %d exceeds the frame", count)
	}
	msgs := make([]wireMessage, 0, count)
	for i := range count {
		group, n := binary.Uvarint(p)
		if n <= 0 {
			return nil, protocolErrorf("message %d: bad group", i)
		}
		p = p[n:]
		size, n := binary.Uvarint(p)
		if n <= 0 || size > uint64(len(p)-n) {
			return nil, protocolErrorf("message %d: bad length", i)
		}
		p = p[n:]
		msgs = append(msgs, wireMessage{group: group, data: p[:size:size]})
		p = p[size:]
	}
	if len(p) != 0 {
		return nil, protocolErrorf("%d bytes after the last message", len(p))
	}
	return msgs, nil
}
