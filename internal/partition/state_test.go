package partition

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/keyenc"
	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// fill applies n puts (pk "p<i%7>", sk i) and some updates and deletes.
func fill(t testing.TB, f *feeder, n int) {
	t.Helper()
	var cmds []*Command
	for i := range n {
		cmds = append(cmds, putCmd(item(fmt.Sprintf("p%d", i%7), i, attr.Item{"v": attr.S(fmt.Sprint("value-", i)), "n": attr.N(itoa(i))})))
	}
	for i := 0; i < n; i += 5 {
		cmds = append(cmds, updateCmd(key(fmt.Sprintf("p%d", i%7), i), "SET n = n + :d, extra = :x", nil,
			expr.Values{":d": attr.N("100"), ":x": attr.L(attr.S("x"), attr.N("1"))}))
	}
	for i := 0; i < n; i += 3 {
		cmds = append(cmds, deleteCmd(key(fmt.Sprintf("p%d", i%7), i)))
	}
	for len(cmds) > 0 {
		k := min(len(cmds), 17)
		for _, r := range f.apply(cmds[:k]...) {
			require.NoError(t, r.Err)
		}
		cmds = cmds[k:]
	}
}

func TestDeterminismAcrossEngines(t *testing.T) {
	var dumps []map[string]string
	var metas []map[uint64][]byte
	for _, kind := range engineKinds {
		e := newEngine(t, kind)
		p := createPartition(t, e, Options{})
		f := newFeeder(t, p)
		fill(t, f, 200)
		splitKey := storageKeyOf(t, key("p3", 3))
		r := f.one(&Command{Op: OpSplit, SplitKey: splitKey, NewGroup: 555})
		require.NoError(t, r.Err)
		d, m := engineDump(t, e)
		dumps = append(dumps, d)
		metas = append(metas, m)
	}
	require.NotEmpty(t, dumps[0])
	require.Equal(t, dumps[0], dumps[1], "every stored byte is the same on both engines")
	require.Equal(t, metas[0], metas[1], "every meta byte is the same on both engines")
	require.Len(t, metas[0], 2)
}

func TestRestartKeepsAppliedIndexAndCounts(t *testing.T) {
	for _, kind := range engineKinds {
		if !kind.persistent {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			dir := t.TempDir()
			e := kind.open(t, dir)
			p := createPartition(t, e, Options{})
			f := newFeeder(t, p)
			fill(t, f, 60)
			before := p.Meta()
			items := scanAll(t, p)
			require.NoError(t, e.Close())

			e = kind.open(t, dir)
			defer e.Close()
			p, err := Open(e, testGroup, Options{})
			require.NoError(t, err)
			require.Equal(t, before, p.Meta())
			require.Equal(t, before.AppliedIndex, p.AppliedIndex())
			require.Equal(t, items, scanAll(t, p))
			requireCounts(t, p)
			// Applying goes on from the recovered index.
			f = newFeeder(t, p)
			require.NoError(t, f.one(putCmd(item("after", 1, nil))).Err)
			require.Equal(t, before.AppliedIndex+1, p.AppliedIndex())
		})
	}
}

func TestCreateAndOpen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		e := newEngine(t, kind)
		empty, err := Open(e, testGroup, Options{})
		require.NoError(t, err)
		require.True(t, empty.Range().Empty(), "a group without metadata opens owning nothing")
		require.Zero(t, empty.AppliedIndex())
		r := newFeeder(t, empty).one(putCmd(item("a", 1, nil)))
		var wr *WrongRangeError
		require.ErrorAs(t, r.Err, &wr)
		reopened, err := Open(e, testGroup, Options{})
		require.NoError(t, err, "the meta an empty replica writes reopens")
		require.Equal(t, uint64(1), reopened.AppliedIndex())

		_, err = Create(e, testGroup, Meta{Table: testTable, Schema: testSchema, Range: wholeTable()}, Options{})
		require.ErrorIs(t, err, ErrExists)
		_, err = Create(e, testGroup+1, Meta{Table: testTable, Schema: testSchema, Range: keyenc.Range{Start: []byte{2}, End: []byte{1}}}, Options{})
		require.Error(t, err, "an empty range is refused")
		_, err = Create(e, testGroup+1, Meta{Table: testTable, Range: wholeTable()}, Options{})
		require.Error(t, err, "a missing key schema is refused")
		_, err = Create(e, 0, Meta{Table: testTable, Schema: testSchema, Range: wholeTable()}, Options{})
		require.Error(t, err)
	})
}

