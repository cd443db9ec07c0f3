package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/store"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestInvalidSettingsNameTheSetting(t *testing.T) {
	cases := map[string]string{
		"ADDR":                      "no-port",
		"APPTIVO_DEMO":              "maybe",
		"SESSION_IDLE_TIMEOUT":      "forever",
		"SESSION_MAX_AGE":           "1s",
		"SESSION_KEY":               "too-short",
		"DEFAULT_PHONE_REGION":      "USA",
		"LOGIN_ATTEMPTS_PER_MINUTE": "0",
		"LOG_FORMAT":                "xml",
		"REQUEST_TIMEOUT":           "-3s",
		"COOKIE_SECURE":             "sometimes",
		"TRUSTED_PROXIES":           "10.0.0.1",
		"HISTORY_RETENTION":         "1h",
		"DATA_DIR":                  "data?mode=memory",
		"METRICS_ADDR":              "9090",
		"SNAPSHOT_LIFE":             "1h",
	}
	for name, value := range cases {
		_, err := loadConfig(nil, envOf(map[string]string{name: value}), io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v does not name the setting", name, value, err)
		}
		if err != nil && name == "SESSION_KEY" && strings.Contains(err.Error(), value) {
			t.Error("the session key's value leaked into the error")
		}
	}
}

func TestIdleMustNotExceedMaxAge(t *testing.T) {
	_, err := loadConfig(nil, envOf(map[string]string{"SESSION_IDLE_TIMEOUT": "9h"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SESSION_IDLE_TIMEOUT") {
		t.Fatal(err)
	}
}

func TestDefaultsAndFlags(t *testing.T) {
	cfg, err := loadConfig([]string{"-addr", "127.0.0.1:9999"}, envOf(map[string]string{"ADDR": "127.0.0.1:1"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.ApptivoBaseURL != "https://api.apptivo.com" || cfg.Demo ||
		cfg.IdleTimeout != 30*time.Minute || cfg.AbsoluteTimeout != 8*time.Hour || cfg.SessionKey != nil ||
		cfg.DataDir != "./data" || cfg.HistoryRetention != 0 || cfg.SweepEvery != 10*time.Minute || cfg.SnapshotLife != time.Minute {
		t.Fatalf("%+v", cfg)
	}
	key := strings.Repeat("ab", 32)
	cfg, err = loadConfig(nil, envOf(map[string]string{"SESSION_KEY": key, "APPTIVO_DEMO": "1", "DATA_DIR": "/var/lib/desk", "HISTORY_RETENTION": "2160h"}), io.Discard)
	if err != nil || len(cfg.SessionKey) != 32 || !cfg.Demo || cfg.DataDir != "/var/lib/desk" || cfg.HistoryRetention != 90*24*time.Hour {
		t.Fatalf("%v %+v", err, cfg)
	}
	for _, forever := range []string{"0", "0s", ""} {
		cfg, err = loadConfig(nil, envOf(map[string]string{"HISTORY_RETENTION": forever}), io.Discard)
		if err != nil || cfg.HistoryRetention != 0 {
			t.Errorf("HISTORY_RETENTION=%q: %v, %v", forever, cfg.HistoryRetention, err)
		}
	}
}

// runningDesk is a desk started by run, as the binary starts it.
type runningDesk struct {
	url  string
	stop func() error // cancels run's context and waits for it to return
	mu   sync.Mutex
	log  strings.Builder // everything run printed
}

func (d *runningDesk) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.log.String()
}

// startDesk runs the desk in demo mode on a free loopback port with env,
// and waits for it to listen.
func startDesk(t *testing.T, env map[string]string) *runningDesk {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-demo", "1"}, envOf(env), pw)
		pw.Close()
	}()
	d := &runningDesk{}
	listening := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(pr)
		for lines.Scan() {
			d.mu.Lock()
			d.log.WriteString(lines.Text() + "\n")
			d.mu.Unlock()
			if rest, ok := strings.CutPrefix(lines.Text(), "Customer desk on "); ok {
				listening <- strings.Fields(rest)[0]
			}
		}
		close(listening)
	}()
	var stopped bool
	d.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("run did not stop")
		}
	}
	t.Cleanup(func() { _ = d.stop() })
	addr, ok := <-listening
	if !ok {
		t.Fatalf("run printed no address; it said:\n%s\nand returned %v", d.output(), d.stop())
	}
	d.url = addr
	return d
}

