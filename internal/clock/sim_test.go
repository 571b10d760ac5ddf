package clock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/clock"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func received(c <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-c:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestSimTimeStandsStillUntilAdvanced(t *testing.T) {
	c := clock.NewSim(epoch)
	require.Equal(t, epoch, c.Now())
	c.Advance(3 * time.Second)
	require.Equal(t, epoch.Add(3*time.Second), c.Now())
}

func TestSimTimer(t *testing.T) {
	tests := []struct {
		name     string
		after    time.Duration
		advance  time.Duration
		stop     bool
		wantFire bool
	}{
		{"fires when due", time.Second, time.Second, false, true},
		{"does not fire early", time.Second, 999 * time.Millisecond, false, false},
		{"stopped timer never fires", time.Second, 2 * time.Second, true, false},
		{"zero duration fires at next advance", 0, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewSim(epoch)
			tm := c.NewTimer(tt.after)
			if tt.stop {
				require.True(t, tm.Stop())
			}
			c.Advance(tt.advance)
			at, ok := received(tm.C())
			require.Equal(t, tt.wantFire, ok)
			if ok {
				require.Equal(t, epoch.Add(tt.after), at)
				require.False(t, tm.Stop(), "a fired timer is no longer pending")
			}
		})
	}
}

func TestSimTickerFiresEveryPeriodAndDropsUnreadTicks(t *testing.T) {
	c := clock.NewSim(epoch)
	tk := c.NewTicker(100 * time.Millisecond)
	for i := 1; i <= 3; i++ {
		c.Advance(100 * time.Millisecond)
		at, ok := received(tk.C())
		require.True(t, ok)
		require.Equal(t, epoch.Add(time.Duration(i)*100*time.Millisecond), at)
	}
	c.Advance(time.Second) // ten ticks, one slot: the first stays, the rest drop
	at, ok := received(tk.C())
	require.True(t, ok)
	require.Equal(t, epoch.Add(400*time.Millisecond), at)
	_, ok = received(tk.C())
	require.False(t, ok)
	tk.Stop()
	c.Advance(time.Second)
	_, ok = received(tk.C())
	require.False(t, ok)
	require.Zero(t, c.Pending())
}

func TestSimStampsEachTimerWithItsDueTime(t *testing.T) {
	c := clock.NewSim(epoch)
	var order []string
	a := c.NewTimer(2 * time.Second)
	b := c.NewTimer(time.Second)
	d := c.NewTimer(2 * time.Second)
	next, ok := c.NextDue()
	require.True(t, ok)
	require.Equal(t, epoch.Add(time.Second), next)
	c.Advance(5 * time.Second)
	for _, x := range []struct {
		name string
		tm   clock.Timer
	}{{"a", a}, {"b", b}, {"d", d}} {
		at, ok := received(x.tm.C())
		require.True(t, ok)
		order = append(order, x.name+at.Sub(epoch).String())
	}
	require.Equal(t, []string{"a2s", "b1s", "d2s"}, order)
}
