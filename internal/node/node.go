package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/clock"
	"github.com/embeddynamo/dynamo/internal/gate"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/logstore"
	"github.com/embeddynamo/dynamo/internal/logstore/memlog"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/partition"
	"github.com/embeddynamo/dynamo/internal/split"
	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
	"github.com/embeddynamo/dynamo/internal/storage/memstore"
	"github.com/embeddynamo/dynamo/internal/transport"
	"github.com/embeddynamo/dynamo/internal/wal"
)

// File names under Config.Dir.
const (
	walDir   = "wal"
	dataFile = "data.db"
)

// ErrRangeOverlap is returned by CreatePartition for a range that overlaps
// a partition the node hosts.
var ErrRangeOverlap = errors.New("node: partition range overlaps a hosted partition")

// Config configures Open. Zero values mean the documented defaults.
type Config struct {
	// ID is the node's ID in the cluster; required, 1 to 2^32-1.
	ID transport.NodeID
	// Zone is the node's failure domain (availability zone) label.
	Zone string
	// Dir holds the node's files: the WAL under Dir/wal and the bbolt file
	// Dir/data.db. Empty means in memory (memlog and memstore), unless
	// LogStore and Storage are both given.
	Dir string
	// Transport carries the node's traffic; required. The node starts it
	// and closes it on Close.
	Transport transport.Transport
	// LogStore, when set, replaces the WAL (or memlog). The caller owns it:
	// Close leaves it open, so that it can outlive the node (a restart in
	// memory).
	LogStore logstore.LogStore
	// Storage, when set, replaces bbolt (or memstore). The caller owns it,
	// as LogStore.
	Storage storage.Engine
	// Clock drives raft's ticks; nil means the wall clock.
	Clock clock.Clock
	// Logger receives the node's events; nil discards them.
	Logger *slog.Logger
	// TickInterval is raft's tick. Default 100ms.
	TickInterval time.Duration
	// ElectionTicks is how many ticks a follower waits for its leader
	// before campaigning. Default 10.
	ElectionTicks int
	// ReadMode is how leaders serve strong reads: multiraft.ReadIndex (the
	// default) or multiraft.LeaseRead.
	ReadMode multiraft.ReadMode
	// Seed seeds raft's election jitter; zero means from the clock.
	Seed uint64
	// Partition configures every hosted partition. Its Round is ignored:
	// the node applies every scheduler round into one partition.Round of
	// its own, committed once per round (Sync as set here).
	Partition partition.Options
	// Gate, when set, admits every write and read Serve runs (see
	// internal/gate): nil admits everything.
	Gate *gate.Gate
}

// Node is one storage node hosting partition replicas. Its methods are safe
// for concurrent use.
type Node struct {
	id        transport.NodeID
	zone      string
	log       *slog.Logger
	tr        transport.Transport
	logs      logstore.LogStore
	engine    storage.Engine
	ownLogs   bool
	ownEngine bool
	popts     partition.Options
	raft      *multiraft.Node
	// gate admits requests; nil admits everything.
	gate *gate.Gate
	// clock times the load samples.
	clock clock.Clock
	// samplers holds each hosted partition's per-key load sampler
	// (internal/split), fed by its writes (partition OnWrite) and the reads
	// Serve admits; a sync.Map of uint64 to *split.Sampler, since writes
	// record on the scheduler goroutine and reads on the callers'.
	samplers sync.Map
	// control is the handler of OpControl requests (SetControlHandler).
	control atomic.Pointer[ControlHandler]
	// opened is closed once Open has restarted the hosted replicas: calls
	// from peers, which may arrive as soon as the transport is up, wait
	// for it (they would otherwise find raft unset, or create a replica a
	// restart is about to host).
	opened chan struct{}

	// mu guards replicas, logReplicas, claims and closed. Create and
	// Remove of partitions are serialised by createMu so that the engine,
	// the log store and the map change together.
	createMu sync.Mutex
	mu       sync.RWMutex
	replicas map[uint64]*partition.Partition
	// claims are the ranges partitions are taking (a creation or adoption
	// not yet in replicas, a snapshot being restored), so that no two
	// replicas of the node ever own overlapping ranges (see claim).
	claims map[uint64]partition.Meta
	// logReplicas are the groups of which the node hosts a log replica.
	logReplicas map[uint64]bool
	closed      bool
}

