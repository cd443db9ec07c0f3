package handlers_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/handlers"
	"github.com/customerdesk/desk/handlers/soak"
	"github.com/customerdesk/desk/static"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/views"
)

// env is the real desk (production router and middleware) on a loopback
// server, talking to the simulator, driven by a client with a cookie jar.
type env struct {
	t      testing.TB
	sim    *apptivotest.Server
	simURL string
	app    *httptest.Server
	client *http.Client
	csrf   string
	logs   *lockedBuffer
	clock  *clock
	// sessions is the desk's session manager, to count what is kept.
	sessions *auth.Manager
	// db is the desk's store: the change history, for assertions.
	db store.DB
}

// clock is the session clock, moved by tests to expire sign-ins.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lockedBuffer lets the server log while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// settings are what a test may change about the desk it gets.
type settings struct {
	ApptivoBaseURL  string
	ApptivoTimeout  time.Duration
	RequestTimeout  time.Duration
	SecureCookies   bool
	LoginPerMinute  int
	Demo            bool
	DemoKeys        *views.DemoKeys
	TrustedProxies  []*net.IPNet
	MaxSessions     int
	AuthEmailHeader string
	// SnapshotLife is the snapshots' life (newEnv: a minute, as run).
	SnapshotLife time.Duration
	// DB is the store to use; nil opens a fresh SQLite file.
	DB store.DB
	// Registry, when set, gets the desk's metrics, as main's does (see
	// metrics_test.go).
	Registry *prometheus.Registry
}

// built is a desk made from settings the way main makes one: the real
// Apptivo client, session manager, assets and router.
type built struct {
	Echo     *echo.Echo
	Sessions *auth.Manager
	DB       store.DB
}

