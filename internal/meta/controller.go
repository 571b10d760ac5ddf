package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/ctxsync"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/split"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// ErrNotReady is returned for a control request the controller cannot serve
// yet (it is closing, or its catalog failed to load); a client tries again.
var ErrNotReady = errors.New("meta: controller not ready")

// The control operations.
const (
	OpCreateTable        = "CreateTable"
	OpDescribeTable      = "DescribeTable"
	OpUpdateTable        = "UpdateTable"
	OpDeleteTable        = "DeleteTable"
	OpListTables         = "ListTables"
	OpTagResource        = "TagResource"
	OpUntagResource      = "UntagResource"
	OpListTagsOfResource = "ListTagsOfResource"
	// OpRegisterNode adds a node to the registry, or marks it live again.
	OpRegisterNode = "RegisterNode"
	// OpDescribeCluster returns the node registry.
	OpDescribeCluster = "DescribeCluster"
	// OpSplitPartition splits a partition at a key (SplitPartitionInput).
	OpSplitPartition = "SplitPartition"
)

// SplitPartitionInput is the input of OpSplitPartition: split partition
// Partition of table TableName at storage key Key, which becomes the first
// key of a new partition on the same replicas.
type SplitPartitionInput struct {
	TableName string
	Partition uint64
	Key       []byte
}

// SplitPartitionOutput is the output of OpSplitPartition: the new
// partition's ID.
type SplitPartitionOutput struct {
	Partition uint64
}

// RegisterNodeInput is the input of OpRegisterNode.
type RegisterNodeInput struct {
	ID      transport.NodeID
	Zone    string
	Address string
}

// DescribeClusterOutput is the output of OpDescribeCluster.
type DescribeClusterOutput struct {
	Nodes []catalog.Node
}

// Config configures a Controller.
type Config struct {
	// Node is the node the controller runs on; required.
	Node *node.Node
	// Members are the cluster's nodes: the system table's voters come
	// from them (Voters), and the node registers itself with its zone and
	// address from its own entry.
	Members []Member
	// Catalog configures the catalog (region, account, limits).
	Catalog catalog.Options
	// Clock drives the reconciliation loop and timestamps; nil means the
	// wall clock.
	Clock clock.Clock
	// SplitPolicy configures splits for consumption (zero values:
	// internal/split's defaults, a partition above 80% of its limit for
	// five minutes).
	SplitPolicy split.Policy
	// SplitCheckInterval is how often the sizes of partitions are looked
	// at. Default DefaultSplitCheckInterval.
	SplitCheckInterval time.Duration
	// HeartbeatInterval is how often the node tells the active controller
	// it is alive; DeadAfter how long the active controller waits without
	// one before it declares a node dead and replaces its replicas.
	// Defaults DefaultHeartbeatInterval and DefaultDeadAfter.
	HeartbeatInterval time.Duration
	DeadAfter         time.Duration
	// RebalanceInterval is how often the balance of replicas and leaders
	// is looked at. Default DefaultRebalanceInterval.
	RebalanceInterval time.Duration
	// Unmetered turns admission control off: partitions get no limits (for
	// benchmarks of the engine itself).
	Unmetered bool
	// SplitSize is the partition size, in bytes as DynamoDB counts items,
	// above which a partition splits; zero means split.DefaultSplitSize.
	SplitSize int64
	// AdmissionClock drives the tables' global admission control services;
	// nil means Clock.
	AdmissionClock clock.Clock
	// Interval is the reconciliation period. Default 50ms.
	Interval time.Duration
	// Logger receives the controller's decisions; nil discards them.
	Logger *slog.Logger
}