// Open opens a node's stores, starts its transport and scheduler, and
// restarts every partition replica found in them (see the package doc).
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.Transport == nil {
		return nil, errors.New("node: Config.Transport is required")
	}
	if cfg.ID == 0 {
		return nil, errors.New("node: Config.ID is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	n := &Node{
		id:          cfg.ID,
		zone:        cfg.Zone,
		log:         cfg.Logger.With("node", uint64(cfg.ID)),
		tr:          cfg.Transport,
		logs:        cfg.LogStore,
		engine:      cfg.Storage,
		popts:       cfg.Partition,
		gate:        cfg.Gate,
		clock:       cfg.Clock,
		replicas:    make(map[uint64]*partition.Partition),
		logReplicas: make(map[uint64]bool),
		claims:      make(map[uint64]partition.Meta),
		opened:      make(chan struct{}),
	}
	if err := n.openStores(cfg.Dir); err != nil {
		return nil, err
	}
	// One engine commit per scheduler round for every partition that
	// applied commands in it, instead of one per partition.
	round := partition.NewRound(n.engine, n.popts.Sync)
	n.popts.Round = round
	metas, err := n.engine.Metas()
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("node %d: read partition metadata: %w", n.id, err)
	}
	groups, err := n.logs.Groups()
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("node %d: list log groups: %w", n.id, err)
	}
	n.raft, err = multiraft.StartNode(multiraft.NodeConfig{
		Config: multiraft.Config{
			NodeID:        cfg.ID,
			LogStore:      n.logs,
			ElectionTicks: cfg.ElectionTicks,
			ReadMode:      cfg.ReadMode,
			Seed:          cfg.Seed,
			Logger:        cfg.Logger,
			CommitApplied: round.Commit,
		},
		Transport:    cfg.Transport,
		Clock:        cfg.Clock,
		TickInterval: cfg.TickInterval,
		CallHandler:  n.handleCall,
	})
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("node %d: start raft: %w", n.id, err)
	}
	if err := n.restart(groups, metas); err != nil {
		_ = n.Close()
		close(n.opened) // calls that came meanwhile find a closed node
		return nil, err
	}
	close(n.opened)
	return n, nil
}

func (n *Node) openStores(dir string) error {
	if n.logs == nil {
		n.ownLogs = true
		if dir == "" {
			n.logs = memlog.New()
		} else {
			w, err := wal.Open(filepath.Join(dir, walDir), nil)
			if err != nil {
				return fmt.Errorf("node %d: open WAL: %w", n.id, err)
			}
			n.logs = w
		}
	}
	if n.engine == nil {
		n.ownEngine = true
		if dir == "" {
			n.engine = memstore.New()
		} else {
			e, err := boltstore.Open(filepath.Join(dir, dataFile), nil)
			if err != nil {
				n.closeStores()
				return fmt.Errorf("node %d: open storage: %w", n.id, err)
			}
			n.engine = e
		}
	}
	return nil
}

// closeStores closes the stores the node opened: the log store first (no
// Save can follow), then the engine.
func (n *Node) closeStores() error {
	var errs []error
	if n.ownLogs && n.logs != nil {
		if err := n.logs.Close(); err != nil {
			errs = append(errs, fmt.Errorf("node %d: close log store: %w", n.id, err))
		}
	}
	if n.ownEngine && n.engine != nil {
		if err := n.engine.Close(); err != nil {
			errs = append(errs, fmt.Errorf("node %d: close storage: %w", n.id, err))
		}
	}
	return errors.Join(errs...)
}

