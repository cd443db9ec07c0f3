// Package store is the desk's memory: sessions that survive a restart, the
// change history, the lock that serialises "fresh read → conflict check →
// update" of one customer section, the sign-in limit's counts, and each key
// pair's Apptivo type lists. One SQLite file in DATA_DIR by default
// (SQLite), PostgreSQL when several desks share it; both behind DB, with the
// same schema shape, migrated by goose from SQL files embedded here.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned for a session or change the store does not hold
// (never made, deleted, or past its expiry).
var ErrNotFound = errors.New("store: not found")

// ErrGone is returned by SaveSession and TouchSession when the session was
// deleted or expired after it was loaded: nothing is written, so a signed-out
// session is never resurrected.
var ErrGone = errors.New("store: session expired or was deleted")

// ErrBusy is returned by WithLock when the lock could not be had in time:
// someone else is saving that section right now.
var ErrBusy = errors.New("store: busy")

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer desk than this one: it refuses to run on a schema it does not know.
var ErrSchemaTooNew = errors.New("store: the database schema is newer than this desk")

// SchemaTooNewError is the error Is(ErrSchemaTooNew): it names the database
// and both schema versions.
type SchemaTooNewError struct {
	Database   string // the file, or the server and database name
	Have, Know int64  // the database's schema version; the newest this desk knows
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("store: %s was migrated by a newer desk (schema %d, this desk knows %d)", e.Database, e.Have, e.Know)
}

// Is makes errors.Is(err, ErrSchemaTooNew) hold.
func (e *SchemaTooNewError) Is(target error) bool { return target == ErrSchemaTooNew }

// Session is one session record: the encoded session data, which the store
// never looks into, and what it needs to expire sessions without decoding
// them.
type Session struct {
	ID                string
	Data              []byte
	Created, LastSeen time.Time
	// Expires is when the store forgets the session.
	Expires time.Time
	// SignedIn marks a live sign-in (the rest wait out a grace window).
	SignedIn bool
}

// Outcome is what became of a change.
type Outcome string

const (
	Saved   Outcome = "saved"   // Apptivo applied it
	Refused Outcome = "refused" // Apptivo refused it (Reason says why)
	Unknown Outcome = "unknown" // sent, but Apptivo's answer did not say whether it landed
	Kept    Outcome = "kept"    // a conflict resolved by keeping the colleague's version: nothing sent
)

// Change is one entry of the change history: one save that reached Apptivo,
// or one conflict resolution. Entries are append-only.
type Change struct {
	ID           int64
	At           time.Time
	Email        string // who: the signed-in email
	KeyPrint     string // and a salted fingerprint of their key pair (never the keys)
	CustomerID   string
	CustomerName string   // at the time
	Sections     []string // what was written: apptivo section attribute names, in update order
	// Diff holds what each written section was and became (JSON, written
	// and read by the handlers): enough to show every field's before → after
	// and to undo the change.
	Diff      []byte
	Outcome   Outcome
	Reason    string // Apptivo's reason, for a refusal
	RequestID string
	// UndoOf is the change this one undid (or redid); 0 for an ordinary save.
	UndoOf int64
	// Resolution marks a change made from a conflict view.
	Resolution bool
}

// check refuses a change no history should hold.
func (c Change) check() error {
	switch {
	case c.CustomerID == "" || c.Email == "":
		return errors.New("store: a change needs a CustomerID and an Email")
	case c.Outcome != Saved && c.Outcome != Refused && c.Outcome != Unknown && c.Outcome != Kept:
		return fmt.Errorf("store: a change needs an Outcome (got %q)", c.Outcome)
	}
	return nil
}

// MaxLimit is the most changes one Changes call returns.
const MaxLimit = 200

// Query selects changes, newest first.
type Query struct {
	// KeyPrint selects the changes made with one key pair (Change.KeyPrint);
	// "" for every pair's. Whoever lists changes across customers for a
	// person sets it to theirs: see handlers' activity.
	KeyPrint   string
	CustomerID string    // "" for every customer
	Email      string    // "" for everyone
	Outcome    Outcome   // "" for every outcome
	From, To   time.Time // zero for open-ended; To is exclusive
	Before     int64     // only changes with a smaller ID (paging); 0 for the newest
	Limit      int       // at most this many; 0 (or above MaxLimit) means MaxLimit
}

