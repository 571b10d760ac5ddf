package admission

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

type simRouter struct {
	client   *Client
	offer    float64 // units per second
	admitted float64
}

type gacSim struct {
	t       *testing.T
	clk     *manualClock
	svc     *Service
	routers []*simRouter
	steps   int
}

func newGACSim(t *testing.T, tableRate float64, routers int) *gacSim {
	t.Helper()
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "orders", Rate: tableRate, Now: clk.Now})
	require.NoError(t, err)
	s := &gacSim{t: t, clk: clk, svc: svc}
	for i := 0; i < routers; i++ {
		c, err := NewClient(svc, ClientOptions{ID: fmt.Sprintf("router-%d", i), Table: "orders"})
		require.NoError(t, err)
		s.routers = append(s.routers, &simRouter{client: c})
	}
	return s
}

// run drives every router from start for span in 10 ms steps: each offers
// its rate as one request per step. Routers take turns going first. It
// returns the units each admitted.
func (s *gacSim) run(start time.Time, span time.Duration) []float64 {
	const step = 10 * time.Millisecond
	ctx := context.Background()
	admitted := make([]float64, len(s.routers))
	for i := 0; i < int(span/step); i++ {
		now := start.Add(time.Duration(i) * step)
		s.clk.Set(now)
		for k := range s.routers {
			idx := (k + s.steps) % len(s.routers)
			r := s.routers[idx]
			size := r.offer * step.Seconds()
			if size <= 0 {
				continue
			}
			err := r.client.Admit(ctx, now, size)
			if err == nil {
				admitted[idx] += size
				r.admitted += size
				continue
			}
			var pte *dberr.ProvisionedThroughputExceededException
			require.ErrorAs(s.t, err, &pte)
			require.Equal(s.t, dberr.ThrottleTable, pte.Reason)
		}
		s.steps++
	}
	return admitted
}

// Four routers against a 1000 WCU table for 60 s of simulated time, each
// offering twice its even share, admit within 5% of 60,000 WCU plus burst.
func TestGACFourRoutersStayWithinTableCapacity(t *testing.T) {
	for _, idle := range []time.Duration{0, 30 * time.Second} {
		t.Run(fmt.Sprintf("after %v idle", idle), func(t *testing.T) {
			s := newGACSim(t, 1000, 4)
			for _, r := range s.routers {
				r.offer = 500
			}
			start := epoch.Add(idle)
			// The pool banks one second at creation plus the idle time.
			burst := 1000 + 1000*idle.Seconds()
			per := s.run(start, 60*time.Second)
			total := sum(per)
			limit := 60_000 + burst
			var asks int64
			for _, r := range s.routers {
				asks += r.client.Asks()
			}
			t.Logf("admitted %.0f WCU of a %.0f limit (%.2f%%); per router %v; %d grant requests for %d admissions",
				total, limit, 100*total/limit, per, asks, 4*6000)
			require.LessOrEqual(t, total, limit, "never more than capacity plus burst")
			require.GreaterOrEqual(t, total, 0.95*limit, "within 5% of capacity plus burst")
			for i, got := range per {
				require.InDelta(t, total/4, got, 0.1*total/4, "router %d gets a fair share", i)
			}
			require.LessOrEqual(t, asks, int64(4*60*10+40), "at most one grant request per router per MinAskInterval (100 ms)")
		})
	}
}

// One router idle, one hungry: the hungry router gets the idle one's share;
// when the idle one wakes, they share.
func TestGACUnusedCapacityFlowsToTheHungryRouter(t *testing.T) {
	s := newGACSim(t, 1000, 2)
	idle, hungry := s.routers[0], s.routers[1]
	// Both routers have asked once.
	idle.offer, hungry.offer = 100, 100
	s.run(epoch, 100*time.Millisecond)

	idle.offer, hungry.offer = 0, 2000
	start := epoch.Add(10 * time.Second)
	s.run(epoch.Add(100*time.Millisecond), 10*time.Second-100*time.Millisecond) // warm-up
	per := s.run(start, 50*time.Second)
	t.Logf("hungry router alone: %.0f WCU in 50 s (%.1f%% of the table)", per[1], 100*per[1]/50_000)
	require.Zero(t, per[0])
	require.GreaterOrEqual(t, per[1], 0.95*50_000, "the idle router's share flows to the hungry one")
	require.LessOrEqual(t, per[1], 51_010.0)

	idle.offer = 500
	s.run(epoch.Add(60*time.Second), 10*time.Second) // warm-up
	per = s.run(epoch.Add(70*time.Second), 30*time.Second)
	t.Logf("woken router: %.0f WCU, hungry router %.0f WCU in 30 s", per[0], per[1])
	require.InDelta(t, 15_000, per[0], 0.05*15_000, "the woken router gets its max-min share back")
	require.InDelta(t, 15_000, per[1], 0.05*15_000)
}

