package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for raw handles
	"github.com/pressly/goose/v3"

	"github.com/customerdesk/desk/store/pgtest"
)

// One PostgreSQL server for the package's tests, each test a database of
// its own; stopped when the tests end.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// postgresBackend runs the suite on databases of the shared server.
func postgresBackend(t *testing.T) backend {
	return backend{
		fresh: func(t *testing.T) string { return pgtest.NewDatabase(t) },
		open: func(ctx context.Context, addr string, now func() time.Time) (DB, error) {
			return OpenPostgres(ctx, addr, PostgresOptions{Now: now, Logger: quiet})
		},
		raw: func(t *testing.T, addr string) *sql.DB {
			db, err := sql.Open("pgx", addr)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		newest: newestMigration(t, postgresMigrations, "migrations/postgres"),
		downTo: func(t *testing.T, addr string, version int64) {
			migrateDownTo(t, "pgx", addr, goose.DialectPostgres, postgresMigrations, "migrations/postgres", version)
		},
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel() // beside the SQLite suite, which waits on the disk
	testDB(t, postgresBackend(t))
}

// Both backends know the same schema versions.
func TestMigrationsMatch(t *testing.T) {
	if pg, lite := newestMigration(t, postgresMigrations, "migrations/postgres"), newestMigration(t, sqliteMigrations, "migrations/sqlite"); pg != lite {
		t.Errorf("PostgreSQL's newest migration is %d, SQLite's %d", pg, lite)
	}
}

// openPostgres opens the database at addr, closed when the test ends.
func openPostgres(t *testing.T, addr string) *Postgres {
	t.Helper()
	db, err := OpenPostgres(t.Context(), addr, PostgresOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// advisoryLocks counts the advisory locks held in the database at addr
// (save locks and appends), seen from a connection of its own.
func advisoryLocks(t *testing.T, addr string) int {
	t.Helper()
	raw := postgresBackend(t).raw(t, addr)
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two desks are two pools on one database: the lock of a key is the same
// lock for both.
func TestPostgresLocksAcrossPools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := pgtest.NewDatabase(t)
	a, b := openPostgres(t, addr), openPostgres(t, addr)

	t.Run("mutual exclusion", func(t *testing.T) {
		var inside, most, total int32
		var mu chan struct{} = make(chan struct{}, 1) // guards most and total, never the section itself
		mu <- struct{}{}
		parallel(t, 16, func(i int) error {
			db := []*Postgres{a, b}[i%2]
			return db.WithLock(ctx, "customer 1001 name", time.Minute, func(h Held) error {
				<-mu
				inside++
				most, total = max(most, inside), total+1
				mu <- struct{}{}
				time.Sleep(time.Millisecond) // give an overlap the chance to show
				<-mu
				inside--
				mu <- struct{}{}
				return nil
			})
		})
		if total != 16 || most != 1 {
			t.Errorf("%d ran, at most %d inside at once (want 16 and 1)", total, most)
		}
	})

	t.Run("busy after the wait, on the other desk", func(t *testing.T) {
		holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- a.WithLock(ctx, "k", time.Second, func(Held) error { close(holding); <-release; return nil })
		}()
		<-holding
		for _, wait := range []time.Duration{0, 50 * time.Millisecond} {
			if err := b.WithLock(ctx, "k", wait, func(Held) error { return errors.New("ran without the lock") }); !errors.Is(err, ErrBusy) {
				t.Errorf("wait %v: %v, want ErrBusy", wait, err)
			}
		}
		if err := b.WithLock(ctx, "other", 0, func(Held) error { return nil }); err != nil {
			t.Errorf("another key on the other desk: %v", err)
		}
		// A waiter whose request ends stops waiting at once, and leaves no
		// lock behind.
		cancelled, cancel := context.WithCancel(ctx)
		waiting := make(chan error)
		go func() {
			waiting <- b.WithLock(cancelled, "k", time.Minute, func(Held) error { return errors.New("ran without the lock") })
		}()
		time.Sleep(50 * time.Millisecond) // let it wait on the server
		cancel()
		if err := <-waiting; !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled wait: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := b.WithLock(ctx, "k", 0, func(Held) error { return nil }); err != nil {
			t.Errorf("after release, on the other desk: %v", err)
		}
		if n := advisoryLocks(t, addr); n != 0 {
			t.Errorf("%d advisory locks still held", n)
		}
	})

	// The request ends while its save holds the lock (the browser went, the
	// request timed out): what reached Apptivo is still recorded, the lock
	// goes when fn returns, and no connection keeps it.
	t.Run("a request ending mid-save", func(t *testing.T) {
		reqCtx, cancel := context.WithCancel(ctx)
		var id int64
		err := a.WithLock(reqCtx, "customer 1001 contact", time.Second, func(h Held) error {
			cancel()
			var err error
			id, err = h.AddChange(reqCtx, change("1001", "a@example.com", time.Now()))
			if err != nil {
				return err
			}
			return reqCtx.Err()
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("WithLock = %v, want fn's context.Canceled", err)
		}
		if got, err := b.Change(ctx, id); err != nil || got.CustomerID != "1001" {
			t.Errorf("the change recorded after the request ended: %+v, %v", got, err)
		}
		if err := b.WithLock(ctx, "customer 1001 contact", 0, func(Held) error { return nil }); err != nil {
			t.Errorf("the lock after the request ended: %v", err)
		}
		if n := advisoryLocks(t, addr); n != 0 {
			t.Errorf("%d advisory locks still held", n)
		}
	})

	// lock_timeout bounds the wait for a save lock, and nothing else the
	// connection does afterwards.
	t.Run("the wait's timeout stays with the wait", func(t *testing.T) {
		one := openPostgres(t, addr+"&pool_max_conns=3") // one connection made: the save's, then the read's
		if err := one.WithLock(ctx, "k", time.Second, func(Held) error { return nil }); err != nil {
			t.Fatal(err)
		}
		var timeout string
		if err := one.pool.QueryRow(ctx, `SHOW lock_timeout`).Scan(&timeout); err != nil || timeout != "0" {
			t.Errorf("lock_timeout after a save: %q, %v; want 0", timeout, err)
		}
		if n := one.pool.Stat().TotalConns(); n != 1 {
			t.Errorf("%d connections, want the one", n)
		}
	})

	// Saves hold connections of their own for as long as they hold a lock,
	// but never all of the pool: pages and sign-ins still get one.
	t.Run("saves never take the whole pool", func(t *testing.T) {
		small := openPostgres(t, addr+"&pool_max_conns=4")
		holding, release, done := make(chan struct{}, 4), make(chan struct{}), make(chan error, 4)
		for i := range 2 { // 4 less a reserve of 2
			go func() {
				done <- small.WithLock(ctx, "slot "+string(rune('a'+i)), time.Second, func(Held) error {
					holding <- struct{}{}
					<-release
					return nil
				})
			}()
		}
		<-holding
		<-holding
		if err := small.WithLock(ctx, "slot c", 20*time.Millisecond, func(Held) error { return nil }); !errors.Is(err, ErrBusy) {
			t.Errorf("a third save: %v, want ErrBusy", err)
		}
		if _, err := small.CountSessions(ctx, time.Now()); err != nil {
			t.Errorf("a read while saves hold their share: %v", err)
		}
		close(release)
		if err := errors.Join(<-done, <-done); err != nil {
			t.Fatal(err)
		}
	})
}

// A save lock is a server session's: when the session ends under the desk
// (here pg_terminate_backend, as a failover or a network cut would end it),
// another desk can take the lock, and Confirm says the lock is gone before
// the save sends anything on the strength of it.
func TestPostgresConfirmFindsALostLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := pgtest.NewDatabase(t)
	a, b := openPostgres(t, addr), openPostgres(t, addr)
	raw := postgresBackend(t).raw(t, addr)
	err := a.WithLock(ctx, "save:1001:name", time.Second, func(h Held) error {
		if err := h.Confirm(ctx); err != nil {
			return fmt.Errorf("confirm while held: %w", err)
		}
		var ended int
		if err := raw.QueryRow(`SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
			WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() AND l.pid <> pg_backend_pid()`).Scan(&ended); err != nil || ended != 1 {
			return fmt.Errorf("ending the session holding the lock: %d, %v", ended, err)
		}
		if err := b.WithLock(ctx, "save:1001:name", time.Second, func(Held) error { return nil }); err != nil {
			return fmt.Errorf("the other desk, once the session ended: %w", err)
		}
		if err := h.Confirm(ctx); err == nil {
			return errors.New("Confirm says the lock is held after its session ended")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := advisoryLocks(t, addr); n != 0 {
		t.Errorf("%d advisory locks still held", n)
	}
}

// The database going away mid-run: calls fail with an error rather than
// hang, a held save lock's AddChange fails (the handler then says the
// history did not take it), and once the server is back the same DB works
// again without being reopened.
func TestPostgresSurvivesARestart(t *testing.T) {
	t.Parallel() // on a server of its own
	ctx := context.Background()
	srv := pgtest.Start(t)
	addr := srv.NewDatabase(t)
	db := openPostgres(t, addr)
	now := time.Now()
	if err := db.CreateSession(ctx, session("before", now, time.Hour, true)); err != nil {
		t.Fatal(err)
	}

	holding, stopped, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- db.WithLock(ctx, "customer 1001 name", time.Second, func(h Held) error {
			close(holding)
			<-stopped
			_, err := h.AddChange(ctx, change("1001", "a@example.com", now))
			return err
		})
	}()
	<-holding
	srv.Stop()
	close(stopped)
	// Bounded only so that a hang fails the test instead of stalling it.
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "adding a change") {
		t.Errorf("AddChange with the database down: %v, want an error", err)
	}
	if _, err := db.LoadSession(bounded, "before"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("LoadSession with the database down: %v, want an error that is not ErrNotFound", err)
	}
	if err := db.Ping(bounded); err == nil {
		t.Error("Ping with the database down answered")
	}
	if err := db.WithLock(bounded, "customer 1001 name", time.Second, func(Held) error { return nil }); err == nil || errors.Is(err, ErrBusy) {
		t.Errorf("WithLock with the database down: %v, want an error that is not ErrBusy", err)
	}
	if bounded.Err() != nil {
		t.Fatal("calls hung while the database was down")
	}

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// A connection the pool had not yet found dead may fail one call.
	var err error
	for range 3 {
		if err = db.Ping(ctx); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Ping after the restart: %v", err)
	}
	if _, err := db.LoadSession(ctx, "before"); err != nil {
		t.Errorf("the session made before the restart: %v", err)
	}
	var id int64
	err = db.WithLock(ctx, "customer 1001 name", time.Second, func(h Held) error {
		id, err = h.AddChange(ctx, change("1001", "a@example.com", now))
		return err
	})
	if err != nil {
		t.Fatalf("a save after the restart: %v", err)
	}
	if got, err := db.Changes(ctx, Query{}); err != nil || len(got) != 1 || got[0].ID != id {
		t.Errorf("history after the restart: %v, %v; want only change %d (the one made while down was not taken)", ids(got), err, id)
	}
}

// No error names the URL's password, whatever is wrong.
func TestPostgresErrorsHideThePassword(t *testing.T) {
	const pw = "s3cr3t-Pa55"
	for _, u := range []string{
		"postgres://desk:" + pw + "@127.0.0.1:1/desk?sslmode=disable&connect_timeout=1", // nobody listens
		"postgres://desk:" + pw + "@127.0.0.1:notaport/desk",
		"postgresql://desk:" + pw + "@127.0.0.1:5432/desk?pool_max_conns=zero",
		"postgres://desk:" + pw + "@127.0.0.1:5432/desk?pool_max_conns=2",
		"mysql://desk:" + pw + "@127.0.0.1/desk",
	} {
		db, err := OpenPostgres(t.Context(), u, PostgresOptions{Logger: quiet})
		if err == nil {
			db.Close()
			t.Errorf("%s opened", Redact(u, u))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	if got := Redact("failed: postgres://desk:"+pw+"@h/d and "+pw, "postgres://desk:"+pw+"@h/d"); strings.Contains(got, pw) {
		t.Errorf("Redact left the password: %s", got)
	}
}
