package partition

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// The model-based test applies random writes with random conditions to a
// partition and to a plain map whose semantics are written out by hand
// below, and compares the outcome of every command and the whole state
// after every batch. Items hold at most: n (a small integer), s (a string)
// and tags (a string set).

// modelItem is the model's view of one item.
type modelItem struct {
	n    *int
	s    *string
	tags []string // sorted; nil: absent
}

func (m *modelItem) item(pk string, sk int) attr.Item {
	out := key(pk, sk)
	if m.n != nil {
		out["n"] = attr.N(itoa(*m.n))
	}
	if m.s != nil {
		out["s"] = attr.S(*m.s)
	}
	if m.tags != nil {
		out["tags"] = attr.SS(m.tags...)
	}
	return out
}

func (m *modelItem) clone() *modelItem {
	if m == nil {
		return nil
	}
	out := &modelItem{tags: slices.Clone(m.tags)}
	if m.n != nil {
		n := *m.n
		out.n = &n
	}
	if m.s != nil {
		s := *m.s
		out.s = &s
	}
	return out
}

type modelKey struct {
	pk string
	sk int
}

// modelOp is one random command: its Command and the model's semantics.
type modelOp struct {
	cmd *Command
	key modelKey
	// cond reports whether the condition holds on the old item (nil: none).
	cond func(old *modelItem) bool
	// update returns the new item from the old one (nil: missing; the
	// update starts from the key) or fails; nil for Put and Delete.
	update func(old *modelItem) (*modelItem, error)
	// put is the item a Put writes.
	put *modelItem
}

var (
	modelStrings = []string{"a", "b", "c"}
	modelTags    = []string{"x", "y", "z"}
)

func randomModelItem(r *rand.Rand) *modelItem {
	m := &modelItem{}
	if r.IntN(3) > 0 {
		n := r.IntN(21) - 10
		m.n = &n
	}
	if r.IntN(2) == 0 {
		s := modelStrings[r.IntN(len(modelStrings))]
		m.s = &s
	}
	if r.IntN(2) == 0 {
		set := map[string]bool{}
		for range 1 + r.IntN(2) {
			set[modelTags[r.IntN(len(modelTags))]] = true
		}
		for t := range set {
			m.tags = append(m.tags, t)
		}
		sort.Strings(m.tags)
	}
	return m
}

// randomCondition sets a random condition on c and returns its model.
func randomCondition(r *rand.Rand, c *Command) func(old *modelItem) bool {
	v := r.IntN(11) - 5
	s := modelStrings[r.IntN(len(modelStrings))]
	setValue := func(name string, val attr.Value) {
		if c.Values == nil {
			c.Values = expr.Values{}
		}
		c.Values[name] = val
	}
	switch r.IntN(7) {
	case 0:
		c.ConditionExpression = "attribute_exists(pk)"
		return func(old *modelItem) bool { return old != nil }
	case 1:
		c.ConditionExpression = "attribute_not_exists(#p)"
		c.Names = expr.Names{"#p": "pk"}
		return func(old *modelItem) bool { return old == nil }
	case 2:
		c.ConditionExpression = "n > :cv"
		setValue(":cv", attr.N(itoa(v)))
		return func(old *modelItem) bool { return old != nil && old.n != nil && *old.n > v }
	case 3:
		c.ConditionExpression = "s = :cs"
		setValue(":cs", attr.S(s))
		return func(old *modelItem) bool { return old != nil && old.s != nil && *old.s == s }
	case 4:
		c.ConditionExpression = "attribute_not_exists(pk) OR n <= :cv"
		setValue(":cv", attr.N(itoa(v)))
		return func(old *modelItem) bool { return old == nil || (old.n != nil && *old.n <= v) }
	case 5:
		c.ConditionExpression = "contains(tags, :ct) AND NOT s = :cs"
		tag := modelTags[r.IntN(len(modelTags))]
		setValue(":ct", attr.S(tag))
		setValue(":cs", attr.S(s))
		return func(old *modelItem) bool {
			return old != nil && slices.Contains(old.tags, tag) && (old.s == nil || *old.s != s)
		}
	default:
		return nil
	}
}

