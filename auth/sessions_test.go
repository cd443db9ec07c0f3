package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
)

const (
	testEmail     = "alice.sales@example.com"
	testAPIKey    = "a1b2c3d4-e5f6-7890-abcd-ef0123456789"
	testAccessKey = "ZXhhbXBsZS1hY2Nlc3Mta2V5LXNlY3JldA-0000"
)

func testUser() User {
	return User{Email: testEmail, Credentials: apptivo.Credentials{APIKey: testAPIKey, AccessKey: testAccessKey}}
}

func newTestManager(t *testing.T, mut func(*Config)) (*Manager, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	cfg := Config{SessionKey: bytes.Repeat([]byte{0x5a}, 32), Now: clock.Now}
	if mut != nil {
		mut(&cfg)
	}
	m, err := NewManager(cfg)
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	return m, clock
}

func (m *Manager) testClient() *client { return &client{name: m.name} }

func signIn(t *testing.T, m *Manager, c *client, u User) {
	t.Helper()
	c.do(func(w http.ResponseWriter, r *http.Request) {
		if err := m.SignIn(w, r, u); err != nil {
			t.Fatalf("SignIn: %v", err)
		}
	})
}

func current(m *Manager, c *client) (*User, bool) {
	var u *User
	var ok bool
	c.do(func(w http.ResponseWriter, r *http.Request) { u, ok = m.Current(r) })
	return u, ok
}

func addFlash(t *testing.T, m *Manager, c *client, msg string) {
	t.Helper()
	c.do(func(w http.ResponseWriter, r *http.Request) {
		if err := m.AddFlash(w, r, msg); err != nil {
			t.Fatalf("AddFlash: %v", err)
		}
	})
}

func csrfToken(t *testing.T, m *Manager, c *client) string {
	t.Helper()
	var tok string
	c.do(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if tok, err = m.CSRFToken(w, r); err != nil {
			t.Fatalf("CSRFToken: %v", err)
		}
	})
	return tok
}

func checkCSRF(m *Manager, c *client, tok string) bool {
	var ok bool
	c.do(func(w http.ResponseWriter, r *http.Request) { ok = m.CheckCSRF(r, tok) })
	return ok
}

func TestNewManagerValidation(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"minimal", Config{SessionKey: key}, ""},
		{"long key", Config{SessionKey: bytes.Repeat([]byte{1}, 64)}, ""},
		{"missing key", Config{}, "SessionKey"},
		{"short key", Config{SessionKey: key[:16]}, "SessionKey"},
		{"negative idle", Config{SessionKey: key, IdleTimeout: -1}, "IdleTimeout"},
		{"negative absolute", Config{SessionKey: key, AbsoluteTimeout: -1}, "AbsoluteTimeout"},
		{"idle > absolute", Config{SessionKey: key, IdleTimeout: time.Hour, AbsoluteTimeout: time.Minute}, "IdleTimeout"},
		{"negative max sessions", Config{SessionKey: key, MaxSessions: -5}, "MaxSessions"},
		{"bad cookie name", Config{SessionKey: key, CookieName: "bad name;"}, "CookieName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewManager(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if m.name != DefaultCookieName {
					t.Errorf("cookie name = %q, want default", m.name)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "Config."+tt.wantErr) {
				t.Fatalf("error = %v, want one naming Config.%s", err, tt.wantErr)
			}
		})
	}
}

func TestSignInCurrentRoundTrip(t *testing.T) {
	m, clock := newTestManager(t, nil)
	c := m.testClient()
	if u, ok := current(m, c); ok || u != nil {
		t.Fatalf("anonymous Current = %v, %v", u, ok)
	}
	signIn(t, m, c, testUser())
	u, ok := current(m, c)
	if !ok {
		t.Fatal("Current after SignIn: no user")
	}
	want := testUser()
	want.SignedInAt = clock.Now()
	if u.Email != want.Email || u.Credentials != want.Credentials || !u.SignedInAt.Equal(want.SignedInAt) {
		t.Errorf("Current = %+v, want %+v (keys compared too)", *u, want)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1", m.Len())
	}
}

func TestSignInVisibleInSameRequest(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	csrfToken(t, m, c) // existing anonymous session
	c.do(func(w http.ResponseWriter, r *http.Request) {
		if err := m.SignIn(w, r, testUser()); err != nil {
			t.Fatal(err)
		}
		if u, ok := m.Current(r); !ok || u.Email != testEmail {
			t.Errorf("Current in the signing-in request = %v, %v", u, ok)
		}
	})
}

