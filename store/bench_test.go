package store

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"
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

// seededSQLite returns a SQLite file holding benchChanges changes, written in
// one transaction through one prepared statement (a second or so).
func seededSQLite(b *testing.B) *SQLite {
	b.Helper()
	ctx := context.Background()
	db := openTemp(b)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO changes (at, email, key_print, customer_id, customer_name, sections, diff, outcome, reason, request_id, undo_of, resolution)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, NULL, false)`)
	if err != nil {
		b.Fatal(err)
	}
	sections, _ := json.Marshal([]string{"phoneNumbers"})
	diff := []byte(`{"phoneNumbers":{"was":[{"number":"+1 555 0100","type":"Business"}],"now":[{"number":"+1 555 0199","type":"Business"}]}}`)
	for i := range benchChanges {
		cust := strconv.Itoa(1_000_000 + i*7919%benchCustomers) // spread each customer over the year
		email := "person" + strconv.Itoa(i%benchPeople) + "@example.com"
		_, err := stmt.ExecContext(ctx, ms(benchStart.Add(time.Duration(i)*benchStep)), email, "kp", cust, "Customer "+cust,
			string(sections), diff, string(Saved), "req-"+strconv.Itoa(i))
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return db
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

func BenchmarkCustomerHistory(b *testing.B) {
	db := seededSQLite(b)
	b.Run("newest 20", func(b *testing.B) {
		benchQuery(b, db, 20, func(i int) Query { return Query{CustomerID: customer(i), Limit: 20} })
	})
	b.Run("next page", func(b *testing.B) {
		benchQuery(b, db, 20, func(i int) Query {
			return Query{CustomerID: customer(i), Before: benchChanges / 2, Limit: 20}
		})
	})
}

func BenchmarkActivity(b *testing.B) {
	db := seededSQLite(b)
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
