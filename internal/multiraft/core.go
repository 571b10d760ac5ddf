package multiraft

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// initialIndex and initialTerm are the log position a bootstrapped group
// starts from: every initial replica records the same compaction point with
// the initial membership, so no bootstrap entries are needed and a replica
// that joins later is brought in with a snapshot.
const (
	initialIndex = 5
	initialTerm  = 5
)

// GroupConfig describes a group to host on this node.
type GroupConfig struct {
	// Group is the group's ID; zero is reserved, and the top bit must be
	// clear. The replica is hosted under LocalID(Group, Kind).
	Group uint64
	// Kind is the kind of this node's replica.
	Kind ReplicaKind
	// StateMachine applies the group's commands; required for a full
	// replica, ignored for a log replica.
	StateMachine StateMachine
	// Peers are the initial voters (full replicas) when the group is new
	// and bootstrapped here. Leave it empty when the group already has
	// state in the LogStore (a restart) or when this replica joins an
	// existing group.
	Peers []transport.NodeID
	// ReplicaID is, for a replica joining an existing group, the raft ID
	// that the AddLearner change returned; the replica then waits for the
	// leader's snapshot. Ignored on a restart (the ID is in the log).
	ReplicaID uint64
}

type proposal struct {
	done func(any, error)
	// orphaned: proposed while this replica led the group, which it has
	// since lost; see settleOrphans.
	orphaned bool
}

type readRequest struct {
	done  func(error)
	index uint64
	ready bool
	asked uint64 // node tick at which the read index round began
	round bool   // confirmed by a heartbeat round (not served under lease)
}

type confRequest struct {
	id      requestID
	replica uint64
	done    func(uint64, error)
}

type transferRequest struct {
	to       uint64
	deadline uint64 // in node ticks
	done     func(error)
}

type confPoint struct {
	index uint64
	cs    *pb.ConfState
}

// group is one hosted replica. Its fields belong to the scheduler's
// goroutine, except smMu and smApplied, shared with snapshot installation.
type group struct {
	id        uint64 // local ID: LocalID(wire, kind)
	wire      uint64 // the group's ID in messages
	kind      ReplicaKind
	replicaID uint64
	rn        *raft.RawNode
	storage   *raftStorage
	sm        StateMachine

	smMu      sync.Mutex
	smApplied uint64 // index the state machine's state reflects

	applied     uint64 // raft's applied index
	confHistory []confPoint
	lead        uint64
	state       raft.StateType
	term        uint64

	proposals   map[requestID]*proposal
	reads       map[requestID]*readRequest
	conf        *confRequest
	confBarrier uint64
	transfers   []*transferRequest
	leaseUntil  uint64 // LeaseRead: node tick until which reads need no round
	// orphanedUntil and orphanedTick bound the wait of orphaned proposals:
	// the last index of this replica's log when it lost the leadership,
	// and the node tick after which they are given up (see settleOrphans).
	orphanedUntil, orphanedTick uint64

	dirty         bool
	quiesced      bool
	quiesceFrom   uint64
	removedSelf   bool
	destroyed     bool
	electionTimer int
	electionLimit int
	snapshotsOut  map[uint64]bool
}

func (g *group) confState() *pb.ConfState { return g.confHistory[len(g.confHistory)-1].cs }

// confAt returns the membership in force at index.
func (g *group) confAt(index uint64) *pb.ConfState {
	for i := len(g.confHistory) - 1; i > 0; i-- {
		if g.confHistory[i].index <= index {
			return g.confHistory[i].cs
		}
	}
	return g.confHistory[0].cs
}

func (g *group) setConf(index uint64, cs *pb.ConfState) {
	g.confHistory = append(g.confHistory, confPoint{index, cs})
}

// pruneConf drops membership history no longer needed below index.
func (g *group) pruneConf(index uint64) {
	keep := 0
	for i := 1; i < len(g.confHistory); i++ {
		if g.confHistory[i].index <= index {
			keep = i
		}
	}
	if keep > 0 {
		g.confHistory = slices.Delete(g.confHistory, 0, keep)
	}
}

func members(cs *pb.ConfState) []uint64 {
	out := slices.Concat(cs.GetVoters(), cs.GetLearners(), cs.GetVotersOutgoing(), cs.GetLearnersNext())
	slices.Sort(out)
	return slices.Compact(out)
}

type inbound struct {
	from transport.NodeID
	msgs []transport.GroupMessage
	fn   func()
}

// Core is the scheduler of one node: every hosted group, driven in rounds.
// Its methods must be called from one goroutine (the owner), except
// HandleMessages, Enqueue and ReceiveSnapshot, which are safe from any
// goroutine. Requests complete through callbacks run on the owner's
// goroutine during Process or Tick.
type Core struct {
	cfg   Config
	self  transport.NodeID
	store logstore.LogStore
	rng   *rand.Rand
	seq   uint64
	ticks uint64

	mu     sync.RWMutex // guards groups for ReceiveSnapshot
	groups map[uint64]*group

	active map[uint64]*group
	dirty  []*group
	peers  map[transport.NodeID]*peer
	outbox map[transport.NodeID][]transport.GroupMessage

	inMu   sync.Mutex
	inbox  []inbound
	notify func()

	snapJobs   []*SnapshotJob
	bootstraps []logstore.Update
	failed     error
	stats      Stats

	// With Config.CommitApplied, the round's state: the results held until
	// the round commit, the groups whose state machine stays locked until
	// then, and whether any state machine applied commands.
	held       []heldResult
	heldGroups []*group
	roundApply bool
}

