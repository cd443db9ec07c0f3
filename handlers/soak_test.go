package handlers_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/handlers/soak"
	"github.com/customerdesk/desk/store"
)

// soakRecord is the customer everyone saves: bytes a careless re-encoding
// would change, and entries sharing ids, with a second phone and email that
// no save ever touches.
const soakRecord = "{ \"customerId\" : 4000001, \"customerName\" : \"Soak & Co <test>\", \"customerNumber\":\"S1\", \"statusName\":\"Active\", \"version\":1,\n" +
	"  \"description\" : \"keep \\u003cme\\u003e & <me>\" , \"dup\":1, \"dup\":2,\n" +
	"  \"customAttributes\" : [ { \"customAttributeValue\" : 12345678901234567890123 , \"t\" : \"Y\" } ],\n" +
	"  \"phoneNumbers\" : [ {\"phoneNumber\":\"+1 650 253 0001\",\"phoneTypeCode\":\"PHONE_BUSINESS\",\"phoneType\":\"Business\",\"communicationId\":1},\n" +
	"    { \"phoneNumber\" : \"+1 312-555-0147\" , \"phoneTypeCode\":\"PHONE_MOBILE\",\"phoneType\":\"Mobile <kept>\",\"communicationId\":1, \"note\":\"\\u003c&>\" } ],\n" +
	"  \"removePhoneNumbers\" : [ ],\n" +
	"  \"emailAddresses\" : [ {\"emailAddress\":\"first@soak.example\",\"emailTypeCode\":\"BUSINESS\",\"emailType\":\"Business\",\"communicationId\":1},\n" +
	"    {\"emailAddress\":\"kept@soak.example\", \"emailTypeCode\":\"PERSONAL\",\"emailType\":\"Personal\",\"communicationId\":1, \"x\" : \"\\u0026\"} ],\n" +
	"  \"removeEmailAddresses\" : [ ],\n" +
	"  \"addresses\" : [ { \"addressId\" : 77, \"addressTypeCode\":\"1\", \"addressType\":\"Billing Address\", \"addressLine1\":\"1 Soak St <rear>\", \"city\":\"Chicago\", \"countryCode\":\"US\", \"countryName\":\"United States\" } ],\n" +
	"  \"removeAddresses\" : [ ] }"

// soakFaults are what the simulator throws at the desk during a soak: each
// strikes a share of the matching calls.
var soakFaults = []apptivotest.Failure{
	{Mode: apptivotest.FailInternalError, Action: "getById", Chance: 0.05},
	{Mode: apptivotest.FailResetConnection, Action: "getById", Chance: 0.02},
	{Mode: apptivotest.FailInternalError, Action: "update", Chance: 0.05},
	{Mode: apptivotest.FailHang, Action: "update", Chance: 0.03},      // times out, never applied
	{Mode: apptivotest.FailHangAfter, Action: "update", Chance: 0.04}, // times out, applied
	{Mode: apptivotest.FailOddAnswer, Action: "update", Chance: 0.04, Body: `{"status":"OK"}`},
	{Mode: apptivotest.FailRateLimited, Action: "update", Chance: 0.03},
	{Mode: apptivotest.FailStatusFailure, Action: "update", Chance: 0.03, Reason: "Value rejected by a workflow rule"},
}

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
	id, err := e.sim.Put(json.RawMessage(soakRecord))
	if err != nil {
		t.Fatal(err)
	}
	initial, _ := e.sim.Customer(id)
	e.sim.SetLatencyRange(0, 15*time.Millisecond)
	for _, f := range soakFaults {
		e.sim.Fail(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	attempts, err := soak.Run(ctx, soak.Config{Desks: []string{e.app.URL}, People: 8, Saves: 30, CustomerID: id, Keys: apptivotest.DemoKeys})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.ClearFailures()
	reportSoak(t, attempts)
	for _, p := range soak.Check(attempts, e.sim, id, initial) {
		t.Error(p)
	}
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

// reportSoak prints the counts and checks the run exercised every outcome.
func reportSoak(t *testing.T, attempts []soak.Attempt) {
	t.Helper()
	n := soak.Count(attempts)
	t.Logf("soak: %d saves: %d saved, %d conflict, %d failed, %d unknown, %d no change",
		len(attempts), n[soak.Saved], n[soak.Conflict], n[soak.Failed], n[soak.Unknown], n[soak.NoChange])
	if len(attempts) < 200 {
		t.Errorf("only %d saves", len(attempts))
	}
	for _, o := range []soak.Outcome{soak.Saved, soak.Conflict, soak.Failed, soak.Unknown} {
		if n[o] == 0 {
			t.Errorf("no save ended %v: the soak did not exercise that path", o)
		}
	}
}