func TestSignInRequiresKeys(t *testing.T) {
	m, _ := newTestManager(t, nil)
	for _, cr := range []apptivo.Credentials{{}, {APIKey: "a"}, {AccessKey: "b"}} {
		m.testClient().do(func(w http.ResponseWriter, r *http.Request) {
			if err := m.SignIn(w, r, User{Email: testEmail, Credentials: cr}); err == nil {
				t.Errorf("SignIn with %v succeeded", cr)
			}
		})
	}
}

func TestCookieHoldsOnlySignedID(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, testUser())
	raw := c.cookie.Value

	// securecookie layout: base64url(date|base64url(value)|mac).
	outer, err := base64.URLEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("cookie is not base64url: %v", err)
	}
	parts := bytes.SplitN(outer, []byte("|"), 3)
	if len(parts) != 3 {
		t.Fatalf("unexpected cookie layout")
	}
	id, err := base64.URLEncoding.DecodeString(string(parts[1]))
	if err != nil {
		t.Fatalf("payload not base64: %v", err)
	}
	rawID, err := base64.RawURLEncoding.DecodeString(string(id))
	if err != nil || len(rawID) != sessionIDBytes {
		t.Fatalf("payload is not a %d-byte base64url id: %q (%v)", sessionIDBytes, id, err)
	}
	if _, err := m.store.Load(context.Background(), string(id)); err != nil {
		t.Fatal("payload is not the server-side session id")
	}

	for _, blob := range [][]byte{[]byte(raw), outer, id} {
		for _, secret := range []string{testEmail, "alice", testAPIKey, testAccessKey, testAPIKey[:8], testAccessKey[:8]} {
			if bytes.Contains(bytes.ToLower(blob), bytes.ToLower([]byte(secret))) {
				t.Errorf("cookie contains %q", secret)
			}
		}
	}
}

func TestServerSideEntryHasNoPlaintextKeys(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, testUser())

	recs := records(m.store)
	if len(recs) != 1 {
		t.Fatalf("records = %d", len(recs))
	}
	for _, secret := range []string{testAPIKey, testAccessKey} {
		if strings.Contains(string(recs[0].Data), secret) {
			t.Errorf("the stored record contains a plaintext key")
		}
	}
	var data sessionData
	if err := json.Unmarshal(recs[0].Data, &data); err != nil || len(data.Creds) == 0 {
		t.Errorf("sealed credentials missing from the record (%v)", err)
	}
}

func TestTamperedCookieOrSealNoUser(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, testUser())

	bad := c.clone()
	v := []byte(bad.cookie.Value)
	v[10] ^= 0x04
	bad.cookie = &http.Cookie{Name: m.name, Value: string(v)}
	if u, ok := current(m, bad); ok {
		t.Errorf("tampered cookie yielded user %v", u)
	}

	// A corrupted sealed blob in the store must not yield a user either.
	for _, r := range records(m.store) {
		var data sessionData
		_ = json.Unmarshal(r.Data, &data)
		data.Creds[len(data.Creds)-1] ^= 1
		r.Data, _ = json.Marshal(data)
		_ = m.store.Save(context.Background(), r)
	}
	if u, ok := current(m, c); ok {
		t.Errorf("corrupted sealed credentials yielded user %v", u)
	}
}

func TestSignInIssuesNewID(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, User{Email: "earlier@example.com", Credentials: testUser().Credentials}) // a session exists
	pre := c.clone()
	signIn(t, m, c, testUser())
	if c.cookie.Value == pre.cookie.Value {
		t.Fatal("SignIn kept the cookie value")
	}
	if sessionID(m, pre) != "" {
		t.Error("pre-sign-in session id still resolves (fixation)")
	}
	if _, ok := current(m, pre); ok {
		t.Error("pre-sign-in cookie yields a user")
	}

	// Signing in again (e.g. as someone else) also rotates.
	first := c.clone()
	other := testUser()
	other.Email = "bob@example.com"
	signIn(t, m, c, other)
	if _, ok := current(m, first); ok {
		t.Error("old signed-in cookie still resolves after re-sign-in")
	}
	if u, ok := current(m, c); !ok || u.Email != "bob@example.com" {
		t.Errorf("Current = %v, %v", u, ok)
	}
	if m.Len() != 1 {
		t.Errorf("Len = %d, want 1 (old sessions deleted server-side)", m.Len())
	}
}

func TestSignOut(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, testUser())
	stolen := c.clone()

	res := c.do(func(w http.ResponseWriter, r *http.Request) {
		if err := m.SignOut(w, r); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Current(r); ok {
			t.Error("Current in the signing-out request still sees the user")
		}
	})
	cks := res.Cookies()
	if len(cks) != 1 || cks[0].MaxAge >= 0 || cks[0].Value != "" {
		t.Errorf("SignOut cookie = %+v, want expired", cks)
	}
	if c.cookie != nil {
		t.Error("client kept a cookie")
	}
	if m.Len() != 0 {
		t.Errorf("Len = %d after SignOut", m.Len())
	}
	if u, ok := current(m, stolen); ok {
		t.Errorf("replayed cookie after SignOut yields %v", u)
	}
}

