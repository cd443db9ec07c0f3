package main

import (
	"context"
	"errors"
	"time"

	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/store"
)

// sessionStore keeps auth's session records in the database: auth.Store
// over store.Sessions. It lives here, in the composition root, because auth
// may not import the store nor the store auth. The two record types have the
// same fields, so each converts to the other; only the errors are
// translated, to the ones auth documents.
type sessionStore struct {
	db  store.Sessions
	now func() time.Time // Len counts the sessions live at now()
}

var _ auth.Store = sessionStore{}

func (s sessionStore) Load(ctx context.Context, id string) (auth.Record, error) {
	rec, err := s.db.LoadSession(ctx, id)
	return auth.Record(rec), authErr(err)
}

func (s sessionStore) Create(ctx context.Context, rec auth.Record) error {
	return authErr(s.db.CreateSession(ctx, store.Session(rec)))
}

func (s sessionStore) Save(ctx context.Context, rec auth.Record) error {
	return authErr(s.db.SaveSession(ctx, store.Session(rec)))
}

func (s sessionStore) Touch(ctx context.Context, id string, lastSeen, expires time.Time) error {
	return authErr(s.db.TouchSession(ctx, id, lastSeen, expires))
}

func (s sessionStore) Delete(ctx context.Context, id string) error {
	return authErr(s.db.DeleteSession(ctx, id))
}

func (s sessionStore) Len(ctx context.Context) (int, error) {
	return s.db.CountSessions(ctx, s.now())
}

// authErr is err in auth's terms.
func authErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return auth.ErrNotFound
	case errors.Is(err, store.ErrGone):
		return auth.ErrSessionGone
	}
	return err
}
