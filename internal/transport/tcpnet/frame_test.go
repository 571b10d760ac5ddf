package tcpnet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func TestFrameRoundTrip(t *testing.T) {
	cases := []struct {
		name    string
		typ     byte
		payload []byte
	}{
		{"empty payload", frameSnapEnd, nil},
		{"small payload", frameCallRequest, []byte("0123456789abcdef")},
		{"large payload", frameSnapChunk, bytes.Repeat([]byte{7}, 100_000)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wire := rawFrame(tc.typ, tc.payload)
			f, err := readFrame(bufio.NewReader(bytes.NewReader(wire)), 1<<20)
			require.NoError(t, err)
			require.Equal(t, tc.typ, f.typ)
			require.Equal(t, len(tc.payload), len(f.payload))
			require.True(t, bytes.Equal(tc.payload, f.payload))

			// Every single bit flip in the body is caught by the checksum.
			for bit := 8 * frameHeaderSize; bit < 8*len(wire) && bit < 8*(frameHeaderSize+64); bit++ {
				flipped := bytes.Clone(wire)
				flipped[bit/8] ^= 1 << (bit % 8)
				_, err := readFrame(bufio.NewReader(bytes.NewReader(flipped)), 1<<20)
				var perr *protocolError
				require.ErrorAs(t, err, &perr, "bit %d", bit)
			}
		})
	}
}

func TestReadFrameLimitsAndTruncation(t *testing.T) {
	wire := rawFrame(frameCallRequest, make([]byte, 100))
	_, err := readFrame(bufio.NewReader(bytes.NewReader(wire)), 50)
	require.ErrorContains(t, err, "exceeds the limit of 50")
	_, err = readFrame(bufio.NewReader(bytes.NewReader(wire[:40])), 1<<20)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = readFrame(bufio.NewReader(bytes.NewReader(nil)), 1<<20)
	require.ErrorIs(t, err, io.EOF)
}

func TestMessagesRoundTrip(t *testing.T) {
	msgs := []wireMessage{{group: 0, data: nil}, {group: 1 << 62, data: []byte("abc")}, {group: 5, data: make([]byte, 300)}}
	wire := appendMessagesFrame(nil, msgs)
	f, err := readFrame(bufio.NewReader(bytes.NewReader(wire)), 1<<20)
	require.NoError(t, err)
	got, err := decodeMessages(f.payload)
	require.NoError(t, err)
	require.Len(t, got, len(msgs))
	for i := range msgs {
		require.Equal(t, msgs[i].group, got[i].group)
		require.True(t, bytes.Equal(msgs[i].data, got[i].data))
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add(rawFrame(frameCallRequest, []byte("12345678req")))
	f.Add(appendMessagesFrame(nil, []wireMessage{{group: 3, data: []byte{8, 1}}}))
	f.Add(encodeHello(hello{cluster: 1, from: 2, to: 3}))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := readFrame(bufio.NewReader(bytes.NewReader(data)), 1<<16)
		if err != nil {
			return
		}
		again := rawFrame(fr.typ, fr.payload)
		require.Equal(t, data[:len(again)], again, "a frame that reads must re-encode to the same bytes")
		if msgs, err := decodeMessages(fr.payload); err == nil && fr.typ == frameMessages {
			require.Equal(t, again, appendMessagesFrame(nil, msgs))
		}
		_, _ = decodeHello(fr.payload)
		if _, rest, err := splitID(fr.payload); err == nil {
			_, _, _ = decodeStatus(rest)
		}
	})
}

func FuzzDecodeMessages(f *testing.F) {
	f.Add(appendMessagesFrame(nil, []wireMessage{{group: 1, data: []byte("xy")}})[frameHeaderSize+1:])
	f.Add(binary.AppendUvarint(nil, 1<<40))
	f.Add([]byte{2, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		msgs, err := decodeMessages(payload)
		if err != nil {
			return
		}
		frame := appendMessagesFrame(nil, msgs)
		again, err := decodeMessages(frame[frameHeaderSize+1:])
		require.NoError(t, err)
		require.Equal(t, len(msgs), len(again))
	})
}

// FuzzInboundConnection plays a peer that completed the handshake and then
// sends whatever frames the input spells: each frame is a type byte, a
// length byte and that many payload bytes, sent with a correct checksum, so
// the fuzzer reaches the payload decoders and the call and snapshot state
// machines instead of stopping at the CRC. Whatever a peer sends, the node
// must not panic, must not hang, and must release the connection.
func FuzzInboundConnection(f *testing.F) {
	msg, err := proto.Marshal(raftMsg(4, 10).Message)
	require.NoError(f, err)
	id := binary.BigEndian.AppendUint64(nil, 1)
	spell := joinFrames
	frameSpec := func(typ byte, payload []byte) []byte {
		return append([]byte{typ, byte(len(payload))}, payload...)
	}
	messages := appendMessagesFrame(nil, []wireMessage{{group: 1, data: msg}})[frameHeaderSize+1:]
	f.Add(spell(
		frameSpec(frameMessages, messages),
		frameSpec(frameCallRequest, append(bytes.Clone(id), "req"...)),
		frameSpec(frameCallCancel, id),
		frameSpec(frameSnapBegin, append(bytes.Clone(id), "hdr"...)),
		frameSpec(frameSnapChunk, append(bytes.Clone(id), "body"...)),
		frameSpec(frameSnapEnd, id),
	))
	f.Add(spell(frameSpec(frameSnapBegin, id), frameSpec(frameSnapAbort, id), frameSpec(frameSnapChunk, id)))
	f.Add(spell(frameSpec(frameCallRequest, id), frameSpec(frameCallRequest, id)))
	f.Add([]byte{0, 0, 0, 5, 1, 2, 3, 4, 5})

	tr, err := New(Options{ID: 2, ListenAddr: "127.0.0.1:0", MaxFrameSize: 1 << 16, SnapshotChunkSize: 4096})
	require.NoError(f, err)
	require.NoError(f, tr.Start(newHandler("")))
	f.Cleanup(func() { require.NoError(f, tr.Close()) })

	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		require.True(t, tr.track(server))
		tr.wg.Add(1)
		served := make(chan struct{})
		go func() {
			tr.serveInbound(server)
			close(served)
		}()
		drained := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, client)
			close(drained)
		}()
		wire := validHello(2)
		for len(data) >= 2 {
			typ, size := data[0], min(int(data[1]), len(data)-2)
			wire = append(wire, rawFrame(typ, data[2:2+size])...)
			data = data[2+size:]
		}
		_, _ = client.Write(wire)
		_ = client.Close()
		hang := time.NewTimer(5 * time.Second)
		defer hang.Stop()
		select {
		case <-served:
		case <-hang.C:
			require.FailNow(t, "the connection was not released", "%x", wire)
		}
		<-drained
	})
}