// TestRunDemoServesAndShutsDown starts the real binary's run() in demo mode,
// waits for it to listen, checks the portal answers, then stops it.
func TestRunDemoServesAndShutsDown(t *testing.T) {
	d := startDesk(t, map[string]string{"DATA_DIR": t.TempDir()})
	for _, path := range []string{"/healthz", "/login"} {
		resp, err := http.Get(d.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if path == "/login" && (!strings.Contains(string(body), "Demo mode") || !strings.Contains(string(body), "demo-api-key")) {
			t.Error("demo mode must show its banner and keys")
		}
	}
	if err := d.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// get fetches url (as htmx when htmx is set) and returns the status, the
// Location header and the body.
func get(t testing.TB, c *http.Client, url string, htmx bool) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signInDemo signs c in on the desk at base with the demo keys.
func signInDemo(t testing.TB, c *http.Client, base string) {
	t.Helper()
	signInWith(t, c, base, "alice.sales@example.com", apptivotest.DemoKeys)
}

// Stopping the desk and starting a new one on the same DATA_DIR keeps
// everyone signed in: the sessions are in the database and the key that
// signs their cookies and seals their keys is in DATA_DIR.
func TestRestartKeepsTheSignIn(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	first := startDesk(t, env)
	c := browser(t)
	if status, to, _ := get(t, c, first.url+"/customers", false); status != http.StatusSeeOther || !strings.HasPrefix(to, "/login") {
		t.Fatalf("before signing in: %d to %q, want the sign-in page", status, to)
	}
	signInDemo(t, c, first.url)
	edit := "/customers/1000001/name/edit"
	if status, _, body := get(t, c, first.url+edit, true); status != http.StatusOK || !strings.Contains(body, "Northwind") {
		t.Fatalf("the name form: %d", status)
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stopping: %v", err)
	}
	if _, err := http.Get(first.url + "/healthz"); err == nil {
		t.Fatal("the first desk still answers")
	}

	second := startDesk(t, env) // another port; cookies are per host, not port
	for _, path := range []string{"/customers", edit} {
		status, to, _ := get(t, c, second.url+path, path == edit)
		if status != http.StatusOK {
			t.Errorf("%s after the restart: %d to %q, want 200 (still signed in)", path, status, to)
		}
	}
	if strings.Contains(second.output(), "generated a session key") {
		t.Error("the second start made a new session key")
	}
	if err := second.stop(); err != nil {
		t.Fatalf("stopping: %v", err)
	}

	// Another DATA_DIR is another desk: nobody is signed in there.
	third := startDesk(t, map[string]string{"DATA_DIR": t.TempDir()})
	if status, _, _ := get(t, c, third.url+"/customers", false); status != http.StatusSeeOther {
		t.Errorf("on another DATA_DIR: %d, want a redirect to sign in", status)
	}
}

// A desk refuses to start on a database a newer desk migrated.
func TestRunRefusesANewerSchema(t *testing.T) {
	dir := t.TempDir()
	d := startDesk(t, map[string]string{"DATA_DIR": dir})
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999, true)`)
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	err = run(t.Context(), []string{"-addr", "127.0.0.1:0", "-demo", "1"}, envOf(map[string]string{"DATA_DIR": dir}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "schema 999") || !strings.Contains(err.Error(), "upgrade the desk or point DATA_DIR elsewhere") {
		t.Fatalf("run = %v", err)
	}
}

// APPTIVO_TIMEOUT is the client's own cap on a call, above its 30 s default
// too (the review found it cut at 30 s: the setting only reached the
// http.Client). apptivo's TestTimeoutSettingGovernsBeyondTheTransportDefaults
// shows the client keeps to it.
func TestApptivoTimeoutReachesTheClient(t *testing.T) {
	cfg, err := loadConfig(nil, envOf(map[string]string{"APPTIVO_TIMEOUT": "38s", "SESSION_KEY": strings.Repeat("ab", 32)}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "desk.db"), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := build(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.apptivo.Timeout(); got != 38*time.Second {
		t.Fatalf("client timeout %v, want 38s", got)
	}
}
