package handlers_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Behind a TLS-terminating proxy r.TLS is nil, yet the browser talks HTTPS:
// COOKIE_SECURE=1 says so, and HSTS must go out with it.
func TestHSTSWhenCookiesAreSecure(t *testing.T) {
	e := newEnv(t, func(s *settings) { s.SecureCookies = true })
	for _, path := range []string{"/login", "/healthz", "/no-such-page"} {
		if p := e.get(path); p.header.Get("Strict-Transport-Security") != "max-age=31536000" {
			t.Errorf("%s: Strict-Transport-Security = %q", path, p.header.Get("Strict-Transport-Security"))
		}
	}
	plain := newEnv(t)
	if p := plain.get("/login"); p.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("plain http without COOKIE_SECURE sent HSTS: %q", p.header.Get("Strict-Transport-Security"))
	}
}

// The sign-in limit keys on the client address. With TRUSTED_PROXIES set,
// the client is the rightmost X-Forwarded-For address that is not a listed
// proxy. When every address is listed (here the socket is loopback and the
// forged entries are loopback too) nothing a client wrote may win: Echo's
// own extractor returns the leftmost entry then, so a fresh fake per attempt
// escaped the limit.
func TestForgedForwardedForCannotEscapeTheSignInLimit(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	for name, forge := range map[string]func(i int) []string{
		"every address a listed proxy": func(i int) []string { return []string{fmt.Sprintf("127.0.%d.%d", i/250, i%250+1)} },
		"several header lines":         func(i int) []string { return []string{fmt.Sprintf("127.1.0.%d", i+1), "127.0.0.2"} },
		"an entry that is no address":  func(i int) []string { return []string{fmt.Sprintf("client-%d, 127.0.0.9", i)} },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(s *settings) { s.LoginPerMinute = 2; s.TrustedProxies = []*net.IPNet{loopback} })
			e.get("/login")
			for i := range 10 {
				status := e.do(http.MethodPost, "/login", url.Values{"email": {testEmail}, "apiKey": {"x"}, "accessKey": {"y"}, "_csrf": {e.csrf}}, false,
					func(r *http.Request) { r.Header["X-Forwarded-For"] = forge(i) }).status
				if status == http.StatusTooManyRequests {
					return
				}
			}
			t.Fatal("ten sign-in attempts with a fresh forged X-Forwarded-For each were never limited")
		})
	}
}

// A listed range as wide as an office network makes every office machine a
// "proxy" whose X-Forwarded-For is believed; the start says so.
func TestWideTrustedProxyRangeIsWarnedAbout(t *testing.T) {
	_, wide, _ := net.ParseCIDR("10.0.0.0/8")
	_, narrow, _ := net.ParseCIDR("192.0.2.10/32")
	e := newEnv(t, func(s *settings) { s.TrustedProxies = []*net.IPNet{wide, narrow} })
	logs := e.logs.String()
	if !strings.Contains(logs, "10.0.0.0/8") || !strings.Contains(logs, "TRUSTED_PROXIES") {
		t.Errorf("no warning about 10.0.0.0/8 in the log:\n%s", logs)
	}
	if strings.Contains(logs, "192.0.2.10/32") {
		t.Errorf("a single proxy address was warned about:\n%s", logs)
	}
}
