package partition

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
)

func TestExprCacheIsBoundedAndKeyedByExactSource(t *testing.T) {
	p := createPartition(t, newEngine(t, engineKinds[0]), Options{ExprCacheSize: 2})
	compile := func(condition string, v string) *compiled {
		c := &Command{Op: OpPut, Table: testTable, Schema: testSchema, Item: key("a", 1),
			ConditionExpression: condition, Values: expr.Values{":v": attr.S(v)}}
		b, err := c.Encode()
		require.NoError(t, err)
		_, exprs, err := decodeCommand(b)
		require.NoError(t, err)
		return p.compile(c, append([]byte{byte(c.Op)}, exprs...))
	}
	first := compile("s = :v", "x")
	require.NoError(t, first.err)
	require.Same(t, first, compile("s = :v", "x"), "the same source hits the cache")
	other := compile("s = :v", "y")
	require.NotSame(t, first, other, "other values are another entry")
	ok, err := other.cond.Eval(attr.Item{"s": attr.S("y")})
	require.NoError(t, err)
	require.True(t, ok)
	bad := compile("s = = :v", "x")
	require.Error(t, bad.err, "a compile error is cached with its source")
	require.Len(t, p.cache.entries, 2)
	require.NotSame(t, first, compile("s = :v", "x"), "the oldest entry was evicted")
	require.Len(t, p.cache.entries, 2)

	disabled := createPartition(t, newEngine(t, engineKinds[0]), Options{ExprCacheSize: -1})
	require.Nil(t, disabled.cache)
}

func TestSyncOption(t *testing.T) {
	for _, kind := range engineKinds {
		if !kind.persistent {
			continue
		}
		dir := t.TempDir()
		e := kind.open(t, dir)
		p := createPartition(t, e, Options{Sync: true})
		require.NoError(t, newFeeder(t, p).one(putCmd(item("a", 1, nil))).Err)
		require.NoError(t, e.Close())
		e = kind.open(t, dir)
		p, err := Open(e, testGroup, Options{})
		require.NoError(t, err)
		require.Equal(t, uint64(1), p.AppliedIndex())
		require.NoError(t, e.Close())
	}
}
