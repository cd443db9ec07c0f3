package auth

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// DefaultMaxSessions is how many sessions a MemStore keeps at most.
const DefaultMaxSessions = 100_000

// ErrNotFound is returned by Store.Load for an id the store does not hold
// (never issued, deleted, evicted, or past its Expires).
var ErrNotFound = errors.New("auth: no such session")

// ErrSessionGone is returned by Store.Save and Store.Touch when the session
// was deleted (signed out, evicted) or expired after it was loaded. Saving it
// anyway would silently resurrect a signed-out session, so nothing is written.
var ErrSessionGone = errors.New("auth: session expired or was deleted")

// ErrUnavailable wraps a Store's failure for any other reason (a database
// that cannot be reached): the session is then neither known nor unknown,
// so nobody is told they are signed out, nor signed out by it.
var ErrUnavailable = errors.New("auth: the session store cannot be reached")

// unavailable is err as the Manager reports it: the Store's own answers
// as they are, anything else wrapped in ErrUnavailable.
func unavailable(err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrSessionGone) || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Record is one session as a Store holds it: the encoded session data, which
// a Store never looks into, and what a Store needs to expire and evict
// sessions without decoding them.
type Record struct {
	ID   string
	Data []byte
	// Created is when the session was made; LastSeen when it was last used.
	Created, LastSeen time.Time
	// Expires is when the Store forgets the record.
	Expires time.Time
	// SignedIn marks records holding a live sign-in: when the store is full,
	// others are evicted first.
	SignedIn bool
}

// Store keeps session records. MemStore is the in-process one; a
// database-backed store implements the same methods over a table of
// (id, data, created, last_seen, expires, signed_in). Data returned by Load
// is read-only: callers decode it and never change it in place.
type Store interface {
	// Load returns the record for id, or ErrNotFound.
	Load(ctx context.Context, id string) (Record, error)
	// Create adds a record under a fresh id.
	Create(ctx context.Context, rec Record) error
	// Save replaces a record's Data, LastSeen, Expires and SignedIn, or
	// returns ErrSessionGone when the record no longer exists.
	Save(ctx context.Context, rec Record) error
	// Touch moves only LastSeen and Expires, so that concurrent requests of
	// one session that merely read it never overwrite each other's Data.
	Touch(ctx context.Context, id string, lastSeen, expires time.Time) error
	// Delete removes a record; unknown ids are no error.
	Delete(ctx context.Context, id string) error
	// Len counts the records not yet expired.
	Len(ctx context.Context) (int, error)
}

// MemStoreConfig configures a MemStore. Zero values mean the defaults.
type MemStoreConfig struct {
	MaxSessions int              // default DefaultMaxSessions
	Now         func() time.Time // default time.Now
	Logger      *slog.Logger     // default slog.Default(); never gets ids
}

// MemStore is a Store in process memory. Records past Expires are dropped
// when touched and swept lazily from the least-recently-seen end whenever a
// record is created (no background goroutine). At most MaxSessions are kept;
// beyond that the least-recently-seen record is evicted, signed-in ones only
// when no other is left. Sessions are lost on restart, which for this portal
// means signing in again. A MemStore is safe for concurrent use.
type MemStore struct {
	max int
	now func() time.Time
	log *slog.Logger

	mu       sync.Mutex
	entries  map[string]*list.Element // id -> element whose Value is *Record
	lru      *list.List               // records not signed in; front = most recently seen
	signedIn *list.List               // signed-in records, evicted only when no other is left
}

var _ Store = (*MemStore)(nil)

