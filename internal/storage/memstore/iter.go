package memstore

import (
	"bytes"

	"github.com/embeddynamo/dynamo/internal/storage"
)

// iterChunk is how many entries an iterator copies out of the B-tree per
// descent. The B-tree only offers callback walks; the iterator turns them
// into Next calls by walking a chunk at a time and re-seeking after the last
// key seen, which is cheap because the version it walks never changes.
const iterChunk = 64

// iter walks one immutable version.
type iter struct {
	v        *version
	lower    []byte
	upper    []byte
	reverse  bool
	isClosed func() bool // reports whether the engine or snapshot closed

	chunk   []entry // entries of the current chunk, pointing into the tree
	pos     int     // index in chunk of the current entry
	started bool
	last    []byte // key of the last entry of the previous chunk
	done    bool   // no entries after the current chunk
	key     []byte // copy of the current key, owned by the iterator
	value   []byte // copy of the current value
	err     error
	closed  bool
}

func newIter(v *version, opts storage.IterOptions, isClosed func() bool) *iter {
	return &iter{
		v:        v,
		lower:    bytes.Clone(opts.Lower),
		upper:    bytes.Clone(opts.Upper),
		reverse:  opts.Reverse,
		isClosed: isClosed,
		chunk:    make([]entry, 0, iterChunk),
		key:      make([]byte, 0, 64),
		value:    make([]byte, 0, 256),
	}
}

// fill loads the next chunk after it.last (or from the bound on the first
// call).
func (it *iter) fill() {
	it.chunk = it.chunk[:0]
	it.pos = 0
	first := it.started // only the first entry of a re-seek can be it.last
	collect := func(en entry) bool {
		if first {
			first = false
			if bytes.Equal(en.key, it.last) {
				return true // the re-seek landed on the last key returned
			}
		}
		if it.reverse {
			if it.lower != nil && bytes.Compare(en.key, it.lower) < 0 {
				it.done = true
				return false
			}
			if !it.started && it.upper != nil && bytes.Compare(en.key, it.upper) >= 0 {
				return true // DescendLessOrEqual includes the exclusive upper bound
			}
		} else if it.upper != nil && bytes.Compare(en.key, it.upper) >= 0 {
			it.done = true
			return false
		}
		it.chunk = append(it.chunk, en)
		return len(it.chunk) < iterChunk
	}
	switch {
	case it.reverse && it.started:
		it.v.data.DescendLessOrEqual(entry{key: it.last}, collect)
	case it.reverse && it.upper != nil:
		it.v.data.DescendLessOrEqual(entry{key: it.upper}, collect)
	case it.reverse:
		it.v.data.Descend(collect)
	case it.started:
		it.v.data.AscendGreaterOrEqual(entry{key: it.last}, collect)
	case it.lower != nil:
		it.v.data.AscendGreaterOrEqual(entry{key: it.lower}, collect)
	default:
		it.v.data.Ascend(collect)
	}
	if len(it.chunk) < iterChunk {
		it.done = true
	}
	if n := len(it.chunk); n > 0 {
		it.last = append(it.last[:0], it.chunk[n-1].key...)
	}
	it.started = true
}

func (it *iter) Next() bool {
	if it.closed || it.err != nil {
		return false
	}
	if it.isClosed() {
		it.err = storage.ErrClosed
		return false
	}
	if it.started {
		it.pos++
	}
	if !it.started || it.pos >= len(it.chunk) {
		if it.started && it.done {
			it.pos = len(it.chunk)
			return false
		}
		it.fill()
		if len(it.chunk) == 0 {
			return false
		}
	}
	en := it.chunk[it.pos]
	it.key = append(it.key[:0], en.key...)
	it.value = append(it.value[:0], en.value...)
	return true
}

func (it *iter) Key() []byte {
	if !it.valid() {
		return nil
	}
	return it.key
}

func (it *iter) Value() []byte {
	if !it.valid() {
		return nil
	}
	return it.value
}

func (it *iter) valid() bool {
	return !it.closed && it.started && it.pos < len(it.chunk)
}

func (it *iter) Err() error { return it.err }

func (it *iter) Close() error {
	it.closed = true
	it.chunk = nil
	return it.err
}