// Controller is a node's share of the control plane: active on the leader
// of Group, a forwarder elsewhere (see the package doc). Its methods are
// safe for concurrent use.
type Controller struct {
	cfg    Config
	self   Member
	client *Client
	log    *slog.Logger
	kick   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	// joined is closed once the node is in the registry.
	joined chan struct{}
	// gac holds the tables' global admission control services while this
	// controller is active.
	gac gacServices
	// loadedTerm is the term whose catalog gac's capacities come from.
	loadedTerm atomic.Uint64
	// adaptRounds counts the observations of partition usage made.
	adaptRounds atomic.Uint64
	// seen maps a node ID to when its last heartbeat arrived (while this
	// controller is active); lastBeat is when this node last sent one.
	seen     sync.Map
	lastBeat time.Time
	// lastStaleCheck is when the hosted replicas were last compared with
	// the catalog; staleLooks counts the replicas that needed a look at
	// their group for it.
	lastStaleCheck time.Time
	staleLooks     atomic.Uint64
	// moves are the replica moves under way, lastRebalance when the balance
	// was last looked at, sizes the partitions' sizes as last reported,
	// led the node leading each partition and members the nodes in its
	// group, as last reported.
	moves         []catalog.Move
	lastRebalance time.Time
	sizes         map[uint64]catalog.PartitionLoad
	led           map[uint64]transport.NodeID
	members       map[uint64][]multiraft.Replica

	// mu guards the fields below: the catalog and its store are used by
	// one control request or one reconciliation at a time. A control
	// request waits for it only as long as its context allows.
	mu *ctxsync.Mutex
	// cat is the catalog as of term; nil when not loaded.
	cat   *catalog.Catalog
	term  uint64
	store store
	// created records, per partition, the nodes that host its replica
	// (since this controller loaded the catalog).
	created map[uint64]map[transport.NodeID]bool
	// events is the log of the control plane's decisions; savedEvents is
	// the sequence number of the first event not yet saved.
	events      events
	savedEvents uint64
	// refused holds, per partition, the last refusal recorded as an event;
	// lastSplitCheck is when the sizes were last looked at.
	refused        map[uint64]string
	lastSplitCheck time.Time
	// load tracks, per partition, how long each kind's consumption has
	// stayed above the split threshold.
	load map[uint64]*[2]sustained
	// boost holds the rates adaptive capacity gave partitions, and
	// lastAdapt when it last ran.
	boost     map[uint64]boosted
	lastAdapt time.Time
	// pushed records the partition limits each node's gate was given.
	pushed map[transport.NodeID]map[uint64]gate.Limits
	// registered is set once this node is in the registry.
	registered bool
	closed     bool
}

// Start installs the controller as n's control handler and starts its
// loop, which registers the node and, while the node leads Group,
// reconciles the catalog. Close stops it.
func Start(cfg Config) (*Controller, error) {
	if cfg.Node == nil {
		return nil, errors.New("meta: Config.Node is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	if cfg.SplitCheckInterval <= 0 {
		cfg.SplitCheckInterval = DefaultSplitCheckInterval
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.DeadAfter <= 0 {
		cfg.DeadAfter = DefaultDeadAfter
	}
	if cfg.RebalanceInterval <= 0 {
		cfg.RebalanceInterval = DefaultRebalanceInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Controller{
		mu:      ctxsync.NewMutex(),
		cfg:     cfg,
		log:     cfg.Logger.With("node", uint64(cfg.Node.ID())),
		kick:    make(chan struct{}, 1),
		joined:  make(chan struct{}),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		store:   store{n: cfg.Node, opts: cfg.Catalog},
		created: map[uint64]map[transport.NodeID]bool{},
		pushed:  map[transport.NodeID]map[uint64]gate.Limits{},
		boost:   map[uint64]boosted{},
		refused: map[uint64]string{},
		load:    map[uint64]*[2]sustained{},
	}
	c.gac.now = cfg.Clock.Now
	if cfg.AdmissionClock != nil {
		c.gac.now = cfg.AdmissionClock.Now
	}
	found := false
	for _, m := range cfg.Members {
		if m.ID == cfg.Node.ID() {
			c.self, found = m, true
		}
	}
	if !found {
		return nil, fmt.Errorf("meta: node %d is not among the members", cfg.Node.ID())
	}
	n := cfg.Node
	c.client = NewClient(func(transport.NodeID) (*node.Node, error) { return n, nil }, Voters(cfg.Members))
	n.SetControlHandler(c.handle)
	go c.run()
	return c, nil
}

// Close stops the loop and answers later control requests with ErrNotReady.
func (c *Controller) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	close(c.stop)
	<-c.done
}

// Joined returns a channel closed once the node is in the registry: the
// control plane then places replicas on it.
func (c *Controller) Joined() <-chan struct{} { return c.joined }

// AdaptRounds counts the rounds in which this controller, while active,
// observed every partition's usage (adaptive capacity and splits for
// consumption act on them): a test waits on it after moving a simulated
// clock.
func (c *Controller) AdaptRounds() uint64 { return c.adaptRounds.Load() }

// Kick asks for a reconciliation now rather than at the next tick.
func (c *Controller) Kick() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *Controller) run() {
	defer close(c.done)
	t := c.cfg.Clock.NewTicker(c.cfg.Interval)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stop
		cancel()
	}()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C():
		case <-c.kick:
		}
		c.tick(ctx)
	}
}

