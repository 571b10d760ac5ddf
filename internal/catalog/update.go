package catalog

import (
	"slices"
	"time"
)

// Decrease allowance, per table and per index: DynamoDB allows four
// decreases in a UTC day, then one an hour.
const (
	freeDecreasesPerDay = 4
	decreaseInterval    = time.Hour
)

// UpdateTable validates the request against the table and records it. The
// table becomes UPDATING; capacity and billing changes take effect at
// CompleteTransition (DynamoDB reports the old capacity while UPDATING),
// index creations start CREATING and deletions DELETING. Stream, encryption,
// deletion protection and table class changes take effect at once.
func (c *Catalog) UpdateTable(in *UpdateTableInput, now time.Time) (*UpdateTableOutput, error) {
	checked := *in
	checked.TableName = c.resolveName(in.TableName)
	if err := ValidateUpdateTable(&checked); err != nil {
		return nil, err
	}
	t, name, err := c.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	d := &t.Description
	switch d.TableStatus {
	case TableStatusCreating:
		return nil, inUse("Table is being created: " + name)
	case TableStatusDeleting:
		return nil, inUse("Table is being deleted: " + name)
	case TableStatusUpdating:
		if t.Pending != nil && (in.ProvisionedThroughput != nil || in.BillingMode != "") {
			return nil, inUse("Table IOPS are currently being updated. Table: " + name)
		}
		if indexInFlight(d) && createsOrDeletesIndex(in) {
			return nil, limitExceeded(MsgOneIndexAtATime)
		}
		return nil, inUse("Table: " + name + " is in the process of being updated.")
	}
	plan, err := c.planUpdate(t, name, in, now)
	if err != nil {
		return nil, err
	}
	if err := c.concurrencyLimit(); err != nil {
		return nil, err
	}
	plan.apply(c, t, now)
	out := cloneDescription(t.Description)
	return &UpdateTableOutput{TableDescription: &out}, nil
}

func indexInFlight(d *TableDescription) bool {
	for _, g := range d.GlobalSecondaryIndexes {
		if g.IndexStatus == IndexStatusCreating || g.IndexStatus == IndexStatusDeleting {
			return true
		}
	}
	return false
}

func createsOrDeletesIndex(in *UpdateTableInput) bool {
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil || u.Delete != nil {
			return true
		}
	}
	return false
}

// updatePlan is a validated UpdateTable, ready to apply.
type updatePlan struct {
	pending    *PendingUpdate
	decrease   bool
	increase   bool
	creates    []GlobalSecondaryIndexDescription
	deletes    []string
	updates    []IndexCapacity
	attrDefs   []AttributeDefinition
	stream     *StreamSpecification
	sse        *SSESpecification
	protection *bool
	class      TableClass
	busy       bool
}

// planUpdate applies the rules that need the table's state.
func (c *Catalog) planUpdate(t *Table, name string, in *UpdateTableInput, now time.Time) (*updatePlan, error) {
	d := &t.Description
	cur := d.BillingModeSummary.BillingMode
	plan := &updatePlan{protection: in.DeletionProtectionEnabled, sse: in.SSESpecification, class: in.TableClass}
	mode := cur
	if in.BillingMode != "" {
		mode = in.BillingMode
	}
	pt := in.ProvisionedThroughput
	switch {
	case in.BillingMode == BillingModePayPerRequest && pt != nil:
		return nil, invalid(MsgSwitchToPayPerRequestWithCapacity)
	case mode == BillingModePayPerRequest && pt != nil:
		return nil, invalid(MsgPayPerRequestNoCapacity)
	case in.BillingMode == BillingModeProvisioned && cur == BillingModePayPerRequest && pt == nil:
		return nil, invalid(MsgSwitchToProvisionedNeedsCapacity)
	}
	if pt != nil {
		read, write := *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
		curRead, curWrite := d.ProvisionedThroughput.ReadCapacityUnits, d.ProvisionedThroughput.WriteCapacityUnits
		if cur == BillingModeProvisioned && read == curRead && write == curWrite {
			return nil, throughputUnchanged("", curRead, curWrite, read, write)
		}
		if err := c.capacityLimits("", read, write); err != nil {
			return nil, err
		}
		if cur == BillingModeProvisioned {
			plan.decrease = read < curRead || write < curWrite
			plan.increase = read > curRead || write > curWrite
			if plan.decrease {
				if err := checkDecrease(&d.ProvisionedThroughput, now); err != nil {
					return nil, err
				}
			}
		}
		plan.pending = &PendingUpdate{ReadCapacityUnits: read, WriteCapacityUnits: write}
	}
	if in.BillingMode != "" && in.BillingMode != cur {
		if plan.pending == nil {
			plan.pending = &PendingUpdate{}
		}
		plan.pending.BillingMode = in.BillingMode
	}
	// A switch to PROVISIONED needs capacity for every global index.
	if mode == BillingModeProvisioned && cur == BillingModePayPerRequest {
		for _, g := range d.GlobalSecondaryIndexes {
			if !indexUpdated(in, g.IndexName) {
				return nil, invalidf("ProvisionedThroughput must be specified for index: %s", g.IndexName)
			}
		}
	}
	if err := c.planIndexes(t, in, mode, plan); err != nil {
		return nil, err
	}
	if s := in.StreamSpecification; s != nil {
		enabled := d.StreamSpecification != nil && d.StreamSpecification.StreamEnabled != nil && *d.StreamSpecification.StreamEnabled
		if *s.StreamEnabled && enabled {
			return nil, invalid("Table already has an enabled stream: TableName: " + name)
		}
		if !*s.StreamEnabled && !enabled {
			return nil, invalid("Table has no stream to disable: TableName: " + name)
		}
		plan.stream = s
	}
	if s := in.SSESpecification; s != nil && (s.Enabled == nil || !*s.Enabled) && d.SSEDescription == nil {
		return nil, invalid(invalidPrefix + "Table is already encrypted by default")
	}
	plan.busy = plan.pending != nil || len(plan.creates) > 0 || len(plan.deletes) > 0 || len(plan.updates) > 0
	return plan, nil
}

