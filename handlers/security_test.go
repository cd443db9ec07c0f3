package handlers_test

import (
	"testing"

	"github.com/customerdesk/desk/handlers"
)

// Behind a TLS-terminating proxy r.TLS is nil, yet the browser talks HTTPS:
// COOKIE_SECURE=1 says so, and HSTS must go out with it.
func TestHSTSWhenCookiesAreSecure(t *testing.T) {
	e := newEnv(t, func(s *handlers.Settings) { s.SecureCookies = true })
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
