package auth

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

// fakeClock is an injectable, race-safe clock so expiry tests never sleep.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testCookie = "test_session"

func newTestStore(t *testing.T, mut func(*StoreConfig)) (*MemStore, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	cfg := StoreConfig{HashKey: bytes.Repeat([]byte{7}, 32), Now: clock.Now}
	if mut != nil {
		mut(&cfg)
	}
	st, err := NewMemStore(cfg)
	if err != nil {
		t.Fatalf("NewMemStore: %v", err)
	}
	return st, clock
}

// client is a one-cookie browser: it sends its cookie with each request and
// applies Set-Cookie headers from each response.
type client struct {
	name   string
	cookie *http.Cookie
	tls    bool
	last   *http.Response
}

func (c *client) do(fn func(w http.ResponseWriter, r *http.Request)) *http.Response {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	if c.tls {
		r.TLS = &tls.ConnectionState{}
	}
	if c.cookie != nil {
		r.AddCookie(&http.Cookie{Name: c.cookie.Name, Value: c.cookie.Value})
	}
	w := httptest.NewRecorder()
	fn(w, r)
	res := w.Result()
	for _, ck := range res.Cookies() {
		if ck.Name != c.name {
			continue
		}
		if ck.MaxAge < 0 {
			c.cookie = nil
		} else {
			c.cookie = ck
		}
	}
	c.last = res
	return res
}

// clone returns a client holding the same cookie, e.g. an attacker who
// captured it.
func (c *client) clone() *client {
	cp := *c
	return &cp
}

func storeSet(t *testing.T, st *MemStore, key, val any) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := st.Get(r, testCookie)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		s.Values[key] = val
		if err := s.Save(r, w); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
}

// load returns the session the client's cookie resolves to.
func load(t *testing.T, st *MemStore, c *client) *sessions.Session {
	t.Helper()
	var s *sessions.Session
	c.do(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if s, err = st.New(r, testCookie); err != nil {
			t.Fatalf("New returned error: %v", err)
		}
	})
	return s
}

