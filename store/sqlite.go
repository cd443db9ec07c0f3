package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the "sqlite" driver: pure Go, no cgo
)

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// Defaults of SQLiteOptions.
const (
	DefaultBusyTimeout = 5 * time.Second
	minReaders         = 4
)

// SQLiteOptions configures OpenSQLite. Zero values mean the defaults.
type SQLiteOptions struct {
	// Now is the clock sessions expire by (default time.Now).
	Now func() time.Time
	// BusyTimeout is how long a statement waits for a lock another
	// connection holds before failing (default 5s). Within one desk writes
	// queue in Go and never wait here; it covers checkpoints and any other
	// process that opens the file.
	BusyTimeout time.Duration
	// Readers is the number of read connections (default GOMAXPROCS, at
	// least 4).
	Readers int
	Logger  *slog.Logger // default slog.Default(); gets migrations, never data
}

// SQLite is the DB in one SQLite file (modernc.org/sqlite, pure Go).
//
// One writer at a time: SQLite allows one writing transaction per file, and
// two connections that both try to write get SQLITE_BUSY (at once, for a
// transaction that read first and then tries to write: busy_timeout cannot
// help it). So every write goes through w, a pool of exactly one
// connection: writes of this process queue in database/sql (honouring their
// contexts) and never meet each other inside SQLite. Reads go through r, a
// pool of query-only connections; in WAL mode readers never block the writer
// nor wait for it, and each read sees every write committed before it began.
// busy_timeout and BEGIN IMMEDIATE (_txlock) are only for what is outside
// this process's control: checkpoints, and anyone else opening the file.
//
// The save locks (WithLock) are in-process: one desk per SQLite file, which
// OpenSQLite enforces with a lock on a companion file (path + "-lock").
// Several desks share a PostgreSQL database instead.
type SQLite struct {
	sqlStore
	w, r  *sql.DB
	locks keyedLocks
	held  *os.File // the lock on the file's -lock companion, while open
}

var _ DB = (*SQLite)(nil)

// OpenSQLite opens (creating it if need be) the database file at path and
// migrates it to the newest schema this desk knows. A file migrated by a
// newer desk is refused with an error that Is ErrSchemaTooNew.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLite, error) {
	// The driver reads everything after a '?' as parameters, and ":memory:"
	// would give every connection a database of its own.
	if path == "" || strings.ContainsRune(path, '?') || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("store: OpenSQLite needs a plain file path without '?' (got %q)", path)
	}
	// The save locks are in this process, so two desks on one file could
	// both pass a conflict check: the second one is refused.
	held, err := lockFile(path + "-lock")
	if errors.Is(err, errInUse) {
		return nil, fmt.Errorf("store: %s is in use by another desk (one desk per SQLite file)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	s, err := openSQLite(ctx, path, opts)
	if err != nil {
		held.Close()
		return nil, err
	}
	s.held = held
	return s, nil
}

// errInUse is lockFile's answer when another process holds the lock.
var errInUse = errors.New("in use")

func openSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLite, error) {
	// The file holds sessions (sealed keys among them): readable by this
	// user only. SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	f.Close()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.Readers <= 0 {
		opts.Readers = max(minReaders, runtime.GOMAXPROCS(0))
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	common := fmt.Sprintf("?_busy_timeout=%d&_foreign_keys=on", opts.BusyTimeout.Milliseconds())
	// WAL so readers and the writer never block each other; synchronous=FULL
	// so a committed history entry survives a power cut, not only a crash
	// (a person may have been told "Saved" because of it).
	w, err := sql.Open("sqlite", path+common+"&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := migrateSQLite(ctx, w, path, opts.Logger); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", path+common+"&_query_only=on")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(opts.Readers)
	r.SetMaxIdleConns(opts.Readers)
	s := &SQLite{sqlStore: sqlStore{r: newStdDB(r), w: newStdDB(w), now: opts.Now, dialect: sqliteDialect}, w: w, r: r}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	return s, nil
}

func migrateSQLite(ctx context.Context, db *sql.DB, name string, log *slog.Logger) error {
	sources, err := fs.Sub(sqliteMigrations, "migrations/sqlite")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sources,
		goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return fmt.Errorf("store: reading the migrations: %w", err)
	}
	return migrate(ctx, p, name, log)
}

// migrate brings the database up to the newest migration p knows, unless
// the database is already past it: a desk never runs on a schema it does
// not know (goose itself would just apply nothing).
func migrate(ctx context.Context, p *goose.Provider, name string, log *slog.Logger) error {
	have, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("store: reading the schema version of %s: %w", name, err)
	}
	sources := p.ListSources()
	know := sources[len(sources)-1].Version
	if have > know {
		return &SchemaTooNewError{Database: name, Have: have, Know: know}
	}
	if have == know {
		return nil
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrating %s from schema %d to %d: %w", name, have, know, err)
	}
	log.Info("store: schema migrated", "database", name, "from", have, "to", know)
	return nil
}

// Ping implements DB.
func (s *SQLite) Ping(ctx context.Context) error {
	return errors.Join(s.w.PingContext(ctx), s.r.PingContext(ctx))
}

// Close implements DB.
func (s *SQLite) Close() error {
	// optimize keeps the query planner's statistics current; cheap when
	// there is nothing to do.
	_, _ = s.w.Exec("PRAGMA optimize")
	err := errors.Join(s.r.Close(), s.w.Close())
	if s.held != nil {
		err = errors.Join(err, s.held.Close())
	}
	return err
}

// AddChange implements History. A zero At means now; UndoOf must name a
// change the history holds. The one writer makes appends one at a time, so
// appendChange's "never earlier than the newest" holds without more.
func (s *SQLite) AddChange(ctx context.Context, c Change) (int64, error) {
	args, err := appendArgs(c, s.now)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := s.w.QueryRowContext(ctx, appendChange(sqliteAt), args...).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: adding a change: %w", err)
	}
	return id, nil
}

// WithLock implements Locks with an in-process lock per key; the change a
// holder records goes through the one writer like every other write.
func (s *SQLite) WithLock(ctx context.Context, key string, wait time.Duration, fn func(h Held) error) error {
	release, err := s.locks.acquire(ctx, key, wait)
	if err != nil {
		return err
	}
	defer release()
	h := &heldLock{add: s.AddChange}
	defer h.end()
	return fn(h)
}
