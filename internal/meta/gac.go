package meta

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// OpGrant asks the table's global admission control service for tokens
// (GrantInput, answered with an admission.Grant). It is served by the active
// controller outside the catalog's lock, so grants never wait on table
// management.
const OpGrant = "Grant"

// GrantInput is the input of OpGrant: a router's request for read or write
// tokens of one table.
type GrantInput struct {
	Table   string
	Kind    admission.Kind
	Request admission.GrantRequest
}

// gacKey names one table's pool of one kind.
type gacKey struct {
	table string
	kind  admission.Kind
}

// gacCapacity is what the pools need of a table: its provisioned rates, or
// that it is on demand (its rates then follow double its previous peak).
type gacCapacity struct {
	read, write float64
	onDemand    bool
}

// gacServices holds the global admission control service of every table on
// the active controller: a provisioned table's pools refill at its
// capacity; an on-demand table's follow double its previous peak
// (admission.OnDemand, fed with what the routers report they used). Its
// state is soft: a new controller starts full pools and initial peaks, as a
// restarted DynamoDB router fleet would re-learn its grants.
type gacServices struct {
	// mu guards every field below.
	mu         sync.Mutex
	capacities map[string]gacCapacity
	services   map[gacKey]*admission.Service
	ondemand   map[string]*admission.OnDemand
	// now is the controller's clock.
	now func() time.Time
}

// setCapacities records the provisioned tables of c and updates the rates of
// their pools; pools of tables that are gone or on demand are dropped.
func (g *gacServices) setCapacities(c *catalog.Catalog) {
	caps := map[string]gacCapacity{}
	for _, name := range c.TableNames() {
		t, _ := c.Table(name)
		d := &t.Description
		if d.BillingModeSummary != nil && d.BillingModeSummary.BillingMode == catalog.BillingModePayPerRequest {
			caps[name] = gacCapacity{onDemand: true}
			continue
		}
		caps[name] = gacCapacity{read: float64(d.ProvisionedThroughput.ReadCapacityUnits), write: float64(d.ProvisionedThroughput.WriteCapacityUnits)}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.capacities = caps
	for k, svc := range g.services {
		cp, ok := caps[k.table]
		if !ok || cp.onDemand != g.isOnDemand(k.table) {
			delete(g.services, k)
			continue
		}
		if !cp.onDemand {
			svc.SetRate(cp.rate(k.kind))
		}
	}
	for name := range g.ondemand {
		if cp, ok := caps[name]; !ok || !cp.onDemand {
			delete(g.ondemand, name)
		}
	}
}

// isOnDemand reports whether table's pools follow an on-demand tracker.
// g.mu is held.
func (g *gacServices) isOnDemand(table string) bool {
	_, ok := g.ondemand[table]
	return ok
}

func (c gacCapacity) rate(kind admission.Kind) float64 {
	if kind == admission.Write {
		return c.write
	}
	return c.read
}

// acquire serves one grant request.
func (g *gacServices) acquire(ctx context.Context, in GrantInput) (admission.Grant, error) {
	g.mu.Lock()
	cp, ok := g.capacities[in.Table]
	if !ok {
		g.mu.Unlock()
		return admission.Grant{}, &dberr.ResourceNotFoundException{Message: catalog.MsgResourceNotFound}
	}
	now := g.now()
	rate := cp.rate(in.Kind)
	var od *admission.OnDemand
	if cp.onDemand {
		od = g.ondemand[in.Table]
		if od == nil {
			var err error
			if od, err = admission.NewOnDemand(admission.OnDemandOptions{Table: in.Table}, now); err != nil {
				g.mu.Unlock()
				return admission.Grant{}, fmt.Errorf("meta: on-demand tracker of %s: %w", in.Table, err)
			}
			if g.ondemand == nil {
				g.ondemand = map[string]*admission.OnDemand{}
			}
			g.ondemand[in.Table] = od
		}
		od.Record(now, in.Kind, in.Request.Used)
		rate = od.Limit(now, in.Kind)
	}
	k := gacKey{in.Table, in.Kind}
	svc := g.services[k]
	if svc == nil {
		var err error
		svc, err = admission.NewService(admission.ServiceOptions{Table: in.Table, Rate: rate, Now: g.now})
		if err != nil {
			g.mu.Unlock()
			return admission.Grant{}, fmt.Errorf("meta: admission service of %s: %w", in.Table, err)
		}
		if g.services == nil {
			g.services = map[gacKey]*admission.Service{}
		}
		g.services[k] = svc
	} else if od != nil && svc.Rate() != rate {
		svc.SetRate(rate)
	}
	g.mu.Unlock()
	return svc.Acquire(ctx, in.Request)
}
