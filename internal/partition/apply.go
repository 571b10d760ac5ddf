package partition

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/itemcodec"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// DynamoDB's messages for the outcomes of apply.
const (
	// MsgConditionalCheckFailed is the message of a failed condition.
	MsgConditionalCheckFailed = "The conditional request failed"
	// MsgUpdateItemTooLarge is the message for an update whose result would
	// exceed itemcheck.MaxItemSize.
	MsgUpdateItemTooLarge = "Item size to update has exceeded the maximum allowed size"
)

// maxReusedBatch is the largest batch, in bytes, whose buffer Apply keeps
// for the next call.
const maxReusedBatch = 4 << 20

// Result is the outcome of one command, the value Apply returns for it (as a
// *Result). Err is nil when the command took effect; otherwise it says why
// nothing changed: a *dberr.ConditionalCheckFailedException, a
// *dberr.ValidationException (an update that fails at run time or makes the
// item too large or too deep), a *WrongRangeError, or an error wrapping
// ErrCorruptCommand, ErrSchemaMismatch, ErrInvalidItem or ErrInvalidSplit. A command whose
// Err is set still advances the applied index.
type Result struct {
	Err error
	// Key is the command's storage key (write commands whose key encoded).
	Key []byte
	// Attributes is what the request returns for its ReturnValues: the
	// old item (ALL_OLD), the new one (ALL_NEW), or the attributes an
	// update touched (UPDATED_OLD, UPDATED_NEW); nil for NONE or nothing.
	Attributes attr.Item
	// Old is the item stored before the command (nil: none); New the item
	// stored after it (nil: none, or the command failed).
	Old, New attr.Item
	// OldSize and NewSize are the sizes of Old and New as DynamoDB counts
	// them, for consumed capacity. When the command failed NewSize is
	// OldSize.
	OldSize, NewSize int
	// Split is set for a Split that took effect.
	Split *SplitResult
}

// SplitResult describes the two sides of a split as of its index.
type SplitResult struct {
	// Left is this partition after the split, Right the partition of the
	// new group (AppliedIndex 0: its raft group starts afresh).
	Left, Right Meta
}

// pending is the state of one key written earlier in the same Apply call:
// the overlay that lets each command see the ones before it.
type pending struct {
	item attr.Item // nil: deleted
	size int
}

// applier holds the state of one Apply call.
type applier struct {
	p        *Partition
	meta     *Meta
	batch    storage.Batch
	overlay  map[string]*pending
	cacheKey []byte
	// newGroups are the groups whose metadata a split in this batch wrote.
	newGroups map[uint64]bool
	writes    []writeEvent
}

// writeEvent is one call of Options.OnWrite, made after the commit.
type writeEvent struct {
	key              []byte
	oldSize, newSize int
}

// Apply implements multiraft.StateMachine. The commands are applied in
// order, each seeing the effects of the ones before it, and all of them are
// written in one storage batch together with the new Meta, committed once.
// Each command's value is a *Result. The returned error is set only when the
// partition cannot go on (a storage failure, corrupt stored state, an index
// at or below the applied index); nothing of the call is then committed.
//
// With Options.Round, Apply does not commit: it stages its writes in the
// round's batch, and Round.Commit commits them with those of every other
// partition of the round. Commands of later Apply calls in the same round
// see the staged effects of earlier ones; readers, Meta and AppliedIndex see
// them only once the round commits.
func (p *Partition) Apply(cmds []multiraft.Command) ([]any, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	if r := p.opts.Round; r != nil {
		return r.apply(p, cmds)
	}
	meta := p.meta.Load().Clone()
	batch := p.batch
	p.batch = nil
	if batch == nil {
		batch = p.engine.NewBatch()
	}
	a := &applier{p: p, meta: &meta, batch: batch, overlay: make(map[string]*pending, len(cmds))}
	results, err := a.run(cmds)
	if err != nil {
		return nil, err
	}
	a.batch.SetMeta(p.group, EncodeMeta(meta))
	if err := p.engine.Commit(a.batch, p.opts.Sync); err != nil {
		return nil, fmt.Errorf("partition: group %d: commit through index %d: %w", p.group, meta.AppliedIndex, err)
	}
	p.meta.Store(&meta)
	// Keep the batch for the next call unless it grew large: its buffer
	// stays allocated.
	if batch.Size() <= maxReusedBatch {
		batch.Reset()
		p.batch = batch
	}
	a.committed()
	return results, nil
}