func TestManagerExpiry(t *testing.T) {
	tests := []struct {
		name  string
		steps []time.Duration
		alive []bool
	}{
		{"idle expiry", []time.Duration{29 * time.Minute, 30 * time.Minute}, []bool{true, false}},
		{"activity keeps alive until absolute", []time.Duration{
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, // 2h05
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, // 4h10
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, // 6h15
			25 * time.Minute, 25 * time.Minute, 25 * time.Minute, 25 * time.Minute, // 7h55
			5 * time.Minute, // 8h00
		}, append(slices.Repeat([]bool{true}, 19), false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, clock := newTestManager(t, nil)
			c := m.testClient()
			signIn(t, m, c, testUser())
			for i, d := range tt.steps {
				clock.Advance(d)
				_, ok := current(m, c)
				if ok != tt.alive[i] {
					t.Fatalf("step %d: signed in = %v, want %v", i, ok, tt.alive[i])
				}
			}
		})
	}
}

func TestManagerCookieFlags(t *testing.T) {
	for _, tt := range []struct {
		name         string
		tls, always  bool
		wantSecure   bool
		wantMaxAgeHr int
	}{
		// The cookie outlives the 8 h sign-in by the 12 h grace window.
		{"http loopback", false, false, false, 20},
		{"https", true, false, true, 20},
		{"SecureAlways", false, true, true, 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestManager(t, func(c *Config) { c.SecureAlways = tt.always })
			c := m.testClient()
			c.tls = tt.tls
			wantName := DefaultCookieName
			if tt.wantSecure {
				wantName = "__Host-" + DefaultCookieName // no sibling subdomain can plant it
			}
			c.name = wantName
			signIn(t, m, c, testUser())
			ck := c.cookie
			if ck == nil {
				t.Fatalf("no %s cookie", wantName)
			}
			if ck.Name != wantName || ck.Secure != tt.wantSecure || !ck.HttpOnly ||
				ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" ||
				ck.MaxAge != tt.wantMaxAgeHr*3600 {
				t.Errorf("cookie = %+v", ck)
			}
			if _, ok := current(m, c); !ok {
				t.Error("cookie does not resolve")
			}
		})
	}
}

func TestFlashes(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	takeFlashes := func() []string {
		var f []string
		c.do(func(w http.ResponseWriter, r *http.Request) { f = m.TakeFlashes(w, r) })
		return f
	}
	addFlash := func(msg string) {
		c.do(func(w http.ResponseWriter, r *http.Request) {
			if err := m.AddFlash(w, r, msg); err != nil {
				t.Fatalf("AddFlash: %v", err)
			}
		})
	}

	res := c.do(func(w http.ResponseWriter, r *http.Request) { _ = m.TakeFlashes(w, r) })
	if len(res.Cookies()) != 0 || m.Len() != 0 {
		t.Error("TakeFlashes without flashes set a cookie or made a session")
	}

	// Anonymous visitors' flashes ride in a signed cookie: no session.
	addFlash("anon 1")
	addFlash("anon 2")
	if m.Len() != 0 || c.cookie != nil {
		t.Errorf("flashes made %d sessions", m.Len())
	}
	ck := c.others[flashCookieName]
	if ck == nil || !ck.HttpOnly || ck.MaxAge != int(flashLifetime.Seconds()) {
		t.Fatalf("flash cookie %+v", ck)
	}
	if got := takeFlashes(); fmt.Sprint(got) != "[anon 1 anon 2]" {
		t.Errorf("anonymous flashes = %q", got)
	}
	if got := takeFlashes(); got != nil {
		t.Errorf("flashes not cleared: %q", got)
	}
	forged := c.clone()
	forged.others = map[string]*http.Cookie{flashCookieName: {Name: flashCookieName, Value: "forged"}}
	var got []string
	forged.do(func(w http.ResponseWriter, r *http.Request) { got = m.TakeFlashes(w, r) })
	if got != nil || forged.others[flashCookieName] != nil {
		t.Errorf("forged flash cookie: %q, cookie kept: %v", got, forged.others[flashCookieName] != nil)
	}
	// Several in one request, then taken in the same request.
	c.do(func(w http.ResponseWriter, r *http.Request) {
		_ = m.AddFlash(w, r, "one")
		_ = m.AddFlash(w, r, "two")
		if got := m.TakeFlashes(w, r); fmt.Sprint(got) != "[one two]" {
			t.Errorf("same-request flashes = %q", got)
		}
		if n := len(w.Header().Values("Set-Cookie")); n != 1 {
			t.Errorf("%d Set-Cookie lines for one cookie", n)
		}
	})

	signIn(t, m, c, testUser())
	addFlash("Saved contact")
	if got := takeFlashes(); fmt.Sprint(got) != "[Saved contact]" {
		t.Errorf("signed-in flashes = %q", got)
	}
	if _, ok := current(m, c); !ok {
		t.Error("flash handling lost the sign-in")
	}

	for i := range maxFlashes + 5 {
		addFlash(fmt.Sprint(i))
	}
	got = takeFlashes()
	if len(got) != maxFlashes || got[0] != "5" {
		t.Errorf("flash cap: got %d flashes starting %q", len(got), got[0])
	}
	for range 30 {
		addFlash(strings.Repeat("long message ", 20))
	}
	if got := takeFlashes(); len(got) == 0 || len(got) >= maxFlashes {
		t.Errorf("long flashes: %d kept, want fewer than %d but some", len(got), maxFlashes)
	}
}

