package boltstore

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"github.com/embeddynamo/dynamo/internal/storage"
)

// Limits of one iterator chunk: the pairs copied out of bbolt per read
// transaction. A chunk holds at least one pair, however large.
const (
	chunkPairs = 256
	chunkBytes = 256 << 10
)

// iter copies pairs out a chunk at a time through view: a fresh short read
// transaction per chunk for a live engine iterator, the snapshot's own
// transaction for a snapshot iterator. Between chunks it re-seeks after the
// last key it returned.
type iter struct {
	view    func(fn func(tx *bolt.Tx) error) error
	lower   []byte
	upper   []byte
	reverse bool

	arena   []byte // keys and values of the current chunk
	offsets []int  // per pair: key start, value start, value end in arena
	pos     int    // current pair in the chunk
	started bool
	done    bool   // the chunk in hand is the last one
	last    []byte // last key of the previous chunk
	err     error
	closed  bool
}

func newIter(view func(fn func(tx *bolt.Tx) error) error, opts storage.IterOptions) *iter {
	return &iter{
		view:    view,
		lower:   bytes.Clone(opts.Lower),
		upper:   bytes.Clone(opts.Upper),
		reverse: opts.Reverse,
	}
}

func (it *iter) pairs() int { return len(it.offsets) / 3 }

func (it *iter) fill() error {
	it.arena = it.arena[:0]
	it.offsets = it.offsets[:0]
	it.pos = 0
	err := it.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(dataBucket).Cursor()
		var k, v []byte
		step := c.Next
		if it.reverse {
			step = c.Prev
		}
		switch {
		case it.started && it.reverse:
			// Seek lands on it.last, or past it if it was deleted since,
			// or nowhere: in every case the wanted pair is the one before.
			k, v = seekBefore(c, it.last)
		case it.started:
			if k, v = c.Seek(it.last); k != nil && bytes.Equal(k, it.last) {
				k, v = c.Next()
			}
		case it.reverse && it.upper != nil:
			k, v = seekBefore(c, it.upper)
		case it.reverse:
			k, v = c.Last()
		case len(it.lower) > 0:
			k, v = c.Seek(it.lower)
		default:
			k, v = c.First()
		}
		for ; k != nil; k, v = step() {
			if it.reverse {
				if it.lower != nil && bytes.Compare(k, it.lower) < 0 {
					it.done = true
					return nil
				}
			} else if it.upper != nil && bytes.Compare(k, it.upper) >= 0 {
				it.done = true
				return nil
			}
			if it.pairs() == chunkPairs || (it.pairs() > 0 && len(it.arena)+len(k)+len(v) > chunkBytes) {
				return nil
			}
			keyStart := len(it.arena)
			it.arena = append(it.arena, k...)
			valueStart := len(it.arena)
			it.arena = append(it.arena, v...)
			it.offsets = append(it.offsets, keyStart, valueStart, len(it.arena))
		}
		it.done = true
		return nil
	})
	if n := it.pairs(); n > 0 {
		it.last = append(it.last[:0], it.key(n-1)...)
	}
	it.started = true
	return err
}

func (it *iter) key(i int) []byte {
	return it.arena[it.offsets[3*i]:it.offsets[3*i+1]:it.offsets[3*i+1]]
}

func (it *iter) value(i int) []byte {
	return it.arena[it.offsets[3*i+1]:it.offsets[3*i+2]:it.offsets[3*i+2]]
}

func (it *iter) Next() bool {
	if it.closed || it.err != nil {
		return false
	}
	if it.started {
		it.pos++
		if it.pos < it.pairs() {
			return true
		}
		if it.done {
			it.pos = it.pairs()
			return false
		}
	}
	if err := it.fill(); err != nil {
		it.err = err
		it.offsets = it.offsets[:0]
		return false
	}
	return it.pairs() > 0
}

func (it *iter) valid() bool {
	return !it.closed && it.started && it.pos < it.pairs()
}

func (it *iter) Key() []byte {
	if !it.valid() {
		return nil
	}
	return it.key(it.pos)
}

func (it *iter) Value() []byte {
	if !it.valid() {
		return nil
	}
	return it.value(it.pos)
}

func (it *iter) Err() error { return it.err }

func (it *iter) Close() error {
	it.closed = true
	it.arena, it.offsets = nil, nil
	return it.err
}

// seekBefore positions c on the last key before key.
func seekBefore(c *bolt.Cursor, key []byte) (k, v []byte) {
	if k, _ = c.Seek(key); k == nil {
		return c.Last()
	}
	return c.Prev()
}
