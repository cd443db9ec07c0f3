package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/store"
)

// Targets of the load benchmark, as ratios against a bare proxy in the same
// run: a minimal Echo handler that makes the same single Apptivo read from
// the same simulator and writes the same page bytes.
const (
	minPageThroughputRatio   = 0.85
	maxPageP99Ratio          = 2.0
	minSearchThroughputRatio = 0.80
	loadClients              = 16
	loadRound                = 700 * time.Millisecond
	loadRounds               = 4 // per side, alternating
)

// loadDesk is the production desk (build, as run makes it, with a SQLite
// store) beside two bare proxies on the same simulator: one that reads the
// answer's bytes and nothing more (the floor), and one that makes the read
// with the desk's own Apptivo client, so parses it as the desk does.
type loadDesk struct {
	desk, proxy, clientProxy *httptest.Server
	client                   *http.Client // signed in on the desk
}

// benchDesk is the desk as run builds it, with a SQLite store, on a fresh
// simulator; sign-in attempts are not limited.
func benchDesk(b *testing.B) (*apptivotest.Server, *httptest.Server, http.Handler) {
	b.Helper()
	sim := apptivotest.New()
	simSrv := httptest.NewServer(sim)
	b.Cleanup(func() { sim.Close(); simSrv.Close() })
	cfg, err := loadConfig(nil, envOf(map[string]string{
		"APPTIVO_BASE_URL": simSrv.URL, "SESSION_KEY": strings.Repeat("ab", 32), "LOGIN_ATTEMPTS_PER_MINUTE": "100000",
	}), io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "desk.db"), store.SQLiteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	d, err := build(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	return sim, simSrv, d.router
}

func newLoadDesk(b *testing.B) *loadDesk {
	b.Helper()
	_, simSrv, router := benchDesk(b)
	l := &loadDesk{desk: httptest.NewServer(router)}
	b.Cleanup(l.desk.Close)
	jar, _ := cookiejar.New(nil)
	// Neither side's answers are compressed here: the proxy writes the page
	// bytes as they are, so the desk is measured on the same bytes (gzip is
	// a trade of CPU for bytes on a slow link, worth nothing on loopback).
	l.client = &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * loadClients, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signInDemo(b, l.client, l.desk.URL)

	// The bare proxy: the same single read (the call the desk's client
	// sends: selectors in the query, keys in the form body), the body read
	// whole and not parsed, then the bytes the desk answered with.
	page, search := l.fetch(b, "/customers/1000001"), l.fetch(b, "/customers?q=ltd")
	upstream := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * loadClients}}
	read := func(c echo.Context, query url.Values) error {
		form := url.Values{"apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}
		req, err := http.NewRequestWithContext(c.Request().Context(), http.MethodPost,
			simSrv.URL+"/app/dao/v6/customers?"+query.Encode(), strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := upstream.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("simulator: %d %v", resp.StatusCode, err)
		}
		return nil
	}
	proxy := func(readCustomer, readSearch func(c echo.Context) error) *httptest.Server {
		e := echo.New()
		e.GET("/customers/:id", func(c echo.Context) error {
			if err := readCustomer(c); err != nil {
				return err
			}
			return c.HTMLBlob(http.StatusOK, page)
		})
		e.GET("/customers", func(c echo.Context) error {
			if err := readSearch(c); err != nil {
				return err
			}
			return c.HTMLBlob(http.StatusOK, search)
		})
		srv := httptest.NewServer(e)
		b.Cleanup(srv.Close)
		return srv
	}
	l.proxy = proxy(func(c echo.Context) error {
		return read(c, url.Values{"a": {"getById"}, "customerId": {c.Param("id")}, "objectId": {"3"}})
	}, func(c echo.Context) error {
		return read(c, url.Values{"a": {"getAllBySearchText"}, "searchText": {c.QueryParam("q")}, "startIndex": {"0"}, "numRecords": {"25"}, "objectId": {"3"}})
	})
	apptivoClient, err := apptivo.NewClient(apptivo.WithBaseURL(simSrv.URL), apptivo.WithCredentials(apptivo.Credentials{
		APIKey: apptivotest.DemoKeys.APIKey, AccessKey: apptivotest.DemoKeys.AccessKey}))
	if err != nil {
		b.Fatal(err)
	}
	l.clientProxy = proxy(func(c echo.Context) error {
		_, err := apptivoClient.GetCustomer(c.Request().Context(), c.Param("id"))
		return err
	}, func(c echo.Context) error {
		_, err := apptivoClient.SearchCustomers(c.Request().Context(), c.QueryParam("q"), 0, 25)
		return err
	})
	return l
}

func (l *loadDesk) fetch(b *testing.B, path string) []byte {
	resp, err := l.client.Get(l.desk.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d", path, resp.StatusCode)
	}
	return body
}

// load is what one side did in its rounds.
type load struct {
	done      int
	elapsed   time.Duration
	latencies []time.Duration
}

func (l load) throughput() float64 { return float64(l.done) / l.elapsed.Seconds() }

