package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
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
		cfg.IdleTimeout != 30*time.Minute || cfg.AbsoluteTimeout != 8*time.Hour || len(cfg.SessionKey) != 32 {
		t.Fatalf("%+v", cfg)
	}
	key := strings.Repeat("ab", 32)
	cfg, err = loadConfig(nil, envOf(map[string]string{"SESSION_KEY": key, "APPTIVO_DEMO": "1"}), io.Discard)
	if err != nil || len(cfg.SessionKey) != 32 || !cfg.Demo {
		t.Fatalf("%v %+v", err, cfg)
	}
}

// TestRunDemoServesAndShutsDown starts the real binary's run() in demo mode,
// waits for it to listen, checks the portal answers, then stops it.
func TestRunDemoServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-demo", "1"}, envOf(nil), pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var addr string
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "Customer desk on "); ok {
			addr = strings.Fields(rest)[0]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if addr == "" {
		t.Fatal("run printed no address")
	}
	for _, path := range []string{"/healthz", "/login"} {
		resp, err := http.Get(addr + path)
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
}

// APPTIVO_TIMEOUT is the client's own cap on a call, above its 30 s default
// too (the review found it cut at 30 s: the setting only reached the
// http.Client). apptivo's TestTimeoutSettingGovernsBeyondTheTransportDefaults
// shows the client keeps to it.
func TestApptivoTimeoutReachesTheClient(t *testing.T) {
	cfg, err := loadConfig(nil, envOf(map[string]string{"APPTIVO_TIMEOUT": "38s"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d, err := build(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.apptivo.Timeout(); got != 38*time.Second {
		t.Fatalf("client timeout %v, want 38s", got)
	}
}