// run applies cmds to the applier's batch, overlay and meta.
func (a *applier) run(cmds []multiraft.Command) ([]any, error) {
	results := make([]any, len(cmds))
	for i, c := range cmds {
		if c.Index <= a.meta.AppliedIndex {
			return nil, fmt.Errorf("partition: group %d: command index %d is not after applied index %d", a.p.group, c.Index, a.meta.AppliedIndex)
		}
		r, err := a.apply(c)
		if err != nil {
			return nil, fmt.Errorf("partition: group %d: apply index %d: %w", a.p.group, c.Index, err)
		}
		a.meta.AppliedIndex = c.Index
		if r.Split != nil {
			r.Split.Left.AppliedIndex = c.Index
		}
		results[i] = r
	}
	return results, nil
}

// committed runs the Options.OnWrite calls of the applier's writes, once
// their batch has committed.
func (a *applier) committed() {
	if a.p.opts.OnWrite != nil {
		for _, w := range a.writes {
			a.p.opts.OnWrite(w.key, w.oldSize, w.newSize)
		}
	}
}

// apply applies one command to the batch. An error means the partition
// cannot go on; a command's own failure is in the Result.
func (a *applier) apply(c multiraft.Command) (*Result, error) {
	cmd, exprs, err := decodeCommand(c.Data)
	if err != nil {
		return &Result{Err: err}, nil
	}
	if cmd.Op == OpSplit {
		return a.split(cmd)
	}
	key, err := storageKey(cmd)
	if err != nil {
		return &Result{Err: err}, nil
	}
	if !a.meta.owns(key) {
		return &Result{Err: a.p.wrongRange(a.meta, key)}, nil
	}
	if !schemasEqual(cmd.Schema, a.meta.Schema) {
		return &Result{Key: key, Err: fmt.Errorf("%w: table %d", ErrSchemaMismatch, cmd.Table)}, nil
	}
	old, oldSize, err := a.lookup(key)
	if err != nil {
		return nil, err
	}
	r := &Result{Key: key, Old: old, OldSize: oldSize, NewSize: oldSize}
	a.writes = append(a.writes, writeEvent{key: key, oldSize: oldSize, newSize: oldSize})
	event := &a.writes[len(a.writes)-1]

	a.cacheKey = append(append(a.cacheKey[:0], byte(cmd.Op)), exprs...)
	comp := a.p.compile(cmd, a.cacheKey)
	if comp.err != nil {
		r.Err = comp.err
		return r, nil
	}
	if comp.cond != nil {
		ok, err := comp.cond.Eval(old)
		if err != nil {
			r.Err = err
			return r, nil
		}
		if !ok {
			failure := &dberr.ConditionalCheckFailedException{Message: MsgConditionalCheckFailed}
			if cmd.ReturnValuesOnConditionCheckFailure == "ALL_OLD" {
				failure.Item = old
			}
			r.Err = failure
			return r, nil
		}
	}

	var updated attr.Item
	newSize := 0
	switch cmd.Op {
	case OpPut:
		updated = cmd.Item
		newSize = itemcheck.Size(updated)
		if newSize > itemcheck.MaxItemSize {
			// The router validated the item; refusing it here keeps an
			// oversized item out of storage even if it did not.
			r.Err = &dberr.ValidationException{Message: itemcheck.MsgItemTooLarge}
			return r, nil
		}
		if cmd.ReturnValues == "ALL_OLD" {
			r.Attributes = old
		}
	case OpUpdate:
		if old == nil && onlyRemoves(comp.upd) {
			// DynamoDB does not create an item for an update that only
			// removes attributes or set members: nothing is written.
			r.NewSize = 0
			return r, nil
		}
		base := old
		if base == nil {
			// The new item starts from the key, with its numbers in
			// canonical form (the router sends them so already).
			canon, err := itemcheck.Values(cmd.Key)
			if err != nil {
				r.Err = err
				return r, nil
			}
			base = cmd.Schema.KeyOf(canon)
		}
		updated = base
		if comp.upd != nil {
			if updated, err = comp.upd.Apply(base); err != nil {
				r.Err = err
				return r, nil
			}
		}
		if err := checkKeyUnchanged(cmd.Schema, base, updated); err != nil {
			r.Err = err
			return r, nil
		}
		if err := checkUpdated(updated); err != nil {
			r.Err = err
			return r, nil
		}
		newSize = itemcheck.Size(updated)
		r.Attributes = updateView(comp.upd, cmd.ReturnValues, old, updated)
	case OpDelete:
		if cmd.ReturnValues == "ALL_OLD" {
			r.Attributes = old
		}
	}
	var value []byte
	if updated != nil {
		// Encoding fails only for values no valid request produces; the
		// failure is the command's, the same on every replica.
		if value, err = encodeStored(updated, newSize); err != nil {
			r.Err = fmt.Errorf("%w: %w", ErrInvalidItem, err)
			return r, nil
		}
	}
	if err := a.write(key, old != nil, oldSize, updated, value, newSize); err != nil {
		return nil, err
	}
	r.New, r.NewSize = updated, newSize
	event.newSize = newSize
	return r, nil
}

