package catalog

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/keyenc"
)

// NodeID names a storage node.
type NodeID uint64

// ReplicaKind says what a replica keeps: the data (full) or only the
// replicated log (log replica: votes, never applies or leads).
type ReplicaKind uint8

// The replica kinds.
const (
	ReplicaFull ReplicaKind = 1
	ReplicaLog  ReplicaKind = 2
)

// String returns "full" or "log".
func (k ReplicaKind) String() string {
	switch k {
	case ReplicaFull:
		return "full"
	case ReplicaLog:
		return "log"
	}
	return fmt.Sprintf("ReplicaKind(%d)", uint8(k))
}

// Replica is one copy of a partition on one node.
type Replica struct {
	Node NodeID
	Kind ReplicaKind
}

// Partition is a contiguous range of one table's key space and the replicas
// that serve it. ID is the partition's raft group ID; IDs are never reused.
type Partition struct {
	ID    uint64
	Table uint64
	// Range is [Start, End) of the table's key space. The first partition
	// of a table starts at keyenc.TablePrefix(table), the last ends at
	// keyenc.PrefixEnd of it.
	Range    keyenc.Range
	Replicas []Replica
	// Leader is the node last known to lead the group, a hint for routers;
	// zero when unknown.
	Leader NodeID
}

// Clone returns a deep copy of p.
func (p Partition) Clone() Partition {
	out := p
	out.Range = keyenc.Range{Start: bytes.Clone(p.Range.Start), End: bytes.Clone(p.Range.End)}
	out.Replicas = slices.Clone(p.Replicas)
	return out
}

// Holds reports whether node holds a replica of p.
func (p Partition) Holds(node NodeID) bool { return p.replicaIndex(node) >= 0 }

func (p Partition) replicaIndex(node NodeID) int {
	for i, r := range p.Replicas {
		if r.Node == node {
			return i
		}
	}
	return -1
}

// Capacity bounds what a node accepts; a zero field is unlimited.
type Capacity struct {
	Replicas int
	Bytes    int64
}

// Node is a storage node as the catalog knows it.
type Node struct {
	ID       NodeID
	Zone     string
	Address  string
	Capacity Capacity
	Live     bool
}

// PendingUpdate holds the part of an UpdateTable that takes effect when the
// control plane completes it: DynamoDB reports the old capacity while the
// table is UPDATING.
type PendingUpdate struct {
	BillingMode        BillingMode
	ReadCapacityUnits  int64
	WriteCapacityUnits int64
	// Indexes are new capacities of global secondary indexes.
	Indexes []IndexCapacity
}

// IndexCapacity is a pending capacity change of one global index.
type IndexCapacity struct {
	IndexName          string
	ReadCapacityUnits  int64
	WriteCapacityUnits int64
}

// Table is a table's catalog record: its numeric ID (the key space prefix,
// never reused), its description, tags, pending update and partition map.
type Table struct {
	ID          uint64
	Description TableDescription
	Tags        []Tag
	Pending     *PendingUpdate
	// Partitions are ordered by Range.Start and cover the table's key space
	// with no gap and no overlap.
	Partitions []Partition
}

// Clone returns a deep copy of t.
func (t Table) Clone() Table {
	out := t
	out.Description = cloneDescription(t.Description)
	out.Tags = slices.Clone(t.Tags)
	if t.Pending != nil {
		p := *t.Pending
		p.Indexes = slices.Clone(t.Pending.Indexes)
		out.Pending = &p
	}
	out.Partitions = make([]Partition, len(t.Partitions))
	for i, p := range t.Partitions {
		out.Partitions[i] = p.Clone()
	}
	return out
}

