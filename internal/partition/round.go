package partition

import (
	"errors"
	"fmt"

	"github.com/embeddynamo/dynamo/internal/multiraft"
	"github.com/embeddynamo/dynamo/internal/storage"
)

// errRoundFailed is returned by Round.Commit after an Apply of the round
// failed: its batch may hold part of that Apply.
var errRoundFailed = errors.New("partition: an Apply of this round failed")

// Round is one storage batch shared by the partitions of a node, so that a
// scheduler round that applies commands to many partitions commits them
// with one engine commit (one sync) instead of one per partition. A
// partition opened with Options.Round stages each Apply in the round's
// batch, with the partition's overlay (later commands see earlier ones) and
// Meta carried from one Apply to the next until the round commits. Commit
// writes every staged partition's Meta in the same batch, commits it, and
// only then publishes the new Metas (and AppliedIndex) and runs the OnWrite
// hooks: readers, which read the engine, see all of a round or none of it.
//
// A Round and the partitions that use it are driven from one goroutine (the
// scheduler's): Apply calls, then Commit.
type Round struct {
	engine storage.Engine
	sync   bool
	batch  storage.Batch
	staged []*Partition
	failed error
}

// NewRound returns a round that commits to e, with sync set as given
// (boltstore syncs every commit either way unless opened with
// RelaxedSync).
func NewRound(e storage.Engine, sync bool) *Round {
	return &Round{engine: e, sync: sync}
}

// apply stages cmds for p in the round's batch.
func (r *Round) apply(p *Partition, cmds []multiraft.Command) ([]any, error) {
	if p.engine != r.engine {
		return nil, fmt.Errorf("partition: group %d: apply: the round commits to another engine", p.group)
	}
	if r.failed != nil {
		return nil, fmt.Errorf("partition: group %d: apply: %w: %w", p.group, errRoundFailed, r.failed)
	}
	if r.batch == nil {
		r.batch = r.engine.NewBatch()
	}
	a := p.staged
	if a == nil {
		meta := p.meta.Load().Clone()
		a = &applier{p: p, meta: &meta, batch: r.batch, overlay: make(map[string]*pending, len(cmds))}
	}
	results, err := a.run(cmds)
	if err != nil {
		r.failed = err
		return nil, err
	}
	if p.staged == nil {
		p.staged = a
		r.staged = append(r.staged, p)
	}
	return results, nil
}

// Commit commits what the round's Apply calls staged, in one engine commit,
// then publishes each partition's new state. With nothing staged it does
// nothing. An error means the staged writes are lost and the partitions'
// staged state with them: the host must stop applying (multiraft stops the
// node). Commit after a failed Apply fails.
func (r *Round) Commit() error {
	if r.failed != nil {
		return fmt.Errorf("partition: commit round: %w: %w", errRoundFailed, r.failed)
	}
	if len(r.staged) == 0 {
		return nil
	}
	for _, p := range r.staged {
		r.batch.SetMeta(p.group, EncodeMeta(*p.staged.meta))
	}
	if err := r.engine.Commit(r.batch, r.sync); err != nil {
		r.failed = err
		return fmt.Errorf("partition: commit round of %d partitions: %w", len(r.staged), err)
	}
	if r.batch.Size() <= maxReusedBatch {
		r.batch.Reset()
	} else {
		r.batch = nil
	}
	for _, p := range r.staged {
		a := p.staged
		p.staged = nil
		p.meta.Store(a.meta)
		a.committed()
	}
	clear(r.staged)
	r.staged = r.staged[:0]
	return nil
}