func TestGetAndScan(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		p := createPartition(t, newEngine(t, kind), Options{})
		f := newFeeder(t, p)
		var cmds []*Command
		for sk := range 10 {
			cmds = append(cmds, putCmd(item("coll", sk, attr.Item{"i": attr.N(itoa(sk))})))
		}
		cmds = append(cmds, putCmd(item("other", 1, nil)))
		f.apply(cmds...)

		got, err := p.Get(attr.Item{"pk": attr.S("coll"), "sk": attr.N("3.0")})
		require.NoError(t, err)
		requireItem(t, item("coll", 3, attr.Item{"i": attr.N("3")}), got)
		got, err = p.Get(key("coll", 99))
		require.NoError(t, err)
		require.Nil(t, got)
		_, err = p.Get(attr.Item{"pk": attr.S("coll")})
		requireValidation(t, err, itemcheck.MsgKeySchemaMismatch)

		coll, err := keyenc.CollectionRange(testTable, attr.S("coll"))
		require.NoError(t, err)
		sks := func(opts ScanOptions) []int {
			it, err := p.Scan(opts)
			require.NoError(t, err)
			var out []int
			for it.Next() {
				var n int
				_, err := fmt.Sscan(it.Item()["sk"].N(), &n)
				require.NoError(t, err)
				require.Equal(t, storageKeyOf(t, it.Item()), it.Key())
				require.Equal(t, itemcheck.Size(it.Item()), it.Size())
				out = append(out, n)
			}
			require.NoError(t, it.Close())
			return out
		}
		gt3, err := keyenc.SortKeyRange(testTable, attr.S("coll"), keyenc.OpGT, attr.N("3"))
		require.NoError(t, err)
		cases := []struct {
			name string
			opts ScanOptions
			want []int
		}{
			{"a collection forward", ScanOptions{Range: coll}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
			{"a collection in reverse", ScanOptions{Range: coll, Reverse: true}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
			{"a sort key condition", ScanOptions{Range: gt3}, []int{4, 5, 6, 7, 8, 9}},
			{"a page after a start key", ScanOptions{Range: coll, StartAfter: storageKeyOf(t, key("coll", 6))}, []int{7, 8, 9}},
			{"a reverse page after a start key", ScanOptions{Range: coll, StartAfter: storageKeyOf(t, key("coll", 6)), Reverse: true}, []int{5, 4, 3, 2, 1, 0}},
			{"a start key past the range", ScanOptions{Range: gt3, StartAfter: storageKeyOf(t, key("coll", 9))}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { require.Equal(t, tc.want, sks(tc.opts)) })
		}
		require.Len(t, scanAll(t, p), 11)
	})
}

