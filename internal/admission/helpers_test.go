package admission

import (
	"math"
	"sync"
	"time"
)

// epoch is the simulated time every test starts at.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// manualClock is a simulated clock that moves only when told to.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock { return &manualClock{now: epoch} }

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func inf() float64 { return math.Inf(1) }
func nan() float64 { return math.NaN() }
