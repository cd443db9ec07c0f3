package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// This file is the store's test suite, written once for every backend:
// testDB runs it against one, and each backend's test file says how to make,
// open and reach a database of its kind.

// backend is what the suite needs to know of one kind of database.
type backend struct {
	// fresh returns the address of a new, empty database that lives until
	// the test ends (a temp file, a throwaway PostgreSQL database).
	fresh func(t *testing.T) string
	// open opens the database at addr, migrating it, with now as the clock
	// sessions expire by.
	open func(ctx context.Context, addr string, now func() time.Time) (DB, error)
	// raw opens a plain handle on addr, for going behind the store's back.
	raw func(t *testing.T, addr string) *sql.DB
	// newest is the newest schema version the backend's migrations know.
	newest int64
	// downTo migrates the database at addr down to schema version, as a
	// desk of that version would have left it.
	downTo func(t *testing.T, addr string, version int64)
}

// clock is a settable clock, safe for concurrent use, so expiry is tested
// without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openFresh opens a new, empty database of b, closed when the test ends.
func (b backend) openFresh(t *testing.T, now func() time.Time) DB {
	t.Helper()
	return b.openAt(t, b.fresh(t), now)
}

func (b backend) openAt(t *testing.T, addr string, now func() time.Time) DB {
	t.Helper()
	db, err := b.open(t.Context(), addr, now)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func testDB(t *testing.T, b backend) {
	t.Run("sessions", func(t *testing.T) { testSessions(t, b) })
	t.Run("history", func(t *testing.T) { testHistory(t, b) })
	t.Run("locks", func(t *testing.T) { testLocks(t, b) })
	t.Run("confirm", func(t *testing.T) { testConfirm(t, b) })
	t.Run("sign-ins", func(t *testing.T) { testSignIns(t, b) })
	t.Run("type lists", func(t *testing.T) { testTypeLists(t, b) })
	t.Run("concurrency", func(t *testing.T) { testConcurrency(t, b) })
	t.Run("migrations", func(t *testing.T) { testMigrations(t, b) })
	t.Run("pools", func(t *testing.T) { testPools(t, b) })
}

func session(id string, now time.Time, life time.Duration, signedIn bool) Session {
	return Session{ID: id, Data: []byte(`{"v":"` + id + `"}`), Created: now, LastSeen: now, Expires: now.Add(life), SignedIn: signedIn}
}

func sameSession(t *testing.T, got, want Session) {
	t.Helper()
	if got.ID != want.ID || !bytes.Equal(got.Data, want.Data) || got.SignedIn != want.SignedIn ||
		!got.Created.Equal(want.Created) || !got.LastSeen.Equal(want.LastSeen) || !got.Expires.Equal(want.Expires) {
		t.Errorf("session = %+v, want %+v", got, want)
	}
}

func testSessions(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("create and load", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		now := c.Now()
		if _, err := db.LoadSession(ctx, "a"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		want := session("a", now, time.Hour, true)
		if err := db.CreateSession(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := db.LoadSession(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		sameSession(t, got, want)
		if got.Created.Location() != time.UTC {
			t.Errorf("times come back in %v, want UTC", got.Created.Location())
		}
		if err := db.CreateSession(ctx, session("a", now, time.Hour, false)); err == nil {
			t.Error("CreateSession reused an id")
		}
		if err := db.CreateSession(ctx, session("", now, time.Hour, false)); err == nil {
			t.Error("CreateSession took an empty id")
		}
		if got, _ := db.LoadSession(ctx, "a"); !got.SignedIn {
			t.Error("a refused Create changed the session")
		}
	})

	// opened is a fresh database holding session "a", made now and living
	// an hour.
	opened := func(t *testing.T) (DB, *clock, Session) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		a := session("a", c.Now(), time.Hour, true)
		if err := db.CreateSession(ctx, a); err != nil {
			t.Fatal(err)
		}
		return db, c, a
	}
	// gone checks that id is gone for every method: nothing loads it, and
	// neither a Save nor a Touch of a request that loaded it before brings it
	// back (a signed-out session is never resurrected).
	gone := func(t *testing.T, db DB, now time.Time, id string) {
		t.Helper()
		if _, err := db.LoadSession(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Load = %v, want ErrNotFound", err)
		}
		if err := db.SaveSession(ctx, session(id, now, time.Hour, true)); !errors.Is(err, ErrGone) {
			t.Errorf("Save = %v, want ErrGone", err)
		}
		if err := db.TouchSession(ctx, id, now, now.Add(time.Hour)); !errors.Is(err, ErrGone) {
			t.Errorf("Touch = %v, want ErrGone", err)
		}
		if _, err := db.LoadSession(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Error("Save or Touch brought it back")
		}
	}

	t.Run("save replaces all but created", func(t *testing.T) {
		db, c, a := opened(t)
		c.Advance(time.Minute)
		later := c.Now()
		upd := Session{ID: "a", Data: []byte("new"), Created: later.Add(time.Hour), LastSeen: later, Expires: later.Add(2 * time.Hour), SignedIn: false}
		if err := db.SaveSession(ctx, upd); err != nil {
			t.Fatal(err)
		}
		got, err := db.LoadSession(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		want := upd
		want.Created = a.Created
		sameSession(t, got, want)
	})

	t.Run("touch moves only the times", func(t *testing.T) {
		db, c, a := opened(t)
		c.Advance(10 * time.Minute)
		seen, exp := c.Now(), c.Now().Add(3*time.Hour)
		if err := db.TouchSession(ctx, "a", seen, exp); err != nil {
			t.Fatal(err)
		}
		got, _ := db.LoadSession(ctx, "a")
		want := a
		want.LastSeen, want.Expires = seen, exp
		sameSession(t, got, want)
	})

	t.Run("unknown ids", func(t *testing.T) {
		db, c, _ := opened(t)
		gone(t, db, c.Now(), "nobody")
		if err := db.DeleteSession(ctx, "nobody"); err != nil {
			t.Errorf("Delete of an unknown id = %v", err)
		}
	})

	t.Run("expired is gone and stays gone", func(t *testing.T) {
		db, c, _ := opened(t)
		c.Advance(time.Hour - time.Millisecond)
		if _, err := db.LoadSession(ctx, "a"); err != nil {
			t.Fatalf("a millisecond before expiry: %v", err)
		}
		c.Advance(time.Millisecond) // exactly at Expires
		gone(t, db, c.Now(), "a")
	})

	t.Run("delete", func(t *testing.T) {
		db, c, _ := opened(t)
		if err := db.DeleteSession(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		gone(t, db, c.Now(), "a")
	})

	t.Run("count and sweep", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		now := c.Now()
		for i, life := range []time.Duration{time.Minute, time.Hour, time.Hour, 12 * time.Hour} {
			if err := db.CreateSession(ctx, session("s"+strconv.Itoa(i), now, life, i%2 == 0)); err != nil {
				t.Fatal(err)
			}
		}
		count := func(at time.Time) int {
			t.Helper()
			n, err := db.CountSessions(ctx, at)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(now); n != 4 {
			t.Errorf("Count now = %d, want 4", n)
		}
		if n := count(now.Add(time.Hour)); n != 1 {
			t.Errorf("Count in an hour = %d, want 1", n)
		}
		// Signed in: s0 (a minute) and s2 (an hour).
		for at, want := range map[time.Time]int{now: 2, now.Add(2 * time.Minute): 1, now.Add(2 * time.Hour): 0} {
			if n, err := db.CountSignedIn(ctx, at); err != nil || n != want {
				t.Errorf("CountSignedIn(%v) = %d, %v; want %d", at.Sub(now), n, err, want)
			}
		}
		if n, err := db.SweepSessions(ctx, now.Add(30*time.Second)); err != nil || n != 0 {
			t.Errorf("Sweep before any expiry = %d, %v", n, err)
		}
		if n, err := db.SweepSessions(ctx, now.Add(time.Hour)); err != nil || n != 3 {
			t.Errorf("Sweep in an hour = %d, %v; want 3", n, err)
		}
		if n, err := db.SweepSessions(ctx, now.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("Sweep again = %d, %v; want 0", n, err)
		}
		if _, err := db.LoadSession(ctx, "s3"); err != nil {
			t.Errorf("the sweep took a live session: %v", err)
		}
		// Swept means deleted: even a clock set back finds nothing.
		if n := count(now); n != 1 {
			t.Errorf("Count after the sweep = %d, want 1", n)
		}
	})
}

// change is a change of customer cust by email at at.
func change(cust, email string, at time.Time) Change {
	return Change{
		At: at, Email: email, KeyPrint: "kp-" + email, CustomerID: cust, CustomerName: "Customer " + cust,
		Sections: []string{"customerName", "phoneNumbers"}, Diff: []byte(`{"customerName":{"was":"A","now":"B"}}`),
		Outcome: Saved, RequestID: "req-" + cust,
	}
}

func add(t *testing.T, h History, c Change) int64 {
	t.Helper()
	id, err := h.AddChange(context.Background(), c)
	if err != nil {
		t.Fatalf("AddChange: %v", err)
	}
	return id
}

func ids(cs []Change) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testHistory(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("add and read back", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		first := add(t, db, change("1001", "a@example.com", c.Now()))
		want := change("1001", "a@example.com", c.Now().Add(1500*time.Millisecond))
		want.Outcome, want.Reason, want.Resolution, want.UndoOf = Refused, "Apptivo said no", true, first
		want.Diff = []byte{0, 1, 2, 0xff} // stored as bytes, never as text
		id := add(t, db, want)
		if id <= first {
			t.Errorf("ids %d then %d: not increasing", first, id)
		}
		got, err := db.Change(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want.ID = id
		if !got.At.Equal(want.At) || got.At.Location() != time.UTC {
			t.Errorf("At = %v, want %v in UTC", got.At, want.At)
		}
		got.At, want.At = time.Time{}, time.Time{}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Errorf("Change =\n%#v\nwant\n%#v", got, want)
		}
		if _, err := db.Change(ctx, id+100); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}

		c.Advance(2 * time.Second) // past the last change's time
		zero := change("1002", "a@example.com", time.Time{})
		zero.Sections, zero.Diff = nil, nil
		got, err = db.Change(ctx, add(t, db, zero))
		if err != nil || !got.At.Equal(c.Now()) || len(got.Sections) != 0 {
			t.Errorf("a change without At or Sections: %+v, %v", got, err)
		}
	})

	// Two desks' clocks differ a little, and saves reach the database in
	// another order than they read their clocks: a change is never dated
	// before the one the history took just before it, so that the order by
	// id is the order by time (date ranges rely on it).
	t.Run("times never go back", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		now := c.Now()
		first := add(t, db, change("1001", "a@example.com", now))
		late := add(t, db, change("1001", "b@example.com", now.Add(-3*time.Second)))
		later := add(t, db, change("1001", "a@example.com", now.Add(time.Second)))
		for id, want := range map[int64]time.Time{first: now, late: now, later: now.Add(time.Second)} {
			if got, err := db.Change(ctx, id); err != nil || !got.At.Equal(want) {
				t.Errorf("change %d: at %v, %v; want %v", id, got.At, err, want)
			}
		}
		// A range that ends where the late change was first dated holds
		// neither it nor anything after it.
		if got, err := db.Changes(ctx, Query{To: now}); err != nil || len(got) != 0 {
			t.Errorf("before %v: %v, %v; want nothing", now, ids(got), err)
		}
		if got, err := db.Changes(ctx, Query{From: now, To: now.Add(time.Millisecond)}); err != nil || !slices.Equal(ids(got), []int64{late, first}) {
			t.Errorf("at %v: %v, %v; want [%d %d]", now, ids(got), err, late, first)
		}
	})

	t.Run("refuses what no history should hold", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		for name, mut := range map[string]func(*Change){
			"no customer":     func(ch *Change) { ch.CustomerID = "" },
			"no email":        func(ch *Change) { ch.Email = "" },
			"no outcome":      func(ch *Change) { ch.Outcome = "" },
			"odd outcome":     func(ch *Change) { ch.Outcome = "maybe" },
			"undo of nothing": func(ch *Change) { ch.UndoOf = 999 },
		} {
			ch := change("1001", "a@example.com", c.Now())
			mut(&ch)
			if _, err := db.AddChange(ctx, ch); err == nil {
				t.Errorf("%s: AddChange took it", name)
			}
		}
		if got, _ := db.Changes(ctx, Query{}); len(got) != 0 {
			t.Errorf("%d changes written", len(got))
		}
	})

	t.Run("queries", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		start := c.Now()
		custs, emails := []string{"1001", "1002", "1003"}, []string{"a@example.com", "b@example.com"}
		var all []Change
		for i := range 30 {
			ch := change(custs[i%3], emails[i%2], start.Add(time.Duration(i)*time.Hour))
			if i%5 == 4 {
				ch.Outcome = Unknown
			}
			ch.ID = add(t, db, ch)
			all = append(all, ch)
		}
		slices.Reverse(all) // newest first
		match := func(keep func(Change) bool) []int64 {
			var out []int64
			for _, ch := range all {
				if keep(ch) {
					out = append(out, ch.ID)
				}
			}
			return out
		}
		from, to := start.Add(5*time.Hour), start.Add(20*time.Hour)
		for name, tc := range map[string]struct {
			q    Query
			want []int64
		}{
			"everything":          {Query{}, match(func(Change) bool { return true })},
			"a customer":          {Query{CustomerID: "1002"}, match(func(ch Change) bool { return ch.CustomerID == "1002" })},
			"a person":            {Query{Email: "b@example.com"}, match(func(ch Change) bool { return ch.Email == "b@example.com" })},
			"an outcome":          {Query{CustomerID: "1002", Outcome: Saved}, match(func(ch Change) bool { return ch.CustomerID == "1002" && ch.Outcome == Saved })},
			"date range":          {Query{From: from, To: to}, match(func(ch Change) bool { return !ch.At.Before(from) && ch.At.Before(to) })},
			"from only":           {Query{From: to}, match(func(ch Change) bool { return !ch.At.Before(to) })},
			"to only":             {Query{To: from}, match(func(ch Change) bool { return ch.At.Before(from) })},
			"from after the last": {Query{From: start.Add(30 * time.Hour)}, nil},
			"to before the first": {Query{To: start}, nil},
			"empty range":         {Query{From: to, To: from}, nil},
			"a range between two": {Query{From: from.Add(time.Minute), To: from.Add(time.Hour)}, nil},
			"range and before":    {Query{From: from, To: to, Before: all[15].ID, Limit: 2}, ids(all[16:18])},
			"range and a person, paged": {Query{Email: "a@example.com", From: from, To: to, Limit: 3}, match(func(ch Change) bool {
				return ch.Email == "a@example.com" && !ch.At.Before(from) && ch.At.Before(to)
			})[:3]},
			"all filters": {Query{CustomerID: "1001", Email: "a@example.com", From: from, To: to}, match(func(ch Change) bool {
				return ch.CustomerID == "1001" && ch.Email == "a@example.com" && !ch.At.Before(from) && ch.At.Before(to)
			})},
			"limit":    {Query{Limit: 4}, match(func(Change) bool { return true })[:4]},
			"before":   {Query{Before: all[10].ID, Limit: 3}, ids(all[11:14])},
			"no match": {Query{CustomerID: "9999"}, nil},
		} {
			got, err := db.Changes(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("%s: ids %v, want %v", name, ids(got), tc.want)
			}
		}

		// Paging with Before walks a customer's history once, newest first.
		var walked []int64
		for before := int64(0); ; {
			page, err := db.Changes(ctx, Query{CustomerID: "1001", Before: before, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			walked = append(walked, ids(page)...)
			before = page[len(page)-1].ID
		}
		if want := match(func(ch Change) bool { return ch.CustomerID == "1001" }); !slices.Equal(walked, want) {
			t.Errorf("paged %v, want %v", walked, want)
		}
	})

	// Team activity lists the changes made with one key pair, with every
	// other filter, paged.
	t.Run("a key pair's changes", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		start := c.Now()
		byPair := map[string][]int64{}
		for i := range 12 {
			ch := change([]string{"1001", "1002"}[i%2], "a@example.com", start.Add(time.Duration(i)*time.Hour))
			ch.KeyPrint = []string{"k1", "k2", "k3"}[i%3]
			byPair[ch.KeyPrint] = append([]int64{add(t, db, ch)}, byPair[ch.KeyPrint]...) // newest first
		}
		got, err := db.Changes(ctx, Query{KeyPrint: "k1"})
		if err != nil || !slices.Equal(ids(got), byPair["k1"]) {
			t.Errorf("pair k1: %v, %v; want %v", ids(got), err, byPair["k1"])
		}
		got, err = db.Changes(ctx, Query{KeyPrint: "k2", CustomerID: "1002", From: start.Add(2 * time.Hour), Limit: 1})
		if err != nil || len(got) != 1 || got[0].KeyPrint != "k2" || got[0].CustomerID != "1002" {
			t.Errorf("pair k2, customer 1002: %+v, %v", got, err)
		}
		if got, err := db.Changes(ctx, Query{KeyPrint: "k4"}); err != nil || len(got) != 0 {
			t.Errorf("pair k4: %v, %v", ids(got), err)
		}
	})

	t.Run("limit is capped", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		for range MaxLimit + 5 {
			add(t, db, change("1001", "a@example.com", c.Now()))
		}
		for _, limit := range []int{0, -1, MaxLimit + 1, 1 << 30} {
			got, err := db.Changes(ctx, Query{Limit: limit})
			if err != nil || len(got) != MaxLimit {
				t.Errorf("Limit %d: %d changes, %v; want %d", limit, len(got), err, MaxLimit)
			}
		}
	})

	t.Run("undone by", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		undo := func(of int64, o Outcome) int64 {
			ch := change("1001", "a@example.com", c.Now())
			ch.UndoOf, ch.Outcome = of, o
			return add(t, db, ch)
		}
		a := add(t, db, change("1001", "a@example.com", c.Now()))
		bID := undo(a, Saved)   // undoes a
		cID := undo(bID, Saved) // redoes a: undoes the undo
		d := add(t, db, change("1002", "a@example.com", c.Now()))
		undo(d, Refused) // refused: d is not undone
		undo(d, Unknown) // nor by an unanswered one
		e := add(t, db, change("1003", "a@example.com", c.Now()))
		first := undo(e, Saved)
		second := undo(e, Saved) // undone twice: the newest counts
		got, err := db.UndoneBy(ctx, []int64{a, bID, cID, d, e, 12345})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]int64{a: bID, bID: cID, e: second}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("UndoneBy = %v, want %v (first undo of e was %d)", got, want, first)
		}
		if got, err := db.UndoneBy(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("UndoneBy(nil) = %v, %v", got, err)
		}
		// More ids than one query takes.
		many := make([]int64, 0, 2000)
		for i := range int64(2000) {
			many = append(many, 100000+i)
		}
		many = append(many, a)
		if got, err := db.UndoneBy(ctx, many); err != nil || got[a] != bID || len(got) != 1 {
			t.Errorf("UndoneBy of 2001 ids = %v, %v", got, err)
		}
	})

	t.Run("prune", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		start := c.Now()
		old := add(t, db, change("1001", "a@example.com", start))
		add(t, db, change("1001", "a@example.com", start.Add(time.Hour)))
		u := change("1001", "a@example.com", start.Add(3*time.Hour))
		u.UndoOf = old
		undoer := add(t, db, u)
		n, err := db.PruneChanges(ctx, start.Add(2*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("Prune = %d, %v; want 2", n, err)
		}
		left, _ := db.Changes(ctx, Query{})
		if !slices.Equal(ids(left), []int64{undoer}) {
			t.Fatalf("left %v, want [%d]", ids(left), undoer)
		}
		if left[0].UndoOf != 0 {
			t.Errorf("the undo still points at pruned change %d", left[0].UndoOf)
		}
		if n, err := db.PruneChanges(ctx, start.Add(2*time.Hour)); err != nil || n != 0 {
			t.Errorf("Prune again = %d, %v", n, err)
		}
		// Ids are never reused, even once everything is pruned.
		if _, err := db.PruneChanges(ctx, start.Add(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if id := add(t, db, change("1001", "a@example.com", start)); id <= undoer {
			t.Errorf("id %d reused after pruning (last was %d)", id, undoer)
		}
	})
}

// parallel runs fn(0) … fn(n-1) at once and fails the test on any error.
func parallel(t *testing.T, n int, fn func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- fn(i) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func testLocks(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("mutual exclusion", func(t *testing.T) {
		db := b.openFresh(t, nil)
		var inside, most atomic.Int32
		counter := 0 // unsynchronised on purpose: -race sees any overlap
		const n = 20
		parallel(t, n, func(int) error {
			return db.WithLock(ctx, "customer 1001 name", time.Minute, func(Held) error {
				now := inside.Add(1)
				if now > most.Load() {
					most.Store(now)
				}
				counter++
				inside.Add(-1)
				return nil
			})
		})
		if counter != n || most.Load() != 1 {
			t.Errorf("counter %d (want %d), at most %d inside (want 1)", counter, n, most.Load())
		}
	})

	t.Run("busy after the wait, other keys free", func(t *testing.T) {
		db := b.openFresh(t, nil)
		holding, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- db.WithLock(ctx, "k", time.Second, func(Held) error {
				close(holding)
				<-release
				return nil
			})
		}()
		<-holding
		ran := false
		for _, wait := range []time.Duration{0, 20 * time.Millisecond} {
			if err := db.WithLock(ctx, "k", wait, func(Held) error { ran = true; return nil }); !errors.Is(err, ErrBusy) {
				t.Errorf("wait %v: %v, want ErrBusy", wait, err)
			}
		}
		if ran {
			t.Error("fn ran without the lock")
		}
		if err := db.WithLock(ctx, "other", 0, func(Held) error { return nil }); err != nil {
			t.Errorf("another key: %v", err)
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.WithLock(cancelled, "k", time.Minute, func(Held) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled wait: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := db.WithLock(ctx, "k", 0, func(Held) error { return nil }); err != nil {
			t.Errorf("after release: %v", err)
		}
	})

	t.Run("a waiter gets the lock when it is released", func(t *testing.T) {
		db := b.openFresh(t, nil)
		holding, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			done <- db.WithLock(ctx, "k", time.Second, func(Held) error { close(holding); <-release; return nil })
		}()
		<-holding
		waiter := make(chan error)
		go func() { waiter <- db.WithLock(ctx, "k", time.Minute, func(Held) error { return nil }) }()
		close(release)
		if err := errors.Join(<-done, <-waiter); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("fn's error and panic", func(t *testing.T) {
		db := b.openFresh(t, nil)
		boom := errors.New("boom")
		if err := db.WithLock(ctx, "k", 0, func(Held) error { return fmt.Errorf("saving: %w", boom) }); !errors.Is(err, boom) {
			t.Errorf("WithLock = %v, want fn's error", err)
		}
		func() {
			defer func() { _ = recover() }()
			_ = db.WithLock(ctx, "k", 0, func(Held) error { panic("fn panicked") })
		}()
		if err := db.WithLock(ctx, "k", 0, func(Held) error { return nil }); err != nil {
			t.Errorf("after fn's error and panic the lock is still held: %v", err)
		}
	})

	t.Run("AddChange inside", func(t *testing.T) {
		c := newClock()
		db := b.openFresh(t, c.Now)
		var kept Held
		var id int64
		cancelled, cancel := context.WithCancel(ctx)
		err := db.WithLock(ctx, "customer 1001 name", time.Second, func(h Held) error {
			kept = h
			cancel() // the browser went away after Apptivo answered
			var err error
			id, err = h.AddChange(cancelled, change("1001", "a@example.com", c.Now()))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.Change(ctx, id); err != nil || got.CustomerID != "1001" {
			t.Errorf("the change written under the lock: %+v, %v", got, err)
		}
		if _, err := kept.AddChange(ctx, change("1001", "a@example.com", c.Now())); err == nil {
			t.Error("AddChange worked after the lock was released")
		}
		if got, _ := db.Changes(ctx, Query{}); len(got) != 1 {
			t.Errorf("%d changes, want 1", len(got))
		}
	})
}

// testConfirm: a held lock confirms it is held, for any key, and a Held
// kept past its WithLock confirms nothing.
func testConfirm(t *testing.T, b backend) {
	ctx := context.Background()
	db := b.openFresh(t, nil)
	var kept Held
	for _, key := range []string{"save:1000001:name", "save:1000001:contact", "k", "save:2000013:name"} {
		err := db.WithLock(ctx, key, time.Second, func(h Held) error {
			kept = h
			return h.Confirm(ctx)
		})
		if err != nil {
			t.Errorf("%s: Confirm under the lock: %v", key, err)
		}
	}
	if err := kept.Confirm(ctx); err == nil {
		t.Error("Confirm succeeded after the lock was released")
	}
}

// testConcurrency has many goroutines use one database at once, as many
// requests do: every call must succeed (no "database is locked"), and run
// with -race it checks the store's own synchronisation.
func testConcurrency(t *testing.T, b backend) {
	ctx := context.Background()
	c := newClock()
	db := b.openFresh(t, c.Now)
	const workers, rounds = 16, 24
	parallel(t, workers, func(w int) error {
		for i := range rounds {
			now := c.Now()
			id := fmt.Sprintf("w%d-%d", w, i)
			s := session(id, now, time.Hour, true)
			if err := db.CreateSession(ctx, s); err != nil {
				return err
			}
			if _, err := db.LoadSession(ctx, id); err != nil {
				return err
			}
			if err := db.TouchSession(ctx, id, now, now.Add(2*time.Hour)); err != nil {
				return err
			}
			s.Data = []byte("saved")
			if err := db.SaveSession(ctx, s); err != nil {
				return err
			}
			cust := strconv.Itoa(1000 + i%5)
			err := db.WithLock(ctx, "customer "+cust, time.Minute, func(h Held) error {
				_, err := h.AddChange(ctx, change(cust, fmt.Sprintf("w%d@example.com", w), now))
				return err
			})
			if err != nil {
				return err
			}
			if _, err := db.AddChange(ctx, change(cust, "plain@example.com", now)); err != nil {
				return err
			}
			if _, err := db.Changes(ctx, Query{CustomerID: cust, Limit: 20}); err != nil {
				return err
			}
			if i%2 == 0 {
				if err := db.DeleteSession(ctx, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if n, err := db.CountSessions(ctx, c.Now()); err != nil || n != workers*rounds/2 {
		t.Errorf("CountSessions = %d, %v; want %d", n, err, workers*rounds/2)
	}
	var total int
	for before := int64(0); ; {
		page, err := db.Changes(ctx, Query{Before: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		total += len(page)
		before = page[len(page)-1].ID
	}
	if total != 2*workers*rounds {
		t.Errorf("%d changes, want %d", total, 2*workers*rounds)
	}
}

func testMigrations(t *testing.T, b backend) {
	ctx := context.Background()
	version := func(t *testing.T, addr string) int64 {
		t.Helper()
		raw := b.raw(t, addr)
		var v int64
		if err := raw.QueryRowContext(ctx, `SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("up from empty, then nothing to do", func(t *testing.T) {
		addr := b.fresh(t)
		db, err := b.open(ctx, addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v := version(t, addr); v != b.newest || b.newest < 1 {
			t.Errorf("schema %d after migrating, want %d", v, b.newest)
		}
		id := add(t, db, change("1001", "a@example.com", time.Now()))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		db = b.openAt(t, addr, nil) // reopening migrates nothing and keeps everything
		if _, err := db.Change(ctx, id); err != nil {
			t.Errorf("after reopening: %v", err)
		}
		if v := version(t, addr); v != b.newest {
			t.Errorf("schema %d after reopening, want %d", v, b.newest)
		}
	})

	// migrated is a fresh database, migrated by a desk that has since
	// stopped.
	migrated := func(t *testing.T) string {
		addr := b.fresh(t)
		db, err := b.open(ctx, addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return addr
	}

	// A history written before "times never go back" is put in order once.
	t.Run("an older history is put in time order", func(t *testing.T) {
		addr := migrated(t)
		raw := b.raw(t, addr)
		b.downTo(t, addr, 1) // as a desk of schema 1 left it
		for _, stmt := range []string{
			`INSERT INTO changes (at, email, key_print, customer_id, customer_name, sections, diff, outcome, reason, request_id, resolution) VALUES
			 (1000, 'a', '', '1', '', '[]', '', 'saved', '', '', false),
			 (3000, 'a', '', '1', '', '[]', '', 'saved', '', '', false),
			 (2000, 'a', '', '1', '', '[]', '', 'saved', '', '', false),
			 (4000, 'a', '', '1', '', '[]', '', 'saved', '', '', false)`,
		} {
			if _, err := raw.ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.openAt(t, addr, nil).Changes(ctx, Query{})
		if err != nil {
			t.Fatal(err)
		}
		var times []int64
		for _, c := range slices.Backward(got) {
			times = append(times, c.At.UnixMilli())
		}
		if !slices.Equal(times, []int64{1000, 3000, 3000, 4000}) {
			t.Errorf("times in id order: %v, want [1000 3000 3000 4000]", times)
		}
	})

	// Emails recorded with capitals are found by the person filter, which
	// asks in lower case.
	t.Run("an older history's emails are put in lower case", func(t *testing.T) {
		addr := migrated(t)
		b.downTo(t, addr, 3)
		if _, err := b.raw(t, addr).ExecContext(ctx, `INSERT INTO changes (at, email, key_print, customer_id, customer_name, sections, diff, outcome, reason, request_id, resolution)
			VALUES (1000, 'Sam.Sales@Example.COM', '', '1', '', '[]', '', 'saved', '', '', false)`); err != nil {
			t.Fatal(err)
		}
		got, err := b.openAt(t, addr, nil).Changes(ctx, Query{Email: "sam.sales@example.com"})
		if err != nil || len(got) != 1 || got[0].Email != "sam.sales@example.com" {
			t.Errorf("after migrating: %+v, %v", got, err)
		}
	})

	t.Run("a newer schema refuses to open", func(t *testing.T) {
		addr := migrated(t)
		newer := b.newest + 4
		raw := b.raw(t, addr)
		if _, err := raw.ExecContext(ctx, fmt.Sprintf(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (%d, true)`, newer)); err != nil {
			t.Fatal(err)
		}
		db, err := b.open(ctx, addr, nil)
		if err == nil {
			db.Close()
			t.Fatal("a database migrated by a newer desk was opened")
		}
		msg := err.Error()
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(msg, "schema "+strconv.FormatInt(newer, 10)) ||
			!strings.Contains(msg, "knows "+strconv.FormatInt(b.newest, 10)) {
			t.Errorf("error %q: want ErrSchemaTooNew naming schemas %d and %d", msg, newer, b.newest)
		}
		if v := version(t, addr); v != newer {
			t.Errorf("the refused open changed the schema version to %d", v)
		}
	})
}