// heldResult is a proposal's result waiting for its round's commit.
type heldResult struct {
	done func(any, error)
	res  any
}

// Stats counts a Core's work since it started.
type Stats struct {
	// Rounds counts Process calls that found work.
	Rounds uint64
	// Saves counts LogStore.Save calls (one sync each) and SavedGroups the
	// group updates they carried.
	Saves, SavedGroups uint64
	// Sends counts Transport.Send calls (one per destination per round);
	// RaftMessages the raft messages they carried, LivenessMessages the
	// node heartbeats.
	Sends, RaftMessages, LivenessMessages uint64
	// LeaseReads counts reads served under a leader lease, without a
	// round trip.
	LeaseReads uint64
	// RoundCommits counts Config.CommitApplied calls (one per round in
	// which a state machine applied commands).
	RoundCommits uint64
	// Groups is the number of hosted groups, Active those not quiesced.
	Groups, Active int
}

// Stats returns the work counters.
func (c *Core) Stats() Stats {
	s := c.stats
	s.Groups, s.Active = len(c.groups), len(c.active)
	return s
}

// NewCore returns a scheduler with no groups.
func NewCore(cfg Config) (*Core, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Core{
		cfg:    cfg,
		self:   cfg.NodeID,
		store:  cfg.LogStore,
		rng:    rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.NodeID))),
		seq:    cfg.Seed << 20,
		groups: make(map[uint64]*group),
		active: make(map[uint64]*group),
		peers:  make(map[transport.NodeID]*peer),
		outbox: make(map[transport.NodeID][]transport.GroupMessage),
	}, nil
}

// SetNotify registers a function called (from any goroutine) whenever
// inbound work is queued; a driver uses it to wake its loop.
func (c *Core) SetNotify(fn func()) { c.notify = fn }

// Err returns the error that stopped the core (a failed LogStore save or
// state machine), or nil.
func (c *Core) Err() error { return c.failed }

func (c *Core) nextID() requestID {
	c.seq++
	return requestID{uint64(c.self), c.seq}
}

func (c *Core) fail(err error) {
	if c.failed == nil {
		c.failed = err
		c.cfg.Logger.Error("multiraft: node stopped", "node", c.self, "err", err)
	}
}

// HandleMessages queues raft messages from a peer; Process steps them. It
// implements the message half of transport.Handler.
func (c *Core) HandleMessages(from transport.NodeID, msgs []transport.GroupMessage) {
	c.inMu.Lock()
	c.inbox = append(c.inbox, inbound{from: from, msgs: msgs})
	c.inMu.Unlock()
	if c.notify != nil {
		c.notify()
	}
}

// Enqueue runs fn on the owner's goroutine at the start of the next Process.
func (c *Core) Enqueue(fn func()) {
	c.inMu.Lock()
	c.inbox = append(c.inbox, inbound{fn: fn})
	c.inMu.Unlock()
	if c.notify != nil {
		c.notify()
	}
}

// AddGroup starts hosting a group: restarting it from the LogStore when it
// has state there, bootstrapping it when Peers are given, or as an empty
// replica that waits for the leader's snapshot.
func (c *Core) AddGroup(gc GroupConfig) error {
	if c.failed != nil {
		return c.failed
	}
	if gc.Group == 0 || gc.Group&logGroupBit != 0 {
		return fmt.Errorf("multiraft: group %#x: group 0 is reserved and IDs keep the top bit clear", gc.Group)
	}
	local := LocalID(gc.Group, gc.Kind)
	if _, ok := c.groups[local]; ok {
		return fmt.Errorf("multiraft: add group %d (%s replica): %w", gc.Group, gc.Kind, ErrGroupExists)
	}
	if gc.Kind == FullReplica && gc.StateMachine == nil {
		return fmt.Errorf("multiraft: add group %d: a full replica needs a StateMachine", gc.Group)
	}
	if gc.ReplicaID != 0 {
		if node, kind := NodeOf(gc.ReplicaID); node != c.self || kind != gc.Kind {
			return fmt.Errorf("multiraft: add group %d: replica ID %#x is not a %s replica of node %d", gc.Group, gc.ReplicaID, gc.Kind, c.self)
		}
	}
	g := &group{
		id:        local,
		wire:      gc.Group,
		kind:      gc.Kind,
		replicaID: ReplicaID(c.self, gc.Kind),
		proposals: make(map[requestID]*proposal),
		reads:     make(map[requestID]*readRequest),
	}
	if gc.Kind == FullReplica {
		g.sm = gc.StateMachine
	}
	if gc.ReplicaID != 0 {
		g.replicaID = gc.ReplicaID
	}
	st, err := c.store.State(local)
	switch {
	case err == nil:
		g.storage = newRaftStorage(g, c.store, &st)
	case errors.Is(err, logstore.ErrUnknownGroup) && len(gc.Peers) > 0:
		cs := &pb.ConfState{}
		for _, p := range gc.Peers {
			cs.Voters = append(cs.Voters, ReplicaID(p, FullReplica))
		}
		u := logstore.Update{
			Group:     local,
			Snapshot:  &pb.SnapshotMetadata{Index: new(uint64(initialIndex)), Term: new(uint64(initialTerm)), ConfState: cs},
			HardState: &pb.HardState{Term: new(uint64(initialTerm)), Commit: new(uint64(initialIndex))},
		}
		// Persisted with the next round's Save, ahead of the group's own
		// updates: bootstrapping many groups costs one sync, not one each.
		// Nothing of the group leaves the node before that Save.
		c.bootstraps = append(c.bootstraps, u)
		g.storage = newRaftStorage(g, c.store, nil)
		g.storage.saved(&u)
	case errors.Is(err, logstore.ErrUnknownGroup):
		if gc.ReplicaID == 0 {
			return fmt.Errorf("multiraft: add group %d: a joining replica needs the ReplicaID its AddLearner returned (or Peers to bootstrap)", gc.Group)
		}
		g.replicaID = gc.ReplicaID
		g.storage = newRaftStorage(g, c.store, nil)
	default:
		return fmt.Errorf("multiraft: add group %d: %w", gc.Group, err)
	}
	g.applied = g.storage.snap.GetIndex()
	g.confHistory = []confPoint{{g.applied, g.storage.snap.GetConfState()}}
	g.smApplied = g.applied
	if g.sm != nil && err == nil {
		// A replica restarting from its log: its state machine may have
		// applied more than the compaction point. A joining replica's
		// state machine holds nothing of this group's log, whatever index
		// it reports (state left behind by an earlier replica on the
		// node): it takes the leader's snapshot whole.
		g.smApplied = max(g.applied, g.sm.AppliedIndex())
	}
	if err == nil {
		g.replicaID = c.recoverReplicaID(g, &st)
	}
	rn, err := c.newRawNode(g)
	if err != nil {
		return fmt.Errorf("multiraft: start group %d: %w", gc.Group, err)
	}
	g.rn = rn
	g.term = g.storage.hardState.GetTerm()
	g.state = raft.StateFollower
	c.resetElection(g)
	c.mu.Lock()
	c.groups[g.id] = g
	c.mu.Unlock()
	c.notePeers(g.confState())
	c.wake(g)
	c.markDirty(g)
	return nil
}