// tick registers the node if it is not yet, then reconciles if this node
// leads Group.
func (c *Controller) tick(ctx context.Context) {
	c.mu.Lock()
	registered := c.registered
	c.mu.Unlock()
	if !registered {
		rctx, cancel := context.WithTimeout(ctx, time.Second)
		err := c.client.Call(rctx, OpRegisterNode, RegisterNodeInput{ID: c.self.ID, Zone: c.self.Zone, Address: c.self.Address}, nil)
		cancel()
		if err == nil {
			c.mu.Lock()
			c.registered = true
			c.mu.Unlock()
			close(c.joined)
			c.log.Info("node registered", "zone", c.self.Zone)
		}
	}
	if now := c.cfg.Clock.Now(); registered && now.Sub(c.lastBeat) >= c.cfg.HeartbeatInterval {
		c.lastBeat = now
		hctx, cancel := context.WithTimeout(ctx, c.cfg.HeartbeatInterval)
		_ = c.client.Call(hctx, OpHeartbeat, HeartbeatInput{ID: c.self.ID}, nil)
		cancel()
	}
	st, err := c.cfg.Node.Status(Group)
	if err != nil || !st.IsLeader {
		c.mu.Lock()
		c.cat = nil
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if err := c.ensureLoaded(ctx, st.Term); err != nil {
		return
	}
	if c.checkLiveness() || c.heal(ctx) || c.rebalance(ctx) {
		if c.persist(ctx) != nil {
			return
		}
	}
	// Each step may drop the catalog (a save that failed): the next
	// tick loads it again.
	for _, step := range []func(context.Context){c.adapt, c.splitBySize, c.reconcile, c.dropStale} {
		if c.cat == nil {
			return
		}
		step(ctx)
	}
	if c.cat != nil && c.events.next() != c.savedEvents {
		_ = c.persist(ctx) // decisions that changed no record are saved too
	}
}

// ensureLoaded loads the catalog if it was not loaded in this term.
func (c *Controller) ensureLoaded(ctx context.Context, term uint64) error {
	if c.cat != nil && c.term == term {
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cat, st, err := c.store.load(lctx)
	if err != nil {
		c.cat = nil
		c.log.Warn("catalog load failed", "err", err)
		return err
	}
	c.cat, c.term = cat, term
	c.gac.setCapacities(cat)
	c.loadedTerm.Store(term)
	c.created = map[uint64]map[transport.NodeID]bool{}
	c.pushed = map[transport.NodeID]map[uint64]gate.Limits{}
	c.boost = map[uint64]boosted{}
	c.seen.Range(func(k, _ any) bool { c.seen.Delete(k); return true })
	c.events.reset(st.events, st.firstEvent)
	c.savedEvents = st.firstEvent + uint64(len(st.events))
	c.moves = st.moves
	for _, m := range c.moves {
		c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "rebalance", Partition: m.Partition,
			What:    fmt.Sprintf("resumed moving partition %d's replica from node %d to node %d", m.Partition, m.From, m.To),
			Why:     "a previous control plane began the move and stopped before it was done",
			Outcome: "under way"})
	}
	c.lastAdapt = time.Time{}
	c.log.Info("control plane active", "term", term, "tables", len(cat.TableNames()), "nodes", len(cat.Nodes()))
	return nil
}

// handle serves one control request: on the leader of Group it runs the
// operation and persists its effect; elsewhere it redirects.
func (c *Controller) handle(ctx context.Context, body []byte) ([]byte, error) {
	var req controlRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fmt.Errorf("meta: decode control request: %w", err)
	}
	st, err := c.cfg.Node.Status(Group)
	if err != nil {
		return nil, &multiraft.NotLeaderError{Group: Group}
	}
	if !st.IsLeader {
		return nil, &multiraft.NotLeaderError{Group: Group, Leader: st.Leader}
	}
	switch req.Op {
	case OpHeartbeat:
		var in HeartbeatInput
		if err := decodeInput(req, &in); err != nil {
			return nil, err
		}
		c.heartbeat(in.ID)
		return nil, nil
	case OpGrant:
		return c.grant(ctx, st.Term, req)
	}
	if err := c.mu.LockContext(ctx); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotReady, err)
	}
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrNotReady
	}
	if err := c.ensureLoaded(ctx, st.Term); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotReady, err)
	}
	if req.Op == OpEvents {
		// After the load: a controller new to the term serves the events
		// its predecessors saved.
		return json.Marshal(EventsOutput{Events: c.events.snapshot()})
	}
	out, changed, err := c.dispatch(req)
	if err != nil && !changed {
		return nil, err
	}
	if changed {
		if err := c.persist(ctx); err != nil {
			return nil, &dberr.InternalServerError{Message: "Internal server error", Err: err}
		}
		c.Kick()
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("meta: encode %s output: %w", req.Op, err)
	}
	return raw, nil
}