func cloneDescription(d TableDescription) TableDescription {
	out := d
	out.KeySchema = slices.Clone(d.KeySchema)
	out.AttributeDefinitions = slices.Clone(d.AttributeDefinitions)
	if d.BillingModeSummary != nil {
		s := *d.BillingModeSummary
		out.BillingModeSummary = &s
	}
	out.GlobalSecondaryIndexes = make([]GlobalSecondaryIndexDescription, len(d.GlobalSecondaryIndexes))
	for i, g := range d.GlobalSecondaryIndexes {
		g.KeySchema = slices.Clone(g.KeySchema)
		g.Projection.NonKeyAttributes = slices.Clone(g.Projection.NonKeyAttributes)
		out.GlobalSecondaryIndexes[i] = g
	}
	if d.GlobalSecondaryIndexes == nil {
		out.GlobalSecondaryIndexes = nil
	}
	out.LocalSecondaryIndexes = make([]LocalSecondaryIndexDescription, len(d.LocalSecondaryIndexes))
	for i, l := range d.LocalSecondaryIndexes {
		l.KeySchema = slices.Clone(l.KeySchema)
		l.Projection.NonKeyAttributes = slices.Clone(l.Projection.NonKeyAttributes)
		out.LocalSecondaryIndexes[i] = l
	}
	if d.LocalSecondaryIndexes == nil {
		out.LocalSecondaryIndexes = nil
	}
	if d.StreamSpecification != nil {
		s := *d.StreamSpecification
		if s.StreamEnabled != nil {
			s.StreamEnabled = Bool(*s.StreamEnabled)
		}
		out.StreamSpecification = &s
	}
	if d.SSEDescription != nil {
		s := *d.SSEDescription
		out.SSEDescription = &s
	}
	if d.TableClassSummary != nil {
		s := *d.TableClassSummary
		out.TableClassSummary = &s
	}
	return out
}

// Options configure a Catalog. Zero values mean the defaults.
type Options struct {
	// Region and Account go into ARNs. Defaults: DefaultRegion and
	// DefaultAccount.
	Region  string
	Account string
	// MaxTableCapacityUnits is the per-table (and per-index) maximum of
	// read and of write capacity units. Default 40,000, DynamoDB's default
	// quota.
	MaxTableCapacityUnits int64
	// MaxConcurrentOperations bounds the tables in CREATING, UPDATING or
	// DELETING at once. Default 500, DynamoDB's quota.
	MaxConcurrentOperations int
	// OnDemandPartitions is the initial partition count of a
	// PAY_PER_REQUEST table. Default 1: an on-demand table grows by split
	// for consumption.
	OnDemandPartitions int
	// Replicas is the replication factor of new partitions. Default 3.
	Replicas int
}

// MaxInitialPartitions bounds the partitions CreateTable lays out, whatever
// the capacity (the default maximum capacity needs 54); a larger table
// grows by split.
const MaxInitialPartitions = 4096

// The defaults of Options.
const (
	DefaultRegion                  = "us-east-1"
	DefaultAccount                 = "000000000000"
	DefaultMaxTableCapacityUnits   = 40000
	DefaultMaxConcurrentOperations = 500
	DefaultReplicas                = 3
)

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Account == "" {
		o.Account = DefaultAccount
	}
	if o.MaxTableCapacityUnits <= 0 {
		o.MaxTableCapacityUnits = DefaultMaxTableCapacityUnits
	}
	if o.MaxConcurrentOperations <= 0 {
		o.MaxConcurrentOperations = DefaultMaxConcurrentOperations
	}
	if o.OnDemandPartitions <= 0 {
		o.OnDemandPartitions = 1
	}
	if o.Replicas <= 0 {
		o.Replicas = DefaultReplicas
	}
	return o
}

// Catalog is the control plane's model of the cluster: tables, their
// partition maps and replica placement, and the node registry. It is a pure
// value-like state machine: every method is deterministic in its inputs
// (time is passed in), and a failed operation changes nothing. A Catalog is
// not safe for concurrent use; its owner (the autoadmin) serializes access.
type Catalog struct {
	opts            Options
	nextTableID     uint64
	nextPartitionID uint64
	tables          map[string]*Table
	byID            map[uint64]*Table
	nodes           map[NodeID]*Node
}

// New returns an empty catalog. Table IDs and partition IDs start at 1.
func New(opts Options) *Catalog {
	return &Catalog{
		opts:            opts.withDefaults(),
		nextTableID:     1,
		nextPartitionID: 1,
		tables:          make(map[string]*Table),
		byID:            make(map[uint64]*Table),
		nodes:           make(map[NodeID]*Node),
	}
}

