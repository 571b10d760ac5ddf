// Package ctxsync holds a mutex whose waiters can give up when their
// context ends.
package ctxsync

import "context"

// Mutex is a mutual exclusion lock whose waiter can give up when its
// context ends: a request that waits behind a slow holder (one waiting on
// the network) still honours its deadline. A waiter blocks on a channel,
// which tests in simulated time (testing/synctest) see as durably blocked,
// as they do not a waiter on a sync.Mutex: time can pass while the holder
// waits on a timer. The zero value is not usable; use NewMutex.
type Mutex struct{ ch chan struct{} }

// NewMutex returns an unlocked mutex.
func NewMutex() *Mutex { return &Mutex{ch: make(chan struct{}, 1)} }

// Lock waits for the lock.
func (m *Mutex) Lock() { m.ch <- struct{}{} }

// LockContext waits for the lock until ctx ends, and then returns its
// error without the lock.
func (m *Mutex) LockContext(ctx context.Context) error {
	select {
	case m.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Unlock releases the lock; it must be held.
func (m *Mutex) Unlock() { <-m.ch }
