package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testTypeLists: a key pair's type lists are kept, replaced, read back
// stale until swept, and swept once expired.
func testTypeLists(t *testing.T, b backend) {
	ctx := context.Background()
	c := newClock()
	db := b.openFresh(t, c.Now)
	now := c.Now()
	if _, _, err := db.TypeLists(ctx, "kp-a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("nothing kept: %v, want ErrNotFound", err)
	}
	if err := db.PutTypeLists(ctx, "kp-a", []byte(`{"old":1}`), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutTypeLists(ctx, "kp-a", []byte{0, 1, 0xff}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.PutTypeLists(ctx, "kp-b", []byte(`{}`), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	data, expires, err := db.TypeLists(ctx, "kp-a")
	if err != nil || string(data) != "\x00\x01\xff" || !expires.Equal(now.Add(time.Hour)) {
		t.Errorf("kp-a: %q until %v, %v; want the second put", data, expires, err)
	}
	c.Advance(2 * time.Minute)
	if data, _, err := db.TypeLists(ctx, "kp-b"); err != nil || string(data) != "{}" {
		t.Errorf("kp-b expired but not swept: %q, %v; want it back, stale", data, err)
	}
	if n, err := db.SweepExpired(ctx, c.Now()); err != nil || n != 1 {
		t.Errorf("the sweep: %d, %v; want kp-b's row", n, err)
	}
	if _, _, err := db.TypeLists(ctx, "kp-b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("kp-b after the sweep: %v, want ErrNotFound", err)
	}
	if _, _, err := db.TypeLists(ctx, "kp-a"); err != nil {
		t.Errorf("kp-a, not expired, after the sweep: %v", err)
	}
}
