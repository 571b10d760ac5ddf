package memnet_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"

	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/transport/memnet"
)

type countingHandler struct {
	count  atomic.Int64
	target atomic.Int64
	done   chan struct{}
	once   sync.Once
}

func (h *countingHandler) HandleMessages(_ transport.NodeID, msgs []transport.GroupMessage) {
	if n := h.count.Add(int64(len(msgs))); n >= h.target.Load() {
		h.once.Do(func() { close(h.done) })
	}
}
func (h *countingHandler) HandleCall(_ context.Context, _ transport.NodeID, req []byte) ([]byte, error) {
	return req, nil
}
func (h *countingHandler) HandleSnapshot(context.Context, transport.NodeID, []byte, io.Reader) error {
	return nil
}

func benchBatch() []transport.GroupMessage {
	batch := make([]transport.GroupMessage, 64)
	for i := range batch {
		batch[i] = transport.GroupMessage{Group: uint64(i), Message: &pb.Message{
			Type: pb.MessageType_MsgApp.Enum(), Index: proto.Uint64(uint64(i)), Term: proto.Uint64(3),
			Entries: []*pb.Entry{{Data: make([]byte, 100)}},
		}}
	}
	return batch
}

// BenchmarkAsyncDelivery sends batches of 64 MsgApp messages (100-byte
// entries) between two async nodes and waits for all of them.
func BenchmarkAsyncDelivery(b *testing.B) {
	n, err := memnet.New(memnet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	a, _ := n.Join(1)
	r, _ := n.Join(2)
	h := &countingHandler{done: make(chan struct{})}
	h.target.Store(int64(b.N) * 64)
	_ = a.Start(&countingHandler{done: make(chan struct{})})
	_ = r.Start(h)
	batch := benchBatch()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		a.Send(2, batch)
	}
	<-h.done
	b.ReportMetric(float64(b.N*64)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkSteppedDelivery measures the stepped mode: Send then DeliverOne
// on the harness goroutine.
func BenchmarkSteppedDelivery(b *testing.B) {
	n, err := memnet.New(memnet.Options{Stepped: true})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	a, _ := n.Join(1)
	r, _ := n.Join(2)
	h := &countingHandler{done: make(chan struct{})}
	h.target.Store(1 << 62)
	_ = a.Start(&countingHandler{done: make(chan struct{})})
	_ = r.Start(h)
	batch := benchBatch()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Send(2, batch)
		n.DeliverOne(nil)
	}
	b.ReportMetric(float64(h.count.Load())/b.Elapsed().Seconds(), "msgs/s")
}
