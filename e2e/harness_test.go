// Package e2e drives Debian's Chromium against the real desk (the production
// router from handlers.New) served by httptest, on top of the Apptivo
// simulator. Every test starts its own app, simulator and browser, so tests
// share nothing.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/handlers"
	"github.com/customerdesk/desk/static"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/views"
)

var screenshotDir = flag.String("screenshots", "", "write PNGs of the key screens to this directory (make screenshots)")

const (
	// waitTimeout bounds every wait for a page condition.
	waitTimeout = 10 * time.Second
	// actionTimeout bounds every single browser action.
	actionTimeout = 15 * time.Second

	demoEmail = "sam.sales@example.com"
)

// ---------------------------------------------------------------------------
// The application under test

// clock is the session clock: real time plus an offset the test can push
// forward to expire sessions.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// lockedBuffer collects the app's log lines; they are written out only when
// a test fails.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one running desk: simulator, app and the knobs tests turn.
type env struct {
	t     *testing.T
	sim   *apptivotest.Server
	app   *httptest.Server
	clock *clock
	logs  *lockedBuffer
	base  string

	mu    sync.Mutex
	posts map[string]int // "POST /customers/1/name" → count, as the browser sent them
}

// newEnv starts the simulator and the desk with the production router.
func newEnv(t *testing.T) *env {
	t.Helper()
	requireChromium(t)
	e := &env{t: t, sim: apptivotest.New(), clock: &clock{}, logs: &lockedBuffer{}, posts: map[string]int{}}
	simSrv := httptest.NewServer(e.sim)
	t.Cleanup(func() {
		e.sim.Close()
		simSrv.Close()
	})

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	client, err := apptivo.NewClient(apptivo.WithBaseURL(simSrv.URL), apptivo.WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := auth.NewManager(auth.Config{SessionKey: key, Now: e.clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "desk.db"), store.SQLiteOptions{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	router, err := handlers.New(handlers.Config{
		Apptivo: client, Sessions: sessions, Assets: assets, Logger: logger, DB: db, Now: e.clock.Now,
		Demo: true, DemoKeys: &views.DemoKeys{APIKey: apptivotest.DemoKeys.APIKey, AccessKey: apptivotest.DemoKeys.AccessKey},
		DefaultRegion: "US", RequestTimeout: 45 * time.Second, ConfigTTL: 30 * time.Minute, LoginPerMinute: 1000,
		BodyLimit: "256K", PageSize: 25, SnapshotLife: time.Minute, SnapshotBytes: 32 << 20, SnapshotBytesPerPerson: 16 << 10,
	})
	if err != nil {
		t.Fatalf("handlers.New: %v", err)
	}
	e.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			e.mu.Lock()
			e.posts[r.Method+" "+r.URL.Path]++
			e.mu.Unlock()
		}
		router.ServeHTTP(w, r)
	}))
	e.base = e.app.URL
	t.Cleanup(func() {
		e.app.Close()
		if t.Failed() {
			if p, err := writeArtifact(t, "", ".log", []byte(e.logs.String())); err == nil {
				t.Logf("app log: %s", p)
			}
		}
	})
	return e
}

// postsTo is how many POSTs the browser sent to path.
func (e *env) postsTo(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.posts["POST "+path]
}

// updates returns the simulator's recorded update calls.
func (e *env) updates() []apptivotest.Request { return e.sim.RequestsFor("update") }

// attributeNames decodes the attributeName JSON of an update call.
func attributeNames(t *testing.T, r apptivotest.Request) []string {
	t.Helper()
	var names []string
	if err := json.Unmarshal([]byte(r.Params.Get("attributeName")), &names); err != nil {
		t.Fatalf("attributeName %q is not a JSON array of strings: %v", r.Params.Get("attributeName"), err)
	}
	return names
}

