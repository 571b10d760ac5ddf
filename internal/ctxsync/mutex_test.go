package ctxsync

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The lock excludes, a waiter gives up when its context ends, and the lock
// is then still free for the next holder.
func TestMutex(t *testing.T) {
	m := NewMutex()
	m.Lock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, m.LockContext(ctx), context.Canceled)
	m.Unlock()
	require.NoError(t, m.LockContext(context.Background()))
	m.Unlock()
}

// In simulated time, a waiter is durably blocked: the holder's timer fires
// and the waiter gets the lock after it.
func TestMutexWaiterLetsSimulatedTimePass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := NewMutex()
		m.Lock()
		start := time.Now()
		go func() {
			time.Sleep(time.Minute) // the holder waits on a timer
			m.Unlock()
		}()
		require.NoError(t, m.LockContext(context.Background()))
		require.Equal(t, time.Minute, time.Since(start))
		m.Unlock()

		m.Lock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.ErrorIs(t, m.LockContext(ctx), context.DeadlineExceeded)
		require.Equal(t, time.Minute+time.Second, time.Since(start))
		m.Unlock()
	})
}