func TestSnapshotRestore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		src := createPartition(t, newEngine(t, kind), Options{})
		f := newFeeder(t, src)
		fill(t, f, 150)
		snap, err := src.Snapshot()
		require.NoError(t, err)
		require.Equal(t, src.AppliedIndex(), snap.Index())
		// Writes after the snapshot are not in it.
		f.one(putCmd(item("late", 1, nil)))
		var buf bytes.Buffer
		n, err := snap.WriteTo(&buf)
		require.NoError(t, err)
		require.Equal(t, int64(buf.Len()), n)
		require.NoError(t, snap.Close())
		require.NoError(t, snap.Close(), "Close is idempotent")

		for _, dstKind := range engineKinds {
			t.Run("into "+dstKind.name, func(t *testing.T) {
				dstEngine := newEngine(t, dstKind)
				// The destination holds stale data of the range and an
				// unrelated key of another table, which must survive.
				dst := createPartition(t, dstEngine, Options{})
				newFeeder(t, dst).one(putCmd(item("stale", 1, nil)))
				outside, err := keyenc.Key(testTable+1, attr.S("x"), attr.N("1"))
				require.NoError(t, err)
				b := dstEngine.NewBatch()
				b.Set(outside, []byte("keep"))
				require.NoError(t, dstEngine.Commit(b, true))

				index, err := dst.Restore(bytes.NewReader(buf.Bytes()))
				require.NoError(t, err)
				require.Equal(t, snap.Index(), index)
				require.Equal(t, snap.Index(), dst.AppliedIndex())
				wantMeta := src.Meta()
				wantMeta.AppliedIndex = snap.Index()
				wantMeta.Items--
				wantMeta.Bytes -= uint64(itemcheck.Size(item("late", 1, nil)))
				require.Equal(t, wantMeta, dst.Meta())
				srcItems := scanAll(t, src)
				dstItems := scanAll(t, dst)
				require.Len(t, dstItems, len(srcItems)-1)
				for i, j := 0, 0; i < len(srcItems); i++ {
					if attr.ItemsEqual(srcItems[i], item("late", 1, nil)) {
						continue
					}
					requireItem(t, srcItems[i], dstItems[j])
					j++
				}
				requireCounts(t, dst)
				v, err := dstEngine.Get(outside)
				require.NoError(t, err)
				require.Equal(t, []byte("keep"), v)

				reopened, err := Open(dstEngine, testGroup, Options{})
				require.NoError(t, err)
				require.Equal(t, wantMeta, reopened.Meta(), "the restored meta is durable in the engine")
			})
		}
	})
}

func TestRestoreIntoEmptyReplica(t *testing.T) {
	src := createPartition(t, newEngine(t, engineKinds[0]), Options{})
	fill(t, newFeeder(t, src), 40)
	var buf bytes.Buffer
	snap, err := src.Snapshot()
	require.NoError(t, err)
	_, err = snap.WriteTo(&buf)
	require.NoError(t, err)
	require.NoError(t, snap.Close())

	dst, err := Open(newEngine(t, engineKinds[1]), testGroup, Options{})
	require.NoError(t, err)
	_, err = dst.Restore(&buf)
	require.NoError(t, err)
	require.Equal(t, src.Meta(), dst.Meta())
	require.Equal(t, scanAll(t, src), scanAll(t, dst))
	// The restored replica applies what comes next like the source.
	next := putCmd(item("next", 1, nil))
	require.NoError(t, newFeeder(t, src).one(next).Err)
	require.NoError(t, newFeeder(t, dst).one(next).Err)
	require.Equal(t, src.Meta(), dst.Meta())
}

