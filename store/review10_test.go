package store

import (
	"context"
	"testing"
	"time"

	"github.com/customerdesk/desk/store/pgtest"
)

// Review 10: findings against the PostgreSQL backend, each test asserting
// what the desk promises, on a real PostgreSQL server (store/pgtest).

// The handler records a save's history entry with a context of its own that
// ends 10 s later ("the history is written even when the request's time ran
// out"), so that a history that cannot take the entry is reported as
// unrecorded rather than hanging the request. Held.AddChange drops that
// deadline along with the cancellation (context.WithoutCancel), so on
// PostgreSQL an entry that cannot be written at once waits without end:
// past REQUEST_TIMEOUT and the server's WriteTimeout, holding its section's
// save lock (every desk's saves of it answer "busy"), its connection and
// its save slot, and a graceful shutdown (pool.Close waits for it) never
// ends. What makes an append wait: a table lock on changes (a newer desk's
// migration in a rolling deploy, an operator's CREATE INDEX), or a desk
// stalled half-way through its own append (paused, cut off: the server
// keeps its transaction, and the append lock every desk shares, until TCP
// gives up).
func TestReview10HeldAddChangeKeepsItsDeadline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := pgtest.NewDatabase(t)
	db := openPostgres(t, addr)

	// Appends must wait: the history's table is locked against writes.
	blocker, err := postgresBackend(t).raw(t, addr).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	if _, err := blocker.ExecContext(ctx, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.ExecContext(ctx, `LOCK TABLE changes IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	unblock := func() { _, _ = blocker.ExecContext(ctx, `ROLLBACK`) }

	type result struct {
		err     error
		elapsed time.Duration
	}
	done := make(chan result, 1)
	go func() {
		var r result
		_ = db.WithLock(ctx, "save:1001:name", time.Second, func(h Held) error {
			// As handlers.send does: the request's context less its
			// cancellation, with 1 s (the handler: 10 s) to write.
			record, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer cancel()
			start := time.Now()
			_, r.err = h.AddChange(record, change("1001", "a@example.com", time.Now()))
			r.elapsed = time.Since(start)
			return nil
		})
		done <- r
	}()
	select {
	case r := <-done:
		t.Logf("AddChange returned %v after %v", r.err, r.elapsed.Round(time.Millisecond))
	case <-time.After(6 * time.Second):
		unblock()
		r := <-done
		t.Errorf("AddChange under a save lock, given 1 s, was still waiting after 6 s (it returned %v after %v, once the table was let go): "+
			"the caller's deadline is dropped, so the save hangs, holding its lock, its connection and its save slot", r.err, r.elapsed.Round(time.Second))
	}
	unblock()
}

// Desks' clocks differ, and the history takes the later of a change's own
// time and the newest time it holds, so that its order by id is its order by
// time. One desk whose clock runs an hour fast then dates every change made
// on every other desk in the next hour an hour ahead, for good (entries are
// never rewritten): "just now" for an hour, on the wrong day in the
// activity's date filter and the CSV, and a retention sweep by that desk
// prunes an hour early. The history should trust one clock, the
// database's, for when a change was recorded, or at least never a time
// ahead of it.
func TestReview10AFastDeskClockDoesNotRedateOtherDesksChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := pgtest.NewDatabase(t)
	fast := func() time.Time { return time.Now().Add(time.Hour) }
	deskA, err := OpenPostgres(ctx, addr, PostgresOptions{Now: fast, Logger: quiet}) // its clock an hour fast
	if err != nil {
		t.Fatal(err)
	}
	defer deskA.Close()
	deskB := openPostgres(t, addr) // its clock right

	// As handlers.send records a save: At from the desk's own clock.
	add(t, deskA, change("1001", "a@example.com", fast()))
	atB := time.Now()
	idB := add(t, deskB, change("2002", "b@example.com", atB))

	got, err := deskB.Change(ctx, idB)
	if err != nil {
		t.Fatal(err)
	}
	if skew := got.At.Sub(atB); skew > 5*time.Second || skew < -5*time.Second {
		t.Errorf("desk B's change, made at %s by B's (right) clock, is dated %s (%v off) because desk A's clock runs fast",
			atB.UTC().Format(time.TimeOnly), got.At.Format(time.TimeOnly), skew.Round(time.Second))
	}
}