// randomUpdate sets a random update expression on c and returns its model.
func randomUpdate(r *rand.Rand, c *Command) func(old *modelItem) (*modelItem, error) {
	d := r.IntN(7) - 3
	s := modelStrings[r.IntN(len(modelStrings))]
	tag := modelTags[r.IntN(len(modelTags))]
	values := expr.Values{}
	base := func(old *modelItem) *modelItem {
		if old == nil {
			return &modelItem{}
		}
		return old.clone()
	}
	var f func(old *modelItem) (*modelItem, error)
	switch r.IntN(6) {
	case 0:
		c.UpdateExpression = "SET n = if_not_exists(n, :zero) + :d"
		values[":zero"], values[":d"] = attr.N("0"), attr.N(itoa(d))
		f = func(old *modelItem) (*modelItem, error) {
			m := base(old)
			n := d
			if m.n != nil {
				n += *m.n
			}
			m.n = &n
			return m, nil
		}
	case 1:
		c.UpdateExpression = "SET n = n + :d"
		values[":d"] = attr.N(itoa(d))
		f = func(old *modelItem) (*modelItem, error) {
			m := base(old)
			if m.n == nil {
				return nil, &dberr.ValidationException{Message: expr.MsgMissingOperand}
			}
			n := *m.n + d
			m.n = &n
			return m, nil
		}
	case 2:
		c.UpdateExpression = "SET s = :s"
		values[":s"] = attr.S(s)
		f = func(old *modelItem) (*modelItem, error) {
			m := base(old)
			m.s = &s
			return m, nil
		}
	case 3:
		c.UpdateExpression = "REMOVE s"
		f = func(old *modelItem) (*modelItem, error) {
			if old == nil {
				return nil, nil // an update that only removes creates no item
			}
			m := base(old)
			m.s = nil
			return m, nil
		}
	case 4:
		c.UpdateExpression = "ADD tags :t"
		values[":t"] = attr.SS(tag)
		f = func(old *modelItem) (*modelItem, error) {
			m := base(old)
			if !slices.Contains(m.tags, tag) {
				m.tags = append(m.tags, tag)
				sort.Strings(m.tags)
			}
			return m, nil
		}
	default:
		c.UpdateExpression = "DELETE tags :t"
		values[":t"] = attr.SS(tag)
		f = func(old *modelItem) (*modelItem, error) {
			if old == nil {
				return nil, nil
			}
			m := base(old)
			if i := slices.Index(m.tags, tag); i >= 0 {
				m.tags = slices.Delete(m.tags, i, i+1)
				if len(m.tags) == 0 {
					m.tags = nil
				}
			}
			return m, nil
		}
	}
	for k, v := range values {
		if c.Values == nil {
			c.Values = expr.Values{}
		}
		c.Values[k] = v
	}
	return f
}

func randomModelOp(r *rand.Rand) modelOp {
	k := modelKey{pk: fmt.Sprintf("p%d", r.IntN(4)), sk: r.IntN(4)}
	op := modelOp{key: k}
	returnValues := []string{"", "NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"}
	switch r.IntN(3) {
	case 0:
		op.put = randomModelItem(r)
		op.cmd = putCmd(op.put.item(k.pk, k.sk))
		op.cmd.ReturnValues = returnValues[r.IntN(3)]
	case 1:
		op.cmd = &Command{Op: OpUpdate, Table: testTable, Schema: testSchema, Key: key(k.pk, k.sk)}
		// The update's values first, so that the condition's names do not
		// collide (they use distinct placeholders).
		op.update = randomUpdate(r, op.cmd)
		op.cmd.ReturnValues = returnValues[r.IntN(len(returnValues))]
	default:
		op.cmd = deleteCmd(key(k.pk, k.sk))
		op.cmd.ReturnValues = returnValues[r.IntN(3)]
	}
	op.cond = randomCondition(r, op.cmd)
	if r.IntN(2) == 0 {
		op.cmd.ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	}
	return op
}