// dispatch runs one operation on the catalog; changed reports whether the
// catalog must be saved.
func (c *Controller) dispatch(req controlRequest) (out any, changed bool, err error) {
	now := c.cfg.Clock.Now()
	switch req.Op {
	case OpCreateTable:
		var in catalog.CreateTableInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		out, err := c.cat.CreateTable(&in, now)
		return out, err == nil, err
	case OpDescribeTable:
		var in catalog.DescribeTableInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		out, err := c.cat.DescribeTable(&in)
		return out, false, err
	case OpUpdateTable:
		var in catalog.UpdateTableInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		out, err := c.cat.UpdateTable(&in, now)
		return out, err == nil, err
	case OpDeleteTable:
		var in catalog.DeleteTableInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		out, err := c.cat.DeleteTable(&in)
		return out, err == nil, err
	case OpListTables:
		var in catalog.ListTablesInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		out, err := c.cat.ListTables(&in)
		return out, false, err
	case OpRegisterNode:
		var in RegisterNodeInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		return nil, true, c.register(in)
	case OpDescribeCluster:
		return DescribeClusterOutput{Nodes: c.cat.Nodes()}, false, nil
	case OpSplitPartition:
		var in SplitPartitionInput
		if err := decodeInput(req, &in); err != nil {
			return nil, false, err
		}
		if c.moving(in.Partition) {
			return nil, false, &dberr.ResourceInUseException{Message: fmt.Sprintf("Attempt to change a resource which is still in use: partition %d of table %s is moving a replica", in.Partition, in.TableName)}
		}
		right := c.cat.AllocatePartitionID()
		if err := c.cat.ApplySplit(in.TableName, in.Partition, in.Key, right); err != nil {
			// The allocated ID stays unused: IDs are never reused, so
			// skipping one is harmless, and saving keeps the counter.
			return nil, true, err
		}
		c.log.Info("partition split decided", "table", in.TableName, "partition", in.Partition, "new", right)
		return SplitPartitionOutput{Partition: right}, true, nil
	}
	return c.dispatchTags(req)
}

func decodeInput(req controlRequest, in any) error {
	if err := json.Unmarshal(req.Input, in); err != nil {
		return fmt.Errorf("meta: decode %s input: %w", req.Op, err)
	}
	return nil
}

func (c *Controller) register(in RegisterNodeInput) error {
	// A node registers when it starts: whatever its gate was given before
	// is gone.
	delete(c.pushed, in.ID)
	id := catalog.NodeID(in.ID)
	if n, ok := c.cat.Node(id); ok {
		if n.Live {
			return nil
		}
		return c.cat.SetNodeLive(id, true)
	}
	return c.cat.AddNode(catalog.Node{ID: id, Zone: in.Zone, Address: in.Address, Live: true})
}

// reconcile moves every table in transition one step: the partitions of a
// CREATING table are created on their replicas' nodes, then it becomes
// ACTIVE; those of a DELETING table are removed, then it goes; an UPDATING
// one completes (capacity changes need no data movement).
func (c *Controller) reconcile(ctx context.Context) {
	changed := false
	for _, name := range c.cat.TableNames() {
		t, _ := c.cat.Table(name)
		var done bool
		switch t.Description.TableStatus {
		case catalog.TableStatusCreating:
			done = c.createPartitions(ctx, t)
		case catalog.TableStatusDeleting:
			done = c.removePartitions(ctx, t)
		case catalog.TableStatusUpdating:
			c.createPartitions(ctx, t)
			done = true
		default:
			// ACTIVE: partitions a split added get their groups.
			c.createPartitions(ctx, t)
			if !c.cfg.Unmetered {
				c.pushLimits(ctx, t)
			}
			continue
		}
		if !done {
			continue
		}
		if err := c.cat.CompleteTransition(name); err != nil {
			c.log.Error("table transition failed", "table", name, "err", err)
			continue
		}
		c.log.Info("table transition complete", "table", name, "from", t.Description.TableStatus)
		why := map[catalog.TableStatus]string{
			catalog.TableStatusCreating: fmt.Sprintf("every replica of its %d partitions was created", len(t.Partitions)),
			catalog.TableStatusDeleting: fmt.Sprintf("every replica of its %d partitions was removed", len(t.Partitions)),
			catalog.TableStatusUpdating: "its new settings apply",
		}[t.Description.TableStatus]
		c.events.add(Event{Time: c.cfg.Clock.Now(), Kind: "table", Table: name,
			What: fmt.Sprintf("%s table finished", t.Description.TableStatus), Why: why, Outcome: "done"})
		changed = true
	}
	if changed {
		_ = c.persist(ctx)
	}
}