func (c *Core) newRawNode(g *group) (*raft.RawNode, error) {
	// Always raft's safe read index: LeaseRead is the scheduler's own lease
	// (see Read), not raft's ReadOnlyLeaseBased, whose lease can outlive
	// the followers' promise not to elect another leader.
	readOnly := raft.ReadOnlySafe
	return raft.NewRawNode(&raft.Config{
		ID:                        g.replicaID,
		ElectionTick:              c.cfg.ElectionTicks,
		HeartbeatTick:             c.cfg.HeartbeatTicks,
		Storage:                   g.storage,
		Applied:                   g.applied,
		MaxSizePerMsg:             c.cfg.MaxSizePerMsg,
		MaxCommittedSizePerReady:  c.cfg.MaxSizePerMsg * 4,
		MaxUncommittedEntriesSize: c.cfg.MaxUncommittedBytes,
		MaxInflightMsgs:           c.cfg.MaxInflightMsgs,
		CheckQuorum:               true,
		PreVote:                   true,
		ReadOnlyOption:            readOnly,
		StepDownOnRemoval:         true,
		Logger: raftLogger{log: func(msg string) {
			c.cfg.Logger.Warn("raft", "node", c.self, "group", g.wire, "msg", msg)
		}},
	})
}

// addressed returns the hosted replica of group whose raft ID is to: the
// full replica, or a log replica hosted beside it.
func (c *Core) addressed(group, to uint64) (*group, bool) {
	if group&logGroupBit != 0 {
		return nil, false
	}
	_, kind := NodeOf(to)
	g, ok := c.groups[LocalID(group, kind)]
	if !ok || g.replicaID != to {
		return nil, false
	}
	return g, true
}

// RemoveGroup stops hosting a group and deletes its log. Requests pending
// on it fail with ErrGroupRemoved. The state machine's data is the caller's.
func (c *Core) RemoveGroup(id uint64) error {
	g, ok := c.groups[id]
	if !ok {
		return fmt.Errorf("multiraft: remove group %d: %w", id, ErrGroupNotFound)
	}
	return c.destroy(g)
}

func (c *Core) destroy(g *group) error {
	if g.destroyed {
		return nil
	}
	g.destroyed = true
	c.bootstraps = slices.DeleteFunc(c.bootstraps, func(u logstore.Update) bool { return u.Group == g.id })
	c.failPending(g, ErrGroupRemoved)
	c.mu.Lock()
	delete(c.groups, g.id)
	c.mu.Unlock()
	delete(c.active, g.id)
	if err := c.store.RemoveGroup(g.id); err != nil && !errors.Is(err, logstore.ErrUnknownGroup) {
		return fmt.Errorf("multiraft: remove group %d: %w", g.wire, err)
	}
	return nil
}