func TestGACReturnsUnusedTokens(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 100, Now: clk.Now})
	require.NoError(t, err)
	c, err := NewClient(svc, ClientOptions{ID: "r1", Table: "t"})
	require.NoError(t, err)
	ctx := context.Background()

	require.Equal(t, 100.0, svc.Available())
	require.NoError(t, c.Admit(ctx, epoch, 10))
	// First request: the client has no demand estimate and asks for what it needs.
	require.Equal(t, 90.0, svc.Available())

	// Build a demand estimate, then hold a larger grant.
	clk.Set(epoch.Add(100 * time.Millisecond))
	require.NoError(t, c.Admit(ctx, clk.Now(), 10))
	held := c.Local(clk.Now())
	require.Greater(t, held, 0.0)
	before := svc.Available()
	require.NoError(t, c.Release(ctx, clk.Now()))
	require.InDelta(t, before+held, svc.Available(), 1e-9, "released tokens go back to the pool")
	require.Zero(t, c.Local(clk.Now()))
	st := svc.Stats()
	require.InDelta(t, held, st.Returned, 1e-9)
	require.Equal(t, 20.0, st.Used)
}

func TestGACServiceCreditsNoMoreThanItGranted(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 100, Now: clk.Now})
	require.NoError(t, err)
	ctx := context.Background()
	g, err := svc.Acquire(ctx, GrantRequest{Client: "a", Want: 30, Need: 30})
	require.NoError(t, err)
	require.Equal(t, 30.0, g.Units)
	require.Equal(t, 2*time.Second, g.TTL)
	require.Equal(t, 70.0, svc.Available())
	_, err = svc.Acquire(ctx, GrantRequest{Client: "a", Returned: 1e6})
	require.NoError(t, err)
	require.Equal(t, 100.0, svc.Available(), "only the 30 outstanding are credited")
	_, err = svc.Acquire(ctx, GrantRequest{Client: "b", Returned: 50})
	require.NoError(t, err)
	require.Equal(t, 100.0, svc.Available(), "a client with nothing outstanding returns nothing")
}

func TestGACPoolIsCappedAtItsBurst(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 10, BurstSeconds: 5, Now: clk.Now})
	require.NoError(t, err)
	ctx := context.Background()
	g, err := svc.Acquire(ctx, GrantRequest{Client: "a", Want: 10, Need: 10})
	require.NoError(t, err)
	require.Equal(t, 10.0, g.Units)
	clk.Set(epoch.Add(time.Minute))
	require.Equal(t, 50.0, svc.Available(), "5 s of capacity")
	_, err = svc.Acquire(ctx, GrantRequest{Client: "a", Returned: 10})
	require.NoError(t, err)
	require.Equal(t, 50.0, svc.Available(), "returns cannot push the pool past its burst")
}

func TestGACExpiredGrantIsNotSpent(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 1000, GrantTTL: time.Second, Now: clk.Now})
	require.NoError(t, err)
	c, err := NewClient(svc, ClientOptions{ID: "r", Table: "t"})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Admit(ctx, epoch, 1))
	require.NoError(t, c.Admit(ctx, epoch.Add(10*time.Millisecond), 1))
	require.Greater(t, c.Local(epoch.Add(10*time.Millisecond)), 0.0)
	require.Zero(t, c.Local(epoch.Add(1010*time.Millisecond)), "the grant expired")
	asks := c.Asks()
	require.NoError(t, c.Admit(ctx, epoch.Add(1100*time.Millisecond), 1))
	require.Equal(t, asks+1, c.Asks(), "an expired grant makes the client ask again")
}

func TestGACThrottleCarriesRetryHint(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "orders", Rate: 10, Now: clk.Now})
	require.NoError(t, err)
	c, err := NewClient(svc, ClientOptions{ID: "r", Table: "orders"})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, c.Admit(ctx, epoch, 10))
	err = c.Admit(ctx, epoch, 5)
	var pte *dberr.ProvisionedThroughputExceededException
	require.ErrorAs(t, err, &pte)
	require.Equal(t, "orders", pte.Resource)
	require.Equal(t, dberr.ThrottleTable, pte.Reason)
	require.Equal(t, 500*time.Millisecond, pte.RetryAfter)
	// Within the hint the client does not bother the service.
	asks := c.Asks()
	require.Error(t, c.Admit(ctx, epoch.Add(100*time.Millisecond), 5))
	require.Equal(t, asks, c.Asks())
	clk.Set(epoch.Add(500 * time.Millisecond))
	require.NoError(t, c.Admit(ctx, clk.Now(), 5))

	od, err := NewClient(svc, ClientOptions{ID: "od", Table: "orders", OnDemand: true})
	require.NoError(t, err)
	var te *dberr.ThrottlingException
	require.ErrorAs(t, od.Admit(ctx, clk.Now(), 100), &te)
}