// persist saves the catalog after a change and gives the admission
// services its capacities. When the save fails the catalog in memory may be
// ahead of the stored one: it is dropped, to be loaded again before its
// next use, and the error returned (and logged).
func (c *Controller) persist(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	list, first := c.events.state()
	if err := c.store.save(sctx, c.cat, state{moves: c.moves, events: list, firstEvent: first}); err != nil {
		c.cat = nil
		c.log.Warn("catalog save failed", "err", err)
		return err
	}
	c.savedEvents = first + uint64(len(list))
	c.gac.setCapacities(c.cat)
	return nil
}

// createPartitions creates every replica of t's partitions not known to
// exist, and reports whether all of them now do.
//
// A partition a split added is created by adoption: the split command,
// applied by the group whose range it was cut from, leaves the new
// partition's metadata on each replica's node, and creating the partition
// there adopts it. Until the split has applied on a node, creating the
// partition there fails with node.ErrRangeOverlap. Splits decided one after
// another may cut several partitions from one group before any applies;
// the group's range then covers a run of partitions not yet created, and
// the splits must apply from the right end of the run, so that each
// adopted range is exactly the catalog's. proposeSplits sees to that. A
// node whose replica of the left side was moved away before the split
// applied there has nothing to adopt: its replica joins empty and takes the
// leader's snapshot (node.AdoptPartition). Only a CREATING table's
// partitions are created empty everywhere.
func (c *Controller) createPartitions(ctx context.Context, t catalog.Table) bool {
	schema, err := KeySchema(&t.Description)
	if err != nil {
		c.log.Error("table has no usable key schema", "table", t.Description.TableName, "err", err)
		return false
	}
	all := true
	overlap := make([]bool, len(t.Partitions))
	for i, p := range t.Partitions {
		made, over := c.createReplicas(ctx, t, schema, p, t.Description.TableStatus != catalog.TableStatusCreating)
		all = all && made
		overlap[i] = over
	}
	for m := range t.Partitions {
		if !overlap[m] || (m+1 < len(overlap) && overlap[m+1]) {
			continue
		}
		// m ends a run of partitions still inside the range of the
		// nearest partition to their left whose group holds it.
		k := m - 1
		for k >= 0 && overlap[k] {
			k--
		}
		if k >= 0 {
			c.proposeSplit(ctx, t, schema, t.Partitions[k], t.Partitions[m])
		}
	}
	return all
}

