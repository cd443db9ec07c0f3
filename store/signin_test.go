package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// testSignIns: the sign-in allowance per client, on every backend.
func testSignIns(t *testing.T, b backend) {
	ctx := context.Background()
	allow := func(t *testing.T, db DB, client string, limit Limit) bool {
		t.Helper()
		ok, err := db.AllowSignIn(ctx, client, limit)
		if err != nil {
			t.Fatalf("AllowSignIn(%s): %v", client, err)
		}
		return ok
	}
	rows := func(t *testing.T, addr string) int {
		t.Helper()
		var n int
		if err := b.raw(t, addr).QueryRow(`SELECT count(*) FROM sign_in_attempts`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("a burst, then one more every interval, per client", func(t *testing.T) {
		addr := b.fresh(t)
		db := b.openAt(t, addr, nil) // the real clock: PostgreSQL's limit goes by the server's
		limit := Limit{Every: 600 * time.Millisecond, Burst: 3, Clients: 100}
		var got []bool
		for range 5 {
			got = append(got, allow(t, db, "192.0.2.7", limit))
		}
		if fmt.Sprint(got) != "[true true true false false]" {
			t.Errorf("five attempts at once with a burst of 3: %v", got)
		}
		if !allow(t, db, "198.51.100.9", limit) {
			t.Error("another client was refused for the first one's attempts")
		}
		time.Sleep(limit.Every + 100*time.Millisecond)
		// The refused attempts were not counted: one interval gives one more.
		if got := []bool{allow(t, db, "192.0.2.7", limit), allow(t, db, "192.0.2.7", limit)}; fmt.Sprint(got) != "[true false]" {
			t.Errorf("after one interval: %v, want one more attempt", got)
		}
		if n := rows(t, addr); n != 2 {
			t.Errorf("%d rows for two clients", n)
		}
		// The other client's one attempt is an interval old: its allowance
		// is whole again, and its row goes; the first client's stays.
		if n, err := db.SweepExpired(ctx, time.Now()); err != nil || n != 1 {
			t.Errorf("a sweep with one allowance whole again: %d deleted, %v; want 1", n, err)
		}
		time.Sleep(time.Duration(limit.Burst)*limit.Every + 100*time.Millisecond)
		if n, err := db.SweepExpired(ctx, time.Now()); err != nil || n != 1 {
			t.Errorf("a sweep once the other allowance is whole: %d deleted, %v; want 1", n, err)
		}
		if n := rows(t, addr); n != 0 {
			t.Errorf("%d rows left after the sweep", n)
		}
	})

	// A flood of new clients costs at most limit.Clients rows; a client
	// forgotten to make room gets its allowance back, and nobody is refused
	// for anyone else's attempts.
	t.Run("bounded", func(t *testing.T) {
		addr := b.fresh(t)
		db := b.openAt(t, addr, nil)
		limit := Limit{Every: time.Minute, Burst: 1, Clients: 3}
		for i := range 50 {
			if client := fmt.Sprintf("203.0.113.%d", i); !allow(t, db, client, limit) {
				t.Fatalf("%s, a new client, was refused", client)
			}
		}
		if n := rows(t, addr); n != limit.Clients {
			t.Errorf("%d rows after 50 clients, want at most %d", n, limit.Clients)
		}
		if allow(t, db, "203.0.113.49", limit) {
			t.Error("the latest client's second attempt within its interval was allowed")
		}
		if !allow(t, db, "203.0.113.0", limit) {
			t.Error("a forgotten client was refused")
		}
	})
}