// storageKey returns the storage key of a write command's item or key.
func storageKey(cmd *Command) ([]byte, error) {
	keyItem := cmd.Key
	if cmd.Op == OpPut {
		keyItem = cmd.Item
	}
	pk, ok := keyItem[cmd.Schema.Partition.Name]
	if !ok || pk.Type() != cmd.Schema.Partition.Type {
		return nil, &dberr.ValidationException{Message: itemcheck.MsgKeySchemaMismatch}
	}
	var sk attr.Value
	if cmd.Schema.Sort != nil {
		if sk, ok = keyItem[cmd.Schema.Sort.Name]; !ok || sk.Type() != cmd.Schema.Sort.Type {
			return nil, &dberr.ValidationException{Message: itemcheck.MsgKeySchemaMismatch}
		}
	}
	key, err := keyenc.Key(cmd.Table, pk, sk)
	if err == nil && len(key) > storage.MaxKeySize {
		err = fmt.Errorf("key of %d bytes", len(key))
	}
	if err != nil {
		// The router validated the key; a value keyenc refuses (a number
		// out of range) gets DynamoDB's key message all the same.
		return nil, &dberr.ValidationException{Message: itemcheck.MsgKeySchemaMismatch}
	}
	return key, nil
}

// onlyRemoves reports whether an update has actions and all of them remove
// (REMOVE, DELETE; legacy DELETE with or without a value). An update with no
// action at all still creates a missing item from its key.
func onlyRemoves(upd *expr.Update) bool {
	if upd == nil || len(upd.Actions()) == 0 {
		return false
	}
	for _, a := range upd.Actions() {
		if a.Kind != expr.ActionRemove && a.Kind != expr.ActionDelete {
			return false
		}
	}
	return true
}

// checkKeyUnchanged refuses an update that changed a key attribute, which
// would store the item under a key that is no longer its own. The router
// refuses such updates before proposing them (expr.Update's
// CheckKeyAttributes); this keeps storage consistent even if it did not.
func checkKeyUnchanged(schema itemcheck.KeySchema, base, updated attr.Item) error {
	for _, name := range schema.Names() {
		if !attr.Equal(base[name], updated[name]) {
			return &dberr.ValidationException{Message: "One or more parameter values were invalid: Cannot update attribute " + name + ". This attribute is part of the key"}
		}
	}
	return nil
}

