package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// scrape is what a metrics listener serving reg says, as text and parsed.
type scrape struct {
	text string
	fams map[string]*dto.MetricFamily
}

func scrapeOf(t *testing.T, reg *prometheus.Registry) scrape {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %s", resp.StatusCode, raw)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("scrape does not parse: %v\n%s", err, raw)
	}
	return scrape{text: string(raw), fams: fams}
}

// value is the sample of the series name{labels}: a counter's or gauge's
// value, a histogram's count. ok is false when there is no such series.
func (s scrape) value(name string, labels ...string) (v float64, ok bool) {
	fam := s.fams[name]
	if fam == nil {
		return 0, false
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
next:
	for _, m := range fam.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		for _, l := range m.GetLabel() {
			if want[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// expect asserts the series name{labels} holds want.
func (s scrape) expect(t *testing.T, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := s.value(name, labels...)
	if !ok {
		t.Errorf("no series %s%v", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// statusClass is "4xx" for 409.
func statusClass(status int) string { return string(rune('0'+status/100)) + "xx" }

// The metrics after real requests through the real router and the
// simulator: requests by route name and status class, Apptivo attempts by
// action and outcome, saves and undos by outcome. No label holds an email, a
// key, a customer id or a query string.
func TestMetricsCountWhatHappened(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(s *settings) { s.Registry = reg })
	e.signIn()
	// Route name → status class → answers seen; signing in landed on the search page.
	statuses := map[string]map[string]int{"customers": {"2xx": 1}}
	saw := func(route string, p page) {
		if statuses[route] == nil {
			statuses[route] = map[string]int{}
		}
		statuses[route][statusClass(p.status)]++
	}
	const one, two = int64(1000001), int64(1000002)

	// A save.
	_, form := e.openForm(one, "name", true)
	form.Set("name", "Northwind Metrics LLC")
	p := e.saveForm(one, "name", form, true)
	if p.status != http.StatusOK || e.stored(one).Name() != "Northwind Metrics LLC" {
		t.Fatalf("save: %d", p.status)
	}
	saw("customer.name.save", p)

	// Its undo.
	p = e.undo(e.hxGet(idPath(one, "/history")), 0, true)
	if p.status != http.StatusOK || e.stored(one).Name() == "Northwind Metrics LLC" {
		t.Fatalf("undo: %d, name still %q", p.status, e.stored(one).Name())
	}
	saw("customer.history.undo", p)
	// And its undo: a redo.
	p = e.undo(e.hxGet(idPath(one, "/history")), 0, true)
	if p.status != http.StatusOK || e.stored(one).Name() != "Northwind Metrics LLC" {
		t.Fatalf("redo: %d, name %q", p.status, e.stored(one).Name())
	}
	saw("customer.history.undo", p)

	// A conflict: a colleague renamed the customer meanwhile.
	_, form = e.openForm(two, "name", true)
	if err := e.sim.Modify(two, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Theirs" }); err != nil {
		t.Fatal(err)
	}
	form.Set("name", "Mine")
	p = e.saveForm(two, "name", form, true)
	if p.status != http.StatusConflict {
		t.Fatalf("conflict: %d", p.status)
	}
	saw("customer.name.save", p)

	// Apptivo refuses the update; answers it with {} (may have landed);
	// fails the fresh read (nothing sent).
	_, form = e.openForm(one, "name", true)
	form.Set("name", "Refused Name")
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Action: "update", Times: 1, Reason: "Name is locked"})
	saw("customer.name.save", e.saveForm(one, "name", form, true))
	form.Set("name", "Maybe Name")
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailOddAnswer, Action: "update", Times: 1, Body: `{}`})
	saw("customer.name.save", e.saveForm(one, "name", form, true))
	_, form = e.openForm(one, "name", true)
	form.Set("name", "Unread Name")
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Action: "getById", Times: 1})
	p = e.saveForm(one, "name", form, true)
	if p.status < 400 {
		t.Fatalf("a failed fresh read: %d", p.status)
	}
	saw("customer.name.save", p)

	// A search with a query string, a page no route knows, and /metrics on
	// the desk's own port: not there.
	saw("customers", e.get("/customers?q=Northwind+Metrics&page=1"))
	saw("unmatched", e.get("/no/such/page?email="+testEmail))
	if p := e.get("/metrics"); p.status != http.StatusNotFound || strings.Contains(p.body, "desk_") {
		t.Errorf("/metrics on the desk's port: %d", p.status)
	}

	s := scrapeOf(t, reg)
	for outcome, want := range map[string]float64{"saved": 1, "conflict": 1, "refused": 1, "unknown": 1, "failed": 1, "no_change": 0, "busy": 0} {
		s.expect(t, want, "desk_saves_total", "outcome", outcome)
	}
	s.expect(t, 1, "desk_undos_total", "kind", "undo", "outcome", "saved")
	s.expect(t, 1, "desk_undos_total", "kind", "redo", "outcome", "saved")
	s.expect(t, 0, "desk_undos_total", "kind", "undo", "outcome", "conflict")
	for route, byClass := range statuses {
		for class, n := range byClass {
			s.expect(t, float64(n), "desk_http_request_duration_seconds", "route", route, "status", class)
		}
	}
	s.expect(t, 1, "desk_http_request_duration_seconds", "route", "metrics.elsewhere", "status", "4xx")
	// Updates: the save, the undo, the redo and the one answered with {}
	// (an answer, though not the record: the save's outcome is unknown) went
	// through; one was refused; so was one fresh read.
	s.expect(t, 4, "desk_apptivo_call_duration_seconds", "action", "update", "outcome", "ok")
	s.expect(t, 1, "desk_apptivo_call_duration_seconds", "action", "update", "outcome", "refused")
	s.expect(t, 1, "desk_apptivo_call_duration_seconds", "action", "getById", "outcome", "refused")
	if n, _ := s.value("desk_apptivo_call_duration_seconds", "action", "getById", "outcome", "ok"); n < 5 {
		t.Errorf("fresh reads and edit forms: %v getById calls", n)
	}
	s.expect(t, 1, "desk_sessions")
	s.expect(t, 1, "desk_db_pool_max_connections", "pool", "write")
	if _, ok := s.value("desk_db_pool_open_connections", "pool", "read"); !ok {
		t.Error("no read pool")
	}

	checkLabels(t, s, testEmail, "1000001", "1000002")
}