// limit is the number of changes q asks for, capped.
func (q Query) limit() int {
	if q.Limit <= 0 || q.Limit > MaxLimit {
		return MaxLimit
	}
	return q.Limit
}

// Sessions keeps session records.
type Sessions interface {
	LoadSession(ctx context.Context, id string) (Session, error) // ErrNotFound
	CreateSession(ctx context.Context, s Session) error          // a fresh id
	// SaveSession replaces Data, LastSeen, Expires and SignedIn (ErrGone).
	SaveSession(ctx context.Context, s Session) error
	// TouchSession moves only LastSeen and Expires (ErrGone), so requests of
	// one session that merely read it never overwrite each other's Data.
	TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error
	DeleteSession(ctx context.Context, id string) error // unknown ids are no error
	CountSessions(ctx context.Context, now time.Time) (int, error)
	// CountSignedIn counts the records marked signed in whose Expires is
	// after expiresAfter. A sign-in's record expires its grace window after
	// the sign-in ends, so now + that window counts the live sign-ins.
	CountSignedIn(ctx context.Context, expiresAfter time.Time) (int, error)
	// SweepSessions deletes every session past its expiry; it returns how many.
	SweepSessions(ctx context.Context, now time.Time) (int, error)
}

// History keeps the change history.
type History interface {
	// AddChange appends c and returns its ID (increasing, never reused),
	// once the entry is durable. A zero At means now; an At earlier than the
	// newest entry's is recorded as that entry's, so that the order by ID is
	// the order by time (desks' clocks differ by a little). With PostgreSQL
	// an At ahead of the database server's clock is recorded as the
	// server's time: a desk whose clock runs fast cannot date other desks'
	// changes ahead.
	AddChange(ctx context.Context, c Change) (int64, error)
	Change(ctx context.Context, id int64) (Change, error) // ErrNotFound
	Changes(ctx context.Context, q Query) ([]Change, error)
	// UndoneBy returns, for those of ids that a later change undid, the ID
	// of the undoing change: the newest one Apptivo applied (Outcome Saved).
	// A refused or unanswered undo has not undone anything for certain, so
	// the change can still be undone.
	UndoneBy(ctx context.Context, ids []int64) (map[int64]int64, error)
	// PruneChanges deletes changes older than before; it returns how many.
	PruneChanges(ctx context.Context, before time.Time) (int, error)
}

// Held is a held save lock.
type Held interface {
	// AddChange records a change while the lock is held (with PostgreSQL,
	// on the connection that holds it), so the history entry of a save is
	// written in the same step that reports the outcome: when it returns
	// nil the entry is committed, and a save may be reported as saved. It
	// is not given up when ctx is cancelled — what Apptivo did is recorded
	// even when the browser has gone — but it is when ctx's deadline
	// passes. After WithLock returns it fails.
	AddChange(ctx context.Context, c Change) (int64, error)
	// Confirm makes sure the lock is still held, and fails otherwise: call
	// it right before doing what the lock guards (sending an update). With
	// PostgreSQL the lock belongs to a server session, which can end under
	// the desk (a failover, pg_terminate_backend, a network cut), letting
	// another desk take the lock; Confirm asks the server, on the lock's own
	// connection, whether that session still holds it. An in-process lock
	// is held until WithLock returns.
	Confirm(ctx context.Context) error
}

// Locks serialise saves of one customer section across everyone (and, with
// PostgreSQL, across instances).
type Locks interface {
	// WithLock runs fn holding the lock named key, waiting at most wait for
	// it (ErrBusy after that, and no hang; ctx's error if ctx ends first).
	// The lock is let go of when fn returns or panics, whatever became of
	// ctx. fn's error is returned.
	WithLock(ctx context.Context, key string, wait time.Duration, fn func(h Held) error) error
}

// DB is everything the desk keeps.
type DB interface {
	Sessions
	History
	Locks
	SignInLimits
	TypeLists
	// SweepExpired deletes what is kept only for a while and is past it:
	// the sign-in allowances that are whole again (by the database
	// server's clock with PostgreSQL, by now with SQLite) and the type
	// lists expired by now. It returns how many rows went.
	SweepExpired(ctx context.Context, now time.Time) (int, error)
	// Ping reports whether the database answers (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}
