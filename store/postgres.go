package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/postgres/*.sql
var postgresMigrations embed.FS

// Defaults of OpenPostgres.
const (
	// DefaultPoolSize is the number of connections a desk keeps at most when
	// DATABASE_URL sets no pool_max_conns.
	DefaultPoolSize = 25
	// defaultConnectTimeout bounds one attempt to reach the server when
	// DATABASE_URL sets no connect_timeout: a database that is down answers
	// requests with an error, never a hang.
	defaultConnectTimeout = 5 * time.Second
	// unlockTimeout bounds letting go of a save lock; past it the connection
	// is closed, which lets go of the lock too.
	unlockTimeout = 5 * time.Second
	// confirmTimeout bounds making sure a save lock is still held.
	confirmTimeout = 5 * time.Second
)

// keepAlive is the TCP keep-alive of the desk's end of its connections.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 5 * time.Second, Count: 3}

// sessionParams are set on every connection unless DATABASE_URL sets them.
// The server's end of a connection gives up on a desk that is gone (and so
// lets go of its save locks and its transaction) as fast as the desk's end
// gives up on the server. idle_session_timeout would end a session holding
// a save lock while Apptivo answers (the session is idle then): the pool
// closes idle connections itself.
var sessionParams = map[string]string{
	"application_name":        "customer desk",
	"tcp_keepalives_idle":     "15",
	"tcp_keepalives_interval": "5",
	"tcp_keepalives_count":    "3",
	"tcp_user_timeout":        "30000", // ms of data unacknowledged
	"idle_session_timeout":    "0",
}

// PostgresOptions configures OpenPostgres. Zero values mean the defaults.
type PostgresOptions struct {
	// Now is the clock sessions expire by (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger // default slog.Default(); gets migrations, never data
}

// Postgres is the DB in a PostgreSQL database that several desks share
// (jackc/pgx through a pgxpool).
//
// The save lock of a key is a PostgreSQL advisory lock, so two desks can
// never both pass the conflict check of one section. WithLock takes it at
// session level on a connection of its own, which it keeps until fn
// returns, Apptivo calls and all; the change a holder records is committed
// on that connection, under the lock, before AddChange returns. (An advisory
// lock taken in a transaction would go at the commit that makes the entry
// durable, and a change reported as saved must be durable first.)
//
// Pool size: a save holds one connection for as long as it holds its lock
// (at most REQUEST_TIMEOUT); everything else holds one for a statement. So
// at most the pool less a quarter (at least two) may be held by saves at
// once, and the rest always serve sign-ins and pages. A save finding no
// connection to hold within its wait answers ErrBusy like a held lock. Make
// pool_max_conns (DefaultPoolSize) at least the saves a desk should run at
// once plus a few; the server's max_connections must cover every desk's
// pool.
type Postgres struct {
	sqlStore
	pool *pgxpool.Pool
	// saves holds a token for each connection a save holds for its lock.
	saves chan struct{}
	name  string // host:port/database, for messages: never the password
}

var _ DB = (*Postgres)(nil)

// OpenPostgres connects to the database at databaseURL (postgres://… or
// postgresql://…, with pgx's parameters: pool_max_conns, connect_timeout,
// sslmode, …) and migrates it to the newest schema this desk knows. A
// database migrated by a newer desk is refused with an error that Is
// ErrSchemaTooNew. No error names the URL's password.
func OpenPostgres(ctx context.Context, databaseURL string, opts PostgresOptions) (*Postgres, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
		return nil, errors.New("store: a PostgreSQL URL starts with postgres:// or postgresql://")
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: reading the PostgreSQL URL: %s", Redact(parseProblem(err), databaseURL))
	}
	if !hasParam(databaseURL, "pool_max_conns") {
		cfg.MaxConns = DefaultPoolSize
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	for param, value := range sessionParams {
		if _, ok := cfg.ConnConfig.RuntimeParams[param]; !ok {
			cfg.ConnConfig.RuntimeParams[param] = value
		}
	}
	// A connection whose other end is gone (a failover, a network cut) is
	// found out within about half a minute, not TCP's two hours: a save
	// lock's connection, above all, must not seem alive when it is not.
	dialer := &net.Dialer{Timeout: cfg.ConnConfig.ConnectTimeout, KeepAliveConfig: keepAlive}
	cfg.ConnConfig.DialFunc = dialer.DialContext
	// A request that ends while waiting for a lock (or anything else) asks
	// the server to stop at once, rather than only closing its end: a
	// waiting backend would otherwise still take the lock, briefly.
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	saves := int(cfg.MaxConns) - max(2, int(cfg.MaxConns)/4)
	if saves < 1 {
		return nil, fmt.Errorf("store: pool_max_conns must be at least 3 (got %d): saves hold connections of their own", cfg.MaxConns)
	}
	name := net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port))) + "/" + cfg.ConnConfig.Database
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: opening %s: %s", name, Redact(err.Error(), databaseURL))
	}
	p := &Postgres{sqlStore: sqlStore{r: pgDB{pool}, w: pgDB{pool}, now: opts.Now, dialect: pgDialect}, pool: pool,
		saves: make(chan struct{}, saves), name: name}
	if err := p.migrate(ctx, opts.Logger); err != nil {
		pool.Close()
		return nil, redacted{msg: Redact(err.Error(), databaseURL), err: err}
	}
	return p, nil
}

func (p *Postgres) migrate(ctx context.Context, log *slog.Logger) error {
	sources, err := fs.Sub(postgresMigrations, "migrations/postgres")
	if err != nil {
		return err
	}
	// Desks that start together take turns: goose holds a session advisory
	// lock while it migrates.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(p.pool) // closing it leaves the pool open
	defer db.Close()
	gp, err := goose.NewProvider(goose.DialectPostgres, db, sources, goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return fmt.Errorf("store: reading the migrations: %w", err)
	}
	return migrate(ctx, gp, "PostgreSQL database "+p.name, log)
}

// Redact is text with the password of databaseURL (and the URL itself)
// replaced: for errors and logs, which must never show it.
func Redact(text, databaseURL string) string {
	if databaseURL == "" {
		return text
	}
	text = strings.ReplaceAll(text, databaseURL, "DATABASE_URL")
	var pw string
	if u, err := url.Parse(databaseURL); err == nil && u.User != nil {
		pw, _ = u.User.Password()
	} else if m := userinfoPassword.FindStringSubmatch(databaseURL); m != nil {
		pw = m[1]
	}
	if pw != "" {
		text = strings.ReplaceAll(text, pw, "xxxxx")
		if esc := url.QueryEscape(pw); esc != pw {
			text = strings.ReplaceAll(text, esc, "xxxxx")
		}
	}
	return text
}

// redacted is an error whose message went through Redact; errors.Is
// still sees what it wraps (ErrSchemaTooNew, say).
type redacted struct {
	msg string
	err error
}

func (e redacted) Error() string { return e.msg }
func (e redacted) Unwrap() error { return e.err }

// userinfoPassword finds the password of a URL too broken to parse.
var userinfoPassword = regexp.MustCompile(`^[a-z]+://[^:@/]*:([^@]+)@`)

// parseProblem is what pgx found wrong with a URL, without the URL.
func parseProblem(err error) string {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		if inner := errors.Unwrap(pe); inner != nil {
			return inner.Error()
		}
	}
	return "not a PostgreSQL URL pgx understands"
}

// hasParam reports whether the URL sets the query parameter name.
func hasParam(databaseURL, name string) bool {
	u, err := url.Parse(databaseURL)
	return err == nil && u.Query().Has(name)
}

// Ping implements DB.
func (p *Postgres) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: PostgreSQL database %s: %w", p.name, err)
	}
	return nil
}

// Close implements DB. It waits for the connections in use to come back,
// so close it after the servers have finished their requests.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// pgAppendChange is appendChange in PostgreSQL's spelling.
var pgAppendChange = numbered(appendChange(pgAt))

// appendKey is the advisory lock that makes appends to the history take
// turns across every desk (see appendTo).
var appendKey = lockID("store: appending to the change history")

// AddChange implements History. A zero At means now; UndoOf must name a
// change the history holds.
func (p *Postgres) AddChange(ctx context.Context, c Change) (int64, error) {
	return p.appendTo(ctx, p.pool, c)
}

// appendTo appends c in a transaction on db (the pool, or the connection
// holding a save lock), committed before it returns. Appends take turns
// across desks, so each draws its id and reads the newest time already held
// under the same lock and commits before the next begins: ids and times go
// up together (see appendChange), and no id becomes visible after a larger
// one.
func (p *Postgres) appendTo(ctx context.Context, db interface {
	Begin(context.Context) (pgx.Tx, error)
}, c Change) (int64, error) {
	args, err := appendArgs(c, p.now)
	if err != nil {
		return 0, err
	}
	var id int64
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, appendKey); err != nil {
			return err
		}
		return tx.QueryRow(ctx, pgAppendChange, args...).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("store: adding a change: %w", err)
	}
	return id, nil
}

// lockID is the advisory lock key of a lock name: 64 bits of its FNV-1a
// hash. Two names sharing a key would only make their saves take turns.
func lockID(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// SQLSTATEs the store tells apart.
const (
	lockNotAvailable = "55P03" // lock_timeout ran out
)

// WithLock implements Locks with a PostgreSQL advisory lock per key, shared
// by every desk on the database (see Postgres). The connection that holds
// it is let go of when fn returns or panics, and closed — which lets go of
// the lock on the server — whenever letting go cannot be confirmed.
func (p *Postgres) WithLock(ctx context.Context, key string, wait time.Duration, fn func(h Held) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline := time.Now().Add(wait)
	if err := p.takeSaveSlot(ctx, wait); err != nil {
		return err
	}
	defer func() { <-p.saves }()
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("store: PostgreSQL database %s: %w", p.name, err)
	}
	id := lockID(key)
	err = p.lock(ctx, conn, id, time.Until(deadline))
	if err != nil {
		if !errors.Is(err, ErrBusy) {
			// Whether the server granted the lock is unknown: the
			// connection goes, and with it anything it held.
			conn.Conn().Close(context.Background())
		}
		conn.Release()
		switch {
		case errors.Is(err, ErrBusy):
			return ErrBusy
		case ctx.Err() != nil:
			return ctx.Err()
		}
		return fmt.Errorf("store: taking a save lock on %s: %w", p.name, err)
	}
	h := &heldLock{
		add:     func(ctx context.Context, c Change) (int64, error) { return p.appendTo(ctx, conn, c) },
		confirm: func(ctx context.Context) error { return p.confirm(ctx, conn, id) },
	}
	defer func() {
		h.end() // waits for a change being recorded
		p.unlock(conn, id)
	}()
	return fn(h)
}

// takeSaveSlot waits at most wait for one of the connections saves may
// hold (ErrBusy after that).
func (p *Postgres) takeSaveSlot(ctx context.Context, wait time.Duration) error {
	select {
	case p.saves <- struct{}{}:
		return nil
	default:
	}
	if wait <= 0 {
		return ErrBusy
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case p.saves <- struct{}{}:
		return nil
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lock takes the advisory lock id on conn at session level, waiting at
// most wait: ErrBusy after that.
func (p *Postgres) lock(ctx context.Context, conn *pgxpool.Conn, id int64, wait time.Duration) error {
	if wait <= 0 {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, id).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return ErrBusy
		}
		return nil
	}
	// One round trip, one implicit transaction: lock_timeout holds for the
	// wait only (is_local), and the session lock outlives the transaction.
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('lock_timeout', $1, true)`, strconv.FormatInt(max(1, wait.Milliseconds()), 10)+"ms")
	b.Queue(`SELECT pg_advisory_lock($1)`, id)
	err := conn.SendBatch(ctx, b).Close()
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == lockNotAvailable {
		return ErrBusy
	}
	return err
}

// confirm asks the server, on conn, whether its session holds lock id. A
// session-level advisory lock is let go of only by an unlock or by the end
// of its session, and the end of a session takes its connection with it:
// an answer on conn that the lock is among its session's means nobody else
// can have it. The round trip takes at most confirmTimeout.
func (p *Postgres) confirm(ctx context.Context, conn *pgxpool.Conn, id int64) error {
	ctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	// A bigint advisory key is shown in pg_locks as its high and low 32 bits.
	high, low := int64(uint64(id)>>32), int64(uint64(id)&0xffffffff)
	var held bool
	err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
		AND granted AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1)`, high, low).Scan(&held)
	switch {
	case err != nil:
		return fmt.Errorf("store: confirming a save lock on %s: %w", p.name, err)
	case !held:
		return fmt.Errorf("store: the save lock on %s is no longer held", p.name)
	}
	return nil
}

// unlock lets go of lock id and gives conn back to the pool; if letting go
// fails, conn is closed instead, so the server lets go when the session
// ends. It runs even when the request has ended.
func (p *Postgres) unlock(conn *pgxpool.Conn, id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1)`, id).Scan(&ok); err != nil || !ok {
		conn.Conn().Close(ctx)
	}
	conn.Release()
}

// pgDB is the pool as an sqlDB.
type pgDB struct{ pool *pgxpool.Pool }

func (d pgDB) exec(ctx context.Context, query string, args ...any) (int, error) {
	tag, err := d.pool.Exec(ctx, numbered(query), args...)
	return int(tag.RowsAffected()), err
}

func (d pgDB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return d.pool.QueryRow(ctx, numbered(query), args...)
}

func (d pgDB) query(ctx context.Context, query string, args ...any) (rows, error) {
	return d.pool.Query(ctx, numbered(query), args...)
}