func indexUpdated(in *UpdateTableInput, index string) bool {
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Update != nil && u.Update.IndexName == index {
			return true
		}
	}
	return false
}

// checkDecrease applies the daily decrease allowance.
func checkDecrease(pt *ProvisionedThroughputDescription, now time.Time) error {
	count := decreasesToday(pt, now)
	if count < freeDecreasesPerDay {
		return nil
	}
	last := pt.LastDecreaseDateTime
	next := last.Add(decreaseInterval)
	if midnight := startOfNextDay(last); midnight.Before(next) {
		next = midnight
	}
	if now.Before(next) {
		return decreaseLimited(count, last, next)
	}
	return nil
}

// decreasesToday is the number of decreases in now's UTC day.
func decreasesToday(pt *ProvisionedThroughputDescription, now time.Time) int64 {
	if pt.LastDecreaseDateTime.IsZero() || !sameUTCDay(pt.LastDecreaseDateTime, now) {
		return 0
	}
	return pt.NumberOfDecreasesToday
}

func sameUTCDay(a, b time.Time) bool {
	ay, am, ad := a.UTC().Date()
	by, bm, bd := b.UTC().Date()
	return ay == by && am == bm && ad == bd
}

func startOfNextDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// planIndexes validates the global index actions.
func (c *Catalog) planIndexes(t *Table, in *UpdateTableInput, mode BillingMode, plan *updatePlan) error {
	d := &t.Description
	creates, deletes := 0, 0
	defs := d.AttributeDefinitions
	if in.AttributeDefinitions != nil {
		defs = mergeDefinitions(d.AttributeDefinitions, in.AttributeDefinitions)
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			creates++
			cr := u.Create
			if hasIndex(d, cr.IndexName) {
				return invalid(MsgIndexExists)
			}
			if in.AttributeDefinitions == nil {
				return invalidf("AttributeDefinitions is not specified for index: %s", cr.IndexName)
			}
			if err := keysDefined(keyNames(cr.KeySchema), defNames(defs)); err != nil {
				return err
			}
			if err := gsiThroughputRules(mode, cr.IndexName, cr.ProvisionedThroughput, true); err != nil {
				return err
			}
			gd := GlobalSecondaryIndexDescription{
				IndexName:   cr.IndexName,
				IndexArn:    IndexARN(d.TableArn, cr.IndexName),
				IndexStatus: IndexStatusCreating,
				Backfilling: false,
				KeySchema:   slices.Clone(cr.KeySchema),
				Projection:  cloneProjection(*cr.Projection),
			}
			if pt := cr.ProvisionedThroughput; pt != nil {
				if err := c.capacityLimits(cr.IndexName, *pt.ReadCapacityUnits, *pt.WriteCapacityUnits); err != nil {
					return err
				}
				gd.ProvisionedThroughput.ReadCapacityUnits = *pt.ReadCapacityUnits
				gd.ProvisionedThroughput.WriteCapacityUnits = *pt.WriteCapacityUnits
			}
			plan.creates = append(plan.creates, gd)
			plan.attrDefs = defs
		case u.Delete != nil:
			deletes++
			if err := c.indexActionTarget(d, u.Delete.IndexName, "delete"); err != nil {
				return err
			}
			plan.deletes = append(plan.deletes, u.Delete.IndexName)
		case u.Update != nil:
			name := u.Update.IndexName
			if err := c.indexActionTarget(d, name, "update"); err != nil {
				return err
			}
			if mode == BillingModePayPerRequest {
				return invalidf("The only Updates for index: %s when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput", name)
			}
			pt := u.Update.ProvisionedThroughput
			read, write := *pt.ReadCapacityUnits, *pt.WriteCapacityUnits
			g := findIndex(d, name)
			if g.ProvisionedThroughput.ReadCapacityUnits == read && g.ProvisionedThroughput.WriteCapacityUnits == write {
				return throughputUnchanged(name, read, write, read, write)
			}
			if err := c.capacityLimits(name, read, write); err != nil {
				return err
			}
			plan.updates = append(plan.updates, IndexCapacity{IndexName: name, ReadCapacityUnits: read, WriteCapacityUnits: write})
		}
	}
	if creates+deletes > 1 {
		return limitExceeded(MsgOneIndexAtATime)
	}
	if creates > 0 && len(d.GlobalSecondaryIndexes)+creates > MaxGlobalSecondaryIndexes {
		return limitExceeded(MsgGSILimitUpdate)
	}
	return nil
}

