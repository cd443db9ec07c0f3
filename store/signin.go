package store

import (
	"context"
	"fmt"
	"time"
)

// Limit is a sign-in allowance per client: Burst attempts at once, and one
// more every Every; at most Clients clients are counted at a time.
type Limit struct {
	Every   time.Duration
	Burst   int
	Clients int
}

// SignInLimits counts sign-in attempts, per client, for every desk on the
// database.
type SignInLimits interface {
	// AllowSignIn counts one sign-in attempt of client (an address, say)
	// and reports whether its allowance had room for it; a refused attempt
	// is not counted. The allowance is a token bucket of limit.Burst,
	// refilled one attempt per limit.Every, by the database server's clock
	// with PostgreSQL (several desks, one clock).
	//
	// Strangers make these rows, so they are bounded: a client's row is
	// worth keeping only until its allowance is whole again (at most
	// Burst×Every after its last attempt; SweepExpired deletes it then),
	// and a new client that finds limit.Clients counted already has the
	// client nearest its whole allowance forgotten to make room. Forgetting
	// a client only ever gives it back attempts: nobody is refused for
	// someone else's attempts.
	AllowSignIn(ctx context.Context, client string, limit Limit) (bool, error)
}

// AllowSignIn implements SignInLimits as GCRA: a client's row holds the
// time its allowance is whole again (full_at); an attempt fits while
// full_at is at most (Burst-1)×Every ahead, and moves it Every further.
func (s *sqlStore) AllowSignIn(ctx context.Context, client string, limit Limit) (bool, error) {
	step := max(limit.Every.Milliseconds(), 1)
	slack := step * int64(max(limit.Burst-1, 0))
	now := s.now()
	clock := `WITH c(now) AS (SELECT ` + s.dialect.clock + `) `
	counted := func() (bool, error) { // a client seen before, if its allowance has room
		return s.returnsRow(ctx, clock+`UPDATE sign_in_attempts SET full_at = `+s.dialect.greatest+`(full_at, (SELECT now FROM c)) + ?
			WHERE client = ? AND full_at <= (SELECT now FROM c) + ? RETURNING full_at`, s.withClock(now, step, client, slack)...)
	}
	for range 3 {
		if ok, err := counted(); err != nil || ok {
			return ok, s.signInErr(err)
		}
		// A client not seen (or forgotten), while there is room for it.
		ok, err := s.returnsRow(ctx, clock+`INSERT INTO sign_in_attempts (client, full_at) SELECT ?, now + ? FROM c
			WHERE (SELECT count(*) FROM sign_in_attempts) < ? ON CONFLICT (client) DO NOTHING RETURNING full_at`,
			s.withClock(now, client, step, limit.Clients)...)
		if err != nil || ok {
			return ok, s.signInErr(err)
		}
		var seen int
		if err := s.w.queryRow(ctx, `SELECT count(*) FROM sign_in_attempts WHERE client = ?`, client).Scan(&seen); err != nil {
			return false, s.signInErr(err)
		}
		if seen > 0 {
			// Its allowance is spent (or it came in from another request
			// just now: one more look).
			ok, err := counted()
			return ok, s.signInErr(err)
		}
		// Full: forget the client nearest its whole allowance (one whose
		// allowance is whole already, first), and try again.
		if _, err := s.w.exec(ctx, `DELETE FROM sign_in_attempts WHERE client IN
			(SELECT client FROM sign_in_attempts ORDER BY full_at LIMIT 1)`); err != nil {
			return false, s.signInErr(err)
		}
	}
	// Other requests keep filling the room as it is made: let this one
	// through rather than refuse it for strangers' attempts.
	return true, nil
}

func (s *sqlStore) signInErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: counting a sign-in attempt: %w", err)
}

// sweepSignIns deletes the clients whose allowance is whole again.
func (s *sqlStore) sweepSignIns(ctx context.Context, now time.Time) (int, error) {
	return s.w.exec(ctx, `WITH c(now) AS (SELECT `+s.dialect.clock+`) DELETE FROM sign_in_attempts WHERE full_at <= (SELECT now FROM c)`,
		s.withClock(now)...)
}

// returnsRow runs a statement on the writer and reports whether it
// returned a row.
func (s *sqlStore) returnsRow(ctx context.Context, query string, args ...any) (bool, error) {
	rows, err := s.w.query(ctx, query, args...)
	if err != nil {
		return false, err
	}
	found := rows.Next()
	rows.Close()
	return found, rows.Err()
}