// checkUpdated applies DynamoDB's limits to the result of an update.
func checkUpdated(item attr.Item) error {
	for _, v := range item {
		if depth(v, 1) > itemcheck.MaxDepth {
			return &dberr.ValidationException{Message: itemcheck.MsgNestingUpdate}
		}
	}
	if itemcheck.Size(item) > itemcheck.MaxItemSize {
		return &dberr.ValidationException{Message: MsgUpdateItemTooLarge}
	}
	return nil
}

// depth returns the deepest level a value reaches when it sits at level.
func depth(v attr.Value, level int) int {
	deepest := level
	switch v.Type() {
	case attr.TypeM:
		for _, e := range v.M() {
			deepest = max(deepest, depth(e, level+1))
		}
	case attr.TypeL:
		for _, e := range v.L() {
			deepest = max(deepest, depth(e, level+1))
		}
	}
	return deepest
}

// updateView returns UpdateItem's ReturnValues view. old is nil when no item
// was stored.
func updateView(upd *expr.Update, mode string, old, updated attr.Item) attr.Item {
	if upd != nil {
		return upd.ReturnValues(mode, old, updated)
	}
	// No update actions: nothing was touched, so the UPDATED_* views are
	// empty.
	var out attr.Item
	switch mode {
	case "ALL_OLD":
		out = old
	case "ALL_NEW":
		out = updated
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// lookup returns the item stored at key as the batch so far leaves it.
func (a *applier) lookup(key []byte) (attr.Item, int, error) {
	if p, ok := a.overlay[string(key)]; ok {
		return p.item, p.size, nil
	}
	raw, err := a.p.engine.Get(key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read key %x: %w", key, err)
	}
	item, size, err := decodeStored(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("key %x: %w", key, err)
	}
	return item, size, nil
}

// write records the new state of key (updated nil: no item; value its
// stored encoding) in the batch and the overlay and adjusts the counts.
func (a *applier) write(key []byte, existed bool, oldSize int, updated attr.Item, value []byte, newSize int) error {
	if existed {
		if a.meta.Items == 0 || a.meta.Bytes < uint64(oldSize) {
			return fmt.Errorf("%w: removing an item of %d bytes from a count of %d items, %d bytes", ErrStateCorrupt, oldSize, a.meta.Items, a.meta.Bytes)
		}
		a.meta.Items--
		a.meta.Bytes -= uint64(oldSize)
	}
	if updated == nil {
		if existed {
			a.batch.Delete(key)
		}
		a.overlay[string(key)] = &pending{}
		return nil
	}
	a.batch.Set(key, value)
	a.overlay[string(key)] = &pending{item: updated, size: newSize}
	a.meta.Items++
	a.meta.Bytes += uint64(newSize)
	return nil
}

// split applies a Split command.
func (a *applier) split(cmd *Command) (*Result, error) {
	lo, hi := a.meta.bounds()
	splitKey := cmd.SplitKey
	if a.meta.Range.Empty() || bytes.Compare(splitKey, lo) <= 0 || (hi != nil && bytes.Compare(splitKey, hi) >= 0) {
		return &Result{Err: fmt.Errorf("%w: split key %x not inside (%x, %x)", ErrInvalidSplit, splitKey, lo, hi)}, nil
	}
	if len(splitKey) > storage.MaxKeySize {
		return &Result{Err: fmt.Errorf("%w: split key of %d bytes", ErrInvalidSplit, len(splitKey))}, nil
	}
	if cmd.NewGroup == 0 || cmd.NewGroup == a.p.group {
		return &Result{Err: fmt.Errorf("%w: new group ID %d", ErrInvalidSplit, cmd.NewGroup)}, nil
	}
	if a.newGroups[cmd.NewGroup] {
		return &Result{Err: fmt.Errorf("%w: group %d is already the right side of a split in this batch", ErrInvalidSplit, cmd.NewGroup)}, nil
	}
	// A group ID is allocated once, cluster-wide: metadata already stored
	// for it means the node's state is not what the log expects.
	if _, err := a.p.engine.Meta(cmd.NewGroup); err == nil {
		return nil, fmt.Errorf("%w: split to group %d, which already has metadata on this node", ErrStateCorrupt, cmd.NewGroup)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("read metadata of group %d: %w", cmd.NewGroup, err)
	}
	items, size, err := a.countRange(splitKey, hi)
	if err != nil {
		return nil, err
	}
	if items > a.meta.Items || size > a.meta.Bytes {
		return nil, fmt.Errorf("%w: right side of split holds %d items, %d bytes; the partition counts %d items, %d bytes", ErrStateCorrupt, items, size, a.meta.Items, a.meta.Bytes)
	}
	right := Meta{
		Table:  a.meta.Table,
		Schema: a.meta.Schema,
		Range:  keyenc.Range{Start: bytes.Clone(splitKey), End: bytes.Clone(a.meta.Range.End)},
		Items:  items,
		Bytes:  size,
	}
	a.meta.Range.End = bytes.Clone(splitKey)
	a.meta.Items -= items
	a.meta.Bytes -= size
	a.batch.SetMeta(cmd.NewGroup, EncodeMeta(right))
	if a.newGroups == nil {
		a.newGroups = map[uint64]bool{}
	}
	a.newGroups[cmd.NewGroup] = true
	return &Result{Split: &SplitResult{Left: a.meta.Clone(), Right: right.Clone()}}, nil
}

// countRange counts the items and bytes in [lo, hi) as the batch so far
// leaves them. It walks the stored keys of the range once, reading only the
// size prefix of each value (no item is decoded), then adds the keys the
// batch wrote: O(keys in the range + keys in the batch).
func (a *applier) countRange(lo, hi []byte) (items, size uint64, err error) {
	it, err := a.p.engine.NewIter(storage.IterOptions{Lower: lo, Upper: hi})
	if err != nil {
		return 0, 0, fmt.Errorf("count range: %w", err)
	}
	for it.Next() {
		if _, ok := a.overlay[string(it.Key())]; ok {
			continue
		}
		n, err := storedSize(it.Value())
		if err != nil {
			_ = it.Close()
			return 0, 0, fmt.Errorf("count range: key %x: %w", it.Key(), err)
		}
		items++
		size += uint64(n)
	}
	if err := it.Close(); err != nil {
		return 0, 0, fmt.Errorf("count range: %w", err)
	}
	for k, p := range a.overlay {
		key := []byte(k)
		if p.item == nil || bytes.Compare(key, lo) < 0 || (hi != nil && bytes.Compare(key, hi) >= 0) {
			continue
		}
		items++
		size += uint64(p.size)
	}
	return items, size, nil
}

// A stored value is the item's size (itemcheck.Size) as an unsigned varint,
// then the item in itemcodec's encoding. The size prefix lets a split count
// a range's bytes without decoding items.
func encodeStored(item attr.Item, size int) ([]byte, error) {
	b := binary.AppendUvarint(make([]byte, 0, size+32), uint64(size))
	return itemcodec.Encode(b, item)
}

func storedSize(b []byte) (int, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > itemcheck.MaxItemSize {
		return 0, fmt.Errorf("%w: bad size prefix", ErrCorruptItem)
	}
	return int(n), nil
}

func decodeStored(b []byte) (attr.Item, int, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > itemcheck.MaxItemSize {
		return nil, 0, fmt.Errorf("%w: bad size prefix", ErrCorruptItem)
	}
	item, err := itemcodec.Decode(b[k:])
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrCorruptItem, err)
	}
	return item, int(n), nil
}