func TestRestoreRejectsCorruptStream(t *testing.T) {
	src := createPartition(t, newEngine(t, engineKinds[0]), Options{})
	fill(t, newFeeder(t, src), 30)
	var buf bytes.Buffer
	snap, err := src.Snapshot()
	require.NoError(t, err)
	_, err = snap.WriteTo(&buf)
	require.NoError(t, err)
	require.NoError(t, snap.Close())
	valid := buf.Bytes()

	headerLen := bytes.Index(valid, []byte("DYRS"))
	require.Positive(t, headerLen)
	cases := map[string][]byte{
		"empty":                 nil,
		"bad magic":             append([]byte("XXXX"), valid[4:]...),
		"flipped header byte":   flip(valid, headerLen/2),
		"flipped header crc":    flip(valid, headerLen-1),
		"flipped data byte":     flip(valid, headerLen+len(valid[headerLen:])/2),
		"flipped last byte":     flip(valid, len(valid)-1),
		"truncated header":      valid[:headerLen-2],
		"truncated data":        valid[:len(valid)-10],
		"no data":               valid[:headerLen],
		"bytes after the end":   append(bytes.Clone(valid), 0),
		"huge meta length":      append([]byte("DYPS\x01\xff\xff\xff\xff\x0f"), valid[headerLen:]...),
		"unknown version":       append([]byte("DYPS\x02"), valid[5:]...),
		"data of another range": nil, // filled below
	}
	// A valid stream whose meta claims a range that excludes the data.
	other := src.Meta()
	other.Range = keyenc.Range{Start: keyenc.PrefixEnd(keyenc.TablePrefix(testTable))}
	cases["data of another range"] = withMeta(t, valid, headerLen, other)

	forEachEngine(t, func(t *testing.T, kind engineKind) {
		for name, stream := range cases {
			t.Run(name, func(t *testing.T) {
				e := newEngine(t, kind)
				dst := createPartition(t, e, Options{})
				fill(t, newFeeder(t, dst), 10)
				dataBefore, metaBefore := engineDump(t, e)
				before := dst.Meta()
				_, err := dst.Restore(bytes.NewReader(stream))
				require.ErrorIs(t, err, ErrCorruptSnapshot)
				dataAfter, metaAfter := engineDump(t, e)
				require.Equal(t, dataBefore, dataAfter, "a corrupt stream changes no data")
				require.Equal(t, metaBefore, metaAfter, "a corrupt stream changes no meta")
				require.Equal(t, before, dst.Meta())
			})
		}
		t.Run("read error", func(t *testing.T) {
			dst := createPartition(t, newEngine(t, kind), Options{})
			boom := errors.New("boom")
			_, err := dst.Restore(io.MultiReader(bytes.NewReader(valid[:len(valid)/2]), errReader{boom}))
			require.ErrorIs(t, err, boom)
			require.Zero(t, dst.AppliedIndex())
		})
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x40
	return out
}

// withMeta rebuilds a snapshot stream's header around another meta.
func withMeta(t *testing.T, stream []byte, headerLen int, m Meta) []byte {
	t.Helper()
	snapMeta := EncodeMeta(m)
	var head bytes.Buffer
	head.WriteString("DYPS\x01")
	head.Write(uvarint(uint64(len(snapMeta))))
	head.Write(snapMeta)
	sum := crc32c(head.Bytes())
	head.Write(sum)
	return append(head.Bytes(), stream[headerLen:]...)
}

func TestSplit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		e := newEngine(t, kind)
		p := createPartition(t, e, Options{})
		f := newFeeder(t, p)
		fill(t, f, 120)
		all := scanAll(t, p)
		splitKey := storageKeyOf(t, all[len(all)/2])
		var leftItems, rightItems []attr.Item
		var leftBytes, rightBytes uint64
		for _, it := range all {
			if bytes.Compare(storageKeyOf(t, it), splitKey) < 0 {
				leftItems = append(leftItems, it)
				leftBytes += uint64(itemcheck.Size(it))
			} else {
				rightItems = append(rightItems, it)
				rightBytes += uint64(itemcheck.Size(it))
			}
		}
		before := p.Meta()
		splitIndex := p.AppliedIndex() + 1
		r := f.one(&Command{Op: OpSplit, SplitKey: splitKey, NewGroup: 900})
		require.NoError(t, r.Err)
		require.NotNil(t, r.Split)

		left := p.Meta()
		require.Equal(t, splitIndex, left.AppliedIndex)
		require.Equal(t, keyenc.Range{Start: before.Range.Start, End: splitKey}, left.Range)
		require.Equal(t, uint64(len(leftItems)), left.Items)
		require.Equal(t, leftBytes, left.Bytes)
		require.Equal(t, left, r.Split.Left)
		requireCounts(t, p)
		require.Equal(t, leftItems, scanAll(t, p))

		right, err := Open(e, 900, Options{})
		require.NoError(t, err)
		require.Equal(t, uint64(900), right.Group())
		require.True(t, right.Contains(splitKey))
		require.False(t, p.Contains(splitKey))
		require.True(t, p.Contains(storageKeyOf(t, leftItems[0])))
		rm := right.Meta()
		require.Equal(t, r.Split.Right, rm)
		require.Zero(t, rm.AppliedIndex, "the right side's raft group starts afresh")
		require.Equal(t, keyenc.Range{Start: splitKey, End: before.Range.End}, rm.Range)
		require.Equal(t, uint64(len(rightItems)), rm.Items)
		require.Equal(t, rightBytes, rm.Bytes)
		require.Equal(t, rightItems, scanAll(t, right), "the right side is seeded from the same storage")
		requireCounts(t, right)

		// The left side now refuses keys of the right side, and the right
		// side applies them.
		wr := f.one(deleteCmd(testSchema.KeyOf(rightItems[0])))
		var wrong *WrongRangeError
		require.ErrorAs(t, wr.Err, &wrong)
		_, err = p.Get(testSchema.KeyOf(rightItems[0]))
		require.ErrorAs(t, err, &wrong)
		rf := newFeeder(t, right)
		require.NoError(t, rf.one(deleteCmd(testSchema.KeyOf(rightItems[0]))).Err)
		requireCounts(t, right)
		requireCounts(t, p)
	})
}