func TestNewMemStoreValidation(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	tests := []struct {
		name    string
		cfg     StoreConfig
		wantErr string
	}{
		{"defaults", StoreConfig{HashKey: key}, ""},
		{"short key", StoreConfig{HashKey: key[:31]}, "HashKey"},
		{"negative idle", StoreConfig{HashKey: key, IdleTimeout: -time.Second}, "IdleTimeout"},
		{"negative absolute", StoreConfig{HashKey: key, AbsoluteTimeout: -time.Second}, "AbsoluteTimeout"},
		{"idle > absolute", StoreConfig{HashKey: key, IdleTimeout: 2 * time.Hour, AbsoluteTimeout: time.Hour}, "IdleTimeout"},
		{"idle > default absolute", StoreConfig{HashKey: key, IdleTimeout: 9 * time.Hour}, "AbsoluteTimeout"},
		{"negative max", StoreConfig{HashKey: key, MaxSessions: -1}, "MaxSessions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := NewMemStore(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if st.idle != DefaultIdleTimeout || st.absolute != DefaultAbsoluteTimeout || st.maxSessions != DefaultMaxSessions {
					t.Errorf("defaults not applied: idle=%v absolute=%v max=%d", st.idle, st.absolute, st.maxSessions)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestStoreRoundTripAndIsNew(t *testing.T) {
	st, _ := newTestStore(t, nil)
	c := &client{name: testCookie}

	if s := load(t, st, c); !s.IsNew || s.ID != "" || len(s.Values) != 0 {
		t.Fatalf("no cookie: got IsNew=%v ID=%q values=%v", s.IsNew, s.ID, s.Values)
	}
	c.do(storeSet(t, st, "k", "v"))
	if c.cookie == nil {
		t.Fatal("Save set no cookie")
	}
	s := load(t, st, c)
	if s.IsNew || s.ID == "" || s.Values["k"] != "v" {
		t.Fatalf("reload: IsNew=%v ID=%q values=%v", s.IsNew, s.ID, s.Values)
	}
	if st.Len() != 1 {
		t.Errorf("Len = %d, want 1", st.Len())
	}
}

func TestStoreBadCookiesYieldNewSession(t *testing.T) {
	st, _ := newTestStore(t, nil)
	good := &client{name: testCookie}
	good.do(storeSet(t, st, "k", "v"))
	val := good.cookie.Value

	otherStore, _ := newTestStore(t, func(c *StoreConfig) { c.HashKey = bytes.Repeat([]byte{8}, 32) })
	foreign := &client{name: testCookie}
	foreign.do(storeSet(t, otherStore, "k", "v"))

	unknown, err := st.codec.Encode(testCookie, []byte(newRandomToken(sessionIDBytes)))
	if err != nil {
		t.Fatal(err)
	}
	otherName, err := st.codec.Encode("other_cookie", []byte(load(t, st, good).ID))
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(val)
	flipped[len(flipped)/2] ^= 0x01

	tests := map[string]string{
		"empty":                 "",
		"garbage":               "not-a-cookie",
		"bit flipped":           string(flipped),
		"truncated":             val[:len(val)-4],
		"signed by another":     foreign.cookie.Value,
		"signed unknown id":     unknown,
		"signed for other name": otherName,
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			c := &client{name: testCookie, cookie: &http.Cookie{Name: testCookie, Value: v}}
			var s *sessions.Session
			var err error
			c.do(func(w http.ResponseWriter, r *http.Request) { s, err = st.Get(r, testCookie) })
			if err != nil {
				t.Fatalf("Get surfaced an error for a bad cookie: %v", err)
			}
			if !s.IsNew || s.ID != "" || len(s.Values) != 0 {
				t.Fatalf("bad cookie resolved: IsNew=%v ID=%q values=%v", s.IsNew, s.ID, s.Values)
			}
		})
	}
	if s := load(t, st, good); s.Values["k"] != "v" {
		t.Fatalf("good cookie stopped working")
	}
}

func TestStoreCookieAttributes(t *testing.T) {
	tests := []struct {
		name         string
		tls          bool
		secureAlways bool
		wantSecure   bool
	}{
		{"plain http loopback", false, false, false},
		{"tls request", true, false, true},
		{"secure always over http", false, true, true},
		{"secure always over tls", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newTestStore(t, func(c *StoreConfig) {
				c.SecureAlways = tt.secureAlways
				c.AbsoluteTimeout = 2 * time.Hour
			})
			c := &client{name: testCookie, tls: tt.tls}
			c.do(storeSet(t, st, "k", "v"))
			ck := c.cookie
			if ck == nil {
				t.Fatal("no cookie")
			}
			if ck.Secure != tt.wantSecure {
				t.Errorf("Secure = %v, want %v", ck.Secure, tt.wantSecure)
			}
			if !ck.HttpOnly {
				t.Error("cookie not HttpOnly")
			}
			if ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("SameSite = %v, want Lax", ck.SameSite)
			}
			if ck.Path != "/" {
				t.Errorf("Path = %q, want /", ck.Path)
			}
			if ck.Domain != "" {
				t.Errorf("Domain = %q, want none", ck.Domain)
			}
			if ck.MaxAge != int((2 * time.Hour).Seconds()) {
				t.Errorf("MaxAge = %d, want absolute timeout", ck.MaxAge)
			}
		})
	}
}

func TestStoreCookieMaxAgeTracksAbsoluteLimit(t *testing.T) {
	st, clock := newTestStore(t, func(c *StoreConfig) { c.AbsoluteTimeout = time.Hour; c.IdleTimeout = time.Hour })
	c := &client{name: testCookie}
	c.do(storeSet(t, st, "k", 1))
	clock.Advance(20 * time.Minute)
	c.do(storeSet(t, st, "k", 2))
	if want := int((40 * time.Minute).Seconds()); c.cookie.MaxAge != want {
		t.Errorf("MaxAge after 20m = %d, want remaining %d", c.cookie.MaxAge, want)
	}
}

func TestStoreOptionsCannotWeakenCookie(t *testing.T) {
	st, _ := newTestStore(t, nil)
	c := &client{name: testCookie}
	c.do(func(w http.ResponseWriter, r *http.Request) {
		s, _ := st.Get(r, testCookie)
		s.Options.HttpOnly = false
		s.Options.Domain = "evil.example"
		s.Options.Path = "/x"
		s.Options.SameSite = http.SameSiteNoneMode
		s.Values["k"] = "v"
		if err := s.Save(r, w); err != nil {
			t.Fatal(err)
		}
	})
	ck := c.cookie
	if !ck.HttpOnly || ck.Domain != "" || ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("options weakened cookie: %+v", ck)
	}
}

