package multiraft

import (
	"testing"

	"github.com/stretchr/testify/require"
	pb "go.etcd.io/raft/v3/raftpb"
)

func TestProposalFraming(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		framed bool
		cmd    string
	}{
		{"a framed command round-trips", encodeProposal(requestID{7, 9}, []byte("put")), true, "put"},
		{"an empty framed command", encodeProposal(requestID{1, 1}, nil), true, ""},
		{"foreign data is handed over whole", []byte("raw"), false, "raw"},
		{"a wrong version is foreign", append([]byte{9}, make([]byte, 20)...), false, string(append([]byte{9}, make([]byte, 20)...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, cmd, ok := decodeProposal(tt.data)
			require.Equal(t, tt.framed, ok)
			require.Equal(t, tt.cmd, string(cmd))
			if ok {
				require.NotZero(t, id.node)
			}
		})
	}
}

func TestSnapshotHeaderRejectsWhatIsNotASnapshot(t *testing.T) {
	m := &pb.Message{Type: pb.MsgSnap.Enum(), To: new(uint64(2)), From: new(uint64(1)),
		Snapshot: &pb.Snapshot{Metadata: &pb.SnapshotMetadata{Index: new(uint64(10)), Term: new(uint64(3)), ConfState: &pb.ConfState{}}}}
	h, err := encodeSnapshotHeader(42, m)
	require.NoError(t, err)
	group, got, err := decodeSnapshotHeader(h)
	require.NoError(t, err)
	require.Equal(t, uint64(42), group)
	require.Equal(t, uint64(10), got.GetSnapshot().GetMetadata().GetIndex())

	for name, b := range map[string][]byte{
		"too short":    {1, 2, 3},
		"not protobuf": append(make([]byte, 8), 0xff, 0xff, 0xff),
		"not a MsgSnap": func() []byte {
			h, _ := encodeSnapshotHeader(1, &pb.Message{Type: pb.MsgApp.Enum()})
			return h
		}(),
	} {
		_, _, err := decodeSnapshotHeader(b)
		require.Error(t, err, name)
	}
}

// FuzzDecoders feeds peer-controlled bytes to every decoder the scheduler
// runs on them: none may panic.
func FuzzDecoders(f *testing.F) {
	h, _ := encodeSnapshotHeader(3, &pb.Message{Type: pb.MsgSnap.Enum(), Snapshot: &pb.Snapshot{Metadata: &pb.SnapshotMetadata{}}})
	f.Add(h)
	f.Add(encodeProposal(requestID{1, 2}, []byte("x")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = decodeSnapshotHeader(b)
		_, _, _ = decodeProposal(b)
		for _, typ := range []pb.EntryType{pb.EntryConfChange, pb.EntryConfChangeV2} {
			_, _, _, _ = confChange(&pb.Entry{Type: typ.Enum(), Data: b, Index: new(uint64(1))})
		}
		wellFormed(&pb.Message{Type: pb.MsgHeartbeatResp.Enum(), Context: b})
	})
}
