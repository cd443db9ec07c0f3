package auth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
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

// client is a small browser: it sends its cookies with each request and
// applies Set-Cookie headers from each response. cookie is the one named
// name (the session cookie); others holds the rest (flash, sign-in form).
type client struct {
	name   string
	cookie *http.Cookie
	others map[string]*http.Cookie
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
	for _, ck := range c.others {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	w := httptest.NewRecorder()
	fn(w, r)
	res := w.Result()
	for _, ck := range res.Cookies() {
		name := ck.Name
		if ck.MaxAge < 0 {
			ck = nil
		}
		switch {
		case name == c.name:
			c.cookie = ck
		case ck == nil:
			delete(c.others, name)
		default:
			if c.others == nil {
				c.others = map[string]*http.Cookie{}
			}
			c.others[name] = ck
		}
	}
	c.last = res
	return res
}

// clone returns a client holding the same cookies, e.g. an attacker who
// captured them.
func (c *client) clone() *client {
	cp := *c
	cp.others = maps.Clone(c.others)
	return &cp
}

// sessionID is the id of the session the client's cookie resolves to, or "".
func sessionID(m *Manager, c *client) string {
	var id string
	c.do(func(w http.ResponseWriter, r *http.Request) { id = m.session(r).id })
	return id
}

// records is a snapshot of what a MemStore holds.
func records(st Store) []Record {
	ms := st.(*MemStore)
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var out []Record
	for _, el := range ms.entries {
		out = append(out, *el.Value.(*Record))
	}
	return out
}

func newTestStore(t *testing.T, max int) (*MemStore, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	st, err := NewMemStore(MemStoreConfig{MaxSessions: max, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return st, clock
}

func rec(id string, now time.Time, life time.Duration, signedIn bool) Record {
	return Record{ID: id, Data: []byte(`{"v":"` + id + `"}`), Created: now, LastSeen: now, Expires: now.Add(life), SignedIn: signedIn}
}

func TestNewMemStoreValidation(t *testing.T) {
	if _, err := NewMemStore(MemStoreConfig{MaxSessions: -1}); err == nil || !strings.Contains(err.Error(), "MaxSessions") {
		t.Errorf("negative MaxSessions: %v", err)
	}
	st, err := NewMemStore(MemStoreConfig{})
	if err != nil || st.max != DefaultMaxSessions {
		t.Errorf("defaults: %v, max %d", err, st.max)
	}
}

func TestStoreRoundTripAndExpiry(t *testing.T) {
	ctx := context.Background()
	st, clock := newTestStore(t, 0)
	now := clock.Now()
	if _, err := st.Load(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if err := st.Create(ctx, rec("a", now, time.Hour, true)); err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, rec("a", now, time.Hour, true)); err == nil {
		t.Error("Create reused an id")
	}
	got, err := st.Load(ctx, "a")
	if err != nil || string(got.Data) != `{"v":"a"}` || !got.SignedIn || !got.Created.Equal(now) {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	clock.Advance(30 * time.Minute)
	if err := st.Touch(ctx, "a", clock.Now(), clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Minute)
	if _, err := st.Load(ctx, "a"); err != nil {
		t.Fatalf("touched record expired early: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := st.Load(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("record past Expires: %v", err)
	}
	if n, _ := st.Len(ctx); n != 0 {
		t.Errorf("Len = %d", n)
	}
}

func TestStoreSaveAfterExpiryOrDeleteIsRefused(t *testing.T) {
	ctx := context.Background()
	st, clock := newTestStore(t, 0)
	for name, remove := range map[string]func(id string){
		"deleted concurrently": func(id string) { _ = st.Delete(ctx, id) },
		"expired meanwhile":    func(string) { clock.Advance(time.Hour) },
	} {
		t.Run(name, func(t *testing.T) {
			r := rec(name, clock.Now(), time.Hour, true)
			_ = st.Create(ctx, r)
			remove(r.ID)
			r.Data, r.Expires = []byte("{}"), clock.Now().Add(time.Hour)
			if err := st.Save(ctx, r); !errors.Is(err, ErrSessionGone) {
				t.Errorf("Save = %v, want ErrSessionGone", err)
			}
			if err := st.Touch(ctx, r.ID, clock.Now(), clock.Now().Add(time.Hour)); !errors.Is(err, ErrSessionGone) {
				t.Errorf("Touch = %v, want ErrSessionGone", err)
			}
			if _, err := st.Load(ctx, r.ID); !errors.Is(err, ErrNotFound) {
				t.Error("record was resurrected")
			}
		})
	}
}

func TestStoreSaveReplacesButKeepsCreated(t *testing.T) {
	ctx := context.Background()
	st, clock := newTestStore(t, 0)
	created := clock.Now()
	_ = st.Create(ctx, rec("a", created, time.Hour, false))
	clock.Advance(time.Minute)
	r := Record{ID: "a", Data: []byte("new"), Created: clock.Now(), LastSeen: clock.Now(), Expires: clock.Now().Add(time.Hour), SignedIn: true}
	if err := st.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, _ := st.Load(ctx, "a")
	if string(got.Data) != "new" || !got.SignedIn || !got.Created.Equal(created) || !got.LastSeen.Equal(clock.Now()) {
		t.Errorf("after Save: %+v", got)
	}
}

func TestStoreEvictsOthersBeforeSignedIn(t *testing.T) {
	ctx := context.Background()
	st, clock := newTestStore(t, 3)
	for i, signedIn := range []bool{true, false, true} {
		_ = st.Create(ctx, rec(fmt.Sprint(i), clock.Now(), time.Hour, signedIn))
		clock.Advance(time.Minute)
	}
	// 1 is the only record not signed in: it goes first, although 0 is older.
	_ = st.Create(ctx, rec("3", clock.Now(), time.Hour, true))
	// Then the least recently seen signed-in one: touch 0 so 2 is.
	_ = st.Touch(ctx, "0", clock.Now(), clock.Now().Add(time.Hour))
	clock.Advance(time.Minute)
	_ = st.Create(ctx, rec("4", clock.Now(), time.Hour, true))
	for id, want := range map[string]bool{"0": true, "1": false, "2": false, "3": true, "4": true} {
		if _, err := st.Load(ctx, id); (err == nil) != want {
			t.Errorf("record %s kept = %v, want %v", id, err == nil, want)
		}
	}
}

func TestStoreSweepsExpiredLazily(t *testing.T) {
	ctx := context.Background()
	st, clock := newTestStore(t, 0)
	for i := range 50 {
		_ = st.Create(ctx, rec(fmt.Sprint(i), clock.Now(), time.Hour, i%2 == 0))
	}
	clock.Advance(time.Hour)
	_ = st.Create(ctx, rec("new", clock.Now(), time.Hour, false))
	if n := len(records(st)); n != 1 {
		t.Errorf("records after sweep = %d, want 1", n)
	}
}

func TestStoreConcurrentUse(t *testing.T) {
	ctx := context.Background()
	st, clock := newTestStore(t, 50)
	_ = st.Create(ctx, rec("shared", clock.Now(), time.Hour, true))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				now := clock.Now()
				switch i % 4 {
				case 0:
					_ = st.Create(ctx, rec(fmt.Sprint(g, "-", i), now, time.Hour, i%8 == 0))
				case 1:
					_, _ = st.Load(ctx, "shared")
				case 2:
					if err := st.Save(ctx, rec("shared", now, time.Hour, true)); err != nil && !errors.Is(err, ErrSessionGone) {
						t.Error(err)
					}
				case 3:
					_ = st.Touch(ctx, "shared", now, now.Add(time.Hour))
					clock.Advance(time.Second)
					_, _ = st.Len(ctx)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := st.Len(ctx); n < 1 || n > 50 {
		t.Errorf("Len = %d, want within (0, MaxSessions]", n)
	}
}
