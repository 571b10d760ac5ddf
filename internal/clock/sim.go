package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Sim is a simulated clock: time stands still until Advance moves it, and
// timers and tickers fire during Advance in a deterministic order (by due
// time, then by creation). A fired time is delivered on a channel with room
// for one value; like the wall clock's ticker, a ticker whose previous tick
// was not received drops the new one. Safe for concurrent use.
type Sim struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers simHeap
}

// NewSim returns a simulated clock reading start.
func NewSim(start time.Time) *Sim { return &Sim{now: start} }

// Now returns the simulated time.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Advance moves time forward by d, firing every timer and ticker that falls
// due on the way, each at its due time, in order.
func (s *Sim) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	end := s.now.Add(d)
	for len(s.timers) > 0 && !s.timers[0].when.After(end) {
		t := heap.Pop(&s.timers).(*simTimer)
		s.now = t.when
		select {
		case t.ch <- t.when:
		default:
		}
		if t.period > 0 {
			t.when = t.when.Add(t.period)
			s.seq++
			t.seq = s.seq
			heap.Push(&s.timers, t)
		} else {
			t.pending = false
		}
	}
	s.now = end
}

// NextDue returns when the next timer or ticker fires, if any is pending.
func (s *Sim) NextDue() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.timers) == 0 {
		return time.Time{}, false
	}
	return s.timers[0].when, true
}

// Pending returns the number of timers and tickers waiting to fire.
func (s *Sim) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.timers)
}

func (s *Sim) add(d, period time.Duration) *simTimer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	t := &simTimer{clk: s, when: s.now.Add(d), period: period, seq: s.seq, ch: make(chan time.Time, 1), pending: true}
	heap.Push(&s.timers, t)
	return t
}

func (s *Sim) remove(t *simTimer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !t.pending {
		return false
	}
	t.pending = false
	heap.Remove(&s.timers, t.index)
	return true
}

// NewTicker returns a ticker firing every d of simulated time; d must be
// positive.
func (s *Sim) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive ticker interval")
	}
	return simTicker{s.add(d, d)}
}

// NewTimer returns a timer firing once after d of simulated time; a
// non-positive d fires at the next Advance.
func (s *Sim) NewTimer(d time.Duration) Timer {
	return simTimerHandle{s.add(max(d, 0), 0)}
}

type simTimer struct {
	clk     *Sim
	when    time.Time
	period  time.Duration
	seq     uint64
	index   int
	pending bool
	ch      chan time.Time
}

type simTicker struct{ t *simTimer }

func (t simTicker) C() <-chan time.Time { return t.t.ch }
func (t simTicker) Stop()               { t.t.clk.remove(t.t) }

type simTimerHandle struct{ t *simTimer }

func (t simTimerHandle) C() <-chan time.Time { return t.t.ch }
func (t simTimerHandle) Stop() bool          { return t.t.clk.remove(t.t) }

type simHeap []*simTimer

func (h simHeap) Len() int { return len(h) }
func (h simHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h simHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *simHeap) Push(x any) {
	t := x.(*simTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *simHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

var _ Clock = (*Sim)(nil)