type failingService struct{ err error }

func (f failingService) Acquire(context.Context, GrantRequest) (Grant, error) {
	return Grant{}, f.err
}

// A grant is never a token short of what was asked because of the float
// error of returned units: a router needing exactly one unit with 0.066
// units handed back was granted 0.999 and throttled its request, with the
// table far below its capacity.
func TestGrantCoversNeedAfterReturnedUnits(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 100, Now: clk.Now})
	require.NoError(t, err)
	ctx := context.Background()
	for _, back := range []float64{0.01 + 0.056, 0.1 + 0.2, 0.066, 0.7, 1.0 / 3} {
		first, err := svc.Acquire(ctx, GrantRequest{Client: "r", Want: back})
		require.NoError(t, err)
		g, err := svc.Acquire(ctx, GrantRequest{Client: "r", Want: 1, Need: 1, Returned: first.Units})
		require.NoError(t, err)
		require.GreaterOrEqual(t, g.Units, 1-1e-9, "returned %v", back)
		_, err = svc.Acquire(ctx, GrantRequest{Client: "r", Returned: g.Units})
		require.NoError(t, err)
	}

	// The client admits a request its grant covers but for float noise.
	c, err := NewClient(fixedGrant{units: 0.1 + 0.2 + 0.7 - 1e-15}, ClientOptions{ID: "r", Table: "t"})
	require.NoError(t, err)
	require.NoError(t, c.Admit(ctx, epoch, 1))
}

// fixedGrant grants units to every request.
type fixedGrant struct{ units float64 }

func (f fixedGrant) Acquire(context.Context, GrantRequest) (Grant, error) {
	return Grant{Units: f.units, TTL: time.Second}, nil
}

func TestGACErrors(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 10, Now: clk.Now})
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("requests a peer could send are validated, not trusted", func(t *testing.T) {
		for name, req := range map[string]GrantRequest{
			"no client id":      {Want: 1},
			"negative want":     {Client: "a", Want: -1},
			"infinite returned": {Client: "a", Returned: inf()},
			"NaN used":          {Client: "a", Used: nan()},
		} {
			_, err := svc.Acquire(ctx, req)
			var ve *dberr.ValidationException
			require.ErrorAs(t, err, &ve, name)
		}
	})
	t.Run("a cancelled context is reported", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := svc.Acquire(cctx, GrantRequest{Client: "a", Want: 1})
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("a service failure is wrapped and the client backs off", func(t *testing.T) {
		boom := errors.New("transport down")
		c, err := NewClient(failingService{boom}, ClientOptions{ID: "r", Table: "t"})
		require.NoError(t, err)
		err = c.Admit(ctx, epoch, 1)
		require.ErrorIs(t, err, boom)
		require.ErrorContains(t, err, `table "t"`)
		var pte *dberr.ProvisionedThroughputExceededException
		require.ErrorAs(t, c.Admit(ctx, epoch.Add(time.Millisecond), 1), &pte, "no second call within MinAskInterval")
	})
	t.Run("a failed release is wrapped", func(t *testing.T) {
		boom := errors.New("transport down")
		c, err := NewClient(failingService{boom}, ClientOptions{ID: "r", Table: "t"})
		require.NoError(t, err)
		err = c.Release(ctx, epoch)
		require.ErrorIs(t, err, boom)
		require.ErrorContains(t, err, "release")
	})
	t.Run("bad units", func(t *testing.T) {
		c, err := NewClient(svc, ClientOptions{ID: "r", Table: "t"})
		require.NoError(t, err)
		var ve *dberr.ValidationException
		require.ErrorAs(t, c.Admit(ctx, epoch, -1), &ve)
	})
	t.Run("bad options", func(t *testing.T) {
		_, err := NewService(ServiceOptions{Rate: -1})
		require.Error(t, err)
		_, err = NewService(ServiceOptions{Rate: 1, GrantTTL: -time.Second})
		require.Error(t, err)
		_, err = NewClient(nil, ClientOptions{ID: "x"})
		require.Error(t, err)
		_, err = NewClient(svc, ClientOptions{})
		require.Error(t, err)
	})
}