// applyModel applies op to the model and checks the partition's result.
func applyModel(t *testing.T, model map[modelKey]*modelItem, op modelOp, r *Result, what string) {
	t.Helper()
	old := model[op.key]
	var oldItem attr.Item
	if old != nil {
		oldItem = old.item(op.key.pk, op.key.sk)
	}
	requireItem(t, oldItem, r.Old)
	if op.cond != nil && !op.cond(old) {
		var want attr.Item
		if op.cmd.ReturnValuesOnConditionCheckFailure == "ALL_OLD" {
			want = oldItem
		}
		requireConditionFailed(t, r.Err, want)
		return
	}
	var updated *modelItem
	switch {
	case op.put != nil:
		updated = op.put
	case op.update != nil:
		var err error
		if updated, err = op.update(old); err != nil {
			require.Error(t, r.Err, what)
			var v *dberr.ValidationException
			require.ErrorAs(t, r.Err, &v, what)
			return
		}
	}
	require.NoError(t, r.Err, what)
	var newItem attr.Item
	if updated != nil {
		newItem = updated.item(op.key.pk, op.key.sk)
		model[op.key] = updated
	} else {
		delete(model, op.key)
	}
	requireItem(t, newItem, r.New)
	require.Equal(t, itemcheck.Size(oldItem), r.OldSize, what)
	require.Equal(t, itemcheck.Size(newItem), r.NewSize, what)
	switch op.cmd.ReturnValues {
	case "ALL_OLD":
		if len(oldItem) == 0 {
			oldItem = nil
		}
		requireItem(t, oldItem, r.Attributes)
	case "ALL_NEW":
		requireItem(t, newItem, r.Attributes)
	case "", "NONE":
		require.Nil(t, r.Attributes, what)
	}
}

func TestModelRandomized(t *testing.T) {
	const seeds, batches = 12, 60
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		for seed := uint64(1); seed <= seeds; seed++ {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
				p := createPartition(t, newEngine(t, kind), Options{ExprCacheSize: int(seed % 3)})
				f := newFeeder(t, p)
				model := map[modelKey]*modelItem{}
				for b := range batches {
					ops := make([]modelOp, 1+r.IntN(8))
					cmds := make([]*Command, len(ops))
					for i := range ops {
						ops[i] = randomModelOp(r)
						cmds[i] = ops[i].cmd
					}
					results := f.apply(cmds...)
					for i, op := range ops {
						applyModel(t, model, op, results[i], fmt.Sprintf("seed %d batch %d command %d: %s %q %q", seed, b, i, op.cmd.Op, op.cmd.ConditionExpression, op.cmd.UpdateExpression))
					}
					requireModelState(t, p, model)
					if b%20 == 19 {
						// Move to a replica restored from a snapshot and go on
						// there: it must behave as the original would.
						p = restoredCopy(t, kind, p)
						f = newFeeder(t, p)
						requireModelState(t, p, model)
					}
				}
			})
		}
	})
}

// requireModelState compares the partition's whole state with the model.
func requireModelState(t *testing.T, p *Partition, model map[modelKey]*modelItem) {
	t.Helper()
	type entry struct {
		key  []byte
		item attr.Item
	}
	var want []entry
	var bytesTotal uint64
	for k, m := range model {
		it := m.item(k.pk, k.sk)
		want = append(want, entry{storageKeyOf(t, it), it})
		bytesTotal += uint64(itemcheck.Size(it))
	}
	sort.Slice(want, func(i, j int) bool { return bytes.Compare(want[i].key, want[j].key) < 0 })
	got := scanAll(t, p)
	require.Len(t, got, len(want))
	for i := range want {
		requireItem(t, want[i].item, got[i])
	}
	m := p.Meta()
	require.Equal(t, uint64(len(model)), m.Items)
	require.Equal(t, bytesTotal, m.Bytes)
}

