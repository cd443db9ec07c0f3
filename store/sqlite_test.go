package store

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
)

// quiet is the store's logger in tests.
var quiet = slog.New(slog.DiscardHandler)

// sqliteBackend runs the suite on temp files.
func sqliteBackend(t *testing.T) backend {
	return backend{
		fresh: func(t *testing.T) string { return filepath.Join(t.TempDir(), "desk.db") },
		open: func(ctx context.Context, addr string, now func() time.Time) (DB, error) {
			return OpenSQLite(ctx, addr, SQLiteOptions{Now: now, Logger: quiet})
		},
		raw: func(t *testing.T, addr string) *sql.DB {
			db, err := sql.Open("sqlite", addr+"?_busy_timeout=5000")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		newest: newestMigration(t, sqliteMigrations, "migrations/sqlite"),
		downTo: func(t *testing.T, addr string, version int64) {
			migrateDownTo(t, "sqlite", addr+"?_busy_timeout=5000&_foreign_keys=on", goose.DialectSQLite3, sqliteMigrations, "migrations/sqlite", version)
		},
	}
}

// newestMigration is the highest version among the migration files in dir.
func newestMigration(t *testing.T, fsys fs.FS, dir string) int64 {
	t.Helper()
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations in %s: %v", dir, err)
	}
	var newest int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			t.Fatal(err)
		}
		newest = max(newest, v)
	}
	return newest
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	testDB(t, sqliteBackend(t))
}

// openTemp opens a new SQLite file, closed when the test ends.
func openTemp(tb testing.TB) *SQLite {
	tb.Helper()
	db, err := OpenSQLite(context.Background(), filepath.Join(tb.TempDir(), "desk.db"), SQLiteOptions{Logger: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestOpenSQLiteNeedsAFile(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "a?b.db")} {
		if db, err := OpenSQLite(t.Context(), path, SQLiteOptions{Logger: quiet}); err == nil {
			db.Close()
			t.Errorf("OpenSQLite(%q) worked", path)
		}
	}
	if _, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "no", "such", "dir", "desk.db"), SQLiteOptions{Logger: quiet}); err == nil {
		t.Error("OpenSQLite in a missing directory worked")
	}
}

// The settings every connection must have: WAL (readers and the writer never
// block each other), foreign keys (undo_of), and a busy timeout.
func TestSQLitePragmas(t *testing.T) {
	db := openTemp(t)
	for name, pool := range map[string]*sql.DB{"writer": db.w, "reader": db.r} {
		var mode string
		var fk, busy int
		if err := pool.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := pool.QueryRow(`PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" || fk != 1 || busy != int(DefaultBusyTimeout.Milliseconds()) {
			t.Errorf("%s: journal_mode %s, foreign_keys %d, busy_timeout %d", name, mode, fk, busy)
		}
	}
	if _, err := db.r.Exec(`DELETE FROM sessions`); err == nil {
		t.Error("a reader connection can write")
	}
}

// Each history query is answered from an index, in index order: no scan of
// the whole table and no sort, however long the history grows.
func TestSQLiteHistoryQueriesUseIndexes(t *testing.T) {
	db := openTemp(t)
	for query, wantIndex := range map[string]string{
		`SELECT * FROM changes WHERE customer_id = '1' ORDER BY id DESC LIMIT 20`:                                "changes_customer",
		`SELECT * FROM changes WHERE customer_id = '1' AND id < 50 ORDER BY id DESC LIMIT 20`:                    "changes_customer",
		`SELECT * FROM changes WHERE email = 'a' ORDER BY id DESC LIMIT 50`:                                      "changes_email",
		`SELECT * FROM changes ORDER BY id DESC LIMIT 50`:                                                        "SCAN changes", // the table itself, in id order
		`SELECT * FROM changes WHERE id < 50 ORDER BY id DESC LIMIT 50`:                                          "INTEGER PRIMARY KEY",
		`SELECT undo_of, max(id) FROM changes WHERE outcome = 'saved' AND undo_of IN (1, 2, 3) GROUP BY undo_of`: "changes_undo_of",
		`DELETE FROM changes WHERE at < 5`:                                                                       "changes_at",
		`DELETE FROM sessions WHERE expires <= 5`:                                                                "sessions_expires",
		// A date range: one seek in the at index at each end, then a range of ids.
		`SELECT id FROM changes WHERE at >= 5 ORDER BY at, id LIMIT 1`:                                     "changes_at",
		`SELECT * FROM changes WHERE id >= 10 AND id < 50 ORDER BY id DESC LIMIT 50`:                       "INTEGER PRIMARY KEY",
		`SELECT * FROM changes WHERE email = 'a' AND id >= 10 AND id < 50 ORDER BY id DESC LIMIT 50`:       "changes_email",
		`SELECT * FROM changes WHERE customer_id = '1' AND id >= 10 AND id < 50 ORDER BY id DESC LIMIT 50`: "changes_customer",
		// Team activity: the changes made with one key pair.
		`SELECT * FROM changes WHERE key_print = 'k' ORDER BY id DESC LIMIT 50`:                             "changes_key_print",
		`SELECT * FROM changes WHERE key_print = 'k' AND id >= 10 AND id < 50 ORDER BY id DESC LIMIT 50`:    "changes_key_print",
		`SELECT * FROM changes WHERE key_print = 'k' AND customer_id = '1' ORDER BY id DESC LIMIT 50`:       "changes_",
		`SELECT * FROM changes WHERE key_print = 'k' AND email = 'a' AND id < 50 ORDER BY id DESC LIMIT 50`: "changes_",
	} {
		all := queryPlan(t, db, query)
		if !strings.Contains(all, wantIndex) || strings.Contains(all, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s\n  plan: %s\n  want %s and no sort", query, all, wantIndex)
		}
	}
}

// queryPlan is SQLite's plan of query, its steps joined by "; ".
func queryPlan(t *testing.T, db *SQLite, query string, args ...any) string {
	t.Helper()
	rows, err := db.r.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// The database and its WAL files are readable by this user only.
func TestSQLiteFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	db, err := OpenSQLite(t.Context(), filepath.Join(dir, "desk.db"), SQLiteOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateSession(t.Context(), session("a", time.Now(), time.Hour, true)); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "desk.db*"))
	if len(names) < 2 {
		t.Fatalf("files: %v, want the database and its WAL", names)
	}
	for _, name := range names {
		if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", name, fi.Mode().Perm(), err)
		}
	}
}

// migrateDownTo migrates the database at dsn down to schema version, as a
// desk of that schema left it.
func migrateDownTo(t *testing.T, driver, dsn string, dialect goose.Dialect, migrations fs.FS, dir string, version int64) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sources, err := fs.Sub(migrations, dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(dialect, db, sources, goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
}
