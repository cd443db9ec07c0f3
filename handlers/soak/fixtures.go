package soak

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// What every soak run uses, whichever desks it drives: the record, the
// faults, the report, and Prove, which puts them together.

// Prove is the soak test: eight people, spread over the desks (base URLs)
// talking to sim, save Record 30 times each while sim adds latency jitter
// and Faults; Report prints the counts and Check's findings fail t.
func Prove(t testing.TB, sim *apptivotest.Server, desks ...string) (id int64, attempts []Attempt) {
	t.Helper()
	id, err := sim.Put(json.RawMessage(Record))
	if err != nil {
		t.Fatal(err)
	}
	initial, _ := sim.Customer(id)
	sim.SetLatencyRange(0, 15*time.Millisecond)
	for _, f := range Faults {
		sim.Fail(f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	attempts, err = Run(ctx, Config{Desks: desks, People: 8, Saves: 30, CustomerID: id, Keys: apptivotest.DemoKeys})
	sim.ClearFailures()
	if err != nil {
		t.Fatal(err)
	}
	Report(t, attempts)
	for _, p := range Check(attempts, sim, id, initial) {
		t.Error(p)
	}
	return id, attempts
}

// Record is the customer everyone saves: bytes a careless re-encoding
// would change, and entries sharing ids, with a second phone and email that
// no save ever touches.
const Record = "{ \"customerId\" : 4000001, \"customerName\" : \"Soak & Co <test>\", \"customerNumber\":\"S1\", \"statusName\":\"Active\", \"version\":1,\n" +
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

// Faults are what the simulator throws at the desk during a soak: each
// strikes a share of the matching calls.
var Faults = []apptivotest.Failure{
	{Mode: apptivotest.FailInternalError, Action: "getById", Chance: 0.05},
	{Mode: apptivotest.FailResetConnection, Action: "getById", Chance: 0.02},
	{Mode: apptivotest.FailInternalError, Action: "update", Chance: 0.05},
	{Mode: apptivotest.FailHang, Action: "update", Chance: 0.03},      // times out, never applied
	{Mode: apptivotest.FailHangAfter, Action: "update", Chance: 0.04}, // times out, applied
	{Mode: apptivotest.FailOddAnswer, Action: "update", Chance: 0.04, Body: `{"status":"OK"}`},
	{Mode: apptivotest.FailRateLimited, Action: "update", Chance: 0.03},
	{Mode: apptivotest.FailStatusFailure, Action: "update", Chance: 0.06, Reason: "Value rejected by a workflow rule"}, // often enough that every run has refusals
}

// Report prints the counts (t.Logf) and fails t unless the run made 200
// saves or more and exercised every outcome.
func Report(t testing.TB, attempts []Attempt) {
	t.Helper()
	n := Count(attempts)
	t.Logf("soak: %d saves: %d saved, %d conflict, %d failed, %d unknown, %d no change",
		len(attempts), n[Saved], n[Conflict], n[Failed], n[Unknown], n[NoChange])
	if len(attempts) < 200 {
		t.Errorf("only %d saves", len(attempts))
	}
	for _, o := range []Outcome{Saved, Conflict, Failed, Unknown} {
		if n[o] == 0 {
			t.Errorf("no save ended %v: the soak did not exercise that path", o)
		}
	}
}
