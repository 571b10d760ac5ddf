package expr

import (
	"slices"
	"sort"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

// Update is a compiled UpdateExpression (or a list of actions built from
// legacy AttributeUpdates with NewUpdate). It is immutable and safe for
// concurrent use.
type Update struct {
	actions  []Action
	usage    Usage
	mismatch string
}

// ParseUpdate parses and validates an UpdateExpression.
func ParseUpdate(src string, names Names, values Values) (*Update, error) {
	const kind = "UpdateExpression"
	if err := checkSize(kind, src); err != nil {
		return nil, err
	}
	p := newParser(src)
	sections, ok := p.parseUpdate()
	if !ok {
		return nil, kindError(kind, p.syntaxError())
	}
	ch := newChecker(kind, names, values)
	seen := map[ActionKind]bool{}
	var actions []Action
	var paths []Path
	for _, s := range sections {
		if seen[s.kind] {
			ch.report(catSection, `The "`+s.kind.String()+`" section can only be used once in an update expression;`)
		}
		seen[s.kind] = true
		for _, ra := range s.actions {
			a := Action{Kind: ra.kind, Path: ch.path(ra.path)}
			switch ra.kind {
			case ActionSet:
				a.Value = ch.setOperand(ra.value)
			case ActionAdd, ActionDelete:
				v := ch.value(ra.value.tok)
				if v.IsValid() {
					ch.checkAddDelete(ra.kind, v)
				}
				a.Value = ValueOperand(v)
			}
			actions = append(actions, a)
			paths = append(paths, a.Path)
		}
	}
	ch.checkPaths(paths)
	if err := ch.err(); err != nil {
		return nil, err
	}
	return &Update{actions: actions, usage: ch.usage, mismatch: MsgIncorrectOperandType}, nil
}

// NewUpdate wraps actions built with SetAction, RemoveAction, AddAction and
// DeleteAction. mismatchMessage is the message of the ValidationException
// that ADD and DELETE return when the stored attribute has another type
// ("" means the UpdateExpression message; legacy AttributeUpdates use
// "Type mismatch for attribute to update"). Unlike ParseUpdate, ADD of a list
// value appends to a stored list, as legacy ADD does.
func NewUpdate(mismatchMessage string, actions ...Action) *Update {
	if mismatchMessage == "" {
		mismatchMessage = MsgIncorrectOperandType
	}
	return &Update{actions: slices.Clone(actions), mismatch: mismatchMessage}
}

// Actions returns the update's actions in the order written. The slice
// must not be modified.
func (u *Update) Actions() []Action { return u.actions }

// Usage returns the placeholders the expression referred to.
func (u *Update) Usage() Usage { return u.usage }

// Paths returns the document paths the update writes or removes, in order.
func (u *Update) Paths() []Path {
	out := make([]Path, len(u.actions))
	for i, a := range u.actions {
		out[i] = a.Path
	}
	return out
}

// CheckKeyAttributes rejects an update that would change a key attribute
// (keys are the table's and, for "Key attributes must be scalars", the
// key attribute names to protect). It returns DynamoDB's messages.
func (u *Update) CheckKeyAttributes(keys ...string) error {
	for _, k := range keys {
		for _, a := range u.actions {
			if len(a.Path) > 0 && a.Path[0].Name == k {
				return validation("One or more parameter values were invalid: Cannot update attribute " + k + ". This attribute is part of the key")
			}
		}
	}
	for _, k := range keys {
		for _, a := range u.actions {
			if nestedUse(a, k) {
				return validation("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: " + k)
			}
		}
	}
	return nil
}

// nestedUse reports whether the action reads key k with a nested path.
func nestedUse(a Action, k string) bool {
	var walk func(o *Operand) bool
	walk = func(o *Operand) bool {
		if o == nil {
			return false
		}
		if o.Kind == OperandPath && len(o.Path) > 1 && o.Path[0].Name == k {
			return true
		}
		for _, arg := range o.Args {
			if walk(arg) {
				return true
			}
		}
		return false
	}
	return walk(a.Value)
}

// ReturnValues returns the attributes UpdateItem returns for mode (NONE,
// ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW) given the item before and after
// Apply. UPDATED_* project the paths the update touched. It returns nil for
// NONE and for an empty result. old must be nil when no item was stored
// (even if Apply was given the key).
func (u *Update) ReturnValues(mode string, old, updated attr.Item) attr.Item {
	var out attr.Item
	switch mode {
	case "ALL_OLD":
		out = old
	case "ALL_NEW":
		out = updated
	case "UPDATED_OLD":
		out = project(old, u.Paths())
	case "UPDATED_NEW":
		out = project(updated, u.Paths())
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Apply computes the item after the update. old is the stored item; when
// no item is stored, pass the request's key (attributes of the key are
// readable by the update, as in DynamoDB) or nil. old is not modified. All
// operands are computed from old before any action is applied; list
// elements are addressed by their index in old, and SET past the end of a
// list appends, in index order.
func (u *Update) Apply(old attr.Item) (attr.Item, error) {
	root := &updateNode{}
	for i := range u.actions {
		a := &u.actions[i]
		leaf := &updateNode{action: a}
		if a.Kind == ActionSet {
			v, err := u.setValue(a.Value, old)
			if err != nil {
				return nil, err
			}
			leaf.value = v
		}
		if len(a.Path) == 0 || a.Path[0].IsIndex() {
			return nil, validation(MsgInvalidPathForUpdate)
		}
		root.insert(a.Path, leaf)
	}
	out := make(attr.Item, len(old)+len(root.keys))
	for k, v := range old {
		out[k] = v
	}
	for _, k := range root.keyOrder {
		child := root.keys[k]
		cur, exists := out[k]
		nv, keep, err := u.applyNode(child, cur, exists)
		if err != nil {
			return nil, err
		}
		if keep {
			out[k] = nv
		} else {
			delete(out, k)
		}
	}
	return out, nil
}

// updateNode is one node of the tree of action paths: a leaf holds an
// action, an inner node holds map-key or list-index children.
type updateNode struct {
	action   *Action
	value    attr.Value // computed SET value
	keys     map[string]*updateNode
	keyOrder []string
	idx      map[int]*updateNode
}

func (n *updateNode) insert(p Path, leaf *updateNode) {
	cur := n
	for i, e := range p {
		var next *updateNode
		last := i == len(p)-1
		if e.IsIndex() {
			if cur.idx == nil {
				cur.idx = make(map[int]*updateNode)
			}
			next = cur.idx[e.Index]
			if next == nil || last {
				if last {
					next = leaf
				} else {
					next = &updateNode{}
				}
				cur.idx[e.Index] = next
			}
		} else {
			if cur.keys == nil {
				cur.keys = make(map[string]*updateNode)
			}
			next = cur.keys[e.Name]
			if next == nil || last {
				if _, had := cur.keys[e.Name]; !had {
					cur.keyOrder = append(cur.keyOrder, e.Name)
				}
				if last {
					next = leaf
				} else {
					next = &updateNode{}
				}
				cur.keys[e.Name] = next
			}
		}
		cur = next
	}
}

// applyNode returns the new value for a node given the current value; keep
// is false when the value is removed.
func (u *Update) applyNode(n *updateNode, cur attr.Value, exists bool) (attr.Value, bool, error) {
	if n.action != nil {
		return u.applyLeaf(n, cur, exists)
	}
	if !exists {
		return attr.Value{}, false, validation(MsgInvalidPathForUpdate)
	}
	if n.keys != nil {
		if cur.Type() != attr.TypeM || n.idx != nil {
			return attr.Value{}, false, validation(MsgInvalidPathForUpdate)
		}
		m := make(map[string]attr.Value, len(cur.M())+len(n.keys))
		for k, v := range cur.M() {
			m[k] = v
		}
		for _, k := range n.keyOrder {
			v, had := m[k]
			nv, keep, err := u.applyNode(n.keys[k], v, had)
			if err != nil {
				return attr.Value{}, false, err
			}
			if keep {
				m[k] = nv
			} else {
				delete(m, k)
			}
		}
		return attr.NewMapUnchecked(m), true, nil
	}
	if cur.Type() != attr.TypeL {
		return attr.Value{}, false, validation(MsgInvalidPathForUpdate)
	}
	old := cur.L()
	out := make([]attr.Value, 0, len(old)+len(n.idx))
	for i, v := range old {
		child, ok := n.idx[i]
		if !ok {
			out = append(out, v)
			continue
		}
		nv, keep, err := u.applyNode(child, v, true)
		if err != nil {
			return attr.Value{}, false, err
		}
		if keep {
			out = append(out, nv)
		}
	}
	var beyond []int
	for i := range n.idx {
		if i >= len(old) {
			beyond = append(beyond, i)
		}
	}
	sort.Ints(beyond)
	for _, i := range beyond {
		nv, keep, err := u.applyNode(n.idx[i], attr.Value{}, false)
		if err != nil {
			return attr.Value{}, false, err
		}
		if keep {
			out = append(out, nv)
		}
	}
	return attr.NewListUnchecked(out), true, nil
}

func (u *Update) applyLeaf(n *updateNode, cur attr.Value, exists bool) (attr.Value, bool, error) {
	a := n.action
	switch a.Kind {
	case ActionSet:
		return n.value, true, nil
	case ActionRemove:
		return attr.Value{}, false, nil
	case ActionAdd:
		v := a.Value.Value
		if !exists {
			return v, true, nil
		}
		if cur.Type() != v.Type() {
			return attr.Value{}, false, validation(u.mismatch)
		}
		switch v.Type() {
		case attr.TypeN:
			sum, err := number.Add(cur.N(), v.N())
			if err != nil {
				return attr.Value{}, false, asAPIError(err)
			}
			return attr.N(sum), true, nil
		case attr.TypeSS, attr.TypeNS, attr.TypeBS:
			return setUnion(cur, v), true, nil
		case attr.TypeL:
			return attr.NewListUnchecked(append(slices.Clone(cur.L()), v.L()...)), true, nil
		}
		return attr.Value{}, false, validation(u.mismatch)
	case ActionDelete:
		v := a.Value.Value
		if !exists {
			return attr.Value{}, false, nil
		}
		if cur.Type() != v.Type() || !v.Type().IsSet() {
			return attr.Value{}, false, validation(u.mismatch)
		}
		rest := setDifference(cur, v)
		if rest.Len() == 0 {
			return attr.Value{}, false, nil
		}
		return rest, true, nil
	}
	return attr.Value{}, false, validation(MsgInvalidPathForUpdate)
}

func setUnion(a, b attr.Value) attr.Value {
	out := slices.Clone(a.SetMembers())
	for _, m := range b.SetMembers() {
		if !setHas(a, m) && !slices.Contains(out[len(a.SetMembers()):], m) {
			out = append(out, m)
		}
	}
	return attr.NewSetUnchecked(a.Type(), out)
}

func setDifference(a, b attr.Value) attr.Value {
	out := make([]string, 0, a.Len())
	for _, m := range a.SetMembers() {
		if !setHas(b, m) {
			out = append(out, m)
		}
	}
	return attr.NewSetUnchecked(a.Type(), out)
}

// setHas reports membership; number sets compare numerically.
func setHas(set attr.Value, m string) bool {
	for _, x := range set.SetMembers() {
		if x == m {
			return true
		}
		if set.Type() == attr.TypeNS {
			if c, err := number.Compare(x, m); err == nil && c == 0 {
				return true
			}
		}
	}
	return false
}

// setValue computes the right side of a SET action from the old item.
func (u *Update) setValue(o *Operand, old attr.Item) (attr.Value, error) {
	if o == nil {
		return attr.Value{}, validation(MsgMissingOperand)
	}
	switch o.Kind {
	case OperandValue:
		return o.Value, nil
	case OperandPath:
		v, ok := lookup(old, o.Path)
		if !ok {
			return attr.Value{}, validation(MsgMissingOperand)
		}
		return v, nil
	case OperandIfNotExists:
		if len(o.Args) == 2 && o.Args[0].Kind == OperandPath {
			if v, ok := lookup(old, o.Args[0].Path); ok {
				return v, nil
			}
			return u.setValue(o.Args[1], old)
		}
	case OperandListAppend:
		if len(o.Args) == 2 {
			a, err := u.setValue(o.Args[0], old)
			if err != nil {
				return attr.Value{}, err
			}
			if a.Type() != attr.TypeL {
				return attr.Value{}, validation(MsgIncorrectOperandType)
			}
			b, err := u.setValue(o.Args[1], old)
			if err != nil {
				return attr.Value{}, err
			}
			if b.Type() != attr.TypeL {
				return attr.Value{}, validation(MsgIncorrectOperandType)
			}
			joined := make([]attr.Value, 0, len(a.L())+len(b.L()))
			joined = append(append(joined, a.L()...), b.L()...)
			return attr.NewListUnchecked(joined), nil
		}
	case OperandPlus, OperandMinus:
		if len(o.Args) == 2 {
			a, err := u.setValue(o.Args[0], old)
			if err != nil {
				return attr.Value{}, err
			}
			if a.Type() != attr.TypeN {
				return attr.Value{}, validation(MsgIncorrectOperandType)
			}
			b, err := u.setValue(o.Args[1], old)
			if err != nil {
				return attr.Value{}, err
			}
			if b.Type() != attr.TypeN {
				return attr.Value{}, validation(MsgIncorrectOperandType)
			}
			var text string
			if o.Kind == OperandPlus {
				text, err = number.Add(a.N(), b.N())
			} else {
				text, err = number.Sub(a.N(), b.N())
			}
			if err != nil {
				return attr.Value{}, asAPIError(err)
			}
			return attr.N(text), nil
		}
	}
	return attr.Value{}, validation(MsgIncorrectOperandType)
}
