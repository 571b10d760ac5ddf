package tcpnet

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// countingHandler counts messages and signals when a target is reached.
type countingHandler struct {
	count    atomic.Int64
	target   atomic.Int64
	done     chan struct{}
	once     sync.Once
	progress chan struct{} // optional: signalled after each batch
}

func (h *countingHandler) HandleMessages(_ transport.NodeID, msgs []transport.GroupMessage) {
	if n := h.count.Add(int64(len(msgs))); n >= h.target.Load() {
		h.once.Do(func() { close(h.done) })
	}
	if h.progress != nil {
		select {
		case h.progress <- struct{}{}:
		default:
		}
	}
}

func (h *countingHandler) HandleCall(_ context.Context, _ transport.NodeID, req []byte) ([]byte, error) {
	return req, nil
}

func (h *countingHandler) HandleSnapshot(_ context.Context, _ transport.NodeID, _ []byte, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return err
}

func benchPair(b *testing.B, h transport.Handler) *Transport {
	b.Helper()
	recv, err := New(Options{ID: 2, ListenAddr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	if err := recv.Start(h); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = recv.Close() })
	send, err := New(Options{ID: 1, ListenAddr: "127.0.0.1:0", Peers: map[transport.NodeID]string{2: recv.Addr().String()}})
	if err != nil {
		b.Fatal(err)
	}
	if err := send.Start(&countingHandler{done: make(chan struct{})}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = send.Close() })
	// Connect before timing.
	if _, err := send.Call(context.Background(), 2, []byte("warm")); err != nil {
		b.Fatal(err)
	}
	return send
}

func msgAppBatch(n, entryBytes int) []transport.GroupMessage {
	batch := make([]transport.GroupMessage, n)
	for i := range batch {
		batch[i] = transport.GroupMessage{Group: uint64(i % 16), Message: &pb.Message{
			Type: pb.MessageType_MsgApp.Enum(), To: proto.Uint64(2), From: proto.Uint64(1),
			Term: proto.Uint64(5), LogTerm: proto.Uint64(5), Index: proto.Uint64(uint64(1000 + i)),
			Commit:  proto.Uint64(999),
			Entries: []*pb.Entry{{Term: proto.Uint64(5), Index: proto.Uint64(uint64(1001 + i)), Data: bytes.Repeat([]byte{'x'}, entryBytes)}},
		}}
	}
	return batch
}

// BenchmarkSendMsgApp sends batches of 64 MsgApp messages with one 100-byte
// entry each over loopback and waits until the receiver has them all.
// "flood" sends as fast as Send returns, so the bounded queue drops the
// newest batches when the connection falls behind (dropped/msg); "paced"
// waits for the receiver after every 16 batches, measuring what the
// connection sustains without loss.
func BenchmarkSendMsgApp(b *testing.B) {
	for _, mode := range []struct {
		name  string
		every int
	}{{"flood", 0}, {"paced", 16}} {
		b.Run(mode.name, func(b *testing.B) { benchSendMsgApp(b, mode.every) })
	}
}

func benchSendMsgApp(b *testing.B, paceEvery int) {
	const perBatch = 64
	h := &countingHandler{done: make(chan struct{}), progress: make(chan struct{}, 1)}
	h.target.Store(1 << 62)
	send := benchPair(b, h)
	batch := msgAppBatch(perBatch, 100)
	wireBytes := 0
	for _, m := range batch {
		wireBytes += proto.Size(m.Message)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		send.Send(2, batch)
		if paceEvery > 0 && (i+1)%paceEvery == 0 {
			want := int64(i+1)*perBatch - int64(send.Stats().MessagesDropped)
			for h.count.Load() < want {
				<-h.progress
			}
		}
	}
	total := int64(b.N) * perBatch
	dropped := int64(send.Stats().MessagesDropped)
	h.target.Store(total - dropped)
	if h.count.Load() >= total-dropped {
		h.once.Do(func() { close(h.done) })
	}
	<-h.done
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(total-dropped)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(int64(wireBytes)*int64(b.N))/elapsed.Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(dropped)/float64(total), "dropped/msg")
}

// BenchmarkCallRoundTrip measures sequential 64-byte calls over loopback.
func BenchmarkCallRoundTrip(b *testing.B) {
	send := benchPair(b, &countingHandler{done: make(chan struct{})})
	req := bytes.Repeat([]byte{'r'}, 64)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := send.Call(ctx, 2, req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkCallParallel measures call throughput with concurrent callers
// multiplexed on one connection.
func BenchmarkCallParallel(b *testing.B) {
	send := benchPair(b, &countingHandler{done: make(chan struct{})})
	req := bytes.Repeat([]byte{'r'}, 64)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if _, err := send.Call(ctx, 2, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSnapshot streams 16 MiB snapshots over loopback.
func BenchmarkSnapshot(b *testing.B) {
	send := benchPair(b, &countingHandler{done: make(chan struct{})})
	body := make([]byte, 16<<20)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := send.SendSnapshot(context.Background(), 2, []byte("h"), bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
