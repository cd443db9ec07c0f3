package handlers

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
)

// The snapshots' bound (README: "at most 16 KB per person and 32 MB in
// all") is a bound on memory, but what put counts is len(body) while what it
// keeps is the whole buffer MarshalJSON allocated for it, whose capacity
// counts every key twice and four bytes more per member. A record of many
// short members (Apptivo's custom attributes, say) makes the process hold
// nearly twice the bound; an ordinary seed record, about a third more.
func TestReview11SnapshotsHoldNoMoreMemoryThanTheirBound(t *testing.T) {
	const people, maxBytes, perPerson = 200, 4 << 20, 16 << 10
	record := func(id int) *apptivo.Customer {
		var b strings.Builder
		fmt.Fprintf(&b, `{"customerId":%d`, id)
		for i := range 1400 {
			fmt.Fprintf(&b, `,"a%04d":1`, i)
		}
		b.WriteString("}")
		c, err := apptivo.ParseCustomer([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newSnapshots(time.Minute, maxBytes, perPerson, func() time.Time { return now })
	for p := range people {
		s.put(fmt.Sprintf("%064d", p), record(1000+p))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	counted, n := s.usage()
	if n != people {
		t.Fatalf("%d snapshots kept, want %d (each is under the person's bound)", n, people)
	}
	// A quarter's room for the allocator's size classes (at most an eighth)
	// and what the overhead estimate may miss.
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if held > int64(counted)*5/4 {
		t.Errorf("the snapshots count %d bytes against their bound but hold %d bytes of memory (%.2fx)", counted, held, float64(held)/float64(counted))
	}
	runtime.KeepAlive(s)
}