func TestCSRFToken(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()

	if checkCSRF(m, c, "") || checkCSRF(m, c, "anything") {
		t.Error("CheckCSRF true without a session")
	}
	// Anonymous visitors get no token and no session (the sign-in form has
	// its own token).
	if tok := csrfToken(t, m, c); tok != "" || c.cookie != nil || m.Len() != 0 {
		t.Fatalf("anonymous token %q, cookie %v, %d sessions", tok, c.cookie, m.Len())
	}
	signIn(t, m, c, User{Email: "first@example.com", Credentials: testUser().Credentials})

	// Several calls within one request share one session token, each
	// masked anew (so no two answers carry the same bytes: BREACH); the
	// token was made at sign-in, so reading it writes nothing.
	var tok1, tok1b string
	res := c.do(func(w http.ResponseWriter, r *http.Request) {
		tok1, _ = m.CSRFToken(w, r)
		tok1b, _ = m.CSRFToken(w, r)
	})
	if tok1 == "" || tok1 == tok1b || len(res.Cookies()) != 0 || m.Len() != 1 {
		t.Fatalf("same-request tokens %q %q, cookies %d, sessions %d", tok1, tok1b, len(res.Cookies()), m.Len())
	}
	if later := csrfToken(t, m, c); !checkCSRF(m, c, tok1) || !checkCSRF(m, c, tok1b) || !checkCSRF(m, c, later) {
		t.Error("CheckCSRF rejected a masking of the session's token")
	}
	for _, bad := range []string{"", tok1[:len(tok1)-1], tok1 + "x", strings.ToUpper(tok1), csrfToken(t, m, m.testClient())} {
		if checkCSRF(m, c, bad) {
			t.Errorf("CheckCSRF accepted %q", bad)
		}
	}

	signIn(t, m, c, testUser())
	if checkCSRF(m, c, tok1) {
		t.Error("the earlier sign-in's CSRF token still valid after SignIn")
	}
	tok2 := csrfToken(t, m, c)
	if tok2 == tok1 {
		t.Error("CSRF token did not change across sign-in")
	}
	if !checkCSRF(m, c, tok2) || !checkCSRF(m, c, csrfToken(t, m, c)) {
		t.Error("signed-in token not stable")
	}
}

// keepDraft keeps form under key with token, as a section save does.
func keepDraft(m *Manager, c *client, key, token string, form url.Values) error {
	var err error
	c.do(func(w http.ResponseWriter, r *http.Request) { err = m.KeepDraft(w, r, key, token, form) })
	return err
}

func takeDraft(m *Manager, c *client, key string) (url.Values, bool) {
	var got url.Values
	var ok bool
	c.do(func(w http.ResponseWriter, r *http.Request) { got, ok = m.TakeStash(w, r, key) })
	return got, ok
}

func TestDraftWhileSignedIn(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, testUser())
	form := url.Values{"name": {"Acme"}, "phones": {"1", "2"}}
	if err := keepDraft(m, c, "contact-new", "", form); err != nil {
		t.Fatalf("KeepDraft: %v", err)
	}
	form["name"][0] = "mutated after KeepDraft"
	got, ok := takeDraft(m, c, "contact-new")
	if !ok || got.Get("name") != "Acme" || len(got["phones"]) != 2 {
		t.Fatalf("TakeStash = %v, %v", got, ok)
	}
	if got, ok := takeDraft(m, c, "contact-new"); ok {
		t.Errorf("draft not removed: %v", got)
	}
	if _, signedIn := current(m, c); !signedIn {
		t.Error("draft handling lost the sign-in")
	}
}