// Options returns the catalog's options with defaults applied.
func (c *Catalog) Options() Options { return c.opts }

// AddNode registers a node. Its ID must be nonzero and new, its zone
// non-empty.
func (c *Catalog) AddNode(n Node) error {
	if n.ID == 0 || n.Zone == "" {
		return fmt.Errorf("%w: node %d zone %q", ErrBadNode, n.ID, n.Zone)
	}
	if _, ok := c.nodes[n.ID]; ok {
		return fmt.Errorf("%w: %d", ErrNodeExists, n.ID)
	}
	nn := n
	c.nodes[n.ID] = &nn
	return nil
}

// SetNodeLive records a node's liveness.
func (c *Catalog) SetNodeLive(id NodeID, live bool) error {
	n, ok := c.nodes[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoNode, id)
	}
	n.Live = live
	return nil
}

// Node returns the node with the given ID.
func (c *Catalog) Node(id NodeID) (Node, bool) {
	n, ok := c.nodes[id]
	if !ok {
		return Node{}, false
	}
	return *n, true
}

// Nodes returns every registered node, by ID.
func (c *Catalog) Nodes() []Node {
	out := make([]Node, 0, len(c.nodes))
	for _, n := range c.nodes {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Table returns a copy of the named table's record.
func (c *Catalog) Table(name string) (Table, bool) {
	t, ok := c.tables[name]
	if !ok {
		return Table{}, false
	}
	return t.Clone(), true
}

// TableByID returns a copy of the record of the table with the given ID.
func (c *Catalog) TableByID(id uint64) (Table, bool) {
	t, ok := c.byID[id]
	if !ok {
		return Table{}, false
	}
	return t.Clone(), true
}

// TableNames returns every table name in ascending order.
func (c *Catalog) TableNames() []string {
	names := make([]string, 0, len(c.tables))
	for name := range c.tables {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// replicaCounts returns the number of replicas on each node.
func (c *Catalog) replicaCounts() map[NodeID]int {
	counts := make(map[NodeID]int, len(c.nodes))
	for _, t := range c.tables {
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				counts[r.Node]++
			}
		}
	}
	return counts
}

// busyTables counts the tables in a transitional state.
func (c *Catalog) busyTables() int {
	n := 0
	for _, t := range c.tables {
		if t.Description.TableStatus != TableStatusActive {
			n++
		}
	}
	return n
}

func (c *Catalog) concurrencyLimit() error {
	if c.busyTables() >= c.opts.MaxConcurrentOperations {
		return limitExceeded(fmt.Sprintf("Subscriber limit exceeded: Only %d tables can be created, updated, or deleted simultaneously",
			c.opts.MaxConcurrentOperations))
	}
	return nil
}

// capacityLimits checks table and index capacity against the maximum.
func (c *Catalog) capacityLimits(index string, read, write int64) error {
	max := c.opts.MaxTableCapacityUnits
	for _, f := range []struct {
		unit  string
		value int64
	}{{"ReadCapacityUnits", read}, {"WriteCapacityUnits", write}} {
		if f.value > max {
			if index == "" {
				return aboveTableMaximum(f.unit, f.value, c.opts.Region, max)
			}
			return aboveIndexMaximum(f.unit, index, f.value, c.opts.Region, max)
		}
	}
	return nil
}

// CreateTable validates the request, allocates the table's ID, lays out its
// initial partitions and places their replicas on live nodes. The table
// starts CREATING; CompleteTransition makes it ACTIVE.
func (c *Catalog) CreateTable(in *CreateTableInput, now time.Time) (*CreateTableOutput, error) {
	if err := ValidateCreateTable(in); err != nil {
		return nil, err
	}
	if t, ok := c.tables[in.TableName]; ok {
		if t.Description.TableStatus == TableStatusCreating {
			return nil, inUse("Table is being created: " + in.TableName)
		}
		return nil, tableExists(in.TableName)
	}
	mode := in.BillingMode
	if mode == "" {
		mode = BillingModeProvisioned
	}
	var read, write int64
	if mode == BillingModeProvisioned {
		read, write = *in.ProvisionedThroughput.ReadCapacityUnits, *in.ProvisionedThroughput.WriteCapacityUnits
		if err := c.capacityLimits("", read, write); err != nil {
			return nil, err
		}
		for _, g := range in.GlobalSecondaryIndexes {
			if err := c.capacityLimits(g.IndexName, *g.ProvisionedThroughput.ReadCapacityUnits, *g.ProvisionedThroughput.WriteCapacityUnits); err != nil {
				return nil, err
			}
		}
	}
	if err := c.concurrencyLimit(); err != nil {
		return nil, err
	}
	id := c.nextTableID
	count := min(InitialPartitionCount(mode, read, write, c.opts.OnDemandPartitions), MaxInitialPartitions)
	ranges := InitialRanges(id, count)
	placements, err := PlaceMany(c.Nodes(), c.replicaCounts(), c.opts.Replicas, len(ranges))
	if err != nil {
		return nil, fmt.Errorf("create table %s: %w", in.TableName, err)
	}
	t := &Table{ID: id, Tags: slices.Clone(in.Tags), Description: c.newDescription(in, id, mode, now)}
	sortTags(t.Tags)
	for i, r := range ranges {
		p := Partition{ID: c.nextPartitionID + uint64(i), Table: id, Range: r}
		for _, node := range placements[i] {
			p.Replicas = append(p.Replicas, Replica{Node: node, Kind: ReplicaFull})
		}
		p.Leader = placements[i][0]
		t.Partitions = append(t.Partitions, p)
	}
	c.nextTableID++
	c.nextPartitionID += uint64(len(ranges))
	c.tables[in.TableName] = t
	c.byID[id] = t
	d := cloneDescription(t.Description)
	return &CreateTableOutput{TableDescription: &d}, nil
}

// newDescription builds the description of a table being created.
func (c *Catalog) newDescription(in *CreateTableInput, id uint64, mode BillingMode, now time.Time) TableDescription {
	arn := TableARN(c.opts.Region, c.opts.Account, in.TableName)
	d := TableDescription{
		TableName:                 in.TableName,
		TableArn:                  arn,
		TableId:                   TableID(id),
		TableStatus:               TableStatusCreating,
		CreationDateTime:          now.UTC(),
		KeySchema:                 slices.Clone(in.KeySchema),
		AttributeDefinitions:      slices.Clone(in.AttributeDefinitions),
		BillingModeSummary:        &BillingModeSummary{BillingMode: mode},
		DeletionProtectionEnabled: in.DeletionProtectionEnabled != nil && *in.DeletionProtectionEnabled,
	}
	if mode == BillingModePayPerRequest {
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = now.UTC()
	} else {
		d.ProvisionedThroughput.ReadCapacityUnits = *in.ProvisionedThroughput.ReadCapacityUnits
		d.ProvisionedThroughput.WriteCapacityUnits = *in.ProvisionedThroughput.WriteCapacityUnits
	}
	for _, l := range in.LocalSecondaryIndexes {
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, LocalSecondaryIndexDescription{
			IndexName:  l.IndexName,
			IndexArn:   IndexARN(arn, l.IndexName),
			KeySchema:  slices.Clone(l.KeySchema),
			Projection: cloneProjection(*l.Projection),
		})
	}
	for _, g := range in.GlobalSecondaryIndexes {
		gd := GlobalSecondaryIndexDescription{
			IndexName:   g.IndexName,
			IndexArn:    IndexARN(arn, g.IndexName),
			IndexStatus: IndexStatusCreating,
			KeySchema:   slices.Clone(g.KeySchema),
			Projection:  cloneProjection(*g.Projection),
		}
		if g.ProvisionedThroughput != nil {
			gd.ProvisionedThroughput.ReadCapacityUnits = *g.ProvisionedThroughput.ReadCapacityUnits
			gd.ProvisionedThroughput.WriteCapacityUnits = *g.ProvisionedThroughput.WriteCapacityUnits
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gd)
	}
	if s := in.StreamSpecification; s != nil && *s.StreamEnabled {
		d.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: s.StreamViewType}
		d.LatestStreamLabel = StreamLabel(now)
		d.LatestStreamArn = StreamARN(arn, d.LatestStreamLabel)
	}
	if s := in.SSESpecification; s != nil && s.Enabled != nil && *s.Enabled {
		d.SSEDescription = c.sseDescription(s)
	}
	if in.TableClass != "" && in.TableClass != TableClassStandard {
		d.TableClassSummary = &TableClassSummary{TableClass: in.TableClass, LastUpdateDateTime: now.UTC()}
	}
	return d
}

