package handlers_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/customerdesk/desk/handlers/soak"
	"github.com/customerdesk/desk/store"
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
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(s *settings) {
		s.ApptivoTimeout = 400 * time.Millisecond // injected hangs end quickly
		s.RequestTimeout = 20 * time.Second
		s.Registry = reg
	})
	id, attempts := soak.Prove(t, e.sim, e.app.URL)
	checkSoakMetrics(t, e, reg, id, attempts)
}

// checkSoakMetrics holds the metrics to what the people saw and the history
// holds: every save counted once, by the outcome it came to.
func checkSoakMetrics(t *testing.T, e *env, reg *prometheus.Registry, id int64, attempts []soak.Attempt) {
	t.Helper()
	s := scrapeOf(t, reg)
	n := soak.Count(attempts)
	s.expect(t, float64(n[soak.Saved]), "desk_saves_total", "outcome", "saved")
	s.expect(t, float64(n[soak.Conflict]), "desk_saves_total", "outcome", "conflict")
	s.expect(t, float64(n[soak.NoChange]), "desk_saves_total", "outcome", "no_change")
	total := 0.0
	for _, m := range s.fams["desk_saves_total"].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	if total != float64(len(attempts)) {
		t.Errorf("desk_saves_total adds up to %v, the people made %d saves", total, len(attempts))
	}
	history := map[store.Outcome]float64{}
	q := store.Query{CustomerID: strconv.FormatInt(id, 10)}
	for {
		page, err := e.db.Changes(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range page {
			history[ch.Outcome]++
		}
		if len(page) < store.MaxLimit {
			break
		}
		q.Before = page[len(page)-1].ID
	}
	for _, o := range []store.Outcome{store.Saved, store.Refused, store.Unknown} {
		s.expect(t, history[o], "desk_saves_total", "outcome", string(o))
	}
}