func (l load) pct(p float64) time.Duration {
	s := slices.Clone(l.latencies)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// round keeps loadClients clients asking base+path for d.
func round(b *testing.B, c *http.Client, base, path string, d time.Duration) load {
	var mu sync.Mutex
	var out load
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range loadClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(stop) {
				t := time.Now()
				resp, err := c.Get(base + path)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: %d", path, resp.StatusCode)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			out.latencies = append(out.latencies, mine...)
			out.done += len(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	return out
}

// compare alternates rounds of the desk and each proxy so drift hits all.
func (l *loadDesk) compare(b *testing.B, path string) (desk, proxy, clientProxy load) {
	proxyClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * loadClients, DisableCompression: true}}
	sides := []struct {
		c    *http.Client
		base string
		into *load
	}{{l.client, l.desk.URL, &desk}, {proxyClient, l.proxy.URL, &proxy}, {proxyClient, l.clientProxy.URL, &clientProxy}}
	for _, s := range sides {
		round(b, s.c, s.base, path, loadRound/4) // warm up
	}
	for range loadRounds {
		for _, s := range sides {
			r := round(b, s.c, s.base, path, loadRound)
			s.into.done += r.done
			s.into.elapsed += r.elapsed
			s.into.latencies = append(s.into.latencies, r.latencies...)
		}
	}
	return desk, proxy, clientProxy
}

// report prints the desk against each proxy, the targets beside the figures.
func report(b *testing.B, what string, desk, proxy, clientProxy load, minThroughput, maxP99 float64) {
	ratio := desk.throughput() / proxy.throughput()
	p99 := float64(desk.pct(0.99)) / float64(proxy.pct(0.99))
	b.ReportMetric(ratio, "throughput-ratio")
	b.ReportMetric(p99, "p99-ratio")
	b.ReportMetric(desk.throughput()/clientProxy.throughput(), "throughput-ratio-vs-client-proxy")
	b.ReportMetric(desk.throughput(), "desk-req/s")
	b.ReportMetric(proxy.throughput(), "proxy-req/s")
	figures := func(l load) string {
		return fmt.Sprintf("%.0f req/s (p50 %v, p99 %v)", l.throughput(), l.pct(0.5).Round(time.Microsecond), l.pct(0.99).Round(time.Microsecond))
	}
	b.Logf("%s at %d clients: desk %s; bare proxy %s; proxy on the desk's Apptivo client %s",
		what, loadClients, figures(desk), figures(proxy), figures(clientProxy))
	line := fmt.Sprintf("%s: throughput %.2f of the bare proxy (target ≥ %.2f), %.2f of the client proxy",
		what, ratio, minThroughput, desk.throughput()/clientProxy.throughput())
	if maxP99 > 0 {
		line += fmt.Sprintf("; p99 %.2fx the bare proxy's (target ≤ %.1fx)", p99, maxP99)
	}
	b.Log(line)
}

// BenchmarkLoadCustomerPage: the customer page against the proxies, 16
// clients, alternating rounds. A benchmark prints; it never fails on a
// noisy machine.
func BenchmarkLoadCustomerPage(b *testing.B) {
	l := newLoadDesk(b)
	desk, proxy, clientProxy := l.compare(b, "/customers/1000001")
	for b.Loop() {
	}
	report(b, "customer page", desk, proxy, clientProxy, minPageThroughputRatio, maxPageP99Ratio)
}

// BenchmarkLoadSearch: a search against the proxies, likewise.
func BenchmarkLoadSearch(b *testing.B) {
	l := newLoadDesk(b)
	desk, proxy, clientProxy := l.compare(b, "/customers?q=ltd")
	for b.Loop() {
	}
	report(b, "search", desk, proxy, clientProxy, minSearchThroughputRatio, 0)
}

// maxBytesPerSession is the memory figure: what one more signed-in person
// costs the desk's process, their snapshots included.
const maxBytesPerSession = 20 << 10

// BenchmarkMemoryPerSession signs in many people, each with their own key
// pair, each opening a customer page and both of its forms (so each holds a
// snapshot and a cached type list), and reports the heap growth per person.
func BenchmarkMemoryPerSession(b *testing.B) {
	const people = 400
	sim, _, router := benchDesk(b)
	srv := httptest.NewServer(router)
	b.Cleanup(srv.Close)
	// One transport for everyone, so the client side of the test holds
	// little beyond each person's cookie.
	transport := &http.Transport{MaxIdleConnsPerHost: 4}
	person := func(i int) {
		keys := apptivotest.KeyPair{APIKey: fmt.Sprintf("api-key-%06d", i), AccessKey: fmt.Sprintf("access-key-%06d", i), UserName: fmt.Sprint("Person ", i)}
		sim.AddKeyPair(keys)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		signInWith(b, c, srv.URL, fmt.Sprintf("person%d@example.com", i), keys)
		for _, path := range []string{"/customers/1000001", "/customers/1000001/name/edit", "/customers/1000001/contact/edit"} {
			resp, err := c.Get(srv.URL + path)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: %d", path, resp.StatusCode)
			}
		}
	}
	person(-1) // warm up pools, templates and the type-list cache's map
	before := heapAfterGC()
	for i := range people {
		person(i)
	}
	after := heapAfterGC()
	for b.Loop() {
	}
	per := float64(after-before) / people
	b.ReportMetric(per, "bytes/session")
	b.Logf("%d signed-in people, each with a customer page and both forms open: heap +%.1f KB per person (target ≤ %d KB)",
		people, per/1024, maxBytesPerSession>>10)
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// signInWith signs a client in with the given keys.
func signInWith(tb testing.TB, c *http.Client, base, email string, keys apptivotest.KeyPair) {
	tb.Helper()
	_, _, page := get(tb, c, base+"/login", false)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		tb.Fatal("the sign-in page has no _csrf field")
	}
	resp, err := c.PostForm(base+"/login", url.Values{
		"_csrf": {html.UnescapeString(m[1])}, "email": {email}, "apiKey": {keys.APIKey}, "accessKey": {keys.AccessKey},
	})
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		tb.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