// restoredCopy returns a partition on a new engine restored from a snapshot
// of p.
func restoredCopy(t *testing.T, kind engineKind, p *Partition) *Partition {
	t.Helper()
	snap, err := p.Snapshot()
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = snap.WriteTo(&buf)
	require.NoError(t, err)
	require.NoError(t, snap.Close())
	q, err := Open(newEngine(t, kind), testGroup, Options{})
	require.NoError(t, err)
	index, err := q.Restore(&buf)
	require.NoError(t, err)
	require.Equal(t, p.AppliedIndex(), index)
	require.Equal(t, p.Meta(), q.Meta())
	return q
}

// TestModelRandomizedWithSplits runs the model test over a table whose
// partition splits along the way: each command goes to the partition that
// owns its key, and the partitions together must hold exactly the model,
// with exact counts on each side.
func TestModelRandomizedWithSplits(t *testing.T) {
	const seeds, batches = 6, 90
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		for seed := uint64(1); seed <= seeds; seed++ {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 0x51ed27))
				e := newEngine(t, kind)
				parts := []*Partition{createPartition(t, e, Options{})}
				feeders := []*feeder{newFeeder(t, parts[0])}
				owner := func(k []byte) int {
					for i, p := range parts {
						if p.Contains(k) {
							return i
						}
					}
					t.Fatalf("no partition owns %x", k)
					return -1
				}
				model := map[modelKey]*modelItem{}
				for b := range batches {
					if b%15 == 7 {
						k := modelKey{pk: fmt.Sprintf("p%d", r.IntN(4)), sk: r.IntN(4)}
						splitKey := storageKeyOf(t, key(k.pk, k.sk))
						i := owner(splitKey)
						res := feeders[i].one(&Command{Op: OpSplit, SplitKey: splitKey, NewGroup: uint64(1000 + b)})
						if res.Err != nil {
							require.ErrorIs(t, res.Err, ErrInvalidSplit)
						} else {
							right, err := Open(e, uint64(1000+b), Options{})
							require.NoError(t, err)
							parts = append(parts, right)
							feeders = append(feeders, newFeeder(t, right))
						}
					}
					ops := make([]modelOp, 1+r.IntN(8))
					perPart := make([][]*Command, len(parts))
					where := make([][2]int, len(ops))
					for i := range ops {
						ops[i] = randomModelOp(r)
						o := owner(storageKeyOf(t, key(ops[i].key.pk, ops[i].key.sk)))
						where[i] = [2]int{o, len(perPart[o])}
						perPart[o] = append(perPart[o], ops[i].cmd)
					}
					results := make([][]*Result, len(parts))
					for o, cmds := range perPart {
						if len(cmds) > 0 {
							results[o] = feeders[o].apply(cmds...)
						}
					}
					for i, op := range ops {
						applyModel(t, model, op, results[where[i][0]][where[i][1]], fmt.Sprintf("seed %d batch %d command %d", seed, b, i))
					}
					requirePartsState(t, parts, model)
				}
				require.Greater(t, len(parts), 1, "the run split at least once")
			})
		}
	})
}

// requirePartsState compares the partitions together with the model.
func requirePartsState(t *testing.T, parts []*Partition, model map[modelKey]*modelItem) {
	t.Helper()
	var items, size uint64
	got := 0
	for _, p := range parts {
		requireCounts(t, p)
		m := p.Meta()
		items += m.Items
		size += m.Bytes
		for _, it := range scanAll(t, p) {
			var sk int
			_, err := fmt.Sscan(it["sk"].N(), &sk)
			require.NoError(t, err)
			want, ok := model[modelKey{pk: it["pk"].S(), sk: sk}]
			require.True(t, ok, "item %v is not in the model", it)
			requireItem(t, want.item(it["pk"].S(), sk), it)
			got++
		}
	}
	require.Equal(t, len(model), got)
	var wantSize uint64
	for k, m := range model {
		wantSize += uint64(itemcheck.Size(m.item(k.pk, k.sk)))
	}
	require.Equal(t, uint64(len(model)), items)
	require.Equal(t, wantSize, size)
}