func TestStoreIdleAndAbsoluteExpiry(t *testing.T) {
	const idle, absolute = 30 * time.Minute, 8 * time.Hour
	tests := []struct {
		name  string
		steps []time.Duration // clock advances, each followed by a Get
		alive []bool
	}{
		{"just under idle", []time.Duration{idle - time.Second}, []bool{true}},
		{"at idle", []time.Duration{idle}, []bool{false}},
		{"past idle", []time.Duration{idle + time.Hour}, []bool{false}},
		{"activity refreshes idle", []time.Duration{20 * time.Minute, 20 * time.Minute, 20 * time.Minute}, []bool{true, true, true}},
		{"idle after refresh", []time.Duration{20 * time.Minute, idle}, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, clock := newTestStore(t, func(c *StoreConfig) { c.IdleTimeout = idle; c.AbsoluteTimeout = absolute })
			c := &client{name: testCookie}
			c.do(storeSet(t, st, "k", "v"))
			for i, d := range tt.steps {
				clock.Advance(d)
				s := load(t, st, c)
				if got := !s.IsNew; got != tt.alive[i] {
					t.Fatalf("step %d (+%v): alive = %v, want %v", i, d, got, tt.alive[i])
				}
			}
		})
	}

	t.Run("active session lives until absolute limit", func(t *testing.T) {
		st, clock := newTestStore(t, func(c *StoreConfig) { c.IdleTimeout = idle; c.AbsoluteTimeout = absolute })
		c := &client{name: testCookie}
		c.do(storeSet(t, st, "k", "v"))
		step := 25 * time.Minute
		var elapsed time.Duration
		for elapsed+step < absolute {
			clock.Advance(step)
			elapsed += step
			if s := load(t, st, c); s.IsNew {
				t.Fatalf("session expired at %v despite activity", elapsed)
			}
		}
		clock.Advance(absolute - elapsed)
		if s := load(t, st, c); !s.IsNew {
			t.Fatal("session survived the absolute timeout")
		}
		if n := len(st.entries); n != 0 {
			t.Errorf("expired session not deleted on access: %d entries", n)
		}
	})
}

func TestStoreSaveAfterExpiryOrDeleteIsRefused(t *testing.T) {
	st, clock := newTestStore(t, nil)
	for _, tc := range []struct {
		name   string
		remove func(id string)
	}{
		{"deleted concurrently", func(id string) { st.delete(id) }},
		{"expired meanwhile", func(string) { clock.Advance(DefaultIdleTimeout) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &client{name: testCookie}
			c.do(storeSet(t, st, "user", "alice"))
			res := c.do(func(w http.ResponseWriter, r *http.Request) {
				s, _ := st.Get(r, testCookie)
				tc.remove(s.ID)
				s.Values["flash"] = "hi"
				if err := s.Save(r, w); !errors.Is(err, ErrSessionGone) {
					t.Errorf("Save error = %v, want ErrSessionGone", err)
				}
			})
			if len(res.Cookies()) != 0 {
				t.Errorf("refused Save still set a cookie")
			}
			if s := load(t, st, c); !s.IsNew {
				t.Errorf("session was resurrected: %v", s.Values)
			}
		})
	}
}

func TestStoreNegativeMaxAgeDeletes(t *testing.T) {
	st, _ := newTestStore(t, nil)
	c := &client{name: testCookie}
	c.do(storeSet(t, st, "k", "v"))
	replay := c.clone()
	res := c.do(func(w http.ResponseWriter, r *http.Request) {
		s, _ := st.Get(r, testCookie)
		s.Options.MaxAge = -1
		if err := s.Save(r, w); err != nil {
			t.Fatal(err)
		}
	})
	cks := res.Cookies()
	if len(cks) != 1 || cks[0].MaxAge >= 0 || cks[0].Value != "" {
		t.Fatalf("cookie not expired: %+v", cks)
	}
	if st.Len() != 0 {
		t.Errorf("Len = %d after delete", st.Len())
	}
	if s := load(t, st, replay); !s.IsNew {
		t.Error("replayed cookie still resolves after delete")
	}
}