// restart hosts every group of the log store again, as the kind of replica
// its membership says. A full replica with a log and no metadata joined and
// waits for its snapshot: it opens empty. Metadata with no log is an orphan (see the package doc).
func (n *Node) restart(groups []uint64, metas map[uint64][]byte) error {
	slices.Sort(groups)
	for _, local := range groups {
		g, kind := multiraft.GroupOf(local)
		known, err := replicaKnown(n.logs, local, uint64(n.id), kind)
		if err != nil {
			return fmt.Errorf("node %d: restart group %d: %w", n.id, g, err)
		}
		if !known {
			// A joiner that crashed before its snapshot: it holds no data and
			// its raft ID (a generation the leader chose) is not in the log,
			// so it cannot rejoin as itself. Dropping its log is safe (it has
			// no entries, and a replica that is not hosted casts no vote);
			// the group's leader sees a member that never catches up, which
			// the control plane removes and adds again.
			n.log.Warn("dropping a joining replica that crashed before its snapshot", "group", g, "kind", kind)
			if err := n.logs.RemoveGroup(local); err != nil {
				return fmt.Errorf("node %d: drop unjoined group %d: %w", n.id, g, err)
			}
			continue
		}
		if kind == multiraft.LogReplica {
			if err := n.raft.AddGroup(multiraft.GroupConfig{Group: g, Kind: multiraft.LogReplica}); err != nil {
				return fmt.Errorf("node %d: restart log replica %d: %w", n.id, g, err)
			}
			n.mu.Lock()
			n.logReplicas[g] = true
			n.mu.Unlock()
			continue
		}
		p, err := partition.Open(n.engine, g, n.partitionOptions(g))
		if err != nil {
			return fmt.Errorf("node %d: reopen partition %d: %w", n.id, g, err)
		}
		if err := n.raft.AddGroup(multiraft.GroupConfig{Group: g, Kind: multiraft.FullReplica, StateMachine: p}); err != nil {
			return fmt.Errorf("node %d: restart group %d: %w", n.id, g, err)
		}
		n.mu.Lock()
		n.replicas[g] = p
		n.mu.Unlock()
	}
	orphans := 0
	for g := range metas {
		if !slices.Contains(groups, g) {
			n.log.Info("partition metadata without a raft log: orphan until created", "group", g)
			orphans++
		}
	}
	n.log.Info("node open", "zone", n.zone, "partitions", len(groups), "orphans", orphans)
	return nil
}

// ID returns the node's ID.
func (n *Node) ID() transport.NodeID { return n.id }

// Zone returns the node's zone label.
func (n *Node) Zone() string { return n.zone }

// Raft returns the node's multiraft scheduler, for membership changes and
// leadership transfers.
func (n *Node) Raft() *multiraft.Node { return n.raft }

// partitionOptions are the options of group's partition: the node's, with
// a write hook that feeds the group's load sampler.
func (n *Node) partitionOptions(group uint64) partition.Options {
	opts := n.popts
	opts.ClaimRange = func(m partition.Meta) (func(), error) { return n.claim(group, m) }
	user := opts.OnWrite
	opts.OnWrite = func(key []byte, oldSize, newSize int) {
		n.sampler(group).RecordWrite(key, admission.WriteUnits(admission.Standard, max(oldSize, newSize)), n.now())
		if user != nil {
			user(key, oldSize, newSize)
		}
	}
	return opts
}

func (n *Node) now() time.Time {
	if n.clock == nil {
		return time.Now()
	}
	return n.clock.Now()
}

// sampler returns group's load sampler, made on first use.
func (n *Node) sampler(group uint64) *split.Sampler {
	if s, ok := n.samplers.Load(group); ok {
		return s.(*split.Sampler)
	}
	s, err := split.NewSampler(split.Options{Seed: group}, n.now())
	if err != nil {
		// Only bad options fail, and these are the defaults.
		panic(fmt.Sprintf("node: load sampler: %v", err))
	}
	actual, _ := n.samplers.LoadOrStore(group, s)
	return actual.(*split.Sampler)
}

// Load returns the decayed per-key load this node's replica of group has
// seen (writes it applied, reads it served), the input of a split for
// consumption.
func (n *Node) Load(group uint64) split.Load {
	return n.sampler(group).Load(n.now())
}

// Gate returns the node's gate, nil when it has none.
func (n *Node) Gate() *gate.Gate { return n.gate }

// Engine returns the node's storage engine.
func (n *Node) Engine() storage.Engine { return n.engine }

// Err returns the error that stopped the node's scheduler (a storage or log
// failure), if any. A node with an error serves nothing more and should be
// closed.
func (n *Node) Err() error { return n.raft.Err() }