// NewMemStore validates cfg and returns an empty store.
func NewMemStore(cfg MemStoreConfig) (*MemStore, error) {
	switch {
	case cfg.MaxSessions < 0:
		return nil, fmt.Errorf("auth: MemStoreConfig.MaxSessions must be positive (got %d)", cfg.MaxSessions)
	case cfg.MaxSessions == 0:
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &MemStore{
		max: cfg.MaxSessions, now: cfg.Now, log: cfg.Logger,
		entries: make(map[string]*list.Element), lru: list.New(), signedIn: list.New(),
	}, nil
}

// Load implements Store.
func (st *MemStore) Load(_ context.Context, id string) (Record, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	el, ok := st.live(id)
	if !ok {
		return Record{}, ErrNotFound
	}
	return *el.Value.(*Record), nil
}

// Create implements Store, sweeping expired records and evicting the least
// recently seen ones if the store is full.
func (st *MemStore) Create(_ context.Context, rec Record) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.entries[rec.ID]; dup || rec.ID == "" {
		return errors.New("auth: MemStore.Create needs a new id")
	}
	st.sweepLocked()
	for len(st.entries) >= st.max {
		// A flood of other records must not push out signed-in people.
		oldest := st.lru.Back()
		if oldest == nil {
			oldest = st.signedIn.Back()
		}
		st.removeLocked(oldest)
		st.log.Debug("auth: session evicted", "reason", "MaxSessions reached", "max", st.max)
	}
	r := rec
	st.entries[r.ID] = st.listOf(&r).PushFront(&r)
	return nil
}

// Save implements Store.
func (st *MemStore) Save(_ context.Context, rec Record) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	el, ok := st.live(rec.ID)
	if !ok {
		return ErrSessionGone
	}
	old := el.Value.(*Record)
	r := rec
	r.Created = old.Created
	st.listOf(old).Remove(el)
	st.entries[r.ID] = st.listOf(&r).PushFront(&r)
	return nil
}

// Touch implements Store.
func (st *MemStore) Touch(_ context.Context, id string, lastSeen, expires time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	el, ok := st.live(id)
	if !ok {
		return ErrSessionGone
	}
	r := el.Value.(*Record)
	r.LastSeen, r.Expires = lastSeen, expires
	st.listOf(r).MoveToFront(el)
	return nil
}

// Delete implements Store.
func (st *MemStore) Delete(_ context.Context, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if el, ok := st.entries[id]; ok {
		st.removeLocked(el)
	}
	return nil
}

// Len implements Store. It scans the whole store, so it is meant for tests
// and occasional metrics, not hot paths.
func (st *MemStore) Len(context.Context) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	for _, l := range []*list.List{st.lru, st.signedIn} {
		for el := l.Front(); el != nil; {
			next := el.Next()
			if !now.Before(el.Value.(*Record).Expires) {
				st.removeLocked(el)
			}
			el = next
		}
	}
	return len(st.entries), nil
}

// live looks id up, dropping it if it has expired.
func (st *MemStore) live(id string) (*list.Element, bool) {
	el, ok := st.entries[id]
	if !ok {
		return nil, false
	}
	if !st.now().Before(el.Value.(*Record).Expires) {
		st.removeLocked(el)
		return nil, false
	}
	return el, true
}

// sweepLocked drops expired records from the least-recently-seen end. The
// lists are ordered by last use, so this stops at the first live record and
// costs O(1) amortised; a record whose Expires comes early despite recent
// use is dropped on its next access instead, or once it drifts to the end.
// MaxSessions bounds memory either way.
func (st *MemStore) sweepLocked() {
	now := st.now()
	for _, l := range []*list.List{st.lru, st.signedIn} {
		for el := l.Back(); el != nil; el = l.Back() {
			if now.Before(el.Value.(*Record).Expires) {
				break
			}
			st.removeLocked(el)
		}
	}
}

// listOf is the recency list a record lives in.
func (st *MemStore) listOf(r *Record) *list.List {
	if r.SignedIn {
		return st.signedIn
	}
	return st.lru
}

func (st *MemStore) removeLocked(el *list.Element) {
	r := el.Value.(*Record)
	st.listOf(r).Remove(el)
	delete(st.entries, r.ID)
}