// onlyUpdate asserts exactly one update was recorded and returns it.
func (e *env) onlyUpdate() apptivotest.Request {
	e.t.Helper()
	ups := e.updates()
	if len(ups) != 1 {
		e.t.Fatalf("simulator recorded %d update calls, want exactly 1", len(ups))
	}
	return ups[0]
}

// stored decodes the simulator's record of a customer.
func (e *env) stored(id int64) map[string]any {
	e.t.Helper()
	raw, ok := e.sim.Customer(id)
	if !ok {
		e.t.Fatalf("simulator has no customer %d", id)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) storedName(id int64) string {
	e.t.Helper()
	name, _ := e.stored(id)["customerName"].(string)
	return name
}

// storedList returns the values of key in each entry of the customer's list
// attribute (e.g. "emailAddresses", "emailAddress").
func (e *env) storedList(id int64, list, key string) []string {
	e.t.Helper()
	entries, _ := e.stored(id)[list].([]any)
	var out []string
	for _, en := range entries {
		if m, ok := en.(map[string]any); ok {
			out = append(out, fmt.Sprint(m[key]))
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// The browser

var chromiumPath = sync.OnceValue(func() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
})

func requireChromium(t *testing.T) {
	t.Helper()
	if chromiumPath() == "" {
		t.Fatal("The browser tests need Chromium: run 'sudo apt-get install -y chromium'")
	}
}

type browserConfig struct {
	name      string // tells artifacts of several browsers in one test apart
	noJS      bool
	width     int
	height    int
	sharedTab *browser // open a separate browser context (own cookies) in this browser's process
}

type browserOption func(*browserConfig)

// withoutJS disables script execution in the tab before the first page loads.
func withoutJS() browserOption { return func(c *browserConfig) { c.noJS = true } }

// named labels a second browser's artifacts.
func named(n string) browserOption { return func(c *browserConfig) { c.name = n } }

// windowSize sets the viewport.
func windowSize(w, h int) browserOption {
	return func(c *browserConfig) { c.width, c.height = w, h }
}

// inProcessOf opens the new browser as a separate browser context (its own
// cookies, like another person's machine) inside other's Chromium process:
// cheaper than a second process.
func inProcessOf(other *browser) browserOption {
	return func(c *browserConfig) { c.sharedTab = other }
}

// browser is one tab of Chromium bound to a test and an env.
type browser struct {
	t    *testing.T
	e    *env
	name string
	ctx  context.Context // the tab; actions derive short timeouts from it

	consoleMu  sync.Mutex
	console    []string
	pageErrors []string // uncaught exceptions and CSP violations
	dialogs    []string // "confirm: …", "beforeunload: …", in order
	// dismiss makes the next dialogs answer "Cancel"; by default they are accepted.
	dismiss atomic.Bool
}

// newBrowser starts Chromium (a fresh profile) and opens a tab. It is closed
// when the test ends; on failure a screenshot and the page's HTML are saved
// first.
func (e *env) newBrowser(opts ...browserOption) *browser {
	t := e.t
	t.Helper()
	cfg := browserConfig{width: 1280, height: 900}
	for _, o := range opts {
		o(&cfg)
	}

	var ctx context.Context
	var cancel context.CancelFunc
	if cfg.sharedTab != nil {
		ctx, cancel = chromedp.NewContext(cfg.sharedTab.ctx, chromedp.WithNewBrowserContext())
	} else {
		aopts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath()),
			chromedp.UserDataDir(t.TempDir()),
			chromedp.WindowSize(cfg.width, cfg.height),
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.Flag("mute-audio", true),
		)
		if os.Geteuid() == 0 {
			aopts = append(aopts, chromedp.NoSandbox)
		}
		allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), aopts...)
		t.Cleanup(allocCancel)
		ctx, cancel = chromedp.NewContext(allocCtx)
	}
	t.Cleanup(cancel)

	b := &browser{t: t, e: e, name: cfg.name, ctx: ctx}
	// Start the browser (or the new browser context) with no deadline: the
	// first action binds Chromium's life to its context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium (%s): %v", chromiumPath(), err)
	}
	// Every page of the desk gets the same viewport, also the second
	// browser context.
	b.do(chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height)))
	if cfg.noJS {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatalf("disabling JavaScript: %v", err)
		}
	}
	go b.collectConsole()
	go b.answerDialogs()
	t.Cleanup(b.saveArtifactsOnFailure)
	t.Cleanup(b.checkPageErrors)
	return b
}

