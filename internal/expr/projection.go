package expr

import (
	"slices"
	"sort"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// Projection is a compiled ProjectionExpression (or AttributesToGet, built
// with NewProjection). It is immutable and safe for concurrent use.
type Projection struct {
	paths []Path
	usage Usage
}

// ParseProjection parses and validates a ProjectionExpression.
func ParseProjection(src string, names Names) (*Projection, error) {
	const kind = "ProjectionExpression"
	if err := checkSize(kind, src); err != nil {
		return nil, err
	}
	p := newParser(src)
	raw, ok := p.parseProjection()
	if !ok {
		return nil, kindError(kind, p.syntaxError())
	}
	ch := newChecker(kind, names, nil)
	paths := make([]Path, len(raw))
	for i, r := range raw {
		paths[i] = ch.path(r)
	}
	ch.checkPaths(paths)
	if err := ch.err(); err != nil {
		return nil, err
	}
	return &Projection{paths: paths, usage: ch.usage}, nil
}

// NewProjection returns the projection of the given paths; legacy
// AttributesToGet is NewProjection of one AttrPath per name.
func NewProjection(paths ...Path) *Projection { return &Projection{paths: slices.Clone(paths)} }

// Paths returns the projected paths in order. The slice must not be
// modified.
func (p *Projection) Paths() []Path { return p.paths }

// Usage returns the placeholders the expression referred to.
func (p *Projection) Usage() Usage { return p.usage }

// Apply returns the parts of item the projection names. Paths the item
// lacks are skipped; list elements picked from one list keep their index
// order and are packed together, as DynamoDB returns them.
func (p *Projection) Apply(item attr.Item) attr.Item { return project(item, p.paths) }

// projNode accumulates the picked parts of one value.
type projNode struct {
	leaf  *attr.Value
	keys  map[string]*projNode
	order []string
	idx   map[int]*projNode
}

func project(item attr.Item, paths []Path) attr.Item {
	out := attr.Item{}
	if item == nil {
		return out
	}
	root := &projNode{}
	for _, path := range paths {
		v, ok := lookup(item, path)
		if !ok {
			continue
		}
		cur := root
		for i, e := range path {
			var next *projNode
			if e.IsIndex() {
				if cur.idx == nil {
					cur.idx = map[int]*projNode{}
				}
				if next = cur.idx[e.Index]; next == nil {
					next = &projNode{}
					cur.idx[e.Index] = next
				}
			} else {
				if cur.keys == nil {
					cur.keys = map[string]*projNode{}
				}
				if next = cur.keys[e.Name]; next == nil {
					next = &projNode{}
					cur.keys[e.Name] = next
					cur.order = append(cur.order, e.Name)
				}
			}
			if i == len(path)-1 {
				v := v
				next.leaf = &v
			}
			cur = next
		}
	}
	for _, k := range root.order {
		out[k] = root.keys[k].build()
	}
	return out
}

func (n *projNode) build() attr.Value {
	if n.leaf != nil {
		return *n.leaf
	}
	if n.keys != nil {
		m := make(map[string]attr.Value, len(n.keys))
		for k, c := range n.keys {
			m[k] = c.build()
		}
		return attr.NewMapUnchecked(m)
	}
	idx := make([]int, 0, len(n.idx))
	for i := range n.idx {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	l := make([]attr.Value, len(idx))
	for j, i := range idx {
		l[j] = n.idx[i].build()
	}
	return attr.NewListUnchecked(l)
}
