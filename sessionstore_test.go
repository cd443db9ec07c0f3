package main

import (
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/auth/authtest"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/store/pgtest"
)

var quiet = slog.New(slog.DiscardHandler)

// openSQLite opens the database file at path on clock now, closed when the
// test ends.
func openSQLite(t *testing.T, path string, now func() time.Time) *store.SQLite {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), path, store.SQLiteOptions{Now: now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The Manager over the database keeps what it keeps over memory.
func TestManagerOverSQLite(t *testing.T) {
	authtest.TestManager(t, func(t *testing.T, now func() time.Time) auth.Store {
		return sessionStore{db: openSQLite(t, filepath.Join(t.TempDir(), databaseFile), now), now: now}
	})
}

// And over PostgreSQL, where several desks keep their sessions.
func TestManagerOverPostgres(t *testing.T) {
	authtest.TestManager(t, func(t *testing.T, now func() time.Time) auth.Store {
		db, err := store.OpenPostgres(context.Background(), pgtest.NewDatabase(t), store.PostgresOptions{Now: now, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return sessionStore{db: db, now: now}
	})
}

// A draft kept when a sign-in ended is handed back by a new Manager on the
// same file and key, as after a restart, once the same person signs in.
func TestDraftSurvivesARestart(t *testing.T) {
	for name, end := range map[string]func(*testing.T, *auth.Manager, *authtest.Clock, *authtest.Browser){
		"keys refused": func(t *testing.T, m *auth.Manager, _ *authtest.Clock, b *authtest.Browser) { b.EndSignIn(t, m) },
		"idle":         func(_ *testing.T, _ *auth.Manager, c *authtest.Clock, _ *authtest.Browser) { c.Advance(time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), databaseFile)
			clock := authtest.NewClock()
			db := openSQLite(t, path, clock.Now)
			m := authtest.NewManager(t, sessionStore{db: db, now: clock.Now}, clock)
			b := authtest.NewBrowser()
			b.SignIn(t, m, authtest.Person)
			token := b.CSRF(t, m)
			end(t, m, clock, b)
			if err := b.KeepDraft(m, "1000001/name", token, url.Values{"name": {"Northwind Freight"}}); err != nil {
				t.Fatalf("KeepDraft: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			db = openSQLite(t, path, clock.Now)
			m = authtest.NewManager(t, sessionStore{db: db, now: clock.Now}, clock)
			b.SignIn(t, m, authtest.Person)
			if got, ok := b.TakeDraft(m, "1000001/name"); !ok || got.Get("name") != "Northwind Freight" {
				t.Errorf("after the restart: %v, %v", got, ok)
			}
		})
	}
}

// The adapter speaks auth's errors.
func TestSessionStoreErrors(t *testing.T) {
	ctx := context.Background()
	st := sessionStore{db: openSQLite(t, filepath.Join(t.TempDir(), databaseFile), time.Now), now: time.Now}
	if _, err := st.Load(ctx, "nobody"); err != auth.ErrNotFound {
		t.Errorf("Load = %v, want auth.ErrNotFound", err)
	}
	if err := st.Save(ctx, auth.Record{ID: "nobody"}); err != auth.ErrSessionGone {
		t.Errorf("Save = %v, want auth.ErrSessionGone", err)
	}
	if err := st.Touch(ctx, "nobody", time.Now(), time.Now()); err != auth.ErrSessionGone {
		t.Errorf("Touch = %v, want auth.ErrSessionGone", err)
	}
}