// answerDialogs notes every dialog the page opens (confirm, beforeunload)
// and answers it: accepted, unless dismiss is set.
func (b *browser) answerDialogs() {
	for d, err := range chromedp.Events(b.ctx, page.JavascriptDialogOpening) {
		if err != nil {
			return
		}
		b.consoleMu.Lock()
		b.dialogs = append(b.dialogs, string(d.Type)+": "+d.Message)
		b.consoleMu.Unlock()
		_, _ = chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: !b.dismiss.Load()})
	}
}

// dialogsSeen returns the dialogs the page opened so far.
func (b *browser) dialogsSeen() []string {
	b.consoleMu.Lock()
	defer b.consoleMu.Unlock()
	return slices.Clone(b.dialogs)
}

// collectConsole keeps console messages and uncaught exceptions, shown when
// a test fails.
func (b *browser) collectConsole() {
	for m, err := range chromedp.Console(b.ctx) {
		if err != nil {
			return
		}
		line := string(m.Type) + ": " + m.Text
		if m.URL != "" {
			line += " (" + m.URL + ")"
		}
		b.consoleMu.Lock()
		b.console = append(b.console, line)
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			b.pageErrors = append(b.pageErrors, line)
		}
		b.consoleMu.Unlock()
	}
}

// checkPageErrors fails the test for any uncaught JavaScript exception or
// Content-Security-Policy violation seen during it: the desk's pages must
// run clean under their own CSP.
func (b *browser) checkPageErrors() {
	b.consoleMu.Lock()
	defer b.consoleMu.Unlock()
	for _, m := range b.pageErrors {
		b.t.Errorf("page error in the browser%s: %s", b.label(), m)
	}
}

func (b *browser) saveArtifactsOnFailure() {
	if !b.t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		if p, err := writeArtifact(b.t, b.name, ".png", png); err == nil {
			b.t.Logf("screenshot%s: %s", b.label(), p)
		}
	} else {
		b.t.Logf("no screenshot%s: %v", b.label(), err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
			html = "<!-- " + loc + " -->\n" + html
		}
		if p, err := writeArtifact(b.t, b.name, ".html", []byte(html)); err == nil {
			b.t.Logf("page HTML%s: %s", b.label(), p)
		}
	}
	b.consoleMu.Lock()
	defer b.consoleMu.Unlock()
	for _, m := range b.console {
		b.t.Logf("console%s: %s", b.label(), m)
	}
}

func (b *browser) label() string {
	if b.name == "" {
		return ""
	}
	return " (" + b.name + ")"
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// writeArtifact writes e2e/artifacts/<TestName>[-suffix]<ext>.
func writeArtifact(t *testing.T, suffix, ext string, data []byte) (string, error) {
	name := unsafeFileChars.ReplaceAllString(t.Name(), "_")
	if suffix != "" {
		name += "-" + unsafeFileChars.ReplaceAllString(suffix, "_")
	}
	dir, err := filepath.Abs("artifacts")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name+ext)
	return p, os.WriteFile(p, data, 0o644)
}

// ---------------------------------------------------------------------------
// Actions and reads. Each fails the test with a message that says what was
// being done.

// do runs actions with a deadline.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser%s: %v", b.label(), err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser%s: evaluating %s: %v", b.label(), expr, err)
	}
	return v
}

// js runs a JavaScript statement for its effect.
func (b *browser) js(expr string) {
	b.t.Helper()
	eval[chromedp.Void](b, expr)
}

