package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
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

// sqlStore is Sessions and History (all but appending a change) over reads
// on r and writes on w; with PostgreSQL both are the one pool.
type sqlStore struct {
	r, w sqlDB
	now  func() time.Time
}

// stdDB is a database/sql pool as an sqlDB.
type stdDB struct{ db *sql.DB }

func (d stdDB) exec(ctx context.Context, query string, args ...any) (int, error) {
	res, err := d.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (d stdDB) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	return d.db.QueryRowContext(ctx, query, args...)
}

func (d stdDB) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := d.db.QueryContext(ctx, query, args...)
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