// Strangers keep nothing: a browser that never signed in gets no session,
// no cookie and no draft from KeepDraft (nor from anything else).
func TestStrangersKeepNothing(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	if err := keepDraft(m, c, "name", "any", url.Values{"name": {"x"}}); !errors.Is(err, ErrNoSignIn) {
		t.Errorf("KeepDraft for a stranger = %v", err)
	}
	c.do(func(w http.ResponseWriter, r *http.Request) {
		_, _ = m.CSRFToken(w, r)
		m.CheckCSRF(r, "x")
		m.TakeFlashes(w, r)
		m.TakeStash(w, r, "name")
		m.Current(r)
		_ = m.EndSignIn(w, r)
	})
	if m.Len() != 0 || c.cookie != nil {
		t.Errorf("a stranger made %d sessions (cookie %v)", m.Len(), c.cookie)
	}
}

// When a sign-in ends while a form is open, the form's save keeps a draft
// for the grace window — only with that sign-in's CSRF token — and signing
// in again as the same person hands it back.
func TestDraftAcrossAnEndedSignIn(t *testing.T) {
	for name, end := range map[string]func(m *Manager, c *client, clock *fakeClock){
		"idle":     func(_ *Manager, _ *client, clock *fakeClock) { clock.Advance(DefaultIdleTimeout) },
		"absolute": func(m *Manager, c *client, clock *fakeClock) { keepUsing(m, c, clock, DefaultAbsoluteTimeout) },
		"keys refused": func(m *Manager, c *client, _ *fakeClock) {
			c.do(func(w http.ResponseWriter, r *http.Request) { _ = m.EndSignIn(w, r) })
		},
		"idle, then hours": func(_ *Manager, _ *client, clock *fakeClock) { clock.Advance(DefaultIdleTimeout + 10*time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			m, clock := newTestManager(t, nil)
			c := m.testClient()
			signIn(t, m, c, testUser())
			token := csrfToken(t, m, c)
			end(m, c, clock)
			if _, ok := current(m, c); ok {
				t.Fatal("still signed in")
			}
			if tok := csrfToken(t, m, c); tok != "" || checkCSRF(m, c, token) {
				t.Error("an ended sign-in still has a usable CSRF token")
			}
			if err := keepDraft(m, c, "name", "not-the-token", url.Values{"name": {"Forged"}}); !errors.Is(err, ErrNoSignIn) {
				t.Errorf("KeepDraft with another token = %v", err)
			}
			if err := keepDraft(m, c, "name", token, url.Values{"name": {"Typed"}}); err != nil {
				t.Fatalf("KeepDraft with the sign-in's token = %v", err)
			}
			if _, ok := takeDraft(m, c, "name"); ok {
				t.Error("a draft was handed back before signing in again")
			}
			for _, r := range records(m.store) {
				if bytes.Contains(r.Data, []byte(`"creds"`)) || r.SignedIn {
					t.Error("an ended sign-in's record still holds the keys")
				}
			}
			signIn(t, m, c, User{Email: strings.ToUpper(testEmail), Credentials: testUser().Credentials})
			if got, ok := takeDraft(m, c, "name"); !ok || got.Get("name") != "Typed" {
				t.Fatalf("after signing in again: %v, %v", got, ok)
			}
		})
	}

	t.Run("past the grace window", func(t *testing.T) {
		m, clock := newTestManager(t, nil)
		c := m.testClient()
		signIn(t, m, c, testUser())
		token := csrfToken(t, m, c)
		clock.Advance(DefaultIdleTimeout + DefaultGrace)
		if err := keepDraft(m, c, "name", token, url.Values{"name": {"Typed"}}); !errors.Is(err, ErrNoSignIn) {
			t.Errorf("KeepDraft after the grace window = %v", err)
		}
		if m.Len() != 0 {
			t.Errorf("%d records after the grace window", m.Len())
		}
	})

	// The draft belongs to the identity that typed it: the email and the key
	// pair. Whoever signs in next on that browser as anyone else gets nothing.
	for name, next := range map[string]User{
		"another email, same keys": {Email: "someone.else@example.com", Credentials: testUser().Credentials},
		"same email, other keys":   {Email: testEmail, Credentials: apptivo.Credentials{APIKey: testAPIKey, AccessKey: "another-access-key-000"}},
	} {
		t.Run(name, func(t *testing.T) {
			m, clock := newTestManager(t, nil)
			c := m.testClient()
			signIn(t, m, c, testUser())
			token := csrfToken(t, m, c)
			clock.Advance(DefaultIdleTimeout)
			_ = keepDraft(m, c, "name", token, url.Values{"name": {"Typed"}})
			signIn(t, m, c, next)
			if _, ok := takeDraft(m, c, "name"); ok {
				t.Error("another identity's draft survived the sign-in")
			}
		})
	}
}

