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

// gacCapacity is what the pools need of a table: its provisioned rates.
type gacCapacity struct {
	read, write float64
}

// gacServices holds the global admission control service of every
// provisioned table on the active controller. Its state is soft: a new
// controller starts full pools, as a restarted DynamoDB router fleet would
// re-learn its grants.
type gacServices struct {
	// mu guards every field below.
	mu         sync.Mutex
	capacities map[string]gacCapacity
	services   map[gacKey]*admission.Service
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
			continue
		}
		caps[name] = gacCapacity{read: float64(d.ProvisionedThroughput.ReadCapacityUnits), write: float64(d.ProvisionedThroughput.WriteCapacityUnits)}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.capacities = caps
	for k, svc := range g.services {
		cp, ok := caps[k.table]
		if !ok {
			delete(g.services, k)
			continue
		}
		svc.SetRate(cp.rate(k.kind))
	}
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
	k := gacKey{in.Table, in.Kind}
	svc := g.services[k]
	if svc == nil {
		var err error
		svc, err = admission.NewService(admission.ServiceOptions{Table: in.Table, Rate: cp.rate(in.Kind), Now: g.now})
		if err != nil {
			g.mu.Unlock()
			return admission.Grant{}, fmt.Errorf("meta: admission service of %s: %w", in.Table, err)
		}
		if g.services == nil {
			g.services = map[gacKey]*admission.Service{}
		}
		g.services[k] = svc
	}
	g.mu.Unlock()
	return svc.Acquire(ctx, in.Request)
}
