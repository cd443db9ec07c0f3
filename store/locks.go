package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// keyedLocks are in-process locks by name, each a one-slot channel so that a
// waiter can give up when its wait or its context ends. A name's slot exists
// only while someone holds or waits for it, so the map stays as small as
// the number of saves in flight.
type keyedLocks struct {
	mu    sync.Mutex
	slots map[string]*keySlot
}

type keySlot struct {
	ch   chan struct{}
	refs int // holders and waiters
}

// acquire takes the lock named key, waiting at most wait (no wait at all
// when wait <= 0): ErrBusy when the wait runs out, ctx's error when ctx ends
// first. The returned func releases the lock.
func (k *keyedLocks) acquire(ctx context.Context, key string, wait time.Duration) (func(), error) {
	k.mu.Lock()
	if k.slots == nil {
		k.slots = map[string]*keySlot{}
	}
	s, ok := k.slots[key]
	if !ok {
		s = &keySlot{ch: make(chan struct{}, 1)}
		k.slots[key] = s
	}
	s.refs++
	k.mu.Unlock()

	forget := func() {
		k.mu.Lock()
		if s.refs--; s.refs == 0 {
			delete(k.slots, key)
		}
		k.mu.Unlock()
	}
	release := func() { <-s.ch; forget() }

	if err := ctx.Err(); err != nil {
		forget()
		return nil, err
	}
	select { // free right now: no timer
	case s.ch <- struct{}{}:
		return release, nil
	default:
	}
	if wait <= 0 {
		forget()
		return nil, ErrBusy
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case s.ch <- struct{}{}:
		return release, nil
	case <-timer.C:
		forget()
		return nil, ErrBusy
	case <-ctx.Done():
		forget()
		return nil, ctx.Err()
	}
}

// errLockReleased is returned by a Held used after its WithLock returned.
var errLockReleased = errors.New("store: the save lock was already released")

// heldLock is a Held: AddChange writes through add and Confirm asks
// confirm until end, which waits for a write or a check in flight, so the
// lock is never released before the change of the save it guards is
// recorded.
type heldLock struct {
	mu      sync.Mutex
	ended   bool
	add     func(context.Context, Change) (int64, error)
	confirm func(context.Context) error // nil: held for as long as the process runs (in-process locks)
}

func (h *heldLock) AddChange(ctx context.Context, c Change) (int64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return 0, errLockReleased
	}
	ctx, cancel := withoutCancel(ctx)
	defer cancel()
	return h.add(ctx, c)
}

func (h *heldLock) Confirm(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.ended:
		return errLockReleased
	case h.confirm == nil:
		return nil
	}
	return h.confirm(ctx)
}

func (h *heldLock) end() {
	h.mu.Lock()
	h.ended = true
	h.mu.Unlock()
}

// withoutCancel is ctx without its cancellation but with its deadline: what
// Apptivo did is recorded even when the browser has gone, yet a write that
// cannot be made in the time the caller gave it fails rather than hangs,
// holding its lock.
func withoutCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	kept := context.WithoutCancel(ctx)
	if deadline, ok := ctx.Deadline(); ok {
		return context.WithDeadline(kept, deadline)
	}
	return kept, func() {}
}
