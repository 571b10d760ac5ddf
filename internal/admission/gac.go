package admission

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/embeddynamo/dynamo/internal/ctxsync"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// GrantRequest is what a router's Client sends to the table's admission
// Service when it runs out of tokens. It settles the previous grant and asks
// for the next.
type GrantRequest struct {
	// Client identifies the router; one Client per router and table.
	Client string
	// Want is how many units the client expects to need over the service's
	// share interval (its recent demand, admitted and refused).
	Want float64
	// Need is the cost of the request waiting on this grant: the service
	// grants at least that much when it has it, even beyond the client's
	// fair share, so a large item is not starved by small shares.
	Need float64
	// Used is how many units the client admitted since its previous request.
	Used float64
	// Returned is what is left of the previous grant, handed back unused.
	Returned float64
}

// Grant is the service's answer: tokens the client may spend locally until
// TTL has passed.
type Grant struct {
	// Units is the number of capacity units granted; zero when the table's
	// pool is empty.
	Units float64
	// TTL is how long the grant may be used, counted from its receipt.
	TTL time.Duration
	// RetryAfter, when Units is less than the client needed, is when the pool
	// will hold enough for it.
	RetryAfter time.Duration
}

// GrantService is how a Client reaches its table's admission Service. A
// Service implements it directly; a networked router puts a transport call
// in between.
type GrantService interface {
	// Acquire settles the client's previous grant and returns its next one.
	Acquire(ctx context.Context, req GrantRequest) (Grant, error)
}

// ServiceOptions configures a Service. Zero values mean the defaults noted on
// each field.
type ServiceOptions struct {
	// Table names the table in throttling errors and stats.
	Table string
	// Rate is the table's capacity of one kind in units per second.
	Rate float64
	// BurstSeconds is how many seconds of unused table capacity the pool
	// banks. Zero means DefaultBurstSeconds (300).
	BurstSeconds float64
	// GrantTTL is how long a grant is valid. Zero means 2 seconds (DynamoDB's
	// routers refresh "in the order of a few seconds").
	GrantTTL time.Duration
	// ShareInterval is the span of capacity that is divided among the active
	// clients on each request: a client's fair share is its max-min share of
	// Rate × ShareInterval given every active client's Want. Zero means one
	// second.
	ShareInterval time.Duration
	// ActiveWindow is how long a client counts in the fair shares after its
	// last request. Zero means twice GrantTTL.
	ActiveWindow time.Duration
	// Now tells the service's time: a clock.Clock's Now method, or a
	// simulated time. Nil means time.Now.
	Now func() time.Time
}

type clientState struct {
	want        float64
	outstanding float64
	lastSeen    time.Time
	// credit is the client's accrued, unclaimed fair share: it grows at
	// shareRate and the pool keeps that many tokens for the client.
	credit    float64
	creditAt  time.Time
	shareRate float64
}

// accrue brings the client's credit up to now at its last share rate,
// capped at one share interval of it.
func (c *clientState) accrue(now time.Time, shareInterval time.Duration) {
	if elapsed := now.Sub(c.creditAt).Seconds(); elapsed > 0 {
		c.credit += c.shareRate * elapsed
	}
	c.creditAt = now
	if limit := c.shareRate * shareInterval.Seconds(); c.credit > limit {
		c.credit = limit
	}
}

// Service is the global admission control service of one table: it holds
// the table-wide pool of tokens (an x/time/rate limiter refilled at the
// table's capacity, banking BurstSeconds of it) and vends it to routers in
// time-limited grants. Every unit a router admits came out of the pool, and
// only units a router hands back unused go back in, so the sum admitted by
// all routers over any span stays within the table's capacity for that span
// plus its burst.
//
// Grants follow demand: each request carries the client's Want, from which
// the service computes every active client's max-min fair share of the
// table's rate (clients that asked within ActiveWindow count). A client
// accrues credit at its share, up to one ShareInterval of it, and the pool
// keeps tokens back for every client's credit: a client may take its own
// credit plus whatever the pool holds beyond the others' credit. So routers
// that all want more than the table has get equal parts, and a router that
// goes idle drops out of the shares, its capacity flowing to the routers
// that need it.
//
// A Service is safe for concurrent use.
type Service struct {
	mu            sync.Mutex
	table         string
	now           func() time.Time
	ttl           time.Duration
	shareInterval time.Duration
	activeWindow  time.Duration
	burstSeconds  float64
	rate          float64
	pool          *rate.Limiter
	returned      float64 // units handed back, spent before the pool
	clients       map[string]*clientState
	last          time.Time
	stats         ServiceStats
	wants         []float64 // scratch
}

