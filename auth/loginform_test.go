package auth

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLoginTokenNeedsNoSession(t *testing.T) {
	m, clock := newTestManager(t, nil)
	browser := &client{name: loginCookieName}
	loginToken := func(c *client) string {
		var tok string
		c.do(func(w http.ResponseWriter, r *http.Request) { tok = m.LoginToken(w, r) })
		return tok
	}
	check := func(c *client, tok string) bool {
		var ok bool
		c.do(func(w http.ResponseWriter, r *http.Request) { ok = m.CheckLoginToken(r, tok) })
		return ok
	}

	tok := loginToken(browser)
	if m.Len() != 0 {
		t.Fatalf("a sign-in form made %d sessions", m.Len())
	}
	ck := browser.cookie
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != int(LoginFormLifetime.Seconds()) {
		t.Fatalf("nonce cookie %+v", ck)
	}
	if strings.Contains(tok, ck.Value) {
		t.Error("the token reveals the nonce")
	}
	if !check(browser, tok) {
		t.Fatal("fresh token refused")
	}
	// A second form (another tab) keeps the nonce: both tokens stay good.
	clock.Advance(time.Second)
	tok2 := loginToken(browser)
	if browser.cookie.Value != ck.Value || !check(browser, tok) || !check(browser, tok2) {
		t.Error("a second sign-in form spoilt the first")
	}

	stranger := &client{name: loginCookieName}
	strangerTok := loginToken(stranger)
	flipped := []byte(tok)
	flipped[len(flipped)-3] ^= 1
	for name, bad := range map[string]string{
		"empty": "", "garbage": "not-a-token", "another browser's": strangerTok, "tampered": string(flipped), "truncated": tok[:len(tok)-2],
	} {
		if check(browser, bad) {
			t.Errorf("%s token accepted", name)
		}
	}
	if check(&client{name: loginCookieName}, tok) {
		t.Error("token accepted without the nonce cookie")
	}

	clock.Advance(LoginFormLifetime)
	if check(browser, tok) {
		t.Error("token older than LoginFormLifetime accepted")
	}
	clock.Advance(-2 * LoginFormLifetime)
	if check(browser, tok2) {
		t.Error("token from the future accepted")
	}
}