// createReplicas creates p's replicas not known to exist, by adoption when
// p is a split's right side (adopt); made reports that all exist now,
// overlap that some node still holds p's range in another partition (a
// split not applied there yet).
func (c *Controller) createReplicas(ctx context.Context, t catalog.Table, schema itemcheck.KeySchema, p catalog.Partition, adopt bool) (made, overlap bool) {
	peers := make([]transport.NodeID, 0, len(p.Replicas))
	for _, r := range p.Replicas {
		peers = append(peers, transport.NodeID(r.Node))
	}
	slices.Sort(peers)
	done := c.created[p.ID]
	if done == nil {
		done = map[transport.NodeID]bool{}
		c.created[p.ID] = done
	}
	req := &node.Request{Op: node.OpCreatePartition, Group: p.ID, Peers: peers, Adopt: adopt,
		Meta: partition.Meta{Table: t.ID, Schema: schema, Range: p.Range}}
	made = true
	for _, id := range peers {
		if done[id] {
			continue
		}
		if n, ok := c.cat.Node(catalog.NodeID(id)); ok && !n.Live {
			made = false
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.cfg.Node.Forward(cctx, id, req)
		cancel()
		switch {
		case err == nil || errors.Is(err, multiraft.ErrGroupExists):
			done[id] = true
			continue
		case errors.Is(err, node.ErrRangeOverlap):
			overlap = true
		case errors.Is(err, transport.ErrUnreachable):
			// Down, not yet declared dead: tried again next tick.
		default:
			c.log.Warn("create partition replica failed", "table", t.Description.TableName, "partition", p.ID, "on", uint64(id), "err", err)
		}
		made = false
	}
	return made, overlap
}

// moving reports whether a move of one of partition id's replicas is under
// way. Such a partition is not split: the right side takes the replicas
// the catalog names for the left, and a node the move is leaving might
// drop its replica of the left before the split applied there, so holding
// nothing to adopt.
func (c *Controller) moving(id uint64) bool {
	return slices.ContainsFunc(c.moves, func(m catalog.Move) bool { return m.Partition == id })
}

// placed records that partition id's replica on from is now on to, which
// hosts it (it joined the group): what createReplicas would otherwise
// learn at its next pass.
func (c *Controller) placed(id uint64, from, to transport.NodeID) {
	done := c.created[id]
	if done == nil {
		return // not known created anywhere: createReplicas looks at it all
	}
	delete(done, from)
	done[to] = true
}

// splitPending reports whether a partition of t is not yet created on
// every live replica: a split's right side still waiting for the split to
// apply on the nodes of its left side. Replicas of t are not moved
// meanwhile, for the reason moving gives.
func (c *Controller) splitPending(t catalog.Table) bool {
	for _, p := range t.Partitions {
		for _, r := range p.Replicas {
			if n, ok := c.cat.Node(r.Node); ok && n.Live && !c.created[p.ID][transport.NodeID(r.Node)] {
				return true
			}
		}
	}
	return false
}

// removePartitions removes every replica of t's partitions and reports
// whether none is left.
func (c *Controller) removePartitions(ctx context.Context, t catalog.Table) bool {
	all := true
	for _, p := range t.Partitions {
		for _, r := range p.Replicas {
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := c.cfg.Node.Forward(cctx, transport.NodeID(r.Node), &node.Request{Op: node.OpRemovePartition, Group: p.ID})
			cancel()
			if err == nil || errors.Is(err, multiraft.ErrGroupNotFound) {
				continue
			}
			c.log.Warn("remove partition replica failed", "table", t.Description.TableName, "partition", p.ID, "on", uint64(r.Node), "err", err)
			all = false
		}
		delete(c.created, p.ID)
	}
	return all
}

// proposeSplit asks the group of partition left to split off partition
// right (the last of a run of partitions cut from left's range, see
// createPartitions). A split already applied fails with
// partition.ErrInvalidSplit, which is fine.
func (c *Controller) proposeSplit(ctx context.Context, t catalog.Table, schema itemcheck.KeySchema, left, right catalog.Partition) {
	cmd := &partition.Command{Op: partition.OpSplit, Table: t.ID, Schema: schema, SplitKey: right.Range.Start, NewGroup: right.ID}
	for _, r := range left.Replicas {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.cfg.Node.Forward(sctx, transport.NodeID(r.Node), &node.Request{Op: node.OpWrite, Group: left.ID, Command: cmd})
		cancel()
		var nl *multiraft.NotLeaderError
		switch {
		case err == nil:
			c.log.Info("partition split applied", "table", t.Description.TableName, "partition", left.ID, "new", right.ID)
			return
		case errors.Is(err, partition.ErrInvalidSplit):
			return
		case errors.As(err, &nl):
			continue
		default:
			c.log.Warn("partition split failed", "table", t.Description.TableName, "partition", left.ID, "new", right.ID, "err", err)
		}
	}
}

// grant serves OpGrant outside the catalog's lock, once the catalog of this
// term is loaded (the pools' capacities come from it).
func (c *Controller) grant(ctx context.Context, term uint64, req controlRequest) ([]byte, error) {
	if c.loadedTerm.Load() != term {
		if err := c.mu.LockContext(ctx); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotReady, err)
		}
		err := c.ensureLoaded(ctx, term)
		c.mu.Unlock()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotReady, err)
		}
	}
	var in GrantInput
	if err := decodeInput(req, &in); err != nil {
		return nil, err
	}
	g, err := c.gac.acquire(ctx, in)
	if err != nil {
		return nil, err
	}
	return json.Marshal(g)
}
