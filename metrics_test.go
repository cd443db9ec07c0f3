package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// metricsURL is where the running desk said it serves /metrics.
func metricsURL(t *testing.T, d *runningDesk) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Metrics on (\S+)$`).FindStringSubmatch(d.output())
	if m == nil {
		t.Fatalf("no metrics listener announced; the desk said:\n%s", d.output())
	}
	return m[1]
}

// fetch GETs u and returns the status and body.
func fetch(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// METRICS_ADDR serves /metrics on a listener of its own, from the desk's
// one registry: the Go and process collectors and the desk's series, with
// the sessions and pools read from the database. The desk's own port does
// not serve it; no label holds an email, a key or a customer id.
func TestMetricsListener(t *testing.T) {
	d := startDesk(t, map[string]string{"DATA_DIR": t.TempDir(), "METRICS_ADDR": "127.0.0.1:0"})
	metrics := metricsURL(t, d)
	if status, body := fetch(t, d.url+"/metrics"); status != http.StatusNotFound || strings.Contains(body, "desk_") {
		t.Errorf("/metrics on the desk's port: %d", status)
	}
	if status, _ := fetch(t, strings.TrimSuffix(metrics, "/metrics")+"/customers"); status != http.StatusNotFound {
		t.Errorf("the metrics listener serves the desk: %d", status)
	}

	c := browser(t)
	signInDemo(t, c, d.url)
	// One save of a customer's name, as the form sends it.
	status, _, form := get(t, c, d.url+"/customers/1000001/name/edit", true)
	if status != http.StatusOK {
		t.Fatalf("name form: %d", status)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	v := url.Values{}
	doc.Find("form input").Each(func(_ int, s *goquery.Selection) {
		if name, ok := s.Attr("name"); ok {
			v.Set(name, s.AttrOr("value", ""))
		}
	})
	v.Set("name", "Northwind Traders Metrics")
	resp, err := c.PostForm(d.url+"/customers/1000001/name", v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}

	status, scrape := fetch(t, metrics)
	if status != http.StatusOK {
		t.Fatalf("scrape: %d", status)
	}
	for _, line := range []string{
		`desk_saves_total{outcome="saved"} 1`,
		`desk_saves_total{outcome="conflict"} 0`,
		`desk_undos_total{kind="undo",outcome="saved"} 0`,
		`desk_sessions 1`, // in the database
		`desk_signed_in_sessions 1`,
		`desk_http_request_duration_seconds_count{route="customer.name.save",status="3xx"} 1`,
		`desk_http_request_duration_seconds_count{route="login.post",status="3xx"} 1`,
		`desk_http_request_duration_seconds_count{route="metrics.elsewhere",status="4xx"} 1`,
		`desk_apptivo_call_duration_seconds_count{action="getConfigData",outcome="ok"} 1`,
		`desk_apptivo_call_duration_seconds_count{action="update",outcome="ok"} 1`,
		`desk_db_pool_max_connections{pool="write"} 1`,
		`desk_db_pool_open_connections{pool="read"}`,
		`go_goroutines `,
		`process_start_time_seconds `,
	} {
		if !strings.Contains(scrape, line) {
			t.Errorf("the scrape lacks %s", line)
		}
	}
	for _, secret := range []string{"alice.sales@example.com", "demo-api-key", "demo-access-key", "Northwind"} {
		if strings.Contains(scrape, secret) {
			t.Errorf("the scrape holds %q", secret)
		}
	}
	// Label values only: a number may hold those digits.
	for _, labels := range regexp.MustCompile(`\{[^}]*\}`).FindAllString(scrape, -1) {
		if strings.Contains(labels, "1000001") || strings.ContainsAny(labels, "?/@") {
			t.Errorf("labels %s hold a customer id, a path or an address", labels)
		}
	}
	// Signed out: no live sign-in left.
	resp, err = c.PostForm(d.url+"/logout", url.Values{"_csrf": {v.Get("_csrf")}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, scrape = fetch(t, metrics); !strings.Contains(scrape, "desk_signed_in_sessions 0") {
		t.Errorf("after signing out, the scrape says %s", regexp.MustCompile(`desk_signed_in_sessions .*`).FindString(scrape))
	}
	if err := d.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(metrics); err == nil {
		t.Error("the metrics listener outlived the desk")
	}
}

// Without METRICS_ADDR (the default) there is no metrics listener.
func TestMetricsOffByDefault(t *testing.T) {
	d := startDesk(t, map[string]string{"DATA_DIR": t.TempDir()})
	if strings.Contains(d.output(), "Metrics on") {
		t.Errorf("a metrics listener without METRICS_ADDR:\n%s", d.output())
	}
}
