package partition

import (
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// compiled holds the compiled expressions of one command, or the error
// compiling them gave (compilation is deterministic, so errors are cached
// too).
type compiled struct {
	cond *expr.Condition
	upd  *expr.Update
	err  error
}

// maxCachedSource bounds the bytes of expression source one cache entry may
// hold, so that the cache's memory stays below size × maxCachedSource.
const maxCachedSource = 8 << 10

// exprCache is a bounded map from the exact expression section of a command
// (source text, names, values, legacy parameters) to its compiled form,
// evicting the oldest entry first. The compiled forms are immutable; only
// the apply goroutine uses the cache, so it has no lock.
type exprCache struct {
	size    int
	entries map[string]*compiled
	ring    []string // keys in insertion order, a circular buffer
	next    int
}

func newExprCache(size int) *exprCache {
	if size <= 0 {
		return nil
	}
	return &exprCache{size: size, entries: make(map[string]*compiled, size)}
}

func (c *exprCache) get(key []byte) *compiled {
	if c == nil {
		return nil
	}
	return c.entries[string(key)]
}

func (c *exprCache) put(key []byte, v *compiled) {
	if c == nil || len(key) > maxCachedSource {
		return
	}
	k := string(key)
	if len(c.ring) < c.size {
		c.ring = append(c.ring, k)
	} else {
		delete(c.entries, c.ring[c.next])
		c.ring[c.next] = k
		c.next = (c.next + 1) % c.size
	}
	c.entries[k] = v
}

// compile returns the compiled condition and update of cmd. cacheKey is the
// command's operation followed by its expression section.
func (p *Partition) compile(cmd *Command, cacheKey []byte) *compiled {
	if hit := p.cache.get(cacheKey); hit != nil {
		return hit
	}
	c := &compiled{}
	switch {
	case cmd.ConditionExpression != "":
		c.cond, c.err = expr.ParseCondition(cmd.ConditionExpression, cmd.Names, cmd.Values)
	case cmd.Expected != nil:
		c.cond, c.err = legacy.CompileExpected(cmd.Expected, cmd.ConditionalOperator)
	}
	if c.err == nil && cmd.Op == OpUpdate {
		switch {
		case cmd.UpdateExpression != "":
			c.upd, c.err = expr.ParseUpdate(cmd.UpdateExpression, cmd.Names, cmd.Values)
		case cmd.AttributeUpdates != nil:
			c.upd, c.err = legacy.CompileAttributeUpdates(cmd.AttributeUpdates)
		}
	}
	p.cache.put(cacheKey, c)
	return c
}