// Groups returns the IDs of the hosted groups in ascending order.
func (c *Core) Groups() []uint64 {
	out := make([]uint64, 0, len(c.groups))
	for id := range c.groups {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// LedGroup is a group this node leads and its member replicas.
type LedGroup struct {
	Group    uint64
	Replicas []Replica
}

// Led returns the hosted groups this node leads now, ascending by group.
func (c *Core) Led() []LedGroup {
	var out []LedGroup
	for _, g := range c.groups {
		if g.rn.BasicStatus().RaftState != raft.StateLeader {
			continue
		}
		out = append(out, LedGroup{Group: g.wire, Replicas: replicasOf(g.confState())})
	}
	slices.SortFunc(out, func(a, b LedGroup) int { return cmp.Compare(a.Group, b.Group) })
	return out
}

// HostedReplica is one replica this node hosts: its group, kind and raft
// ID.
type HostedReplica struct {
	Group uint64
	Kind  ReplicaKind
	ID    uint64
}

// Hosted lists the replicas this node hosts, ascending by group then kind.
func (c *Core) Hosted() []HostedReplica {
	out := make([]HostedReplica, 0, len(c.groups))
	for _, g := range c.groups {
		out = append(out, HostedReplica{Group: g.wire, Kind: g.kind, ID: g.replicaID})
	}
	slices.SortFunc(out, func(a, b HostedReplica) int {
		if c := cmp.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	return out
}

// replicasOf lists the member replicas of a membership, ascending by raft
// ID.
func replicasOf(cs *pb.ConfState) []Replica {
	ms := members(cs)
	out := make([]Replica, 0, len(ms))
	for _, m := range ms {
		node, kind := NodeOf(m)
		out = append(out, Replica{Node: node, Kind: kind, ID: m,
			Voter: slices.Contains(cs.GetVoters(), m) || slices.Contains(cs.GetVotersOutgoing(), m)})
	}
	return out
}

func (c *Core) failPending(g *group, err error) {
	props := g.proposals
	g.proposals = make(map[requestID]*proposal)
	for _, id := range sortedIDs(props) {
		props[id].done(nil, err)
	}
	reads := g.reads
	g.reads = make(map[requestID]*readRequest)
	for _, id := range sortedIDs(reads) {
		reads[id].done(err)
	}
	if g.conf != nil {
		done := g.conf.done
		g.conf = nil
		done(0, err)
	}
	transfers := g.transfers
	g.transfers = nil
	for _, t := range transfers {
		t.done(err)
	}
}

func sortedIDs[V any](m map[requestID]V) []requestID {
	ids := make([]requestID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b requestID) int {
		if a.node != b.node {
			return cmpU64(a.node, b.node)
		}
		return cmpU64(a.seq, b.seq)
	})
	return ids
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// FailAll fails every pending request with err (used on close).
func (c *Core) FailAll(err error) {
	for _, id := range c.Groups() {
		c.failPending(c.groups[id], err)
	}
}

func (c *Core) markDirty(g *group) {
	if !g.dirty {
		g.dirty = true
		c.dirty = append(c.dirty, g)
	}
}

func (c *Core) wake(g *group) {
	if g.quiesced || c.active[g.id] == nil {
		g.quiesced = false
		c.active[g.id] = g
	}
}

// resetElection restarts a replica's election timer. The timeout is the
// election timeout plus a stagger by the replica's rank among the voters
// (rotated by term and group, which also spreads a new cluster's leaders)
// plus one tick of jitter: the followers of a dead leader
// campaign one after the other, two ticks apart, instead of splitting the
// vote, so a new leader is usually elected within 1.5 election timeouts.
func (c *Core) resetElection(g *group) {
	g.electionTimer = 0
	e := c.cfg.ElectionTicks
	offset := 0
	if voters := g.confState().GetVoters(); len(voters) > 0 {
		sorted := slices.Clone(voters)
		slices.Sort(sorted)
		if rank := slices.Index(sorted, g.replicaID); rank >= 0 {
			offset = (2 * int((uint64(rank)+g.term+g.id)%uint64(len(sorted)))) % e
		}
	}
	g.electionLimit = e + 1 + offset + c.rng.IntN(2)
}

func (c *Core) notePeers(cs *pb.ConfState) {
	for _, id := range members(cs) {
		node, _ := NodeOf(id)
		if node == c.self {
			continue
		}
		if _, ok := c.peers[node]; !ok {
			c.peers[node] = &peer{lastHeard: c.ticks}
		}
	}
}

// Tick advances every active group by one tick and runs node liveness.
func (c *Core) Tick() {
	if c.failed != nil {
		return
	}
	c.ticks++
	c.tickLiveness()
	ids := make([]uint64, 0, len(c.active))
	for id := range c.active {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		c.tickGroup(c.active[id])
	}
}

func (c *Core) tickGroup(g *group) {
	c.markDirty(g)
	c.settleOrphans(g)
	if g.state == raft.StateLeader {
		if g.kind == LogReplica {
			g.rn.Tick()
			c.handOffLeadership(g)
			return
		}
		c.expireTransfers(g)
		if c.maybeQuiesce(g) {
			return
		}
		g.rn.Tick()
		return
	}
	// A leader that stepped down for a transfer waits, ticking as a
	// follower, to learn who leads now; its transfers expire meanwhile.
	c.expireTransfers(g)
	// raft's own election timer is never used: its jitter comes from
	// crypto/rand, which would make simulations unrepeatable.
	g.rn.TickQuiesced()
	g.electionTimer++
	limit := g.electionLimit
	if g.kind == LogReplica {
		// A log replica campaigns only as a last resort: when it holds
		// committed entries no full voter has, no full voter can win its
		// vote, and the group would stay leaderless. It then leads just
		// long enough to hand leadership to a caught-up full voter.
		limit = logReplicaPatience * g.electionLimit
	}
	if g.electionTimer >= limit {
		c.resetElection(g)
		if slices.Contains(g.confState().GetVoters(), g.replicaID) {
			_ = g.rn.Campaign()
		}
	}
}

func (c *Core) drainInbox() {
	c.inMu.Lock()
	in := c.inbox
	c.inbox = nil
	c.inMu.Unlock()
	for _, b := range in {
		if b.fn != nil {
			b.fn()
			continue
		}
		c.step(b.from, b.msgs)
	}
}

func (c *Core) step(from transport.NodeID, msgs []transport.GroupMessage) {
	c.heard(from)
	for _, gm := range msgs {
		m := gm.Message
		if gm.Group == 0 || m == nil {
			continue
		}
		g, ok := c.addressed(gm.Group, m.GetTo())
		if !ok {
			continue
		}
		if fromNode, _ := NodeOf(m.GetFrom()); fromNode != from {
			continue
		}
		switch m.GetType() {
		case pb.MsgSnap:
			// Snapshots arrive only through ReceiveSnapshot, with their data.
			continue
		case pb.MsgTimeoutNow:
			if g.kind == LogReplica {
				continue
			}
		}
		if raft.IsLocalMsg(m.GetType()) || !wellFormed(m) {
			continue
		}
		if t := m.GetType(); (t == pb.MsgVote || t == pb.MsgPreVote) && g.storage.snap.GetIndex() == 0 {
			// A replica that holds no log at all (a joiner before its first
			// snapshot) does not vote: if a host created it with the ID of
			// a removed member, its empty log must not help a stale
			// candidate win. (A legitimate member always holds a log: the
			// initial snapshot, or the one it joined with.)
			continue
		}
		if m.GetType() == pb.MsgHeartbeat && m.GetCommit() > g.storage.last && !g.rn.HasReady() {
			// A leader that believes this replica holds more than it does
			// (its log was lost): raft would panic; commit what we hold.
			c.cfg.Logger.Warn("multiraft: heartbeat commits past this replica's log", "node", c.self,
				"group", g.wire, "commit", m.GetCommit(), "last", g.storage.last)
			m.Commit = new(g.storage.last)
		}
		c.stepGroup(g, m)
	}
}

func (c *Core) stepGroup(g *group, m *pb.Message) {
	quiesce := isQuiesceMsg(m)
	if !quiesce {
		c.wake(g)
	}
	if err := g.rn.Step(m); err != nil {
		return
	}
	c.markDirty(g)
	switch m.GetType() {
	case pb.MsgApp, pb.MsgHeartbeat, pb.MsgSnap:
		if g.rn.BasicStatus().Lead == m.GetFrom() {
			g.electionTimer = 0
		}
	}
	if quiesce && m.GetType() == pb.MsgHeartbeat {
		g.quiesceFrom = m.GetFrom()
	}
}

// Process runs one scheduler round (see the package doc) and reports
// whether it did any work. An error means the node cannot go on.
func (c *Core) Process() (bool, error) {
	if c.failed != nil {
		return false, c.failed
	}
	c.drainInbox()
	type item struct {
		g  *group
		rd raft.Ready
	}
	var items []item
	dirty := c.dirty
	c.dirty = nil
	for _, g := range dirty {
		g.dirty = false
		if g.destroyed {
			continue
		}
		if g.rn.HasReady() {
			items = append(items, item{g, g.rn.Ready()})
		}
	}
	worked := len(items) > 0 || len(c.outbox) > 0 || len(c.bootstraps) > 0
	if worked {
		c.stats.Rounds++
	}

	updates := c.bootstraps
	bootstrapped := len(updates)
	c.bootstraps = nil
	for _, it := range items {
		u := logstore.Update{Group: it.g.id, Entries: it.rd.Entries, HardState: it.rd.HardState}
		if !raft.IsEmptySnap(it.rd.Snapshot) {
			u.Snapshot = it.rd.Snapshot.GetMetadata()
		}
		if u.Snapshot != nil || len(u.Entries) > 0 || u.HardState != nil {
			updates = append(updates, u)
		}
	}
	if len(updates) > 0 {
		c.stats.Saves++
		c.stats.SavedGroups += uint64(len(updates))
		if err := c.store.Save(updates); err != nil {
			c.fail(fmt.Errorf("multiraft: save %d groups: %w", len(updates), err))
			return true, c.failed
		}
		for i := range updates {
			if g, ok := c.groups[updates[i].Group]; ok && i >= bootstrapped {
				g.storage.saved(&updates[i])
			}
		}
	}

	for _, it := range items {
		for _, m := range it.rd.Messages {
			switch m.GetType() {
			case pb.MsgSnap:
				c.queueSnapshot(it.g, m)
				continue
			case pb.MsgVoteResp:
				if !m.GetReject() {
					// raft restarts its election timer when it grants a
					// vote; so does ours.
					c.resetElection(it.g)
				}
			}
			node, _ := NodeOf(m.GetTo())
			c.outbox[node] = append(c.outbox[node], transport.GroupMessage{Group: it.g.wire, Message: m})
		}
	}
	c.flushOutbox()

	if c.cfg.CommitApplied == nil {
		for _, it := range items {
			if it.g.destroyed { // by a callback of an earlier group's apply
				continue
			}
			if err := c.apply(it.g, &it.rd); err != nil {
				c.fail(err)
				return true, c.failed
			}
			it.g.rn.Advance(it.rd)
			c.afterApply(it.g, &it.rd)
		}
	} else {
		applied := make([]bool, len(items))
		for i, it := range items {
			if it.g.destroyed {
				continue
			}
			if err := c.apply(it.g, &it.rd); err != nil {
				c.endRound(err)
				c.fail(err)
				return true, c.failed
			}
			applied[i] = true
		}
		if c.roundApply {
			c.stats.RoundCommits++
			if err := c.cfg.CommitApplied(); err != nil {
				err = fmt.Errorf("multiraft: commit applied commands: %w", err)
				c.endRound(err)
				c.fail(err)
				return true, c.failed
			}
		}
		c.endRound(nil)
		for i, it := range items {
			if !applied[i] || it.g.destroyed { // by a result's callback
				continue
			}
			it.g.rn.Advance(it.rd)
			c.afterApply(it.g, &it.rd)
		}
	}
	for _, it := range items {
		g := it.g
		if g.destroyed {
			continue
		}
		if g.removedSelf {
			if err := c.destroy(g); err != nil {
				c.fail(err)
				return true, c.failed
			}
			continue
		}
		if g.rn.HasReady() {
			c.markDirty(g)
		}
	}
	for _, g := range dirty {
		if g.quiesceFrom != 0 {
			c.maybeFollowQuiesce(g)
		}
	}
	return worked || len(c.dirty) > 0, nil
}

// endRound ends a round under Config.CommitApplied: it releases the state
// machines held since their Apply, then delivers the held results, or, when
// the round failed, err to their proposers (the commands are committed in
// the log but their effect on this node is unknown).
func (c *Core) endRound(err error) {
	for _, g := range c.heldGroups {
		g.smMu.Unlock()
	}
	clear(c.heldGroups)
	c.heldGroups = c.heldGroups[:0]
	held := c.held
	c.held = nil
	c.roundApply = false
	for _, h := range held {
		if err != nil {
			h.done(nil, err)
		} else {
			h.done(h.res, nil)
		}
	}
}

func (c *Core) flushOutbox() {
	if len(c.outbox) == 0 {
		return
	}
	nodes := make([]transport.NodeID, 0, len(c.outbox))
	for n := range c.outbox {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	for _, n := range nodes {
		msgs := c.outbox[n]
		delete(c.outbox, n)
		for _, m := range msgs {
			if m.Group == 0 {
				c.stats.LivenessMessages++
			} else {
				c.stats.RaftMessages++
			}
		}
		c.stats.Sends++
		c.cfg.Send(n, msgs)
	}
}

// apply hands one Ready's committed entries to the state machine and to
// raft's membership.
func (c *Core) apply(g *group, rd *raft.Ready) error {
	if rd.SoftState != nil {
		c.softStateChanged(g, rd.SoftState)
	}
	if rd.HardState != nil {
		if term := rd.HardState.GetTerm(); term != g.term {
			g.term = term
			c.resetElection(g)
		}
	}
	if !raft.IsEmptySnap(rd.Snapshot) {
		meta := rd.Snapshot.GetMetadata()
		idx := meta.GetIndex()
		if g.sm != nil {
			g.smMu.Lock()
			behind := g.smApplied < idx
			g.smMu.Unlock()
			if behind {
				return fmt.Errorf("multiraft: group %d: raft installed a snapshot at %d the state machine does not hold", g.wire, idx)
			}
		}
		if idx > g.applied {
			g.applied = idx
			g.setConf(idx, meta.GetConfState())
			c.notePeers(meta.GetConfState())
		}
	}
	if len(rd.CommittedEntries) == 0 {
		return nil
	}
	g.smMu.Lock()
	if c.cfg.CommitApplied != nil {
		// Held until the round commit (endRound): a snapshot must not be
		// restored under staged writes.
		c.heldGroups = append(c.heldGroups, g)
	} else {
		defer g.smMu.Unlock()
	}
	var cmds []Command
	var ids []requestID
	var framed []bool
	flush := func() error {
		if len(cmds) == 0 {
			return nil
		}
		results, err := g.sm.Apply(cmds)
		c.roundApply = true
		if err != nil {
			return fmt.Errorf("multiraft: group %d: apply up to %d: %w", g.wire, cmds[len(cmds)-1].Index, err)
		}
		for i := range cmds {
			if !framed[i] {
				continue
			}
			if p, ok := g.proposals[ids[i]]; ok {
				delete(g.proposals, ids[i])
				var res any
				if i < len(results) {
					res = results[i]
				}
				if c.cfg.CommitApplied != nil {
					c.held = append(c.held, heldResult{done: p.done, res: res})
				} else {
					p.done(res, nil)
				}
			}
		}
		cmds, ids, framed = cmds[:0], ids[:0], framed[:0]
		return nil
	}
	for _, e := range rd.CommittedEntries {
		idx := e.GetIndex()
		switch e.GetType() {
		case pb.EntryNormal:
			if len(e.GetData()) == 0 || g.sm == nil {
				break
			}
			id, cmd, ok := decodeProposal(e.GetData())
			if idx <= g.smApplied {
				if ok {
					if p, found := g.proposals[id]; found {
						delete(g.proposals, id)
						p.done(nil, ErrLeaderChanged)
					}
				}
				break
			}
			cmds = append(cmds, Command{Index: idx, Data: cmd})
			ids = append(ids, id)
			framed = append(framed, ok)
		case pb.EntryConfChange, pb.EntryConfChangeV2:
			if err := flush(); err != nil {
				return err
			}
			c.applyConfChange(g, e)
		}
		g.applied = idx
		if idx > g.smApplied {
			g.smApplied = idx
		}
	}
	if err := flush(); err != nil {
		return err
	}
	c.settleOrphans(g)
	return nil
}

// settleOrphans gives up, with ErrLeaderChanged, the orphaned proposals
// (made while this replica led the group) that did not apply by the time
// it applied every entry its log held when it lost the leadership, or
// within two election timeouts: whether they will yet commit is unknown
// (an entry overwritten at its index is gone, but raft may have forwarded
// a proposal made as the leadership changed to the next leader). Those
// that applied got their results like any other proposal.
func (c *Core) settleOrphans(g *group) {
	if g.orphanedUntil == 0 || (g.applied < g.orphanedUntil && c.ticks < g.orphanedTick) {
		return
	}
	g.orphanedUntil, g.orphanedTick = 0, 0
	for _, id := range sortedIDs(g.proposals) {
		if p := g.proposals[id]; p.orphaned {
			delete(g.proposals, id)
			p.done(nil, ErrLeaderChanged)
		}
	}
}

func (c *Core) applyConfChange(g *group, e *pb.Entry) {
	cc, id, hasID, err := confChange(e)
	if err != nil {
		c.cfg.Logger.Error("multiraft: skip undecodable conf change", "node", c.self, "group", g.wire, "err", err)
		return
	}
	cs := g.rn.ApplyConfChange(cc)
	g.setConf(e.GetIndex(), cs)
	c.notePeers(cs)
	c.cfg.Logger.Info("multiraft: membership changed", "node", c.self, "group", g.wire, "index", e.GetIndex(),
		"voters", cs.GetVoters(), "learners", cs.GetLearners())
	if hasID && g.conf != nil && g.conf.id == id {
		req := g.conf
		g.conf = nil
		req.done(req.replica, nil)
	}
	if !slices.Contains(members(cs), g.replicaID) {
		g.removedSelf = true
	}
}

func (c *Core) softStateChanged(g *group, ss *raft.SoftState) {
	wasLeader := g.state == raft.StateLeader
	prevLead, prevState := g.lead, g.state
	g.lead, g.state = ss.Lead, ss.RaftState
	if g.state != raft.StateLeader {
		g.leaseUntil = 0
	}
	if g.state != prevState || g.lead != 0 {
		// Not when a follower merely forgot its dead leader: its timer
		// keeps running.
		c.resetElection(g)
	}
	if prevLead != g.lead {
		leadNode, _ := NodeOf(g.lead)
		c.cfg.Logger.Info("multiraft: leader changed", "node", c.self, "group", g.wire, "leader", leadNode)
	}
	if g.state != raft.StateLeader {
		c.settleTransfers(g)
	}
	if wasLeader && g.state != raft.StateLeader {
		// Proposals not applied yet may still commit under the next
		// leader: a leadership transfer goes to a replica holding every
		// entry of this one's log. They wait until this replica has
		// applied as far as its log then went, and get their results if
		// they committed; see settleOrphans.
		for _, p := range g.proposals {
			p.orphaned = true
		}
		if len(g.proposals) > 0 {
			g.orphanedUntil = max(g.orphanedUntil, g.storage.last)
			g.orphanedTick = c.ticks + uint64(2*c.cfg.ElectionTicks)
		}
		reads := g.reads
		g.reads = make(map[requestID]*readRequest)
		for _, id := range sortedIDs(reads) {
			reads[id].done(ErrLeaderChanged)
		}
		if g.conf != nil {
			done := g.conf.done
			g.conf = nil
			done(0, ErrLeaderChanged)
		}
	}
	if !wasLeader && g.state == raft.StateLeader {
		// raft refuses (silently, by replacing it) a conf change proposed
		// before the leader applied every conf change of earlier terms.
		g.confBarrier = g.storage.last
	}
}

func (c *Core) afterApply(g *group, rd *raft.Ready) {
	for _, rs := range rd.ReadStates {
		id, ok := readRequestID(rs.RequestCtx)
		if !ok {
			continue
		}
		if r, found := g.reads[id]; found {
			r.index, r.ready = rs.Index, true
		}
	}
	if len(g.reads) > 0 {
		for _, id := range sortedIDs(g.reads) {
			r := g.reads[id]
			if r.ready && r.index <= g.applied {
				delete(g.reads, id)
				// A quorum acknowledged a heartbeat sent after r.asked: none
				// of those voters grants a vote before an election timeout
				// from then, so no other leader can exist until about then.
				if lease := r.asked + uint64(c.cfg.ElectionTicks) - leaseMarginTicks; r.round && lease > g.leaseUntil {
					g.leaseUntil = lease
				}
				r.done(nil)
			}
		}
	}
	c.maybeCompact(g)
}

// maybeCompact discards log entries the state machine holds durably, keeping
// LogRetainEntries for followers that lag a little.
func (c *Core) maybeCompact(g *group) {
	retain := c.cfg.LogRetainEntries
	snapIndex := g.storage.snap.GetIndex()
	if g.applied < snapIndex+2*retain {
		return
	}
	durable := g.applied
	if g.sm != nil {
		g.smMu.Lock()
		durable = min(durable, g.sm.AppliedIndex())
		g.smMu.Unlock()
	} else {
		// A log replica keeps a longer tail: should it ever have to lead
		// (see handOffLeadership), it can send entries but no snapshot.
		retain *= 10
	}
	if durable < retain {
		return
	}
	target := durable - retain
	if target <= snapIndex || target > g.storage.last {
		return
	}
	term, err := g.storage.Term(target)
	if err != nil {
		return
	}
	meta := &pb.SnapshotMetadata{Index: new(target), Term: new(term), ConfState: g.confAt(target)}
	if err := c.store.Compact(g.id, meta); err != nil {
		c.cfg.Logger.Warn("multiraft: compaction failed", "node", c.self, "group", g.wire, "err", err)
		return
	}
	g.storage.compacted(meta)
	g.pruneConf(target)
}

// Propose proposes cmd to a group whose leader is this replica; done gets
// the state machine's result once the command is applied here.
func (c *Core) Propose(group uint64, cmd []byte, done func(any, error)) {
	g, err := c.leaderGroup(group)
	if err != nil {
		done(nil, err)
		return
	}
	id := c.nextID()
	if err := g.rn.Propose(encodeProposal(id, cmd)); err != nil {
		done(nil, fmt.Errorf("multiraft: group %d: %w: %v", group, ErrProposalDropped, err))
		return
	}
	g.proposals[id] = &proposal{done: done}
	c.markDirty(g)
}

func (c *Core) leaderGroup(group uint64) (*group, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	g, ok := c.groups[group]
	if !ok {
		// A log replica alone serves nothing, but it can name the leader.
		g, ok = c.groups[LocalID(group, LogReplica)]
	}
	if !ok {
		return nil, fmt.Errorf("multiraft: group %d: %w", group, ErrGroupNotFound)
	}
	c.wake(g)
	if g.state != raft.StateLeader {
		lead, _ := NodeOf(g.lead)
		return nil, &NotLeaderError{Group: group, Leader: lead}
	}
	if g.kind == LogReplica {
		// Leading only until a full voter takes over: it serves nothing.
		return nil, &NotLeaderError{Group: group}
	}
	return g, nil
}

// Read completes done once this replica, as leader, may serve a
// linearizable read: leadership was confirmed (ReadIndex) or is held under
// lease (LeaseRead) and the state machine has applied everything committed
// before the read began.
func (c *Core) Read(group uint64, done func(error)) {
	g, err := c.leaderGroup(group)
	if err != nil {
		done(err)
		return
	}
	id := c.nextID()
	if c.cfg.ReadMode == LeaseRead && c.ticks < g.leaseUntil && len(g.transfers) == 0 {
		// Under lease: no round trip, but everything committed so far
		// must be applied first.
		c.stats.LeaseReads++
		g.reads[id] = &readRequest{done: done, index: g.rn.BasicStatus().HardState.GetCommit(), ready: true, asked: c.ticks}
		c.markDirty(g)
		if g.applied >= g.reads[id].index {
			delete(g.reads, id)
			done(nil)
		}
		return
	}
	ctx := make([]byte, requestIDLen)
	id.put(ctx)
	g.reads[id] = &readRequest{done: done, asked: c.ticks, round: true}
	g.rn.ReadIndex(ctx)
	c.markDirty(g)
}

// leaseMarginTicks is how much shorter than an election timeout a leader's
// lease is: ticks of different nodes are not in phase, and clocks drift.
const leaseMarginTicks = 2

// Status describes a hosted replica: group's full replica, or its log
// replica when that is all this node hosts (or when group is the log
// replica's local ID).
func (c *Core) Status(group uint64) (GroupStatus, error) {
	g, ok := c.groups[group]
	if !ok {
		g, ok = c.groups[LocalID(group, LogReplica)]
	}
	if !ok {
		return GroupStatus{}, fmt.Errorf("multiraft: group %d: %w", group, ErrGroupNotFound)
	}
	st := g.rn.Status()
	lead, _ := NodeOf(st.Lead)
	out := GroupStatus{
		Group:     g.wire,
		Kind:      g.kind,
		Leader:    lead,
		IsLeader:  st.RaftState == raft.StateLeader,
		Term:      st.HardState.GetTerm(),
		Commit:    st.HardState.GetCommit(),
		Applied:   g.applied,
		LastIndex: g.storage.last,
		Quiesced:  g.quiesced,
	}
	cs := g.confState()
	out.ReplicaIDs = make(map[transport.NodeID]uint64)
	out.Replicas = replicasOf(cs)
	for _, r := range out.Replicas {
		if _, full := out.ReplicaIDs[r.Node]; !full || r.Kind == FullReplica {
			out.ReplicaIDs[r.Node] = r.ID
		}
	}
	for _, v := range cs.GetVoters() {
		node, kind := NodeOf(v)
		if kind == LogReplica {
			out.LogReplicas = append(out.LogReplicas, node)
		}
		out.Voters = append(out.Voters, node)
	}
	for _, l := range cs.GetLearners() {
		node, _ := NodeOf(l)
		out.Learners = append(out.Learners, node)
	}
	if out.IsLeader {
		out.Match = make(map[transport.NodeID]uint64, len(st.Progress))
		for id, pr := range st.Progress {
			node, _ := NodeOf(id)
			out.Match[node] = pr.Match
		}
	}
	return out, nil
}