func TestKeyPrintNamesThePairWithoutTheKeys(t *testing.T) {
	m, _ := newTestManager(t, nil)
	other, _ := newTestManager(t, func(c *Config) { c.SessionKey = bytes.Repeat([]byte{9}, 32) })
	pair := testUser().Credentials
	p := m.keyPrint(pair)
	if !bytes.Equal(p, m.keyPrint(apptivo.Credentials{APIKey: testAPIKey, AccessKey: testAccessKey})) {
		t.Error("the same pair prints differently")
	}
	for name, q := range map[string][]byte{
		"other access key":  m.keyPrint(apptivo.Credentials{APIKey: testAPIKey, AccessKey: testAccessKey + "x"}),
		"keys moved across": m.keyPrint(apptivo.Credentials{APIKey: testAPIKey[:5], AccessKey: testAPIKey[5:] + testAccessKey}),
		"other session key": other.keyPrint(pair),
	} {
		if bytes.Equal(p, q) {
			t.Errorf("%s: same print", name)
		}
	}
	c := m.testClient()
	signIn(t, m, c, testUser())
	for _, r := range records(m.store) {
		for _, secret := range []string{testAPIKey, testAccessKey, testAPIKey[:8], testAccessKey[:8]} {
			if bytes.Contains(r.Data, []byte(secret)) {
				t.Error("the record holds a key in the clear")
			}
		}
	}
}

// keepUsing uses the session every 25 minutes until d has passed.
func keepUsing(m *Manager, c *client, clock *fakeClock, d time.Duration) {
	for step := 25 * time.Minute; d > 0; d -= step {
		clock.Advance(min(step, d))
		current(m, c)
	}
}

func TestDraftSizeLimit(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	signIn(t, m, c, testUser())
	half := url.Values{"body": {strings.Repeat("x", MaxStashBytes/2)}}
	errs := []error{
		keepDraft(m, c, "a", "", half),
		keepDraft(m, c, "b", "", half),         // total now over the limit
		keepDraft(m, c, "a", "", url.Values{}), // replacing "a" frees room
		keepDraft(m, c, "", "", url.Values{}),  // empty key
		keepDraft(m, c, "b", "", half),
	}
	want := []error{nil, ErrStashTooLarge, nil, errors.New("any"), nil}
	for i := range want {
		if (errs[i] == nil) != (want[i] == nil) || (want[i] == ErrStashTooLarge && !errors.Is(errs[i], ErrStashTooLarge)) {
			t.Errorf("call %d: err = %v, want %v", i, errs[i], want[i])
		}
	}
	// The limit counts what is really kept: characters that take more room
	// encoded count as more.
	signIn(t, m, c, testUser())
	if err := keepDraft(m, c, "a", "", url.Values{"body": {strings.Repeat("<", MaxStashBytes/3)}}); !errors.Is(err, ErrStashTooLarge) {
		t.Errorf("a draft taking over the limit once encoded: %v", err)
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	cr := apptivo.Credentials{APIKey: testAPIKey, AccessKey: testAccessKey}
	u := testUser()
	secrets := []string{testAPIKey, testAccessKey, testAPIKey[:12], testAccessKey[:12], testAccessKey[len(testAccessKey)-6:]}

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		out = append(out, fmt.Sprintf(verb, cr), fmt.Sprintf(verb, &cr), fmt.Sprintf(verb, u), fmt.Sprintf(verb, &u))
	}
	out = append(out, fmt.Sprint(cr), fmt.Sprintln(cr, u), cr.String(), cr.GoString())

	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(h(&buf))
		log.Info("sign in", "creds", cr, "ptr", &cr, "user", u, "userptr", &u, slog.Any("any", cr), slog.Group("g", "c", cr))
		out = append(out, buf.String())
	}

	for _, s := range out {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Fatalf("output leaks a key: %s", s)
			}
		}
	}
	if got := cr.String(); got != "Credentials{…6789}" {
		t.Errorf("String() = %q", got)
	}
	if !strings.Contains(out[len(out)-2], `"creds":"Credentials{…6789}"`) {
		t.Errorf("JSON log = %s", out[len(out)-2])
	}

	for _, tt := range []struct {
		c    apptivo.Credentials
		want string
	}{
		{apptivo.Credentials{}, "Credentials{}"},
		{apptivo.Credentials{APIKey: "short1234"}, "Credentials{…}"}, // too short to hint at
		{apptivo.Credentials{AccessKey: "x"}, "Credentials{…}"},
	} {
		if got := fmt.Sprintf("%v|%#v", tt.c, tt.c); got != tt.want+"|"+tt.want {
			t.Errorf("%q: got %q", tt.want, got)
		}
	}
}