func (c *Catalog) sseDescription(s *SSESpecification) *SSEDescription {
	key := s.KMSMasterKeyId
	if key == "" {
		key = "alias/aws/dynamodb"
	}
	if !strings.HasPrefix(key, "arn:") {
		key = "arn:aws:kms:" + c.opts.Region + ":" + c.opts.Account + ":" + strings.TrimPrefix(key, "/")
	}
	return &SSEDescription{Status: SSEStatusEnabled, SSEType: SSETypeKMS, KMSMasterKeyArn: key}
}

func cloneProjection(p Projection) Projection {
	return Projection{ProjectionType: p.ProjectionType, NonKeyAttributes: slices.Clone(p.NonKeyAttributes)}
}

// lookup resolves a TableName (a name or this catalog's table ARN).
func (c *Catalog) lookup(name string) (*Table, string, error) {
	name = c.resolveName(name)
	t, ok := c.tables[name]
	if !ok {
		return nil, name, tableNotFound(name)
	}
	return t, name, nil
}

// resolveName returns the table name a TableName refers to: the name in
// this catalog's table ARN, or the TableName itself.
func (c *Catalog) resolveName(name string) string {
	if strings.HasPrefix(name, "arn:") {
		if n, ok := ParseTableARN(c.opts.Region, c.opts.Account, name); ok {
			return n
		}
	}
	return name
}

