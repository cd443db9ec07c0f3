package store

import (
	"strings"
	"testing"
	"time"
)

// testPools checks a backend's pool statistics: every store has pools to
// show (the desk's metrics read them), each named once, adding up.
func testPools(t *testing.T, b backend) {
	clk := newClock()
	db := b.openFresh(t, clk.Now)
	p, ok := db.(Pools)
	if !ok {
		t.Fatalf("%T does not implement store.Pools: the metrics would show no pools", db)
	}
	// Some work, so that connections are open.
	if err := db.CreateSession(t.Context(), session("pools", clk.Now(), time.Hour, true)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CountSessions(t.Context(), clk.Now()); err != nil {
		t.Fatal(err)
	}
	stats := p.PoolStats()
	if len(stats) == 0 {
		t.Fatal("no pools")
	}
	seen := map[string]bool{}
	open := 0
	for _, s := range stats {
		if s.Pool == "" || s.Pool != strings.ToLower(s.Pool) || strings.ContainsAny(s.Pool, " /?=") || seen[s.Pool] {
			t.Errorf("pool name %q: want a short lowercase word, once", s.Pool)
		}
		seen[s.Pool] = true
		if s.Open != s.InUse+s.Idle || s.MaxOpen < 0 || (s.MaxOpen > 0 && s.Open > s.MaxOpen) || s.Waits < 0 || s.WaitTime < 0 {
			t.Errorf("pool %q does not add up: %+v", s.Pool, s)
		}
		open += s.Open
	}
	if open == 0 {
		t.Errorf("no open connection after a write and a read: %+v", stats)
	}
}

// SQLite shows its two pools: the single writer and the readers.
func TestSQLitePoolStats(t *testing.T) {
	db := openTemp(t)
	stats := db.PoolStats()
	if len(stats) != 2 || stats[0].Pool != "write" || stats[1].Pool != "read" {
		t.Fatalf("pools %+v, want write and read", stats)
	}
	if stats[0].MaxOpen != 1 || stats[1].MaxOpen < minReaders {
		t.Errorf("max open: write %d (want 1), read %d (want at least %d)", stats[0].MaxOpen, stats[1].MaxOpen, minReaders)
	}
}
