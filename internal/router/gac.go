package router

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/meta"
)

// This file is the router's side of global admission control: before a
// request leaves the router, it is admitted from the tokens the table's
// admission service (on the active controller) granted this router, so that
// the sum admitted across every router stays within the table's capacity
// (on demand: double its previous peak). The partitions' own buckets then meter each partition
// exactly; the router's estimate only needs to be close.

type gacKey struct {
	table string
	kind  admission.Kind
}

// remoteGrants reaches a table's admission service through the control
// plane.
type remoteGrants struct {
	mc    *meta.Client
	table string
	kind  admission.Kind
}

func (g remoteGrants) Acquire(ctx context.Context, req admission.GrantRequest) (admission.Grant, error) {
	var out admission.Grant
	err := g.mc.Call(ctx, meta.OpGrant, meta.GrantInput{Table: g.table, Kind: g.kind, Request: req}, &out)
	return out, err
}

func newRouterID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "router-" + hex.EncodeToString(b[:])
}

// provisioned reports whether t's capacity is provisioned rather than on
// demand.
func provisioned(t catalog.Table) bool {
	s := t.Description.BillingModeSummary
	return s == nil || s.BillingMode != catalog.BillingModePayPerRequest
}

// admit takes units of kind for table rt from this router's grants.
func (r *Router) admit(ctx context.Context, rt *route, kind admission.Kind, units float64) error {
	if r.unmetered {
		return nil
	}
	name := rt.table.Description.TableName
	k := gacKey{name, kind}
	r.mu.Lock()
	c := r.gac[k]
	if c == nil {
		var err error
		c, err = admission.NewClient(remoteGrants{mc: r.meta, table: name, kind: kind},
			admission.ClientOptions{ID: r.id, Table: name, OnDemand: !provisioned(rt.table)})
		if err != nil {
			r.mu.Unlock()
			return err
		}
		r.gac[k] = c
	}
	r.mu.Unlock()
	err := c.Admit(ctx, r.now(), units)
	if _, ok := admission.ThrottleReasonOf(err); ok {
		r.metrics.RecordThrottle(name, "", err)
	}
	return err
}

// Release hands every unused grant back to the tables' services, as a
// router that stops should.
func (r *Router) Release(ctx context.Context) {
	r.mu.Lock()
	clients := make([]*admission.Client, 0, len(r.gac))
	for _, c := range r.gac {
		clients = append(clients, c)
	}
	r.mu.Unlock()
	for _, c := range clients {
		_ = c.Release(ctx, r.now())
	}
}