// validateTableRef checks a TableName that may be a table ARN.
func (c *Catalog) validateTableRef(name string) error {
	return ValidateTableName(c.resolveName(name))
}

// DescribeTable reports a table.
func (c *Catalog) DescribeTable(in *DescribeTableInput) (*DescribeTableOutput, error) {
	if err := c.validateTableRef(in.TableName); err != nil {
		return nil, err
	}
	t, _, err := c.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	d := cloneDescription(t.Description)
	return &DescribeTableOutput{Table: &d}, nil
}

// DeleteTable starts deleting a table: it becomes DELETING and
// CompleteTransition removes it with its partitions.
func (c *Catalog) DeleteTable(in *DeleteTableInput) (*DeleteTableOutput, error) {
	if err := c.validateTableRef(in.TableName); err != nil {
		return nil, err
	}
	t, name, err := c.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	switch t.Description.TableStatus {
	case TableStatusCreating:
		return nil, inUse("Table is being created: " + name)
	case TableStatusDeleting:
		return nil, inUse("Table is being deleted: " + name)
	case TableStatusUpdating:
		return nil, inUse("Table: " + name + " is in the process of being updated.")
	}
	if t.Description.DeletionProtectionEnabled {
		return nil, invalid(MsgDeletionProtected)
	}
	if err := c.concurrencyLimit(); err != nil {
		return nil, err
	}
	t.Description.TableStatus = TableStatusDeleting
	d := cloneDescription(t.Description)
	return &DeleteTableOutput{TableDescription: &d}, nil
}