func TestCredentialsEncoding(t *testing.T) {
	for _, c := range []apptivo.Credentials{{APIKey: "a", AccessKey: "b"}, {AccessKey: "x"}, {APIKey: "k|ey"}, {APIKey: testAPIKey, AccessKey: testAccessKey}, {APIKey: "ü🙂", AccessKey: "\x00\xff"}} {
		got, ok := decodeCredentials(encodeCredentials(c))
		if !ok || got != c {
			t.Errorf("round trip of %#v failed", c.APIKey)
		}
	}
	for _, b := range [][]byte{nil, {0x80}, {0x05, 'a'}} {
		if _, ok := decodeCredentials(b); ok {
			t.Errorf("decodeCredentials(%x) succeeded", b)
		}
	}
}

func TestManagerEvictionAtMaxSessions(t *testing.T) {
	m, clock := newTestManager(t, func(c *Config) { c.MaxSessions = 2 })
	a, b, c := m.testClient(), m.testClient(), m.testClient()
	signIn(t, m, a, testUser())
	clock.Advance(time.Minute)
	signIn(t, m, b, testUser())
	clock.Advance(time.Minute)
	current(m, a) // a is now more recently seen than b
	clock.Advance(time.Minute)
	signIn(t, m, c, testUser())
	if m.Len() != 2 {
		t.Errorf("Len = %d, want 2", m.Len())
	}
	for name, tc := range map[string]struct {
		c    *client
		want bool
	}{"a": {a, true}, "b": {b, false}, "c": {c, true}} {
		if _, ok := current(m, tc.c); ok != tc.want {
			t.Errorf("%s signed in = %v, want %v", name, ok, tc.want)
		}
	}
}