func TestGACSetRate(t *testing.T) {
	clk := newManualClock()
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 100, Now: clk.Now})
	require.NoError(t, err)
	clk.Set(epoch.Add(10 * time.Second))
	require.Equal(t, 1100.0, svc.Available())
	svc.SetRate(1)
	require.Equal(t, 1.0, svc.Rate())
	require.Equal(t, 300.0, svc.Available(), "the pool shrinks to 300 s of the new rate")
	clk.Set(epoch.Add(20 * time.Second))
	require.Equal(t, 300.0, svc.Available())
}

func TestWaterLevel(t *testing.T) {
	require.Equal(t, 500.0, waterLevel(1000, []float64{1000, 2000}))
	require.Equal(t, 999.0, waterLevel(1000, []float64{1, 2000}))
	require.Equal(t, 250.0, waterLevel(1000, []float64{500, 500, 500, 500}))
	require.True(t, waterLevel(1000, []float64{100, 200}) > 1e300, "everyone satisfied")
}

// Randomized runs (seeded): whatever the clients do (bursts, releases,
// silences) and however the table's capacity changes, the routers together
// never admit more than the pool generated: its first second plus the
// integral of its rate.
func TestGACNeverAdmitsMoreThanThePoolGenerates(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			clk := newManualClock()
			tableRate := float64(1 + rng.Intn(2000))
			svc, err := NewService(ServiceOptions{Table: "t", Rate: tableRate, Now: clk.Now})
			require.NoError(t, err)
			ctx := context.Background()
			clients := make([]*Client, 1+rng.Intn(6))
			offers := make([]float64, len(clients))
			for i := range clients {
				clients[i], err = NewClient(svc, ClientOptions{ID: fmt.Sprint("r", i), Table: "t"})
				require.NoError(t, err)
			}
			generated := tableRate // the first second
			var admitted float64
			now := epoch
			for step := 0; step < 3000; step++ {
				dt := time.Duration(1+rng.Intn(20)) * time.Millisecond
				generated += svc.Rate() * dt.Seconds()
				now = now.Add(dt)
				clk.Set(now)
				if rng.Intn(500) == 0 {
					svc.SetRate(float64(rng.Intn(3000)))
				}
				for i, c := range clients {
					if rng.Intn(100) == 0 {
						offers[i] = float64(rng.Intn(4000)) // units per second
					}
					switch {
					case rng.Intn(300) == 0:
						require.NoError(t, c.Release(ctx, now))
					case offers[i] > 0:
						size := offers[i] * dt.Seconds() * (0.5 + rng.Float64())
						if c.Admit(ctx, now, size) == nil {
							admitted += size
						}
					}
				}
			}
			st := svc.Stats()
			require.LessOrEqual(t, admitted, generated+1e-6)
			require.LessOrEqual(t, admitted, st.Granted-st.Returned+1e-6, "every admitted unit came out of a grant")
		})
	}
}

func TestGACServiceDefaultsToTheWallClock(t *testing.T) {
	svc, err := NewService(ServiceOptions{Table: "t", Rate: 10})
	require.NoError(t, err)
	g, err := svc.Acquire(context.Background(), GrantRequest{Client: "a", Want: 5, Need: 5})
	require.NoError(t, err)
	require.Equal(t, 5.0, g.Units)
	require.Equal(t, 10.0, svc.Rate())
	require.Equal(t, int64(1), svc.Stats().Requests)
}

// roundingService grants what is asked less a fraction of a token, as the
// pool's token rounding may.
type roundingService struct{ asks int }

func (r *roundingService) Acquire(_ context.Context, req GrantRequest) (Grant, error) {
	r.asks++
	return Grant{Units: max(req.Want-0.0004, req.Need), TTL: 2 * time.Second}, nil
}

// A grant short of Want by less than a token's rounding is not contention:
// the client asks again when its stock runs out instead of refusing
// requests until MinAskInterval has passed.
func TestGACClientIgnoresTokenRounding(t *testing.T) {
	now := time.Unix(1000, 0)
	svc := &roundingService{}
	c, err := NewClient(svc, ClientOptions{ID: "a", Table: "t"})
	require.NoError(t, err)
	// A slow start makes the demand estimate, and so the grants, small;
	// then requests come quickly.
	require.NoError(t, c.Admit(context.Background(), now, 1))
	now = now.Add(time.Second)
	for i := range 20 {
		now = now.Add(time.Millisecond)
		require.NoError(t, c.Admit(context.Background(), now, 1), "request %d", i)
	}
	require.Greater(t, svc.asks, 2)
}