// open loads a path of the desk as a full page.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.e.base + path))
}

// waitFor polls a JavaScript condition until it is truthy. It survives page
// loads (an evaluation that fails while a page is replaced is retried), so
// it also waits for navigations to finish.
func (b *browser) waitFor(cond, what string) {
	b.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	expr := "(() => { try { return !!(" + cond + ") && document.readyState !== 'loading'; } catch (e) { return false; } })()"
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if b.ctx.Err() != nil {
			b.t.Fatalf("browser%s gone while waiting for %s: %v", b.label(), what, b.ctx.Err())
		}
		if time.Now().After(deadline) {
			loc := b.location()
			if lastErr != nil {
				b.t.Fatalf("browser%s: timed out after %s waiting for %s (at %s; last error: %v)", b.label(), waitTimeout, what, loc, lastErr)
			}
			b.t.Fatalf("browser%s: timed out after %s waiting for %s (at %s)", b.label(), waitTimeout, what, loc)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// waitVisible waits for an element matching a CSS selector to be rendered.
func (b *browser) waitVisible(sel string) {
	b.t.Helper()
	b.waitFor(visibleJS(sel), sel+" to be visible")
}

// waitGone waits until no element matches sel.
func (b *browser) waitGone(sel string) {
	b.t.Helper()
	b.waitFor("!document.querySelector("+jsString(sel)+")", sel+" to be gone")
}

// waitPath waits for a full page at path (location.pathname) to be loaded.
func (b *browser) waitPath(path string) {
	b.t.Helper()
	b.waitFor("location.pathname === "+jsString(path)+" && document.readyState === 'complete'", "the page "+path)
}

func visibleJS(sel string) string {
	return "(() => { const el = document.querySelector(" + jsString(sel) + "); " +
		"return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden'; })()"
}

// click clicks the first element matching sel with real mouse events, after
// waiting for it to be visible.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.waitVisible(sel)
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill replaces an input's value by typing, as a person would.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.waitVisible(sel)
	b.do(
		chromedp.Focus(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void]("document.querySelector("+jsString(sel)+").select()"),
		chromedp.KeyEvent("\b"),
	)
	if value != "" {
		b.do(chromedp.SendKeys(chromedp.CSS(sel), value))
	}
	if got := b.value(sel); got != value {
		b.t.Fatalf("typed %q into %s but it holds %q", value, sel, got)
	}
}

// choose picks an option of a select by its visible label.
func (b *browser) choose(sel, label string) {
	b.t.Helper()
	b.waitVisible(sel)
	ok := eval[bool](b, `(() => {
		const s = document.querySelector(`+jsString(sel)+`);
		const o = [...s.options].find(o => o.textContent.trim() === `+jsString(label)+`);
		if (!o) return false;
		s.focus();
		s.value = o.value;
		s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`)
	if !ok {
		b.t.Fatalf("%s has no option %q", sel, label)
	}
}

// check ticks a checkbox by clicking it (if it is not ticked yet).
func (b *browser) check(sel string) {
	b.t.Helper()
	if !eval[bool](b, "document.querySelector("+jsString(sel)+").checked") {
		b.click(sel)
	}
	if !eval[bool](b, "document.querySelector("+jsString(sel)+").checked") {
		b.t.Fatalf("clicked %s but it is not ticked", sel)
	}
}

// value is an input's current value.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return eval[string](b, "(document.querySelector("+jsString(sel)+") || {value: '<missing>'}).value")
}

// text is the rendered text of the first element matching sel ("" if none).
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, "((document.querySelector("+jsString(sel)+") || {}).innerText || '').trim()")
}

// count is how many elements match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, "document.querySelectorAll("+jsString(sel)+").length")
}

// exists reports whether sel matches anything.
func (b *browser) exists(sel string) bool { return b.count(sel) > 0 }