func buildDesk(t testing.TB, s settings, logger *slog.Logger, now func() time.Time) built {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sessions, err := auth.NewManager(auth.Config{SessionKey: key, SecureAlways: s.SecureCookies, MaxSessions: s.MaxSessions, Now: now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB
	if db == nil {
		db = openDB(t, now)
	}
	opts := []apptivo.Option{apptivo.WithBaseURL(s.ApptivoBaseURL), apptivo.WithTimeout(s.ApptivoTimeout)}
	var metrics *handlers.Metrics
	if s.Registry != nil {
		src := handlers.MetricsSources{Sessions: func(context.Context) (int, error) { return sessions.Len(), nil }}
		src.Pools, _ = db.(store.Pools)
		if metrics, err = handlers.NewMetrics(s.Registry, src, logger); err != nil {
			t.Fatal(err)
		}
		opts = append(opts, apptivo.WithObserver(metrics.ObserveApptivo))
	}
	client, err := apptivo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := handlers.New(handlers.Config{
		Apptivo: client, Sessions: sessions, Assets: assets, Logger: logger, DB: db, Now: now, AuthEmailHeader: s.AuthEmailHeader,
		Demo: s.Demo, DemoKeys: s.DemoKeys, DefaultRegion: "US", RequestTimeout: s.RequestTimeout, ConfigTTL: 30 * time.Minute,
		LoginPerMinute: s.LoginPerMinute, BodyLimit: "256K", PageSize: 25, HTTPSOnly: s.SecureCookies, TrustedProxies: s.TrustedProxies,
		SnapshotLife: s.SnapshotLife, SnapshotBytes: 32 << 20, SnapshotBytesPerPerson: 16 << 10,
		Metrics: metrics,
	})
	if err != nil {
		t.Fatal(err)
	}
	return built{Echo: e, Sessions: sessions, DB: db}
}

// openDB opens a fresh SQLite store in a temp file, closed with the test.
func openDB(t testing.TB, now func() time.Time) store.DB {
	t.Helper()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "desk.db"), store.SQLiteOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newEnv(t testing.TB, tweaks ...func(*settings)) *env {
	t.Helper()
	sim := apptivotest.New()
	simSrv := httptest.NewServer(sim)
	t.Cleanup(func() { sim.Close(); simSrv.Close() })

	logs := &lockedBuffer{buf: &bytes.Buffer{}}
	clk := &clock{now: time.Now()}
	s := settings{
		ApptivoBaseURL: simSrv.URL,
		ApptivoTimeout: 5 * time.Second,
		RequestTimeout: 10 * time.Second,
		LoginPerMinute: 1000,
		SnapshotLife:   time.Minute,
		Demo:           true,
		DemoKeys:       &views.DemoKeys{APIKey: apptivotest.DemoKeys.APIKey, AccessKey: apptivotest.DemoKeys.AccessKey},
	}
	for _, tw := range tweaks {
		tw(&s)
	}
	built := buildDesk(t, s, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), clk.Now)
	app := httptest.NewServer(built.Echo)
	t.Cleanup(app.Close)
	t.Cleanup(func() {
		for _, key := range []string{apptivotest.DemoKeys.APIKey, apptivotest.DemoKeys.AccessKey} {
			if strings.Contains(logs.String(), key) {
				t.Error("a key reached the log")
			}
		}
	})
	jar, _ := cookiejar.New(nil)
	return &env{
		t: t, sim: sim, simURL: simSrv.URL, app: app, logs: logs, clock: clk, sessions: built.Sessions, db: built.DB,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// newEnvSharing is a second person (own cookies, own email) on the same
// desk and simulator as e.
func newEnvSharing(t *testing.T, e *env) *env {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	o := &env{t: t, sim: e.sim, simURL: e.simURL, app: e.app, logs: e.logs, clock: e.clock, sessions: e.sessions, db: e.db,
		client: &http.Client{Jar: jar, CheckRedirect: e.client.CheckRedirect}}
	o.get("/login")
	p := o.post("/login", url.Values{"email": {"bob.colleague@example.com"}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	o.follow(p)
	return o
}

// saveFormAsync posts a section form over htmx from a goroutine: it must
// not call t.Fatal, so it reports through the page.
func (e *env) saveFormAsync(id int64, section string, form url.Values) page {
	return e.saveFormAsyncPath(idPath(id, "/"+section), form)
}

func (e *env) saveFormAsyncPath(path string, form url.Values) page {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, e.app.URL+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.app.URL)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", e.csrf)
	resp, err := e.client.Do(req)
	if err != nil {
		return page{status: -1}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// page is one answer, read and parsed.
type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (p page) text(sel string) string {
	return strings.Join(strings.Fields(p.doc.Find(sel).Text()), " ")
}

func (p page) val(sel string) string { return p.doc.Find(sel).AttrOr("value", "") }

func (e *env) do(method, path string, form url.Values, hx bool, mutate ...func(*http.Request)) page {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, e.app.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		// What a browser sends for a same-origin form post.
		req.Header.Set("Origin", e.app.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if hx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Request-Type", "partial")
		req.Header.Set("HX-Current-URL", e.app.URL+"/customers")
		if e.csrf != "" {
			req.Header.Set("X-CSRF-Token", e.csrf)
		}
	}
	for _, m := range mutate {
		m(req)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	// The keys may appear on the demo sign-in page (that is its point) and
	// nowhere else: not in any other page, fragment, header or redirect.
	if !strings.HasPrefix(path, "/login") {
		for _, key := range []string{apptivotest.DemoKeys.APIKey, apptivotest.DemoKeys.AccessKey} {
			if strings.Contains(string(raw), key) || strings.Contains(fmt.Sprint(resp.Header), key) {
				e.t.Errorf("%s %s: a key reached the browser", method, path)
			}
		}
	}
	if tok, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
		e.csrf = tok
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw), doc: doc}
}

func (e *env) get(path string) page { e.t.Helper(); return e.do(http.MethodGet, path, nil, false) }
func (e *env) hxGet(path string) page {
	e.t.Helper()
	return e.do(http.MethodGet, path, nil, true)
}

// post sends a form with the session's CSRF token, as the browser would.
func (e *env) post(path string, form url.Values, hx bool) page {
	e.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if f.Get("_csrf") == "" && e.csrf != "" {
		f.Set("_csrf", e.csrf)
	}
	return e.do(http.MethodPost, path, f, hx)
}

// saveFormTo posts a form without htmx to path and follows the redirect.
func (e *env) saveFormTo(path string, form url.Values) page {
	e.t.Helper()
	p := e.post(path, form, false)
	if p.status == http.StatusSeeOther {
		return e.follow(p)
	}
	return p
}

// follow GETs the Location of a redirect.
func (e *env) follow(p page) page {
	e.t.Helper()
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("want a 303, got %d: %s", p.status, p.body)
	}
	return e.get(p.header.Get("Location"))
}

const testEmail = "sam.sales@example.com"

func (e *env) signIn() {
	e.t.Helper()
	e.get("/login")
	p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	e.follow(p) // picks up the new session's CSRF token
	e.sim.ResetRequests()
}

// formValues collects a form's fields as a browser would submit them.
func formValues(p page, formSel string) url.Values { return soak.FormValues(p.doc.Find(formSel)) }

// updates returns the update calls the simulator received.
func (e *env) updates() []apptivotest.Request { return e.sim.RequestsFor("update") }

func (e *env) countCalls(action string) int { return len(e.sim.RequestsFor(action)) }

func decodeList(t *testing.T, raw string) []any {
	t.Helper()
	var v []any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return v
}

func jsonOf(t *testing.T, v []any) string {
	t.Helper()
	b, _ := json.Marshal(v)
	return string(b)
}

// stored reads a customer as the simulator holds it now.
func (e *env) stored(id int64) *apptivo.Customer {
	e.t.Helper()
	raw, ok := e.sim.Customer(id)
	if !ok {
		e.t.Fatalf("no customer %d", id)
	}
	c, err := apptivo.ParseCustomer(raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func idPath(id int64, rest string) string { return "/customers/" + strconv.FormatInt(id, 10) + rest }
