package admission

import (
	"context"
	"math"
	"testing"
	"time"
)

// FuzzServiceAcquire feeds the service grant requests a peer could send:
// any numbers, any order. The service must never panic, never grant a
// negative or non-finite amount, and never let its clients hold more than
// the pool generated.
func FuzzServiceAcquire(f *testing.F) {
	f.Add(uint8(0), 10.0, 5.0, 0.0, 0.0, uint16(10))
	f.Add(uint8(1), 1e9, 1e9, 1e9, 1e9, uint16(0))
	f.Add(uint8(2), -1.0, math.NaN(), math.Inf(1), 0.5, uint16(65535))
	f.Fuzz(func(t *testing.T, client uint8, want, need, used, returned float64, advanceMs uint16) {
		clk := newManualClock()
		svc, err := NewService(ServiceOptions{Table: "t", Rate: 100, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var outstanding [4]float64
		now := epoch
		generated := 100.0 // the first second
		// Replay the request a few times from rotating clients, with time
		// moving on, as a misbehaving router would.
		for i := 0; i < 8; i++ {
			id := string(rune('a' + (int(client)+i)%4))
			g, err := svc.Acquire(ctx, GrantRequest{Client: id, Want: want, Need: need, Used: used, Returned: returned})
			if err != nil {
				if validAmount(want) && validAmount(need) && validAmount(used) && validAmount(returned) {
					t.Fatalf("valid request refused: %v", err)
				}
				return
			}
			if !(g.Units >= 0) || math.IsInf(g.Units, 0) || g.RetryAfter < 0 || g.TTL <= 0 {
				t.Fatalf("bad grant %+v", g)
			}
			outstanding[(int(client)+i)%4] = g.Units
			var held float64
			for _, o := range outstanding {
				held += o
			}
			if held > generated+1e-6 {
				t.Fatalf("clients hold %v units, the pool generated %v", held, generated)
			}
			step := time.Duration(advanceMs) * time.Millisecond
			now = now.Add(step)
			generated += 100 * step.Seconds()
			clk.Set(now)
		}
	})
}

// FuzzCapacityUnits checks the arithmetic's invariants for any size: at least
// the minimum, whole or half units, never decreasing as size grows.
func FuzzCapacityUnits(f *testing.F) {
	f.Add(0, 1)
	f.Add(4096, 4097)
	f.Add(-5, 400*1024)
	f.Add(math.MaxInt-1, math.MaxInt)
	f.Fuzz(func(t *testing.T, a, b int) {
		if a > b {
			a, b = b, a
		}
		for _, mode := range []ReadMode{Eventual, Strong, TransactionalRead} {
			ua, ub := ReadUnits(mode, a), ReadUnits(mode, b)
			if ua < readPrice(mode) || ua > ub || math.Mod(ua*2, 1) != 0 {
				t.Fatalf("read %v: units(%d)=%v units(%d)=%v", mode, a, ua, b, ub)
			}
		}
		for _, mode := range []WriteMode{Standard, TransactionalWrite} {
			ua, ub := WriteUnits(mode, a), WriteUnits(mode, b)
			if ua < writePrice(mode) || ua > ub || math.Mod(ua, 1) != 0 {
				t.Fatalf("write %v: units(%d)=%v units(%d)=%v", mode, a, ua, b, ub)
			}
		}
	})
}