func TestManagerConcurrent(t *testing.T) {
	m, clock := newTestManager(t, func(c *Config) { c.MaxSessions = 20 })
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			c := m.testClient()
			for i := range 100 {
				switch i % 5 {
				case 0:
					c.do(func(w http.ResponseWriter, r *http.Request) { _ = m.SignIn(w, r, testUser()) })
				case 1:
					c.do(func(w http.ResponseWriter, r *http.Request) { _ = m.AddFlash(w, r, fmt.Sprint(g, i)) })
				case 2:
					c.do(func(w http.ResponseWriter, r *http.Request) { _, _ = m.CSRFToken(w, r); m.TakeFlashes(w, r) })
				case 3:
					c.do(func(w http.ResponseWriter, r *http.Request) { m.Current(r) })
				case 4:
					clock.Advance(time.Second)
					_ = m.Len()
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// When the store is full, ended sign-ins go before live ones.
func TestEndedSignInsAreEvictedFirst(t *testing.T) {
	m, clock := newTestManager(t, func(cfg *Config) { cfg.MaxSessions = 3 })
	user := m.testClient()
	signIn(t, m, user, testUser())
	for range 10 {
		c := m.testClient()
		signIn(t, m, c, testUser())
		c.do(func(w http.ResponseWriter, r *http.Request) { _ = m.EndSignIn(w, r) })
		addFlash(t, m, m.testClient(), "hello") // strangers add nothing
		clock.Advance(time.Second)
	}
	if _, ok := current(m, user); !ok {
		t.Fatal("ended sign-ins pushed out a live one")
	}
	if n := m.Len(); n > 3 {
		t.Fatalf("cap exceeded: %d sessions", n)
	}
}

func TestBadCookiesYieldNoSession(t *testing.T) {
	m, _ := newTestManager(t, nil)
	good := m.testClient()
	signIn(t, m, good, testUser())
	val := good.cookie.Value

	other, _ := newTestManager(t, func(c *Config) { c.SessionKey = bytes.Repeat([]byte{8}, 32) })
	foreign := other.testClient()
	signIn(t, other, foreign, testUser())

	unknown, err := m.codec.Encode(m.name, []byte(newRandomToken(sessionIDBytes)))
	if err != nil {
		t.Fatal(err)
	}
	otherName, err := m.codec.Encode("other_cookie", []byte(sessionID(m, good)))
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(val)
	flipped[len(flipped)/2] ^= 0x01

	for name, v := range map[string]string{
		"empty":                 "",
		"garbage":               "not-a-cookie",
		"bit flipped":           string(flipped),
		"truncated":             val[:len(val)-4],
		"signed by another":     foreign.cookie.Value,
		"signed unknown id":     unknown,
		"signed for other name": otherName,
	} {
		t.Run(name, func(t *testing.T) {
			c := &client{name: m.name, cookie: &http.Cookie{Name: m.name, Value: v}}
			if id := sessionID(m, c); id != "" {
				t.Fatal("bad cookie resolved to a session")
			}
			if _, ok := current(m, c); ok {
				t.Fatal("bad cookie yields a user")
			}
		})
	}
	if _, ok := current(m, good); !ok {
		t.Fatal("good cookie stopped working")
	}
}

// WithUser puts the signed-in person and a client speaking with their own
// keys on the request; a request without a sign-in gets neither.
func TestWithUserAttachesThePersonsOwnClient(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	base, err := apptivo.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	c.do(func(w http.ResponseWriter, r *http.Request) {
		if got, ok := m.WithUser(r, base); ok || UserFrom(got.Context()) != nil || ClientFrom(got.Context()) != nil {
			t.Error("an anonymous request got a user or a client")
		}
	})
	signIn(t, m, c, testUser())
	c.do(func(w http.ResponseWriter, r *http.Request) {
		got, ok := m.WithUser(r, base)
		u, cl := UserFrom(got.Context()), ClientFrom(got.Context())
		if !ok || u == nil || u.Email != testEmail || cl == nil || cl.Credentials() != testUser().Credentials {
			t.Errorf("user %v client %v", u, cl)
		}
		if base.Credentials() != (apptivo.Credentials{}) {
			t.Error("the shared client took the person's keys")
		}
	})
}

// The Manager's sessions are gorilla/sessions sessions: its store answers
// gorilla's Get with the signed-in session (shared within the request), and
// with a new, unsaved one for a browser that names none.
func TestSessionsAreGorillaSessions(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	c.do(func(w http.ResponseWriter, r *http.Request) {
		g, err := m.SessionStore().Get(r, m.name)
		if err != nil || !g.IsNew || g.ID != "" {
			t.Errorf("anonymous: %v %+v", err, g)
		}
	})
	signIn(t, m, c, testUser())
	c.do(func(w http.ResponseWriter, r *http.Request) {
		g, err := m.SessionStore().Get(r, m.name)
		again, _ := m.SessionStore().Get(r, m.name)
		if err != nil || g.IsNew || g.ID == "" || g != again {
			t.Errorf("signed in: %v %+v", err, g)
		}
		if u, ok := m.Current(r); !ok || u.Email != testEmail {
			t.Error("the Manager and gorilla disagree")
		}
	})
}

// countingStore counts the writes a request makes to refresh a session.
type countingStore struct {
	Store
	touches int
}

func (s *countingStore) Touch(ctx context.Context, id string, lastSeen, expires time.Time) error {
	s.touches++
	return s.Store.Touch(ctx, id, lastSeen, expires)
}

// A session used again within touchEvery is not written again: with a
// database behind the store, a write per page view would cost every
// request. The idle timeout still ends the sign-in, at most touchEvery early.
func TestSessionTouchIsThrottled(t *testing.T) {
	store := &countingStore{}
	m, clock := newTestManager(t, func(c *Config) {
		store.Store, _ = NewMemStore(MemStoreConfig{Now: c.Now})
		c.Store = store
	})
	c := m.testClient()
	signIn(t, m, c, testUser())
	for range 5 {
		clock.Advance(10 * time.Second)
		if _, ok := current(m, c); !ok {
			t.Fatal("signed out while in use")
		}
	}
	if store.touches != 0 {
		t.Fatalf("%d writes within %v of the last one, want none", store.touches, m.touchEvery())
	}
	clock.Advance(m.touchEvery())
	current(m, c)
	if store.touches != 1 {
		t.Fatalf("%d writes after %v, want 1", store.touches, m.touchEvery())
	}
	// Idle from the last write: ended once the idle timeout has passed since then.
	clock.Advance(DefaultIdleTimeout)
	if _, ok := current(m, c); ok {
		t.Fatal("still signed in after the idle timeout")
	}
}

// goneOnTouch is a store whose sessions vanish between Load and Touch, as
// when a sign-out on another desk lands in between.
type goneOnTouch struct{ Store }

func (goneOnTouch) Touch(context.Context, string, time.Time, time.Time) error { return ErrSessionGone }

// A session signed out between its lookup and its refresh is no session:
// not a database outage, which would answer 503 and keep people waiting.
func TestSessionGoneMeanwhileIsNoSession(t *testing.T) {
	store := &goneOnTouch{}
	m, clock := newTestManager(t, func(c *Config) {
		store.Store, _ = NewMemStore(MemStoreConfig{Now: c.Now})
		c.Store = store
	})
	c := m.testClient()
	signIn(t, m, c, testUser())
	clock.Advance(2 * m.touchEvery()) // so the next request refreshes it
	var unavailableErr error
	var ok bool
	c.do(func(w http.ResponseWriter, r *http.Request) {
		unavailableErr = m.Unavailable(r)
		_, ok = m.Current(r)
	})
	if unavailableErr != nil || ok {
		t.Fatalf("Unavailable = %v, signed in = %v; want no session and no outage", unavailableErr, ok)
	}
}