// ListTables returns table names in ascending order, at most Limit (default
// 100) after ExclusiveStartTableName. Tables in every state are listed.
func (c *Catalog) ListTables(in *ListTablesInput) (*ListTablesOutput, error) {
	if err := ValidateListTables(in); err != nil {
		return nil, err
	}
	limit := MaxListTablesLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	names := c.TableNames()
	start := 0
	if in.ExclusiveStartTableName != "" {
		start = sort.SearchStrings(names, in.ExclusiveStartTableName)
		if start < len(names) && names[start] == in.ExclusiveStartTableName {
			start++
		}
	}
	out := &ListTablesOutput{TableNames: []string{}}
	for i := start; i < len(names) && len(out.TableNames) < limit; i++ {
		out.TableNames = append(out.TableNames, names[i])
	}
	if n := len(out.TableNames); n > 0 && start+n < len(names) {
		out.LastEvaluatedTableName = out.TableNames[n-1]
	}
	return out, nil
}

// CompleteTransition finishes the named table's transitional state, as the
// control plane does once the work behind it is done: CREATING and UPDATING
// become ACTIVE (indexes being created become ACTIVE, indexes being deleted
// disappear, pending capacity takes effect) and a DELETING table is removed
// with its partition map. It fails with ErrNoTable for an unknown table and
// does nothing for an ACTIVE one.
func (c *Catalog) CompleteTransition(name string) error {
	t, ok := c.tables[name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoTable, name)
	}
	d := &t.Description
	switch d.TableStatus {
	case TableStatusDeleting:
		delete(c.tables, name)
		delete(c.byID, t.ID)
		return nil
	case TableStatusActive:
		return nil
	}
	if p := t.Pending; p != nil {
		if p.BillingMode != "" {
			d.BillingModeSummary.BillingMode = p.BillingMode
		}
		if d.BillingModeSummary.BillingMode == BillingModePayPerRequest {
			d.ProvisionedThroughput.ReadCapacityUnits, d.ProvisionedThroughput.WriteCapacityUnits = 0, 0
			for i := range d.GlobalSecondaryIndexes {
				g := &d.GlobalSecondaryIndexes[i].ProvisionedThroughput
				g.ReadCapacityUnits, g.WriteCapacityUnits = 0, 0
			}
		} else if p.ReadCapacityUnits > 0 {
			d.ProvisionedThroughput.ReadCapacityUnits = p.ReadCapacityUnits
			d.ProvisionedThroughput.WriteCapacityUnits = p.WriteCapacityUnits
		}
		for _, ic := range p.Indexes {
			for i := range d.GlobalSecondaryIndexes {
				g := &d.GlobalSecondaryIndexes[i]
				if g.IndexName == ic.IndexName {
					g.ProvisionedThroughput.ReadCapacityUnits = ic.ReadCapacityUnits
					g.ProvisionedThroughput.WriteCapacityUnits = ic.WriteCapacityUnits
				}
			}
		}
		t.Pending = nil
	}
	kept := d.GlobalSecondaryIndexes[:0]
	for _, g := range d.GlobalSecondaryIndexes {
		if g.IndexStatus == IndexStatusDeleting {
			continue
		}
		g.IndexStatus = IndexStatusActive
		g.Backfilling = false
		kept = append(kept, g)
	}
	if len(kept) == 0 {
		kept = nil
	}
	d.GlobalSecondaryIndexes = kept
	d.TableStatus = TableStatusActive
	return nil
}

// DataTable returns the record of a table the data plane may use. A table
// that does not exist, is still CREATING or is DELETING is a
// ResourceNotFoundException "Requested resource not found", as DynamoDB
// answers data-plane requests (dynalite's getTable status check, from its
// tests against DynamoDB); an UPDATING table serves requests.
func (c *Catalog) DataTable(name string) (Table, error) {
	t, ok := c.tables[c.resolveName(name)]
	if !ok || t.Description.TableStatus == TableStatusCreating || t.Description.TableStatus == TableStatusDeleting {
		return Table{}, &dberr.ResourceNotFoundException{Message: MsgResourceNotFound}
	}
	return t.Clone(), nil
}

// SetCounters records a table's periodically refreshed size figures.
func (c *Catalog) SetCounters(name string, items, bytes int64) error {
	t, ok := c.tables[name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoTable, name)
	}
	t.Description.ItemCount, t.Description.TableSizeBytes = items, bytes
	return nil
}