// indexActionTarget checks that an Update or Delete names a global index of
// the table.
func (c *Catalog) indexActionTarget(d *TableDescription, index, verb string) error {
	if findIndex(d, index) != nil {
		return nil
	}
	for _, l := range d.LocalSecondaryIndexes {
		if l.IndexName == index {
			return invalid("Cannot " + verb + " an index that is not a GlobalSecondaryIndex: " + index)
		}
	}
	return indexNotFound(index, d.TableName)
}

func findIndex(d *TableDescription, name string) *GlobalSecondaryIndexDescription {
	for i := range d.GlobalSecondaryIndexes {
		if d.GlobalSecondaryIndexes[i].IndexName == name {
			return &d.GlobalSecondaryIndexes[i]
		}
	}
	return nil
}

func hasIndex(d *TableDescription, name string) bool {
	if findIndex(d, name) != nil {
		return true
	}
	for _, l := range d.LocalSecondaryIndexes {
		if l.IndexName == name {
			return true
		}
	}
	return false
}

// mergeDefinitions returns the table's definitions plus the new ones.
func mergeDefinitions(have, add []AttributeDefinition) []AttributeDefinition {
	out := slices.Clone(have)
	for _, a := range add {
		found := false
		for _, h := range have {
			if h.AttributeName == a.AttributeName {
				found = true
			}
		}
		if !found {
			out = append(out, a)
		}
	}
	return out
}

// apply records a validated update.
func (p *updatePlan) apply(c *Catalog, t *Table, now time.Time) {
	d := &t.Description
	if p.pending != nil || len(p.updates) > 0 {
		pending := p.pending
		if pending == nil {
			pending = &PendingUpdate{}
		}
		pending.Indexes = append(pending.Indexes, p.updates...)
		t.Pending = pending
		if pending.BillingMode == BillingModePayPerRequest {
			d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = now.UTC()
		}
	}
	if p.increase {
		d.ProvisionedThroughput.LastIncreaseDateTime = now.UTC()
	}
	if p.decrease {
		d.ProvisionedThroughput.NumberOfDecreasesToday = decreasesToday(&d.ProvisionedThroughput, now) + 1
		d.ProvisionedThroughput.LastDecreaseDateTime = now.UTC()
	}
	for _, u := range p.updates {
		findIndex(d, u.IndexName).IndexStatus = IndexStatusUpdating
	}
	for _, name := range p.deletes {
		findIndex(d, name).IndexStatus = IndexStatusDeleting
	}
	if len(p.creates) > 0 {
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, p.creates...)
		d.AttributeDefinitions = p.attrDefs
	}
	if s := p.stream; s != nil {
		if *s.StreamEnabled {
			d.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: s.StreamViewType}
			d.LatestStreamLabel = StreamLabel(now)
			d.LatestStreamArn = StreamARN(d.TableArn, d.LatestStreamLabel)
		} else {
			d.StreamSpecification = nil
		}
	}
	if s := p.sse; s != nil {
		if s.Enabled == nil || *s.Enabled {
			d.SSEDescription = c.sseDescription(s)
		} else {
			d.SSEDescription = nil
		}
	}
	if p.protection != nil {
		d.DeletionProtectionEnabled = *p.protection
	}
	if p.class != "" {
		d.TableClassSummary = &TableClassSummary{TableClass: p.class, LastUpdateDateTime: now.UTC()}
	}
	if p.busy {
		d.TableStatus = TableStatusUpdating
	}
}