func TestStoreValuesAreCopied(t *testing.T) {
	st, _ := newTestStore(t, nil)
	c := &client{name: testCookie}
	type inner struct {
		Tags []string
		Ptr  *int
	}
	n := 1
	list := []string{"a"}
	nested := map[string][]int{"x": {1}}
	in := &inner{Tags: []string{"t"}, Ptr: &n}
	blob := []byte("abc")
	c.do(func(w http.ResponseWriter, r *http.Request) {
		s, _ := st.Get(r, testCookie)
		s.Values["list"] = list
		s.Values["nested"] = nested
		s.Values["inner"] = in
		s.Values["blob"] = blob
		if err := s.Save(r, w); err != nil {
			t.Fatal(err)
		}
		// Mutations after Save must not reach the store.
		list[0] = "MUT"
		nested["x"][0] = 99
		in.Tags[0] = "MUT"
		*in.Ptr = 99
		blob[0] = 'Z'
	})
	// Mutations of loaded values without Save must not reach the store.
	s := load(t, st, c)
	s.Values["list"].([]string)[0] = "MUT2"
	s.Values["nested"].(map[string][]int)["x"][0] = 98
	s.Values["inner"].(*inner).Tags[0] = "MUT2"
	s.Values["blob"].([]byte)[1] = 'Z'
	s.Values["new"] = "not saved"

	s = load(t, st, c)
	if got := s.Values["list"].([]string)[0]; got != "a" {
		t.Errorf("list[0] = %q", got)
	}
	if got := s.Values["nested"].(map[string][]int)["x"][0]; got != 1 {
		t.Errorf("nested = %d", got)
	}
	if got := s.Values["inner"].(*inner); got.Tags[0] != "t" || *got.Ptr != 1 {
		t.Errorf("inner = %+v (*Ptr=%d)", got, *got.Ptr)
	}
	if got := string(s.Values["blob"].([]byte)); got != "abc" {
		t.Errorf("blob = %q", got)
	}
	if _, ok := s.Values["new"]; ok {
		t.Error("unsaved key visible")
	}
}

func TestStoreRejectsCyclicValues(t *testing.T) {
	st, _ := newTestStore(t, nil)
	type node struct{ Next *node }
	loop := &node{}
	loop.Next = loop
	c := &client{name: testCookie}
	c.do(func(w http.ResponseWriter, r *http.Request) {
		s, _ := st.Get(r, testCookie)
		s.Values["loop"] = loop
		if err := s.Save(r, w); err == nil {
			t.Error("Save of a cyclic value succeeded")
		}
	})
}

func TestStoreEvictsOldestIdleAtMax(t *testing.T) {
	st, clock := newTestStore(t, func(c *StoreConfig) { c.MaxSessions = 3 })
	clients := make([]*client, 4)
	for i := range 3 {
		clients[i] = &client{name: testCookie}
		clients[i].do(storeSet(t, st, "i", i))
		clock.Advance(time.Minute)
	}
	// Touch session 0 so session 1 becomes the least recently seen.
	if s := load(t, st, clients[0]); s.IsNew {
		t.Fatal("session 0 missing")
	}
	clock.Advance(time.Minute)
	clients[3] = &client{name: testCookie}
	clients[3].do(storeSet(t, st, "i", 3))

	if got := st.Len(); got != 3 {
		t.Fatalf("Len = %d, want 3", got)
	}
	for i, want := range []bool{true, false, true, true} {
		if alive := !load(t, st, clients[i]).IsNew; alive != want {
			t.Errorf("session %d alive = %v, want %v", i, alive, want)
		}
	}
}

func TestStoreSweepsExpiredLazily(t *testing.T) {
	st, clock := newTestStore(t, nil)
	for range 50 {
		(&client{name: testCookie}).do(storeSet(t, st, "k", "v"))
	}
	clock.Advance(DefaultIdleTimeout)
	(&client{name: testCookie}).do(storeSet(t, st, "k", "v"))
	// Inspect the map directly: Len would sweep by itself.
	st.mu.Lock()
	n := len(st.entries)
	st.mu.Unlock()
	if n != 1 {
		t.Errorf("entries after sweep = %d, want 1", n)
	}
}