// ServiceStats counts what a Service did since it started.
type ServiceStats struct {
	// Requests is the number of Acquire calls.
	Requests int64
	// Granted is the units handed out.
	Granted float64
	// Returned is the units handed back unused and credited to the pool.
	Returned float64
	// Used is the units the clients reported admitting.
	Used float64
	// ActiveClients is the number of clients that asked within the active
	// window, at the time of the last request.
	ActiveClients int
}

// NewService returns the admission service of one table, its pool holding
// one second of capacity.
func NewService(opts ServiceOptions) (*Service, error) {
	if !(opts.Rate >= 0) || math.IsInf(opts.Rate, 0) {
		return nil, fmt.Errorf("admission: service for table %q: rate %v is not a finite, non-negative number", opts.Table, opts.Rate)
	}
	if !(opts.BurstSeconds >= 0) || math.IsInf(opts.BurstSeconds, 0) {
		return nil, fmt.Errorf("admission: service for table %q: burst seconds %v is not a finite, non-negative number", opts.Table, opts.BurstSeconds)
	}
	if opts.GrantTTL < 0 || opts.ShareInterval < 0 || opts.ActiveWindow < 0 {
		return nil, fmt.Errorf("admission: service for table %q: negative duration", opts.Table)
	}
	if opts.BurstSeconds == 0 {
		opts.BurstSeconds = DefaultBurstSeconds
	}
	if opts.GrantTTL == 0 {
		opts.GrantTTL = 2 * time.Second
	}
	if opts.ShareInterval == 0 {
		opts.ShareInterval = time.Second
	}
	if opts.ActiveWindow == 0 {
		opts.ActiveWindow = 2 * opts.GrantTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now()
	s := &Service{
		table:         opts.Table,
		now:           opts.Now,
		ttl:           opts.GrantTTL,
		shareInterval: opts.ShareInterval,
		activeWindow:  opts.ActiveWindow,
		burstSeconds:  opts.BurstSeconds,
		rate:          opts.Rate,
		clients:       make(map[string]*clientState),
		last:          now,
	}
	s.pool = rate.NewLimiter(rate.Limit(opts.Rate*tokensPerUnit), burstTokens(opts.Rate, opts.BurstSeconds))
	if extra := s.pool.Burst() - burstTokens(opts.Rate, 1); extra > 0 {
		s.pool.AllowN(now, extra)
	}
	return s, nil
}

// SetRate applies an UpdateTable to the pool at the service's current time;
// see Bucket.SetRate for how banked tokens carry over.
func (s *Service) SetRate(unitsPerSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := monotonic(&s.last, s.now())
	if !(unitsPerSecond > 0) || math.IsInf(unitsPerSecond, 0) {
		unitsPerSecond = 0
	}
	s.rate = unitsPerSecond
	s.pool.SetLimitAt(now, rate.Limit(unitsPerSecond*tokensPerUnit))
	s.pool.SetBurstAt(now, burstTokens(unitsPerSecond, s.burstSeconds))
	s.capReturnedLocked(now)
}

// Rate returns the table capacity the pool refills at, in units per second.
func (s *Service) Rate() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rate
}

// Available returns the units the pool holds now, including units handed
// back.
func (s *Service) Available() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := monotonic(&s.last, s.now())
	return toUnits(s.pool.TokensAt(now)) + s.returned
}

// Stats returns the service's counters.
func (s *Service) Stats() ServiceStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// capReturnedLocked keeps pool plus handed-back units within the burst, so
// returns never let the pool hold more than a fresh one could.
func (s *Service) capReturnedLocked(now time.Time) {
	room := toUnits(float64(s.pool.Burst()) - s.pool.TokensAt(now))
	if room < 0 {
		room = 0
	}
	if s.returned > room {
		s.returned = room
	}
}

