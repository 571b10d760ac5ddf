package multiraft

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/transport"
)

// SnapshotJob is one snapshot a leader must stream to a follower whose next
// entry is compacted away. The scheduler captures the state machine's view
// on its goroutine; the owner runs the job elsewhere (a Node on its own
// goroutine, a simulation inline) and reports the outcome with
// ReportSnapshot.
type SnapshotJob struct {
	// Group and To name the group and the receiving node.
	Group uint64
	To    transport.NodeID
	// Replica is the receiving raft replica ID.
	Replica uint64
	header  []byte
	view    Snapshot // nil for a log replica: index and term only
}

// SendFunc sends a snapshot stream; Transport.SendSnapshot has this shape.
type SendFunc func(ctx context.Context, to transport.NodeID, header []byte, body io.Reader) error

// Send streams the snapshot through send and releases the view.
func (j *SnapshotJob) Send(ctx context.Context, send SendFunc) error {
	if j.view == nil {
		return send(ctx, j.To, j.header, bytes.NewReader(nil))
	}
	defer func() { _ = j.view.Close() }()
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := j.view.WriteTo(pw)
		_ = pw.CloseWithError(err)
	}()
	err := send(ctx, j.To, j.header, pr)
	_ = pr.CloseWithError(io.ErrClosedPipe)
	wg.Wait()
	return err
}

// Release drops a job that will not be sent.
func (j *SnapshotJob) Release() {
	if j.view != nil {
		_ = j.view.Close()
	}
}

// TakeSnapshotJobs returns the snapshots queued since the last call.
func (c *Core) TakeSnapshotJobs() []*SnapshotJob {
	jobs := c.snapJobs
	c.snapJobs = nil
	return jobs
}

func (c *Core) queueSnapshot(g *group, m *pb.Message) {
	to := m.GetTo()
	node, kind := NodeOf(to)
	reject := func(why string) {
		c.cfg.Logger.Warn("multiraft: snapshot not sent", "node", c.self, "group", g.wire, "to", node, "why", why)
		g.rn.ReportSnapshot(to, raft.SnapshotFailure)
		c.markDirty(g)
	}
	if g.snapshotsOut[to] {
		return
	}
	job := &SnapshotJob{Group: g.id, To: node, Replica: to}
	if kind == FullReplica {
		if g.sm == nil {
			reject("a log replica holds no data for a full replica")
			return
		}
		g.smMu.Lock()
		view, err := g.sm.Snapshot()
		g.smMu.Unlock()
		if err != nil {
			reject(err.Error())
			return
		}
		job.view = view
	}
	header, err := encodeSnapshotHeader(g.wire, m)
	if err != nil {
		job.Release()
		reject(err.Error())
		return
	}
	job.header = header
	if g.snapshotsOut == nil {
		g.snapshotsOut = make(map[uint64]bool)
	}
	g.snapshotsOut[to] = true
	c.snapJobs = append(c.snapJobs, job)
}

// ReportSnapshot tells the group how a SnapshotJob ended (nil: delivered
// and installed).
func (c *Core) ReportSnapshot(job *SnapshotJob, err error) {
	g, ok := c.groups[job.Group]
	if !ok {
		return
	}
	delete(g.snapshotsOut, job.Replica)
	status := raft.SnapshotFinish
	if err != nil {
		status = raft.SnapshotFailure
		c.cfg.Logger.Warn("multiraft: snapshot failed", "node", c.self, "group", g.wire, "to", job.To, "err", err)
	}
	g.rn.ReportSnapshot(job.Replica, status)
	c.wake(g)
	c.markDirty(g)
}

// ReceiveSnapshot installs a snapshot stream from a peer: the state machine
// restores from body atomically (a log replica only drains it), then raft's
// MsgSnap carried in the header is queued for the scheduler. Safe from any
// goroutine; it implements the snapshot half of transport.Handler.
func (c *Core) ReceiveSnapshot(_ context.Context, from transport.NodeID, header []byte, body io.Reader) error {
	groupID, m, err := decodeSnapshotHeader(header)
	if err != nil {
		return err
	}
	if groupID&logGroupBit != 0 {
		return fmt.Errorf("multiraft: snapshot for group %#x: %w", groupID, ErrGroupNotFound)
	}
	_, kind := NodeOf(m.GetTo())
	c.mu.RLock()
	g, ok := c.groups[LocalID(groupID, kind)]
	c.mu.RUnlock()
	if !ok {
		return fmt.Errorf("multiraft: snapshot for group %d (%s replica): %w", groupID, kind, ErrGroupNotFound)
	}
	if m.GetTo() != g.replicaID {
		return fmt.Errorf("multiraft: snapshot for group %d addressed to replica %#x, this node holds %#x", groupID, m.GetTo(), g.replicaID)
	}
	if fromNode, _ := NodeOf(m.GetFrom()); fromNode != from {
		return fmt.Errorf("multiraft: snapshot for group %d from node %d claims to come from replica %d", groupID, from, m.GetFrom())
	}
	idx := m.GetSnapshot().GetMetadata().GetIndex()
	if g.sm == nil {
		if _, err := io.Copy(io.Discard, body); err != nil {
			return fmt.Errorf("multiraft: snapshot for group %d: %w", groupID, err)
		}
	} else {
		g.smMu.Lock()
		if g.smApplied < idx {
			restored, err := g.sm.Restore(body)
			if err != nil {
				g.smMu.Unlock()
				return fmt.Errorf("multiraft: restore group %d at %d: %w", groupID, idx, err)
			}
			// The data may end at an earlier command: entries after the
			// last command (membership, leader no-ops) change no state.
			g.smApplied = max(restored, idx)
		} else if _, err := io.Copy(io.Discard, body); err != nil {
			g.smMu.Unlock()
			return fmt.Errorf("multiraft: snapshot for group %d: %w", groupID, err)
		}
		g.smMu.Unlock()
	}
	c.Enqueue(func() {
		c.heard(from)
		if cur, ok := c.groups[g.id]; ok && cur == g {
			c.stepGroup(g, m)
		}
	})
	return nil
}
