package bench

import (
	"context"
	"strings"
	"sync"

	"github.com/google/btree"
)

// EncodeKey is the order targets store keys in: the partition key, then a
// zero byte and the sort key, so that a partition's items are contiguous
// and sorted by sort key.
func EncodeKey(k Key) string {
	if k.Sort == "" {
		return k.Partition
	}
	return k.Partition + "\x00" + k.Sort
}

// Items is a sorted map of items with a version each, the state of the
// built-in targets. It is not safe for concurrent use.
type Items struct {
	tree *btree.BTreeG[storedItem]
}

type storedItem struct {
	key     string
	value   []byte
	version uint64
}

// NewItems returns an empty Items.
func NewItems() *Items {
	return &Items{tree: btree.NewG(32, func(a, b storedItem) bool { return a.key < b.key })}
}

// Len returns the number of items.
func (s *Items) Len() int { return s.tree.Len() }

// Get returns the value and version (counting writes from 1) of the item
// under key, an EncodeKey.
func (s *Items) Get(key string) (value []byte, version uint64, ok bool) {
	it, ok := s.tree.Get(storedItem{key: key})
	return it.value, it.version, ok
}

// Put stores value (keeping the slice) under key and returns the item's
// new version.
func (s *Items) Put(key string, value []byte) uint64 {
	old, _ := s.tree.Get(storedItem{key: key})
	s.tree.ReplaceOrInsert(storedItem{key: key, value: value, version: old.version + 1})
	return old.version + 1
}

// Scan counts up to limit items in key order from start, within start's
// partition when start has a sort key (the rule of Target.Scan).
func (s *Items) Scan(start Key, limit int) int {
	prefix := ""
	if start.Sort != "" {
		prefix = start.Partition + "\x00"
	}
	n := 0
	s.tree.AscendGreaterOrEqual(storedItem{key: EncodeKey(start)}, func(it storedItem) bool {
		if n >= limit || !strings.HasPrefix(it.key, prefix) {
			return false
		}
		n++
		return true
	})
	return n
}

// Clone returns a copy that shares no mutable state with s (values are
// never modified in place, so they are shared).
func (s *Items) Clone() *Items { return &Items{tree: s.tree.Clone()} }

// Each calls fn for every item in key order until it returns false.
func (s *Items) Each(fn func(key string, value []byte, version uint64) bool) {
	s.tree.Ascend(func(it storedItem) bool { return fn(it.key, it.value, it.version) })
}

// PutVersion stores an item with a given version (restoring a snapshot).
func (s *Items) PutVersion(key string, value []byte, version uint64) {
	s.tree.ReplaceOrInsert(storedItem{key: key, value: value, version: version})
}

// MemoryTarget is a Target held in a sorted map in the process: no
// replication, no disk. It measures the harness's own overhead and checks
// its workloads; it never throttles.
type MemoryTarget struct {
	mu    sync.RWMutex
	items *Items
}

// NewMemoryTarget returns an empty MemoryTarget.
func NewMemoryTarget() *MemoryTarget { return &MemoryTarget{items: NewItems()} }

// Len returns the number of items.
func (m *MemoryTarget) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.items.Len()
}

// Read reads one item.
func (m *MemoryTarget) Read(_ context.Context, key Key) (Outcome, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if _, _, ok := m.items.Get(EncodeKey(key)); !ok {
		return NotFound, nil
	}
	return OK, nil
}

// Update writes an item's value.
func (m *MemoryTarget) Update(_ context.Context, key Key, value []byte) (Outcome, error) {
	value = append([]byte(nil), value...)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items.Put(EncodeKey(key), value)
	return OK, nil
}

// Insert writes an item.
func (m *MemoryTarget) Insert(ctx context.Context, key Key, value []byte) (Outcome, error) {
	return m.Update(ctx, key, value)
}

// Scan reads up to limit items from start (see Target).
func (m *MemoryTarget) Scan(_ context.Context, start Key, limit int) (Outcome, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.items.Scan(start, limit) == 0 {
		return NotFound, nil
	}
	return OK, nil
}

// ReadModifyWrite reads the item, then writes value if its version is
// still the one read. The two steps take the lock separately, as a
// client's two requests would, so concurrent writers can make it fail.
func (m *MemoryTarget) ReadModifyWrite(_ context.Context, key Key, value []byte) (Outcome, error) {
	k := EncodeKey(key)
	m.mu.RLock()
	_, version, ok := m.items.Get(k)
	m.mu.RUnlock()
	if !ok {
		return NotFound, nil
	}
	value = append([]byte(nil), value...)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, now, _ := m.items.Get(k); now != version {
		return ConditionFailed, nil
	}
	m.items.Put(k, value)
	return OK, nil
}
