package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A session past its expires is gone for every method at once, swept or not:
// each statement compares expires with the clock, so the sweep only frees
// space and never changes an answer.

// LoadSession implements Sessions.
func (s *sqlStore) LoadSession(ctx context.Context, id string) (Session, error) {
	var ses Session
	var created, lastSeen, expires int64
	err := s.r.queryRow(ctx,
		`SELECT id, data, created, last_seen, expires, signed_in FROM sessions WHERE id = ? AND expires > ?`,
		id, ms(s.now()),
	).Scan(&ses.ID, &ses.Data, &created, &lastSeen, &expires, &ses.SignedIn)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: loading a session: %w", err)
	}
	ses.Created, ses.LastSeen, ses.Expires = fromMS(created), fromMS(lastSeen), fromMS(expires)
	return ses, nil
}

// CreateSession implements Sessions. An id already in use (live or not yet
// swept) is an error; ids are random, so that means a bug.
func (s *sqlStore) CreateSession(ctx context.Context, ses Session) error {
	if ses.ID == "" {
		return errors.New("store: CreateSession needs an id")
	}
	_, err := s.w.exec(ctx,
		`INSERT INTO sessions (id, data, created, last_seen, expires, signed_in) VALUES (?, ?, ?, ?, ?, ?)`,
		ses.ID, nonNil(ses.Data), ms(ses.Created), ms(ses.LastSeen), ms(ses.Expires), ses.SignedIn)
	if err != nil {
		return fmt.Errorf("store: creating a session: %w", err)
	}
	return nil
}

// SaveSession implements Sessions. Created is kept as it was.
func (s *sqlStore) SaveSession(ctx context.Context, ses Session) error {
	n, err := s.w.exec(ctx,
		`UPDATE sessions SET data = ?, last_seen = ?, expires = ?, signed_in = ? WHERE id = ? AND expires > ?`,
		nonNil(ses.Data), ms(ses.LastSeen), ms(ses.Expires), ses.SignedIn, ses.ID, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: saving a session: %w", err)
	}
	if n == 0 {
		return ErrGone
	}
	return nil
}

// TouchSession implements Sessions.
func (s *sqlStore) TouchSession(ctx context.Context, id string, lastSeen, expires time.Time) error {
	n, err := s.w.exec(ctx,
		`UPDATE sessions SET last_seen = ?, expires = ? WHERE id = ? AND expires > ?`,
		ms(lastSeen), ms(expires), id, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: touching a session: %w", err)
	}
	if n == 0 {
		return ErrGone
	}
	return nil
}

// DeleteSession implements Sessions.
func (s *sqlStore) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.w.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: deleting a session: %w", err)
	}
	return nil
}

// CountSessions implements Sessions.
func (s *sqlStore) CountSessions(ctx context.Context, now time.Time) (int, error) {
	var n int
	if err := s.r.queryRow(ctx, `SELECT count(*) FROM sessions WHERE expires > ?`, ms(now)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting sessions: %w", err)
	}
	return n, nil
}

// CountSignedIn implements Sessions.
func (s *sqlStore) CountSignedIn(ctx context.Context, expiresAfter time.Time) (int, error) {
	var n int
	if err := s.r.queryRow(ctx, `SELECT count(*) FROM sessions WHERE signed_in = ? AND expires > ?`, true, ms(expiresAfter)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: counting sign-ins: %w", err)
	}
	return n, nil
}

// SweepSessions implements Sessions.
func (s *sqlStore) SweepSessions(ctx context.Context, now time.Time) (int, error) {
	n, err := s.w.exec(ctx, `DELETE FROM sessions WHERE expires <= ?`, ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: sweeping sessions: %w", err)
	}
	return n, nil
}

// SweepExpired implements DB.
func (s *sqlStore) SweepExpired(ctx context.Context, now time.Time) (int, error) {
	signIns, err := s.sweepSignIns(ctx, now)
	if err != nil {
		return 0, fmt.Errorf("store: sweeping sign-in allowances: %w", err)
	}
	lists, err := s.w.exec(ctx, `DELETE FROM type_lists WHERE expires <= ?`, ms(now))
	if err != nil {
		return signIns, fmt.Errorf("store: sweeping type lists: %w", err)
	}
	return signIns + lists, nil
}