func TestStoreConcurrentGetSave(t *testing.T) {
	st, clock := newTestStore(t, func(c *StoreConfig) { c.MaxSessions = 50 })
	shared := &client{name: testCookie}
	shared.do(storeSet(t, st, "n", 0))
	sharedCookie := shared.cookie

	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := &client{name: testCookie}
			for i := range 200 {
				c := own
				if i%2 == 0 {
					c = &client{name: testCookie, cookie: sharedCookie}
				}
				c.do(func(w http.ResponseWriter, r *http.Request) {
					s, err := st.Get(r, testCookie)
					if err != nil {
						t.Error(err)
						return
					}
					s.Values["n"] = i
					s.Values[fmt.Sprint("g", g)] = []string{"x"}
					if err := s.Save(r, w); err != nil && !errors.Is(err, ErrSessionGone) {
						t.Error(err)
					}
				})
				if i%50 == 0 {
					clock.Advance(time.Second)
					_ = st.Len()
				}
			}
		}()
	}
	wg.Wait()
	if n := st.Len(); n < 1 || n > 50 {
		t.Errorf("Len = %d, want within (0, MaxSessions]", n)
	}
}

func TestCopyValuesKinds(t *testing.T) {
	type point struct {
		X, Y   int
		Labels map[string]string
		hidden []int // unexported: copied shallowly, must not panic
	}
	arr := [2][]int{{1}, {2}}
	key := &struct{ K int }{1}
	var nilMap map[string]int
	src := map[any]any{
		"nil":     nil,
		"arr":     arr,
		"flatArr": [3]byte{1, 2, 3},
		"point":   point{X: 1, Labels: map[string]string{"a": "b"}, hidden: []int{9}},
		"anyMap":  map[any]any{"inner": []any{"x", 1, []string{"y"}}},
		"nilMap":  nilMap,
		"ptrKey":  map[*struct{ K int }]string{key: "v"},
		"time":    time.Unix(5, 0),
		"func":    func() {},
	}
	dst, err := copyValues(src)
	if err != nil {
		t.Fatal(err)
	}
	arr[0][0] = 99
	src["point"].(point).Labels["a"] = "MUT"
	src["anyMap"].(map[any]any)["inner"].([]any)[2].([]string)[0] = "MUT"

	if got := dst["arr"].([2][]int)[0][0]; got != 1 {
		t.Errorf("array of slices shared: %d", got)
	}
	if got := dst["point"].(point); got.Labels["a"] != "b" || got.X != 1 || got.hidden[0] != 9 {
		t.Errorf("struct copy = %+v", got)
	}
	if got := dst["anyMap"].(map[any]any)["inner"].([]any)[2].([]string)[0]; got != "y" {
		t.Errorf("nested interface slice shared: %q", got)
	}
	if dst["nilMap"].(map[string]int) != nil || dst["nil"] != nil {
		t.Error("nil values not preserved")
	}
	if dst["ptrKey"].(map[*struct{ K int }]string)[key] != "v" {
		t.Error("pointer map key identity lost")
	}
	if dst["flatArr"] != [3]byte{1, 2, 3} || !dst["time"].(time.Time).Equal(time.Unix(5, 0)) {
		t.Error("flat values changed")
	}
}

func TestManagerStoreInteroperatesWithGorilla(t *testing.T) {
	m, _ := newTestManager(t, nil)
	c := m.testClient()
	// Handlers may use plain gorilla APIs on Store(); the Manager sees the
	// same per-request session.
	c.do(func(w http.ResponseWriter, r *http.Request) {
		s, err := m.Store().Get(r, m.name)
		if err != nil {
			t.Fatal(err)
		}
		s.Values["plain"] = "gorilla"
		if err := sessions.Save(r, w); err != nil {
			t.Fatal(err)
		}
		if err := m.AddFlash(w, r, "hello"); err != nil {
			t.Fatal(err)
		}
	})
	c.do(func(w http.ResponseWriter, r *http.Request) {
		s, _ := m.Store().Get(r, m.name)
		if s.Values["plain"] != "gorilla" {
			t.Errorf("plain value = %v", s.Values["plain"])
		}
		if got := m.TakeFlashes(w, r); len(got) != 1 || got[0] != "hello" {
			t.Errorf("flashes = %q", got)
		}
	})
}