func TestSplitSeesEarlierWritesOfItsBatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		e := newEngine(t, kind)
		p := createPartition(t, e, Options{})
		f := newFeeder(t, p)
		fill(t, f, 40)
		all := scanAll(t, p)
		splitKey := storageKeyOf(t, all[len(all)/2])
		// Writes to both sides before and after the split, in one batch.
		var rightKey, leftKey attr.Item
		for _, it := range all {
			if bytes.Compare(storageKeyOf(t, it), splitKey) >= 0 && rightKey == nil {
				rightKey = testSchema.KeyOf(it)
			}
			if bytes.Compare(storageKeyOf(t, it), splitKey) < 0 {
				leftKey = testSchema.KeyOf(it)
			}
		}
		results := f.apply(
			deleteCmd(rightKey),
			putCmd(item("new-right-or-left", 1, attr.Item{"big": attr.S("0123456789")})),
			updateCmd(leftKey, "SET grown = :g", nil, expr.Values{":g": attr.S("grown")}),
			&Command{Op: OpSplit, SplitKey: splitKey, NewGroup: 901},
			deleteCmd(rightKey),
			updateCmd(leftKey, "REMOVE grown", nil, nil),
		)
		for i, r := range results {
			if i == 4 {
				var wr *WrongRangeError
				require.ErrorAs(t, r.Err, &wr, "after the split the right side's keys are refused")
				continue
			}
			require.NoError(t, r.Err, "command %d", i)
		}
		requireCounts(t, p)
		right, err := Open(e, 901, Options{})
		require.NoError(t, err)
		requireCounts(t, right)
	})
}

func TestSplitRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		e := newEngine(t, kind)
		p := createPartition(t, e, Options{})
		f := newFeeder(t, p)
		fill(t, f, 20)
		r := wholeTable()
		mid := storageKeyOf(t, key("p1", 1))
		cases := []struct {
			name string
			cmd  *Command
		}{
			{"split at the range start", &Command{Op: OpSplit, SplitKey: r.Start, NewGroup: 5}},
			{"split below the range", &Command{Op: OpSplit, SplitKey: []byte{0}, NewGroup: 5}},
			{"split at the range end", &Command{Op: OpSplit, SplitKey: r.End, NewGroup: 5}},
			{"split to group 0", &Command{Op: OpSplit, SplitKey: mid, NewGroup: 0}},
			{"split key longer than the engine allows", &Command{Op: OpSplit, SplitKey: append(bytes.Clone(r.Start), bytes.Repeat([]byte{1}, storage.MaxKeySize)...), NewGroup: 5}},
			{"split to its own group", &Command{Op: OpSplit, SplitKey: mid, NewGroup: testGroup}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := p.Meta()
				res := f.one(tc.cmd)
				require.ErrorIs(t, res.Err, ErrInvalidSplit)
				after := p.Meta()
				require.Equal(t, before.AppliedIndex+1, after.AppliedIndex)
				after.AppliedIndex = before.AppliedIndex
				require.Equal(t, before, after)
			})
		}
		t.Run("two splits to one group in a batch", func(t *testing.T) {
			results := f.apply(&Command{Op: OpSplit, SplitKey: mid, NewGroup: 6}, &Command{Op: OpSplit, SplitKey: append(bytes.Clone(r.Start), 1), NewGroup: 6})
			require.NoError(t, results[0].Err)
			require.ErrorIs(t, results[1].Err, ErrInvalidSplit)
		})
		t.Run("split to a group that already exists stops the partition", func(t *testing.T) {
			data, err := (&Command{Op: OpSplit, SplitKey: append(bytes.Clone(r.Start), 1), NewGroup: 6}).Encode()
			require.NoError(t, err)
			_, err = p.Apply([]multiraft.Command{{Index: p.AppliedIndex() + 1, Data: data}})
			require.ErrorIs(t, err, ErrStateCorrupt)
		})
	})
}

