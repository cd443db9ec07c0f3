package handlers_test

import (
	"testing"
	"time"

	"github.com/customerdesk/desk/handlers/soak"
)

// Issue 7: eight people save one customer 240 times across the Name and
// Contact sections, through the real router and the simulator, while the
// simulator adds latency jitter, 500s, resets, timeouts (before and after
// applying), rate limits, refusals and odd answers. soak.Check proves from
// the simulator's log and final record that every "Saved" was applied,
// every applied update was reported as saved or unknown, no update named a
// section its person did not change, every write was based on the state it
// overwrote, and no untouched byte changed.
func TestSoak(t *testing.T) {
	e := newEnv(t, func(s *settings) {
		s.ApptivoTimeout = 400 * time.Millisecond // injected hangs end quickly
		s.RequestTimeout = 20 * time.Second
	})
	soak.Prove(t, e.sim, e.app.URL)
}
