// Package authtest checks an auth.Store through the Manager: the session
// behaviours that depend on where sessions are kept (rotation at sign-in,
// deletion at sign-out, expiry, the grace window and its drafts, strangers
// storing nothing, concurrent use). auth runs it on its MemStore and the
// desk on its database, so a store the desk runs on passes what the
// in-memory one passes.
package authtest

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
)

// Key is the session key of the suite's Managers.
var Key = bytes.Repeat([]byte{0x5a}, 32)

// Person is the suite's signed-in person; the keys are made up.
var Person = auth.User{
	Email:       "alice.sales@example.com",
	Credentials: apptivo.Credentials{APIKey: "a1b2c3d4-e5f6-7890-abcd-ef0123456789", AccessKey: "ZXhhbXBsZS1hY2Nlc3Mta2V5LXNlY3JldA-0000"},
}

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to a fixed morning.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// NewManager returns a Manager with Key over st, on clock.
func NewManager(t testing.TB, st auth.Store, clock *Clock) *auth.Manager {
	t.Helper()
	m, err := auth.NewManager(auth.Config{SessionKey: Key, Store: st, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Browser is one browser: it sends the cookies it was given with each
// request, and takes the ones each answer sets.
type Browser struct {
	cookies map[string]string
}

// NewBrowser returns a browser without cookies.
func NewBrowser() *Browser { return &Browser{cookies: map[string]string{}} }

// Copy returns a browser holding the same cookies, as someone who copied
// them would.
func (b *Browser) Copy() *Browser {
	cp := NewBrowser()
	for k, v := range b.cookies {
		cp.cookies[k] = v
	}
	return cp
}

// Do runs fn as the handler of one request from b, and returns the answer.
func (b *Browser) Do(fn http.HandlerFunc) *http.Response {
	r := httptest.NewRequest(http.MethodPost, "http://desk.test/", nil)
	for name, value := range b.cookies {
		r.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	w := httptest.NewRecorder()
	fn(w, r)
	res := w.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return res
}

// SignIn signs u in on b.
func (b *Browser) SignIn(t testing.TB, m *auth.Manager, u auth.User) {
	t.Helper()
	var err error
	b.Do(func(w http.ResponseWriter, r *http.Request) { err = m.SignIn(w, r, u) })
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
}

// Current is who is signed in on b, if anyone.
func (b *Browser) Current(m *auth.Manager) (*auth.User, bool) {
	var u *auth.User
	var ok bool
	b.Do(func(_ http.ResponseWriter, r *http.Request) { u, ok = m.Current(r) })
	return u, ok
}

// SignOut signs b out.
func (b *Browser) SignOut(t testing.TB, m *auth.Manager) {
	t.Helper()
	var err error
	b.Do(func(w http.ResponseWriter, r *http.Request) { err = m.SignOut(w, r) })
	if err != nil {
		t.Fatalf("SignOut: %v", err)
	}
}

// EndSignIn ends b's sign-in as when Apptivo refuses its keys.
func (b *Browser) EndSignIn(t testing.TB, m *auth.Manager) {
	t.Helper()
	var err error
	b.Do(func(w http.ResponseWriter, r *http.Request) { err = m.EndSignIn(w, r) })
	if err != nil {
		t.Fatalf("EndSignIn: %v", err)
	}
}

// CSRF is the token b's forms carry ("" when not signed in).
func (b *Browser) CSRF(t testing.TB, m *auth.Manager) string {
	t.Helper()
	var tok string
	var err error
	b.Do(func(w http.ResponseWriter, r *http.Request) { tok, err = m.CSRFToken(w, r) })
	if err != nil {
		t.Fatalf("CSRFToken: %v", err)
	}
	return tok
}

// KeepDraft saves form under key from a form that carried token.
func (b *Browser) KeepDraft(m *auth.Manager, key, token string, form url.Values) error {
	var err error
	b.Do(func(w http.ResponseWriter, r *http.Request) { err = m.KeepDraft(w, r, key, token, form) })
	return err
}

// TakeDraft hands back the draft kept under key.
func (b *Browser) TakeDraft(m *auth.Manager, key string) (url.Values, bool) {
	var form url.Values
	var ok bool
	b.Do(func(w http.ResponseWriter, r *http.Request) { form, ok = m.TakeStash(w, r, key) })
	return form, ok
}

// NewStore returns an empty store for one test, whose expiry follows now.
type NewStore func(t *testing.T, now func() time.Time) auth.Store

// TestManager runs the suite on the stores newStore makes.
func TestManager(t *testing.T, newStore NewStore) {
	setup := func(t *testing.T) (*auth.Manager, *Clock, *Browser) {
		clock := NewClock()
		return NewManager(t, newStore(t, clock.Now), clock), clock, NewBrowser()
	}
	alive := func(t *testing.T, m *auth.Manager, b *Browser, want bool) {
		t.Helper()
		if _, ok := b.Current(m); ok != want {
			t.Fatalf("signed in = %v, want %v", ok, want)
		}
	}
	sessions := func(t *testing.T, m *auth.Manager, want int) {
		t.Helper()
		if n := m.Len(); n != want {
			t.Errorf("%d sessions kept, want %d", n, want)
		}
	}

	t.Run("sign in", func(t *testing.T) {
		m, clock, b := setup(t)
		alive(t, m, b, false)
		b.SignIn(t, m, Person)
		u, ok := b.Current(m)
		if !ok || u.Email != Person.Email || u.Credentials != Person.Credentials || !u.SignedInAt.Equal(clock.Now()) {
			t.Fatalf("Current = %+v, %v", u, ok)
		}
		sessions(t, m, 1)
	})

	t.Run("a new session at each sign-in", func(t *testing.T) {
		m, _, b := setup(t)
		b.SignIn(t, m, auth.User{Email: "earlier@example.com", Credentials: Person.Credentials})
		before := b.Copy()
		b.SignIn(t, m, Person)
		alive(t, m, before, false) // the earlier cookie is worthless (fixation)
		alive(t, m, b, true)
		sessions(t, m, 1)
	})

	t.Run("sign-out deletes", func(t *testing.T) {
		m, _, b := setup(t)
		b.SignIn(t, m, Person)
		stolen := b.Copy()
		b.SignOut(t, m)
		alive(t, m, b, false)
		alive(t, m, stolen, false)
		sessions(t, m, 0)
	})

	t.Run("idle expiry", func(t *testing.T) {
		m, clock, b := setup(t)
		b.SignIn(t, m, Person)
		clock.Advance(auth.DefaultIdleTimeout - time.Minute)
		alive(t, m, b, true)
		clock.Advance(auth.DefaultIdleTimeout - time.Minute) // used a minute ago: still on
		alive(t, m, b, true)
		clock.Advance(auth.DefaultIdleTimeout)
		alive(t, m, b, false)
	})

	t.Run("absolute expiry", func(t *testing.T) {
		m, clock, b := setup(t)
		b.SignIn(t, m, Person)
		step := auth.DefaultIdleTimeout - time.Minute
		for used := time.Duration(0); used+step < auth.DefaultAbsoluteTimeout; used += step {
			clock.Advance(step)
			alive(t, m, b, true)
		}
		clock.Advance(step)
		alive(t, m, b, false)
	})

	t.Run("a draft outlives its sign-in for the same person only", func(t *testing.T) {
		idle := func(_ *testing.T, _ *auth.Manager, c *Clock, _ *Browser) {
			c.Advance(auth.DefaultIdleTimeout + time.Hour)
		}
		refused := func(t *testing.T, m *auth.Manager, _ *Clock, b *Browser) { b.EndSignIn(t, m) }
		samePerson := auth.User{Email: strings.ToUpper(Person.Email), Credentials: Person.Credentials}
		for name, tc := range map[string]struct {
			end  func(*testing.T, *auth.Manager, *Clock, *Browser)
			next auth.User
			want bool
		}{
			"idle, then the same person":          {idle, samePerson, true},
			"keys refused, then the same person":  {refused, samePerson, true},
			"keys refused, then someone else":     {refused, auth.User{Email: "bob@example.com", Credentials: Person.Credentials}, false},
			"idle, then the same email, new keys": {idle, auth.User{Email: Person.Email, Credentials: apptivo.Credentials{APIKey: "k", AccessKey: "other"}}, false},
		} {
			t.Run(name, func(t *testing.T) {
				m, clock, b := setup(t)
				b.SignIn(t, m, Person)
				token := b.CSRF(t, m)
				tc.end(t, m, clock, b)
				alive(t, m, b, false)
				if err := b.KeepDraft(m, "name", "another token", url.Values{"name": {"Forged"}}); !errors.Is(err, auth.ErrNoSignIn) {
					t.Errorf("KeepDraft with another token = %v", err)
				}
				if err := b.KeepDraft(m, "name", token, url.Values{"name": {"Typed"}}); err != nil {
					t.Fatalf("KeepDraft = %v", err)
				}
				if _, ok := b.TakeDraft(m, "name"); ok {
					t.Error("a draft was handed back before signing in again")
				}
				b.SignIn(t, m, tc.next)
				if got, ok := b.TakeDraft(m, "name"); ok != tc.want || ok && got.Get("name") != "Typed" {
					t.Errorf("after signing in again: %v, %v; want the draft: %v", got, ok, tc.want)
				}
			})
		}
	})

	t.Run("forgotten after the grace window", func(t *testing.T) {
		m, clock, b := setup(t)
		b.SignIn(t, m, Person)
		token := b.CSRF(t, m)
		clock.Advance(auth.DefaultIdleTimeout + auth.DefaultGrace)
		if err := b.KeepDraft(m, "name", token, url.Values{"name": {"Typed"}}); !errors.Is(err, auth.ErrNoSignIn) {
			t.Errorf("KeepDraft after the grace window = %v", err)
		}
		sessions(t, m, 0)
	})

	t.Run("strangers store nothing", func(t *testing.T) {
		m, _, b := setup(t)
		b.Do(func(w http.ResponseWriter, r *http.Request) {
			_ = m.KeepDraft(w, r, "name", "x", url.Values{"name": {"x"}})
			_, _ = m.CSRFToken(w, r)
			_ = m.AddFlash(w, r, "hello")
			m.Current(r)
			_ = m.EndSignIn(w, r)
		})
		sessions(t, m, 0)
	})

	t.Run("many at once", func(t *testing.T) {
		m, clock, _ := setup(t)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { // t.Error only: these are not the test's goroutine
				b := NewBrowser()
				for range 10 {
					b.Do(func(w http.ResponseWriter, r *http.Request) {
						if err := m.SignIn(w, r, Person); err != nil {
							t.Error(err)
						}
					})
					if _, ok := b.Current(m); !ok {
						t.Error("not signed in right after signing in")
					}
					b.Do(func(w http.ResponseWriter, r *http.Request) {
						tok, err := m.CSRFToken(w, r)
						if err == nil {
							err = m.KeepDraft(w, r, "name", tok, url.Values{"name": {"x"}})
						}
						if err != nil {
							t.Error(err)
						}
					})
					clock.Advance(time.Second)
				}
				b.Do(func(w http.ResponseWriter, r *http.Request) {
					if err := m.SignOut(w, r); err != nil {
						t.Error(err)
					}
				})
			})
		}
		wg.Wait()
		sessions(t, m, 0)
	})
}