func validAmount(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }

// Acquire implements GrantService.
func (s *Service) Acquire(ctx context.Context, req GrantRequest) (Grant, error) {
	if err := ctx.Err(); err != nil {
		return Grant{}, fmt.Errorf("admission: acquire for table %q: %w", s.table, err)
	}
	if req.Client == "" {
		return Grant{}, fmt.Errorf("admission: acquire for table %q: %w", s.table,
			dberr.Validationf("grant request has no client id"))
	}
	if !validAmount(req.Want) || !validAmount(req.Need) || !validAmount(req.Used) || !validAmount(req.Returned) {
		return Grant{}, fmt.Errorf("admission: acquire for table %q from %q: %w", s.table, req.Client,
			dberr.Validationf("grant request amounts must be finite and non-negative"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := monotonic(&s.last, s.now())
	s.stats.Requests++
	s.stats.Used += req.Used

	st := s.clients[req.Client]
	if st == nil {
		st = &clientState{creditAt: now}
		s.clients[req.Client] = st
	}
	// Settle the previous grant: what comes back can be no more than what
	// was handed out.
	if credit := math.Min(req.Returned, st.outstanding); credit > 0 {
		s.returned += credit
		s.stats.Returned += credit
		s.capReturnedLocked(now)
	}
	st.outstanding = 0
	st.want = math.Max(req.Want, req.Need)
	st.lastSeen = now

	reserved := s.sharesLocked(now, st)
	available := toUnits(s.pool.TokensAt(now)) + s.returned
	// The client may take its own credit, and anything the pool holds
	// beyond what is kept for the other clients' credit. A request larger
	// than the client's whole share would never fit in its credit; it may
	// take what the pool has.
	limit := math.Max(st.credit, available-reserved)
	if req.Need > st.shareRate*s.shareInterval.Seconds() {
		limit = math.Max(limit, req.Need)
	}
	grant := math.Min(math.Min(st.want, available), limit)
	grant = s.takeLocked(now, grant)
	st.credit = math.Max(0, st.credit-grant)
	st.outstanding = grant
	s.stats.Granted += grant

	g := Grant{Units: grant, TTL: s.ttl}
	if grant < req.Need {
		wait := delayFor(s.pool, now, float64(toTokens(req.Need-s.returned)))
		if st.credit < req.Need && st.shareRate > 0 {
			wait = max(wait, time.Duration((req.Need-st.credit)/st.shareRate*float64(time.Second)))
		}
		g.RetryAfter = wait
	}
	return g, nil
}

// sharesLocked recomputes every active client's fair share of the table's
// capacity: the max-min division of one share interval of capacity among
// their wants, as a rate. It brings every client's credit up to now and
// returns the credit kept for the clients other than st. Clients silent for
// ten active windows are forgotten.
func (s *Service) sharesLocked(now time.Time, st *clientState) (reservedForOthers float64) {
	s.wants = s.wants[:0]
	for id, c := range s.clients {
		age := now.Sub(c.lastSeen)
		if age > 10*s.activeWindow {
			delete(s.clients, id)
			continue
		}
		c.accrue(now, s.shareInterval)
		if c == st || age <= s.activeWindow {
			s.wants = append(s.wants, c.want)
		}
	}
	s.stats.ActiveClients = len(s.wants)
	sort.Float64s(s.wants) // map order is random; sums must not be
	interval := s.shareInterval.Seconds()
	capacity := s.rate * interval
	level := waterLevel(capacity, s.wants)
	// When the wants do not fill the capacity, the rest is split evenly on
	// top of them, so the shares always add up to the table's rate.
	// Clients that want nothing (one that released its tokens) get none.
	var spare float64
	if math.IsInf(level, 1) {
		spare = capacity
		wanting := 0
		for _, w := range s.wants {
			spare -= w
			if w > 0 {
				wanting++
			}
		}
		spare /= float64(max(wanting, 1))
	}
	var reserved []float64
	for _, c := range s.clients {
		if c != st && now.Sub(c.lastSeen) > s.activeWindow {
			c.shareRate, c.credit = 0, 0
			continue
		}
		c.shareRate = math.Min(c.want, level) / interval
		if c.want > 0 {
			c.shareRate += spare / interval
		}
		if c != st {
			reserved = append(reserved, c.credit)
		}
	}
	sort.Float64s(reserved)
	for _, r := range reserved {
		reservedForOthers += r
	}
	return reservedForOthers
}

// waterLevel is the max-min fair level for dividing capacity among wants
// (sorted ascending): each gets min(want, level), and the levels add up to
// the capacity when the wants exceed it.
func waterLevel(capacity float64, sortedWants []float64) float64 {
	remaining := capacity
	for i, w := range sortedWants {
		equal := remaining / float64(len(sortedWants)-i)
		if w > equal {
			return equal
		}
		remaining -= w
	}
	return math.Inf(1)
}

// takeLocked removes up to units from the handed-back units, then the pool,
// and returns what it took.
func (s *Service) takeLocked(now time.Time, units float64) float64 {
	if units <= 0 {
		return 0
	}
	taken := math.Min(units, s.returned)
	s.returned -= taken
	rest := units - taken
	if rest <= 0 {
		return taken
	}
	// Rounded up: rest carries the float error of returned units (0.3
	// returned leaves 0.6999999999999999 to take), and rounding it down
	// would grant a token less than asked, which a client needing exactly
	// that much takes as a refusal.
	tokens := toTokens(rest)
	tokens = min(tokens, int(math.Floor(s.pool.TokensAt(now))))
	if tokens > 0 && s.pool.AllowN(now, tokens) {
		taken += toUnits(float64(tokens))
	}
	return taken
}

// ClientOptions configures a Client. Zero values mean the defaults noted on
// each field.
type ClientOptions struct {
	// ID identifies this router to the service; it must be unique among the
	// table's routers.
	ID string
	// Table names the table in throttling errors.
	Table string
	// OnDemand makes refusals ThrottlingException instead of
	// ProvisionedThroughputExceededException.
	OnDemand bool
	// RefillInterval is how much demand the client asks for at a time: its
	// recent rate times RefillInterval. Zero means one second.
	RefillInterval time.Duration
	// MinAskInterval is how long the client waits before asking again after
	// a grant too small for the request at hand. Zero means 100 ms.
	MinAskInterval time.Duration
}

// Client is a router's side of global admission control for one table: it
// admits requests from a local stock of granted tokens and asks the Service
// for more when the stock runs out or expires, handing back what is left.
// Its demand estimate (units admitted and refused per second, smoothed)
// sizes each request.
//
// A Client is safe for concurrent use; one refill runs at a time, and
// concurrent Admit calls wait for it as long as their contexts allow.
type Client struct {
	// mu guards the fields below; it is held across a refill's call to
	// the service.
	mu             *ctxsync.Mutex
	svc            GrantService
	id             string
	table          string
	onDemand       bool
	refillInterval time.Duration
	minAsk         time.Duration
	local          float64
	expires        time.Time
	used           float64
	denied         float64
	lastAsk        time.Time
	nextAsk        time.Time
	demand         float64
	last           time.Time
	asks           int64
}

// NewClient returns a router-side client of svc.
func NewClient(svc GrantService, opts ClientOptions) (*Client, error) {
	if svc == nil {
		return nil, fmt.Errorf("admission: client for table %q: nil grant service", opts.Table)
	}
	if opts.ID == "" {
		return nil, fmt.Errorf("admission: client for table %q: empty id", opts.Table)
	}
	if opts.RefillInterval < 0 || opts.MinAskInterval < 0 {
		return nil, fmt.Errorf("admission: client %q for table %q: negative duration", opts.ID, opts.Table)
	}
	if opts.RefillInterval == 0 {
		opts.RefillInterval = time.Second
	}
	if opts.MinAskInterval == 0 {
		opts.MinAskInterval = 100 * time.Millisecond
	}
	return &Client{
		mu:             ctxsync.NewMutex(),
		svc:            svc,
		id:             opts.ID,
		table:          opts.Table,
		onDemand:       opts.OnDemand,
		refillInterval: opts.RefillInterval,
		minAsk:         opts.MinAskInterval,
	}, nil
}

// Local returns the unexpired units the client holds at now.
func (c *Client) Local(now time.Time) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !now.Before(c.expires) {
		return 0
	}
	return c.local
}

// Asks returns how many times the client has called its service.
func (c *Client) Asks() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asks
}

// grantSlack is the float error by which a client's local tokens may fall
// short of a request and still admit it: half a token, below what any
// bucket counts.
const grantSlack = 0.5 / tokensPerUnit

// Admit decides whether a request costing units may run at now. It spends
// local tokens when it holds enough; otherwise it asks the service for a new
// grant (at most once per MinAskInterval while short). A refusal is a
// throttling error with reason dberr.ThrottleTable; a failure to reach the
// service is returned wrapped.
func (c *Client) Admit(ctx context.Context, now time.Time, units float64) error {
	if !validAmount(units) {
		return fmt.Errorf("admission: client %q: %w", c.id, dberr.Validationf("capacity units %v must be finite and non-negative", units))
	}
	if err := c.mu.LockContext(ctx); err != nil {
		return fmt.Errorf("admission: client %q: table %q: waiting for a refill: %w", c.id, c.table, err)
	}
	defer c.mu.Unlock()
	now = monotonic(&c.last, now)
	if now.Before(c.expires) && c.local+grantSlack >= units {
		c.local = max(0, c.local-units)
		c.used += units
		return nil
	}
	if now.Before(c.nextAsk) {
		c.denied += units
		return ThrottleError(c.onDemand, dberr.ThrottleTable, c.table, c.nextAsk.Sub(now))
	}

	if !c.lastAsk.IsZero() {
		if elapsed := now.Sub(c.lastAsk).Seconds(); elapsed > 0 {
			sample := (c.used + c.denied + units) / elapsed
			if c.demand == 0 {
				c.demand = sample
			} else {
				c.demand = 0.5*c.demand + 0.5*sample
			}
		}
	}
	req := GrantRequest{
		Client:   c.id,
		Want:     math.Max(units, c.demand*c.refillInterval.Seconds()),
		Need:     units,
		Used:     c.used,
		Returned: c.local,
	}
	c.asks++
	c.local, c.used, c.denied = 0, 0, 0
	c.lastAsk = now
	grant, err := c.svc.Acquire(ctx, req)
	if err != nil {
		c.nextAsk = now.Add(c.minAsk)
		return fmt.Errorf("admission: client %q: table %q: %w", c.id, c.table, err)
	}
	c.local = grant.Units
	c.expires = now.Add(grant.TTL)
	// The pool counts in tokens of 1/tokensPerUnit units: a grant short of
	// Want by less than one token's rounding is not contention.
	if grant.Units+1.0/tokensPerUnit < req.Want {
		// Contended: the table cannot give this router all it wants. Ask
		// again no sooner than MinAskInterval, so that grants come in
		// batches rather than one per request.
		c.nextAsk = now.Add(c.minAsk)
	}
	if c.local+grantSlack >= units {
		c.local = max(0, c.local-units)
		c.used += units
		return nil
	}
	wait := max(grant.RetryAfter, c.minAsk)
	c.nextAsk = now.Add(wait)
	c.denied += units
	return ThrottleError(c.onDemand, dberr.ThrottleTable, c.table, wait)
}

// Release hands every local token back to the service (a router shutting
// down or leaving the table) and reports what was admitted since the last
// request.
func (c *Client) Release(ctx context.Context, now time.Time) error {
	if err := c.mu.LockContext(ctx); err != nil {
		return fmt.Errorf("admission: client %q: release to table %q: %w", c.id, c.table, err)
	}
	defer c.mu.Unlock()
	now = monotonic(&c.last, now)
	req := GrantRequest{Client: c.id, Used: c.used, Returned: c.local}
	c.local, c.used, c.denied = 0, 0, 0
	c.expires = now
	c.asks++
	if _, err := c.svc.Acquire(ctx, req); err != nil {
		return fmt.Errorf("admission: client %q: release to table %q: %w", c.id, c.table, err)
	}
	return nil
}
