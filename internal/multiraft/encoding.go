package multiraft

import (
	"encoding/binary"
	"errors"
	"fmt"

	pb "go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/proto"
)

// requestID names one proposal, read or membership change of one node
// incarnation: the proposer's node ID and a sequence seeded per start.
type requestID struct{ node, seq uint64 }

const (
	proposalVersion = 1
	requestIDLen    = 16
	proposalHeader  = 1 + requestIDLen
)

func (id requestID) put(b []byte) {
	binary.BigEndian.PutUint64(b, id.node)
	binary.BigEndian.PutUint64(b[8:], id.seq)
}

func readRequestID(b []byte) (requestID, bool) {
	if len(b) < requestIDLen {
		return requestID{}, false
	}
	return requestID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}, true
}

// encodeProposal frames a command with the ID its proposer waits on.
func encodeProposal(id requestID, cmd []byte) []byte {
	b := make([]byte, proposalHeader+len(cmd))
	b[0] = proposalVersion
	id.put(b[1:])
	copy(b[proposalHeader:], cmd)
	return b
}

// decodeProposal splits an entry's data. Data that is not framed (written by
// something else) is returned whole with ok false.
func decodeProposal(data []byte) (id requestID, cmd []byte, ok bool) {
	if len(data) < proposalHeader || data[0] != proposalVersion {
		return requestID{}, data, false
	}
	id, _ = readRequestID(data[1:])
	return id, data[proposalHeader:], true
}

// confChange converts a committed conf change entry to its V2 form and
// returns the request ID carried in its context, if any.
func confChange(e *pb.Entry) (*pb.ConfChangeV2, requestID, bool, error) {
	var cc pb.ConfChangeI
	switch e.GetType() {
	case pb.EntryType_EntryConfChange:
		var v1 pb.ConfChange
		if err := proto.Unmarshal(e.GetData(), &v1); err != nil {
			return nil, requestID{}, false, fmt.Errorf("multiraft: decode conf change at %d: %w", e.GetIndex(), err)
		}
		cc = &v1
	case pb.EntryType_EntryConfChangeV2:
		var v2 pb.ConfChangeV2
		if err := proto.Unmarshal(e.GetData(), &v2); err != nil {
			return nil, requestID{}, false, fmt.Errorf("multiraft: decode conf change at %d: %w", e.GetIndex(), err)
		}
		cc = &v2
	default:
		return nil, requestID{}, false, errors.New("multiraft: not a conf change entry")
	}
	v2 := cc.AsV2()
	id, ok := readRequestID(v2.GetContext())
	return v2, id, ok, nil
}

// The snapshot stream header: the group and the raft MsgSnap (metadata
// only) that the receiver steps once the data is installed.
func encodeSnapshotHeader(group uint64, m *pb.Message) ([]byte, error) {
	body, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("multiraft: encode snapshot message: %w", err)
	}
	b := make([]byte, 8+len(body))
	binary.BigEndian.PutUint64(b, group)
	copy(b[8:], body)
	return b, nil
}

func decodeSnapshotHeader(b []byte) (uint64, *pb.Message, error) {
	if len(b) < 8 {
		return 0, nil, errors.New("multiraft: snapshot header too short")
	}
	m := &pb.Message{}
	if err := proto.Unmarshal(b[8:], m); err != nil {
		return 0, nil, fmt.Errorf("multiraft: decode snapshot message: %w", err)
	}
	if m.GetType() != pb.MessageType_MsgSnap || m.GetSnapshot().GetMetadata() == nil {
		return 0, nil, errors.New("multiraft: snapshot header carries no snapshot message")
	}
	return binary.BigEndian.Uint64(b), m, nil
}

// quiesceMarker is the context of the heartbeat a leader sends to put a
// follower to sleep; raft echoes it in the response. raft reads a heartbeat
// context as a little-endian read position that starts at one, so eight
// zero bytes are never raft's own and acknowledge no read.
var quiesceMarker = make([]byte, 8)

func isQuiesceMsg(m *pb.Message) bool {
	t := m.GetType()
	return (t == pb.MessageType_MsgHeartbeat || t == pb.MessageType_MsgHeartbeatResp) &&
		string(m.GetContext()) == string(quiesceMarker)
}

// wellFormed rejects what raft would panic on: a heartbeat context that is
// not an eight-byte read position.
func wellFormed(m *pb.Message) bool {
	switch m.GetType() {
	case pb.MessageType_MsgHeartbeat, pb.MessageType_MsgHeartbeatResp:
		n := len(m.GetContext())
		return n == 0 || n == 8
	}
	return true
}

// raftLogger adapts raft's logger to slog, dropping its chatter below warning.
type raftLogger struct{ log func(msg string) }

func (l raftLogger) Debug(...any)                {}
func (l raftLogger) Debugf(string, ...any)       {}
func (l raftLogger) Info(...any)                 {}
func (l raftLogger) Infof(string, ...any)        {}
func (l raftLogger) Warning(v ...any)            { l.log(fmt.Sprint(v...)) }
func (l raftLogger) Warningf(f string, v ...any) { l.log(fmt.Sprintf(f, v...)) }
func (l raftLogger) Error(v ...any)              { l.log(fmt.Sprint(v...)) }
func (l raftLogger) Errorf(f string, v ...any)   { l.log(fmt.Sprintf(f, v...)) }
func (l raftLogger) Fatal(v ...any)              { panic(fmt.Sprint(v...)) }
func (l raftLogger) Fatalf(f string, v ...any)   { panic(fmt.Sprintf(f, v...)) }
func (l raftLogger) Panic(v ...any)              { panic(fmt.Sprint(v...)) }
func (l raftLogger) Panicf(f string, v ...any)   { panic(fmt.Sprintf(f, v...)) }