// labelValue is what a label value may look like: a name or a number.
var labelValue = regexp.MustCompile(`^[A-Za-z0-9_.+-]*$`)

// checkLabels asserts that no label value holds anything a person typed or
// a URL: no email, no key, no customer id, no query string or path; and
// that neither the email nor the keys appear anywhere in the scrape.
func checkLabels(t *testing.T, s scrape, email string, customerIDs ...string) {
	t.Helper()
	for _, secret := range []string{email, apptivotest.DemoKeys.APIKey, apptivotest.DemoKeys.AccessKey, "Northwind"} {
		if strings.Contains(s.text, secret) {
			t.Errorf("the scrape holds %q", secret)
		}
	}
	for _, fam := range s.fams {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				v := l.GetValue()
				if !labelValue.MatchString(v) {
					t.Errorf("%s{%s=%q}: not a plain name", fam.GetName(), l.GetName(), v)
				}
				for _, id := range customerIDs {
					if strings.Contains(v, id) {
						t.Errorf("%s{%s=%q} holds a customer id", fam.GetName(), l.GetName(), v)
					}
				}
			}
		}
	}
}

// Without metrics (the harness's default) the desk works as before and
// /metrics is still not on its port.
func TestNoMetricsOnTheDesksPort(t *testing.T) {
	e := newEnv(t)
	if p := e.get("/metrics"); p.status != http.StatusNotFound {
		t.Errorf("/metrics for a stranger: %d", p.status)
	}
	e.signIn()
	if p := e.get("/metrics"); p.status != http.StatusNotFound {
		t.Errorf("/metrics signed in: %d", p.status)
	}
}
