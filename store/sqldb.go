package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Both backends run the same statements: sessions.go and history.go are
// written once over sqlDB, which SQLite's pools and PostgreSQL's pool each
// provide. Statements use ? placeholders; PostgreSQL's adapter numbers them
// ($1, $2, …). Only what truly differs is per backend: how a change is
// appended (see each AddChange), the save locks, opening and migrating.

// sqlDB runs statements on one database.
type sqlDB interface {
	// exec runs a statement and returns the number of rows it changed.
	exec(ctx context.Context, query string, args ...any) (int, error)
	queryRow(ctx context.Context, query string, args ...any) rowScanner
	query(ctx context.Context, query string, args ...any) (rows, error)
}

// rowScanner is one row of a result: *sql.Row, pgx.Row.
type rowScanner interface{ Scan(dest ...any) error }

// rows is a result of many rows.
type rows interface {
	rowScanner
	Next() bool
	Err() error
	Close()
}

// sqlStore is Sessions, History (all but appending a change) and
// SignInLimits over reads on r and writes on w; with PostgreSQL both are the
// one pool.
type sqlStore struct {
	r, w    sqlDB
	now     func() time.Time
	dialect dialect
}

// dialect is what the backends spell differently in the statements they
// share.
type dialect struct {
	greatest string // the two-argument maximum
	// clock is the SQL of the time that short-lived rows (sign-in
	// allowances) go by, in Unix ms: "?" for the desk's own (see withClock),
	// else the database server's.
	clock string
}

var (
	sqliteDialect = dialect{greatest: "max", clock: "?"}          // one desk, one clock
	pgDialect     = dialect{greatest: "GREATEST", clock: pgNowMS} // several desks: the server's
)

// withClock is args behind the argument of dialect.clock, if it takes one.
func (s *sqlStore) withClock(now time.Time, args ...any) []any {
	if s.dialect.clock == "?" {
		return append([]any{ms(now)}, args...)
	}
	return args
}

// stdDB is a database/sql pool as an sqlDB. Its statements are prepared
// once and kept: SQLite spends more time parsing a statement like the
// session lookup than running it, and every page view runs it.
type stdDB struct {
	db    *sql.DB
	stmts *stmtCache
}

func newStdDB(db *sql.DB) stdDB { return stdDB{db: db, stmts: &stmtCache{m: map[string]*sql.Stmt{}}} }

// stmtCache holds the prepared statements of one pool. The store's
// statements are few; maxCachedStmts only stops a statement whose text
// varies (a long IN list) from growing it without end.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const maxCachedStmts = 64

// stmt is query prepared on the pool, or nil when it is not cached (then
// the pool runs the text as database/sql always does).
func (d stdDB) stmt(ctx context.Context, query string) *sql.Stmt {
	c := d.stmts
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := d.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared run reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.m[query]; ok {
		_ = st.Close() // prepared twice at once: keep the first
		return kept
	}
	c.m[query] = st
	return st
}

func (d stdDB) exec(ctx context.Context, query string, args ...any) (int, error) {
	var res sql.Result
	var err error
	if st := d.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = d.db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (d stdDB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.db.QueryRowContext(ctx, query, args...)
}

func (d stdDB) query(ctx context.Context, query string, args ...any) (rows, error) {
	var r *sql.Rows
	var err error
	if st := d.stmt(ctx, query); st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = d.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err
	}
	return stdRows{r}, nil
}

type stdRows struct{ *sql.Rows }

func (r stdRows) Close() { _ = r.Rows.Close() }

// numbered spells query's ? placeholders as PostgreSQL's $1, $2, …. No
// statement of the store has a ? anywhere else.
func numbered(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ms is the stored form of a time: Unix milliseconds, UTC.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// nonNil stores an absent byte slice as an empty one (the columns are NOT
// NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