// Partitions returns the groups of the partition replicas the node hosts,
// ascending.
func (n *Node) Partitions() []uint64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]uint64, 0, len(n.replicas))
	for g := range n.replicas {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// Orphans returns the groups whose partition metadata the engine holds
// while the node hosts no replica of them, ascending: partitions whose
// bootstrap did not reach the log before a crash, and the right sides of
// splits whose groups are not created yet.
func (n *Node) Orphans() ([]uint64, error) {
	metas, err := n.engine.Metas()
	if err != nil {
		return nil, fmt.Errorf("node %d: list orphans: %w", n.id, err)
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	var out []uint64
	for g := range metas {
		if _, ok := n.replicas[g]; !ok {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out, nil
}

// hasMeta reports whether the engine holds metadata for group.
func (n *Node) hasMeta(group uint64) (bool, error) {
	_, err := n.engine.Meta(group)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	}
	return false, err
}

// Partition returns the hosted replica of group, or an error wrapping
// multiraft.ErrGroupNotFound.
func (n *Node) Partition(group uint64) (*partition.Partition, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		return nil, fmt.Errorf("node %d: %w", n.id, multiraft.ErrClosed)
	}
	p, ok := n.replicas[group]
	if !ok {
		return nil, fmt.Errorf("node %d: partition %d: %w", n.id, group, multiraft.ErrGroupNotFound)
	}
	return p, nil
}

// Status describes the node's replica of group (its full replica, else its
// log replica): its leader, term, indexes and membership.
func (n *Node) Status(group uint64) (multiraft.GroupStatus, error) {
	return n.raft.Status(group)
}

// Leader returns the node this replica believes leads group (0: unknown).
func (n *Node) Leader(group uint64) (transport.NodeID, error) {
	st, err := n.raft.Status(group)
	if err != nil {
		return 0, err
	}
	return st.Leader, nil
}

// CreatePartition hosts a new replica of group holding the partition
// described by meta (AppliedIndex zero; Items and Bytes counting what the
// engine already holds in the range, zero for a new table). peers lists the
// group's initial voters, this node among them; every one of them must
// create the replica with the same list, and the group then elects a
// leader. Creating an orphan (see Orphans) adopts its stored metadata when
// its table is meta's and its range starts where meta's does and covers it:
// how the right side of a split gets its replicas on the nodes of the left
// side. The stored range is longer than meta's when a control plane has
// already decided to split the new partition again; it is adopted as
// stored, and that later split, proposed to the new group, cuts it down. A range that overlaps a hosted
// partition of the same table is refused with ErrRangeOverlap: on a node
// whose replica of the left side has not applied the split yet, the right
// side must wait until it has (Orphans lists it then).
func (n *Node) CreatePartition(ctx context.Context, group uint64, meta partition.Meta, peers []transport.NodeID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !slices.Contains(peers, n.id) {
		return fmt.Errorf("node %d: create partition %d: peers %v do not include this node", n.id, group, peers)
	}
	n.createMu.Lock()
	defer n.createMu.Unlock()
	return n.create(group, meta, peers)
}

// create is CreatePartition with n.createMu held.
func (n *Node) create(group uint64, meta partition.Meta, peers []transport.NodeID) error {
	if err := n.checkNew(group, multiraft.FullReplica); err != nil {
		return fmt.Errorf("node %d: create partition %d: %w", n.id, group, err)
	}
	orphan, err := n.hasMeta(group)
	if err != nil {
		return fmt.Errorf("node %d: create partition %d: %w", n.id, group, err)
	}
	var p *partition.Partition
	created := false
	if orphan {
		p, err = partition.Open(n.engine, group, n.partitionOptions(group))
		if err != nil {
			return fmt.Errorf("node %d: create partition %d: %w", n.id, group, err)
		}
		if stored := p.Meta(); stored.Table != meta.Table || !covers(stored.Range, meta.Range) {
			return fmt.Errorf("node %d: create partition %d: %w (stored table %d range [%x, %x))", n.id, group, partition.ErrExists, stored.Table, stored.Range.Start, stored.Range.End)
		} else if stored.AppliedIndex != 0 {
			// A new raft group starts its log afresh; a state that claims
			// applied entries would make it skip them. Only a removal that
			// crashed midway leaves such metadata: finish it first.
			return fmt.Errorf("node %d: create partition %d: %w (stored state applied up to %d: remove it first)", n.id, group, partition.ErrExists, stored.AppliedIndex)
		}
		meta = p.Meta()
	}
	release, err := n.claim(group, meta)
	if err != nil {
		return fmt.Errorf("node %d: create partition %d: %w", n.id, group, err)
	}
	defer release()
	if !orphan {
		p, err = partition.Create(n.engine, group, meta, n.partitionOptions(group))
		if err != nil {
			return fmt.Errorf("node %d: create partition %d: %w", n.id, group, err)
		}
		created = true
	}
	if err := n.raft.AddGroup(multiraft.GroupConfig{Group: group, Kind: multiraft.FullReplica, StateMachine: p, Peers: peers}); err != nil {
		if created {
			b := n.engine.NewBatch()
			b.DeleteMeta(group)
			if cerr := n.engine.Commit(b, true); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
		return fmt.Errorf("node %d: create partition %d: %w", n.id, group, err)
	}
	n.mu.Lock()
	n.replicas[group] = p
	n.mu.Unlock()
	return nil
}

// AdoptPartition hosts this node's replica of a split's right side, a
// group whose initial voters (peers, this node among them) started from
// the data the split cut from its left side. With the right side's
// metadata stored here (the left side's replica on this node applied the
// split) it is adopted as CreatePartition does. With none and no hosted
// partition overlapping meta's range (this node's replica of the left side
// was removed before it applied the split) the node joins as the voter the
// peers list names, empty, and takes the leader's snapshot: bootstrapped
// empty it could be elected and serve the range without its items. A
// replica that did not take a snapshot yet cannot campaign, so the group's
// leader is always one that adopted the split's data. A range that
// overlaps a hosted partition is refused with ErrRangeOverlap, as by
// CreatePartition.
func (n *Node) AdoptPartition(ctx context.Context, group uint64, meta partition.Meta, peers []transport.NodeID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !slices.Contains(peers, n.id) {
		return fmt.Errorf("node %d: adopt partition %d: peers %v do not include this node", n.id, group, peers)
	}
	n.createMu.Lock()
	defer n.createMu.Unlock()
	if err := n.checkNew(group, multiraft.FullReplica); err != nil {
		return fmt.Errorf("node %d: adopt partition %d: %w", n.id, group, err)
	}
	// The range before the metadata: a replica of the left side applies
	// the split as the node goes on, and publishes its shorter range only
	// once the right side's metadata is stored. Looking at the metadata
	// first could miss it, then find the range free, and join empty beside
	// the data the split just left.
	if err := n.rangeFree(group, meta); err != nil {
		return fmt.Errorf("node %d: adopt partition %d: %w", n.id, group, err)
	}
	orphan, err := n.hasMeta(group)
	if err != nil {
		return fmt.Errorf("node %d: adopt partition %d: %w", n.id, group, err)
	}
	if orphan {
		return n.create(group, meta, peers)
	}
	n.log.Info("split's right side: nothing to adopt here, joining empty", "group", group)
	return n.join(group, multiraft.ReplicaID(n.id, multiraft.FullReplica))
}

// claim records that group's replica is taking meta's range (being
// created or adopted, or restoring a snapshot of it), failing with
// ErrRangeOverlap when another hosted replica owns, or another claim takes,
// part of it. Replicas on one node share the engine's key space: two that
// overlapped would serve each other's items, and the removal of one would
// delete the other's. release drops the claim once the replica owns the
// range (or gave up). The check and the record are one step under mu, which
// is never held while waiting on raft.
func (n *Node) claim(group uint64, meta partition.Meta) (release func(), err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.overlapLocked(group, meta); err != nil {
		return nil, err
	}
	n.claims[group] = meta
	return func() {
		n.mu.Lock()
		delete(n.claims, group)
		n.mu.Unlock()
	}, nil
}

// rangeFree fails with ErrRangeOverlap when a replica other than group's
// owns or claims part of meta's range.
func (n *Node) rangeFree(group uint64, meta partition.Meta) error {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.overlapLocked(group, meta)
}

// overlapLocked is rangeFree with mu held.
func (n *Node) overlapLocked(group uint64, meta partition.Meta) error {
	lo, hi, ok := dataBounds(meta)
	if !ok {
		return nil
	}
	overlaps := func(m partition.Meta) bool {
		plo, phi, ok := dataBounds(m)
		return ok && m.Table == meta.Table && (hi == nil || bytes.Compare(plo, hi) < 0) && (phi == nil || bytes.Compare(lo, phi) < 0)
	}
	for g, p := range n.replicas {
		if g != group && overlaps(p.Meta()) {
			return fmt.Errorf("%w: group %d holds part of range [%x, %x)", ErrRangeOverlap, g, meta.Range.Start, meta.Range.End)
		}
	}
	for g, m := range n.claims {
		if g != group && overlaps(m) {
			return fmt.Errorf("%w: group %d is taking part of range [%x, %x)", ErrRangeOverlap, g, meta.Range.Start, meta.Range.End)
		}
	}
	return nil
}

// covers reports whether range a starts where b does and ends at or after
// b's end.
func covers(a, b keyenc.Range) bool {
	if !bytes.Equal(a.Start, b.Start) {
		return false
	}
	return a.End == nil || (b.End != nil && bytes.Compare(a.End, b.End) >= 0)
}

// RemoveLogReplica stops hosting group's log replica and deletes its log.
func (n *Node) RemoveLogReplica(ctx context.Context, group uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.createMu.Lock()
	defer n.createMu.Unlock()
	if err := n.raft.RemoveGroup(multiraft.LocalID(group, multiraft.LogReplica)); err != nil && !errors.Is(err, multiraft.ErrGroupNotFound) {
		return fmt.Errorf("node %d: remove log replica %d: %w", n.id, group, err)
	}
	n.mu.Lock()
	delete(n.logReplicas, group)
	n.mu.Unlock()
	return nil
}

// RemovePartition stops hosting group's full replica (a log replica of the
// group the node also hosts stays: see RemoveLogReplica). The raft group
// and log go first (nothing applies afterwards), then its items and
// metadata are deleted from the engine. Requests pending on it fail. A
// crash between the two steps leaves an orphan, which a later
// RemovePartition drops.
func (n *Node) RemovePartition(ctx context.Context, group uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.createMu.Lock()
	defer n.createMu.Unlock()
	n.mu.RLock()
	p, hosted := n.replicas[group]
	n.mu.RUnlock()
	if hosted {
		if err := n.raft.RemoveGroup(group); err != nil && !errors.Is(err, multiraft.ErrGroupNotFound) {
			return fmt.Errorf("node %d: remove partition %d: %w", n.id, group, err)
		}
		n.mu.Lock()
		delete(n.replicas, group)
		n.mu.Unlock()
	} else {
		orphan, err := n.hasMeta(group)
		if err != nil {
			return fmt.Errorf("node %d: remove partition %d: %w", n.id, group, err)
		}
		if !orphan {
			return fmt.Errorf("node %d: remove partition %d: %w", n.id, group, multiraft.ErrGroupNotFound)
		}
		if p, err = partition.Open(n.engine, group, n.partitionOptions(group)); err != nil {
			return fmt.Errorf("node %d: remove partition %d: %w", n.id, group, err)
		}
	}
	b := n.engine.NewBatch()
	if lo, hi, ok := dataBounds(p.Meta()); ok && (hosted || n.rangeFree(group, p.Meta()) == nil) {
		// An orphan's range may since belong to a hosted replica (a split's
		// right side never adopted here, whose range a snapshot brought
		// back): its items are that replica's now.
		b.DeleteRange(lo, hi)
	}
	b.DeleteMeta(group)
	if err := n.engine.Commit(b, true); err != nil {
		return fmt.Errorf("node %d: remove partition %d: delete data: %w", n.id, group, err)
	}
	return nil
}

// dataBounds returns the storage keys a partition's items occupy: its range
// within its table's key space. ok is false for a replica that holds no
// partition.
func dataBounds(m partition.Meta) (lo, hi []byte, ok bool) {
	if m.Range.Empty() {
		return nil, nil, false
	}
	tableLo := keyenc.TablePrefix(m.Table)
	tableHi := keyenc.PrefixEnd(tableLo)
	lo = m.Range.Start
	if bytes.Compare(lo, tableLo) < 0 {
		lo = tableLo
	}
	hi = m.Range.End
	if hi == nil || (tableHi != nil && bytes.Compare(tableHi, hi) < 0) {
		hi = tableHi
	}
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return nil, nil, false
	}
	return lo, hi, true
}

// Close stops the scheduler and every goroutine of the node, fails pending
// requests with multiraft.ErrClosed, closes the transport, then the log
// store and the engine the node opened. It is safe to call twice.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	var errs []error
	if err := n.raft.Close(); err != nil {
		errs = append(errs, fmt.Errorf("node %d: close raft: %w", n.id, err))
	}
	if err := n.closeStores(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
