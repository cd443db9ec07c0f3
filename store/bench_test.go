package store

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/customerdesk/desk/store/pgtest"
)

// The target: a customer's history and the activity page answer in
// at most 2 ms with 100,000 changes. These are benchmarks, not timed tests:
// each reports its time per query beside the target as a ratio (of-target
// below 1 meets it).
const (
	benchChanges   = 100_000
	benchCustomers = 1_000
	benchPeople    = 40
	benchTarget    = 2 * time.Millisecond
)

// benchStart is when the seeded history begins; a change every 5 minutes
// makes it about a year long.
var benchStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

const benchStep = 5 * time.Minute

// benchRow is the i-th seeded change: the columns of appendChange, in its
// order, with one change every benchStep, each customer spread over the
// year.
func benchRow(i int) []any {
	cust := strconv.Itoa(1_000_000 + i*7919%benchCustomers)
	return []any{ms(benchStart.Add(time.Duration(i) * benchStep)), "person" + strconv.Itoa(i%benchPeople) + "@example.com", "kp",
		cust, "Customer " + cust, benchSections, benchDiff, string(Saved), "", "req-" + strconv.Itoa(i), nil, false}
}

var (
	benchSections = `["phoneNumbers"]`
	benchDiff     = []byte(`{"phoneNumbers":{"was":[{"number":"+1 555 0100","type":"Business"}],"now":[{"number":"+1 555 0199","type":"Business"}]}}`)
	benchColumns  = []string{"at", "email", "key_print", "customer_id", "customer_name", "sections", "diff", "outcome", "reason", "request_id", "undo_of", "resolution"}
)

// seededSQLite returns a SQLite file holding benchChanges changes, written in
// one transaction through one prepared statement (a second or so).
func seededSQLite(b *testing.B) DB {
	b.Helper()
	ctx := context.Background()
	db := openTemp(b)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO changes (`+strings.Join(benchColumns, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(benchColumns)-1)+`)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchChanges {
		if _, err := stmt.ExecContext(ctx, benchRow(i)...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
}

// seededPostgres returns a database on the test server holding the same
// changes, copied in with COPY and analysed.
func seededPostgres(b *testing.B) DB {
	b.Helper()
	ctx := context.Background()
	db, err := OpenPostgres(ctx, pgtest.NewDatabase(b), PostgresOptions{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	_, err = db.pool.CopyFrom(ctx, pgx.Identifier{"changes"}, benchColumns,
		pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i == benchChanges {
					return nil, nil
				}
				i++
				return benchRow(i - 1), nil
			}
		}()))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `VACUUM ANALYZE changes`); err != nil {
		b.Fatal(err)
	}
	return db
}

// backends runs fn on each backend's seeded database.
func backends(b *testing.B, fn func(b *testing.B, db DB)) {
	for name, seed := range map[string]func(*testing.B) DB{"sqlite": seededSQLite, "postgres": seededPostgres} {
		b.Run(name, func(b *testing.B) { fn(b, seed(b)) })
	}
}

// benchQuery runs q (made fresh for each iteration from i) and reports the
// time per query against the target.
func benchQuery(b *testing.B, db DB, want int, q func(i int) Query) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		got, err := db.Changes(ctx, q(i))
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != want {
			b.Fatalf("%d changes, want %d", len(got), want)
		}
		i++
	}
	perOp := float64(b.Elapsed()) / float64(b.N)
	b.ReportMetric(perOp/float64(time.Millisecond), "ms/op")
	b.ReportMetric(perOp/float64(benchTarget), "of-target")
}

func customer(i int) string { return strconv.Itoa(1_000_000 + i*31%benchCustomers) }

func BenchmarkCustomerHistory(b *testing.B) { backends(b, benchCustomerHistory) }

func benchCustomerHistory(b *testing.B, db DB) {
	b.Run("newest 20", func(b *testing.B) {
		benchQuery(b, db, 20, func(i int) Query { return Query{CustomerID: customer(i), Limit: 20} })
	})
	b.Run("next page", func(b *testing.B) {
		benchQuery(b, db, 20, func(i int) Query {
			return Query{CustomerID: customer(i), Before: benchChanges / 2, Limit: 20}
		})
	})
}

func BenchmarkActivity(b *testing.B) { backends(b, benchActivity) }

func benchActivity(b *testing.B, db DB) {
	week := 7 * 24 * time.Hour
	end := benchStart.Add(benchChanges * benchStep)
	b.Run("newest 50", func(b *testing.B) {
		benchQuery(b, db, 50, func(int) Query { return Query{Limit: 50} })
	})
	b.Run("older page", func(b *testing.B) {
		benchQuery(b, db, 50, func(int) Query { return Query{Before: benchChanges / 2, Limit: 50} })
	})
	b.Run("one person", func(b *testing.B) {
		benchQuery(b, db, 50, func(i int) Query {
			return Query{Email: "person" + strconv.Itoa(i%benchPeople) + "@example.com", Limit: 50}
		})
	})
	b.Run("last week", func(b *testing.B) {
		benchQuery(b, db, 50, func(int) Query { return Query{From: end.Add(-week), To: end, Limit: 50} })
	})
	b.Run("last month", func(b *testing.B) { // about 8,600 changes in the range
		benchQuery(b, db, 50, func(int) Query { return Query{From: end.Add(-30 * 24 * time.Hour), To: end, Limit: 50} })
	})
	b.Run("a week a year ago", func(b *testing.B) {
		benchQuery(b, db, 50, func(int) Query { return Query{From: benchStart, To: benchStart.Add(week), Limit: 50} })
	})
	b.Run("one person, one month", func(b *testing.B) {
		from := benchStart.Add(180 * 24 * time.Hour)
		benchQuery(b, db, 50, func(i int) Query {
			return Query{Email: "person" + strconv.Itoa(i%benchPeople) + "@example.com", From: from, To: from.Add(30 * 24 * time.Hour), Limit: 50}
		})
	})
}