// activeID is the id of the focused element.
func (b *browser) activeID() string {
	b.t.Helper()
	return eval[string](b, "(document.activeElement && document.activeElement.id) || ''")
}

// waitFocus waits until the element with id has focus.
func (b *browser) waitFocus(id string) {
	b.t.Helper()
	b.waitFor("document.activeElement && document.activeElement.id === "+jsString(id), "focus on #"+id+" (focus is on #"+b.activeID()+")")
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

// path is the current location's path and query.
func (b *browser) path() string {
	b.t.Helper()
	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

// mark sets a marker on the window: it survives htmx swaps but not a page
// load, so assertNoReload proves a change happened in place.
func (b *browser) mark() {
	b.t.Helper()
	b.js("window.__marker = 1")
}

func (b *browser) assertNoReload(what string) {
	b.t.Helper()
	if !eval[bool](b, "window.__marker === 1") {
		b.t.Fatalf("%s reloaded the whole page (the window marker is gone); want an in-place swap", what)
	}
}

// press sends a key (e.g. kb.Escape, "\r") to the focused element.
func (b *browser) press(key string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(key))
}

// screenshot returns a full-page PNG.
func (b *browser) screenshot() []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return png
}

// ---------------------------------------------------------------------------
// Flows

// signIn signs in on the sign-in page (opening it if needed) and waits for
// the page it leads to.
func (b *browser) signIn(email, apiKey, accessKey string) {
	b.t.Helper()
	if !strings.HasPrefix(b.path(), "/login") {
		b.open("/login")
	}
	b.waitVisible("form[data-testid=login-form]")
	b.fill(inputFor(b, "Your email"), email)
	b.fill(inputFor(b, "API key"), apiKey)
	b.fill(inputFor(b, "Access key"), accessKey)
	b.click("[data-testid=sign-in]")
}

// signInDemo signs in with the simulator's keys and waits to land on path.
func (b *browser) signInDemo(email, landing string) {
	b.t.Helper()
	b.signIn(email, apptivotest.DemoKeys.APIKey, apptivotest.DemoKeys.AccessKey)
	b.waitPath(landing)
	b.waitVisible("[data-testid=signed-in-as]")
}

// inputFor returns a selector for the control a visible <label> names, via
// its for attribute: the way a person finds a field.
func inputFor(b *browser, label string) string {
	b.t.Helper()
	id := eval[string](b, `(() => {
		const l = [...document.querySelectorAll('label[for]')].find(l => l.textContent.trim() === `+jsString(label)+`);
		return l ? l.htmlFor : '';
	})()`)
	if id == "" {
		b.t.Fatalf("no label %q with a for attribute on %s", label, b.location())
	}
	return "#" + cssEscapeID(id)
}

// openCustomer loads a customer's page and waits for it.
func (b *browser) openCustomer(id int64) {
	b.t.Helper()
	b.open(customerPath(id))
	b.waitVisible("[data-testid=customer-title]")
}

// openSectionForm clicks a section's Edit button and waits for the form.
func (b *browser) openSectionForm(section string) {
	b.t.Helper()
	b.click("[data-testid=edit-" + section + "]")
	b.waitVisible("#" + section + "-section form[data-testid=" + section + "-form]")
}

func customerPath(id int64) string { return "/customers/" + strconv.FormatInt(id, 10) }

// ---------------------------------------------------------------------------
// Small helpers

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// cssEscapeID makes an element id usable after "#" in a selector.
func cssEscapeID(id string) string {
	var sb strings.Builder
	for i, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_', r >= 0x80:
			sb.WriteRune(r)
		case r >= '0' && r <= '9' && i > 0:
			sb.WriteRune(r)
		default:
			fmt.Fprintf(&sb, "\\%x ", r)
		}
	}
	return sb.String()
}

// focus moves keyboard focus to sel.
func (b *browser) focus(sel string) {
	b.t.Helper()
	b.waitVisible(sel)
	b.do(chromedp.Focus(chromedp.CSS(sel)))
}