func TestStoredValueRejectsCorruption(t *testing.T) {
	e := newEngine(t, engineKinds[0])
	p := createPartition(t, e, Options{})
	newFeeder(t, p).one(putCmd(item("a", 1, nil)))
	b := e.NewBatch()
	b.Set(storageKeyOf(t, key("a", 1)), []byte{0x05, 0xFF})
	require.NoError(t, e.Commit(b, true))
	_, err := p.Get(key("a", 1))
	require.ErrorIs(t, err, ErrCorruptItem)
	data, err := deleteCmd(key("a", 1)).Encode()
	require.NoError(t, err)
	_, err = p.Apply([]multiraft.Command{{Index: 2, Data: data}})
	require.ErrorIs(t, err, ErrCorruptItem, "a damaged engine stops the partition")
	it, err := p.Scan(ScanOptions{})
	require.NoError(t, err)
	require.False(t, it.Next())
	require.ErrorIs(t, it.Close(), ErrCorruptItem)
	var _ storage.Engine = e
}

func TestCountUnderflowStopsThePartition(t *testing.T) {
	e := newEngine(t, engineKinds[0])
	p := createPartition(t, e, Options{})
	newFeeder(t, p).one(putCmd(item("a", 1, nil)))
	// Damage the counts: the meta says the partition is empty.
	m := p.Meta()
	m.Items, m.Bytes = 0, 0
	b := e.NewBatch()
	b.SetMeta(testGroup, EncodeMeta(m))
	require.NoError(t, e.Commit(b, true))
	p, err := Open(e, testGroup, Options{})
	require.NoError(t, err)
	data, err := deleteCmd(key("a", 1)).Encode()
	require.NoError(t, err)
	_, err = p.Apply([]multiraft.Command{{Index: 2, Data: data}})
	require.ErrorIs(t, err, ErrStateCorrupt)
	require.Equal(t, uint64(1), p.AppliedIndex())
}

// A scan keeps the range it began with: a split applied while it runs does
// not shrink what it visits, and its Range says so, so that a reader goes
// on from there and skips nothing.
func TestScanKeepsItsRangeThroughASplit(t *testing.T) {
	for _, kind := range engineKinds {
		t.Run(kind.name, func(t *testing.T) {
			e := newEngine(t, kind)
			p := createPartition(t, e, Options{})
			f := newFeeder(t, p)
			fill(t, f, 60)
			before := p.Range()
			it, err := p.Scan(ScanOptions{})
			require.NoError(t, err)
			splitKey := storageKeyOf(t, key("p3", 3))
			require.NoError(t, f.one(&Command{Op: OpSplit, SplitKey: splitKey, NewGroup: 777}).Err)
			require.Equal(t, splitKey, p.Range().End, "the partition shrank")
			require.Equal(t, before, it.Range(), "the scan kept the range it began with")
			n := 0
			for it.Next() {
				n++
			}
			require.NoError(t, it.Close())
			right, err := Open(e, 777, Options{})
			require.NoError(t, err)
			require.Equal(t, int(p.Meta().Items)+int(right.Meta().Items), n, "the scan visited both sides")
		})
	}
}
