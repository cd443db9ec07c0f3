package handlers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
)

func recordOf(t *testing.T, id int, pad int) *apptivo.Customer {
	t.Helper()
	c, err := apptivo.ParseCustomer([]byte(fmt.Sprintf(`{"customerId":%d,"customerName":"C %d","notes":%q}`, id, id, strings.Repeat("x", pad))))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The snapshots stay within their bounds: per person, for the process, and
// in time; the oldest go first, and a person's sign-out takes theirs.
func TestSnapshotBounds(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	get := func(s *snapshots, person string, id int) bool {
		c := recordOf(t, id, 0)
		_, ok := s.get(person, c.ID(), cardName, cardVersion(c, cardName))
		return ok
	}

	t.Run("per person", func(t *testing.T) {
		s := newSnapshots(time.Minute, 1<<20, 1000, clock) // room for three
		for id := 1; id <= 5; id++ {
			s.put("alice", recordOf(t, id, 0))
		}
		s.put("bob", recordOf(t, 1, 0))
		kept := 0
		for id := 1; id <= 5; id++ {
			if get(s, "alice", id) {
				kept++
			}
		}
		if !get(s, "alice", 5) || get(s, "alice", 1) || kept == 5 {
			t.Fatalf("alice keeps %d, the newest %v, the oldest %v", kept, get(s, "alice", 5), get(s, "alice", 1))
		}
		if !get(s, "bob", 1) {
			t.Fatal("alice's reading pushed out bob's snapshot")
		}
		if b := s.people["alice"].bytes; b > 1000 {
			t.Fatalf("alice holds %d bytes, bound 1000", b)
		}
	})

	t.Run("process", func(t *testing.T) {
		s := newSnapshots(time.Minute, 10_000, 10_000, clock)
		for p := range 100 {
			s.put(fmt.Sprint("person", p), recordOf(t, 1, 500))
		}
		if bytes, n := s.usage(); bytes > 10_000 || n == 0 {
			t.Fatalf("%d bytes in %d snapshots, bound 10000", bytes, n)
		}
		if !get(s, "person99", 1) || get(s, "person0", 1) {
			t.Fatal("the process bound must drop the oldest first")
		}
	})

	t.Run("too big to keep", func(t *testing.T) {
		s := newSnapshots(time.Minute, 1<<20, 1000, clock)
		s.put("alice", recordOf(t, 1, 2000))
		if _, n := s.usage(); n != 0 {
			t.Fatal("a record over the person's bound was kept")
		}
	})

	t.Run("life", func(t *testing.T) {
		s := newSnapshots(time.Minute, 1<<20, 1<<20, clock)
		s.put("alice", recordOf(t, 1, 0))
		now = now.Add(59 * time.Second)
		if !get(s, "alice", 1) {
			t.Fatal("gone before its life ended")
		}
		now = now.Add(time.Second)
		if get(s, "alice", 1) {
			t.Fatal("served after its life")
		}
		s.put("alice", recordOf(t, 2, 0))
		now = now.Add(2 * time.Minute)
		s.put("bob", recordOf(t, 3, 0)) // sweeps the expired
		if bytes, n := s.usage(); n != 1 || bytes != s.people["bob"].bytes {
			t.Fatalf("%d snapshots (%d bytes) after expiry, want bob's only", n, bytes)
		}
	})

	t.Run("sign-out", func(t *testing.T) {
		s := newSnapshots(time.Minute, 1<<20, 1<<20, clock)
		s.put("alice", recordOf(t, 1, 0))
		s.put("alice", recordOf(t, 2, 0))
		s.put("bob", recordOf(t, 1, 0))
		s.forgetPerson("alice")
		if get(s, "alice", 1) || get(s, "alice", 2) || !get(s, "bob", 1) {
			t.Fatal("sign-out must take exactly the person's snapshots")
		}
		if _, ok := s.people["alice"]; ok {
			t.Fatal("an empty share stays behind")
		}
	})

	t.Run("off", func(t *testing.T) {
		s := newSnapshots(0, 1<<20, 1<<20, clock)
		s.put("alice", recordOf(t, 1, 0))
		if get(s, "alice", 1) {
			t.Fatal("snapshots were kept with a life of 0")
		}
	})
}
