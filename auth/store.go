package auth

import (
	"container/list"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Defaults shared by MemStore and Manager.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 8 * time.Hour
	DefaultMaxSessions     = 100_000

	// sessionIDBytes is the entropy of a session id (256 bits).
	sessionIDBytes = 32
	// minHashKeyLen is the minimum cookie HMAC key length.
	minHashKeyLen = 32
	// maxValueDepth bounds the deep copy of session values so a cyclic
	// pointer structure fails Save instead of overflowing the stack.
	maxValueDepth = 32
)

// ErrSessionGone is returned by MemStore.Save when the session being saved
// was deleted (signed out, evicted) or expired after it was loaded. Saving
// it anyway would silently resurrect a signed-out session under a new id, so
// the save is refused and no cookie is written.
var ErrSessionGone = errors.New("auth: session expired or was deleted")

// StoreConfig configures a MemStore. Zero durations and counts mean the
// package defaults.
type StoreConfig struct {
	// HashKey authenticates the cookie (HMAC-SHA256); at least 32 bytes.
	HashKey         []byte
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// SecureAlways marks cookies Secure even on plain-HTTP requests; set it
	// when TLS is terminated by a proxy, where r.TLS is nil.
	SecureAlways bool
	MaxSessions  int
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
	// Logger receives debug-level reasons for rejected cookies and
	// evictions; nil means slog.Default(). Session ids are never logged.
	Logger *slog.Logger
	// Keep marks sessions worth keeping (signed-in ones): when the store is
	// full, other sessions are evicted first. Nil treats all alike.
	Keep func(values map[any]any) bool
}

// MemStore is a server-side, in-memory implementation of sessions.Store.
// The cookie carries only an HMAC-signed random session id; all values stay
// in process memory, deep-copied on Save and on load so that handlers cannot
// change shared state without saving.
//
// Sessions expire after IdleTimeout without a successful load or save, and
// unconditionally AbsoluteTimeout after creation. Expired sessions are
// removed when touched and swept lazily from the least-recently-seen end on
// every Save (no background goroutine). At most MaxSessions are kept; beyond
// that the least-recently-seen session is evicted, sessions Keep vouches for
// only when no other is left.
//
// Cookies are always HttpOnly, SameSite=Lax, Path=/ and host-only (no
// Domain), regardless of session Options, because the portal needs no
// other scope. They are Secure when the request arrived over TLS, when
// SecureAlways is set, or when Options.Secure is set. The cookie Max-Age is
// the session's remaining absolute lifetime (capped by Options.MaxAge);
// setting Options.MaxAge = 0 yields a browser-session cookie instead.
//
// Sessions are lost on restart, which for this portal simply means signing
// in again. A MemStore is safe for concurrent use.
type MemStore struct {
	codec        *securecookie.SecureCookie
	idle         time.Duration
	absolute     time.Duration
	secureAlways bool
	maxSessions  int
	now          func() time.Time
	log          *slog.Logger

	keep func(values map[any]any) bool

	mu      sync.Mutex
	entries map[string]*list.Element // id -> element whose Value is *entry
	lru     *list.List               // ordinary sessions; front = most recently seen
	keptLRU *list.List               // sessions Keep vouches for, evicted only when no other is left
}

var _ sessions.Store = (*MemStore)(nil)

// entry is one server-side session. values is replaced, never mutated, once
// stored, so it may be read (copied) after releasing the lock; the other
// fields are guarded by MemStore.mu.
type entry struct {
	id       string
	name     string
	values   map[any]any
	created  time.Time
	lastSeen time.Time
	kept     bool // in keptLRU rather than lru
}

// NewMemStore validates cfg, fills in defaults and returns an empty store.
func NewMemStore(cfg StoreConfig) (*MemStore, error) {
	if len(cfg.HashKey) < minHashKeyLen {
		return nil, fmt.Errorf("auth: StoreConfig.HashKey must be at least %d bytes (got %d)", minHashKeyLen, len(cfg.HashKey))
	}
	idle, absolute, maxSessions, err := timeoutsAndCap("StoreConfig", cfg.IdleTimeout, cfg.AbsoluteTimeout, cfg.MaxSessions)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	hashKey := append([]byte(nil), cfg.HashKey...)
	codec := securecookie.New(hashKey, nil).
		SetSerializer(securecookie.NopEncoder{}).
		// Defence in depth on top of the server-side expiry. securecookie
		// checks this against the real clock, which is fine: the cookie is
		// re-signed on every Save and the server entry is authoritative.
		MaxAge(int(math.Ceil(absolute.Seconds())))
	return &MemStore{
		codec:        codec,
		idle:         idle,
		absolute:     absolute,
		secureAlways: cfg.SecureAlways,
		maxSessions:  maxSessions,
		now:          now,
		log:          logger,
		keep:         cfg.Keep,
		entries:      make(map[string]*list.Element),
		lru:          list.New(),
		keptLRU:      list.New(),
	}, nil
}

// timeoutsAndCap applies defaults and validates the settings shared by
// StoreConfig and Config; errors name the offending setting.
func timeoutsAndCap(prefix string, idle, absolute time.Duration, maxSessions int) (time.Duration, time.Duration, int, error) {
	switch {
	case idle < 0:
		return 0, 0, 0, fmt.Errorf("auth: %s.IdleTimeout must be positive (got %v)", prefix, idle)
	case idle == 0:
		idle = DefaultIdleTimeout
	}
	switch {
	case absolute < 0:
		return 0, 0, 0, fmt.Errorf("auth: %s.AbsoluteTimeout must be positive (got %v)", prefix, absolute)
	case absolute == 0:
		absolute = DefaultAbsoluteTimeout
	}
	if idle > absolute {
		return 0, 0, 0, fmt.Errorf("auth: %s.IdleTimeout (%v) must not exceed %s.AbsoluteTimeout (%v)", prefix, idle, prefix, absolute)
	}
	switch {
	case maxSessions < 0:
		return 0, 0, 0, fmt.Errorf("auth: %s.MaxSessions must be positive (got %d)", prefix, maxSessions)
	case maxSessions == 0:
		maxSessions = DefaultMaxSessions
	}
	return idle, absolute, maxSessions, nil
}

// Get returns the session for name, cached in the request's gorilla
// registry so that every caller within one request sees (and saves) the
// same *sessions.Session. It never returns an error for a bad cookie: an
// invalid, expired or unknown session simply comes back as a new one.
func (st *MemStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New loads the session named by the request cookie, bypassing the
// registry. A missing, forged, expired or unknown cookie yields a new, empty
// session (IsNew, empty ID) and a nil error; the reason is logged at debug
// level only, since it is either routine (expiry) or an attacker's problem.
// A successful load refreshes the session's last-seen time.
func (st *MemStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(st, name)
	s.Options = st.defaultOptions()
	s.IsNew = true

	c, err := r.Cookie(name)
	if err != nil {
		return s, nil
	}
	var raw []byte
	if err := st.codec.Decode(name, c.Value, &raw); err != nil {
		st.log.Debug("auth: session cookie rejected", "cookie", name, "reason", err.Error())
		return s, nil
	}
	id := string(raw)
	values, reason := st.load(id, name)
	if reason != "" {
		st.log.Debug("auth: session cookie ignored", "cookie", name, "reason", reason)
		return s, nil
	}
	vals, err := copyValues(values)
	if err != nil { // cannot happen: the same values were copied on Save
		st.log.Debug("auth: session values unreadable", "cookie", name, "reason", err.Error())
		return s, nil
	}
	s.ID = id
	s.Values = vals
	s.IsNew = false
	return s, nil
}

// load looks id up, deletes it if expired, otherwise refreshes last-seen.
// It returns the stored (shared, read-only) values or a reason for failure.
func (st *MemStore) load(id, name string) (map[any]any, string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	el, ok := st.entries[id]
	if !ok {
		return nil, "unknown session id"
	}
	e := el.Value.(*entry)
	if e.name != name {
		return nil, "session id belongs to another cookie"
	}
	now := st.now()
	if reason := st.expired(e, now); reason != "" {
		st.removeLocked(el)
		return nil, reason
	}
	e.lastSeen = now
	st.listOf(e).MoveToFront(el)
	return e.values, ""
}

// Save persists s and writes its cookie. A new session (empty ID) gets a
// fresh random id. Options.MaxAge < 0 deletes the session server-side and
// expires the cookie. Saving a session that has since expired or been
// deleted returns ErrSessionGone and writes nothing.
func (st *MemStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	name := s.Name()
	if s.Options != nil && s.Options.MaxAge < 0 {
		if s.ID != "" {
			st.delete(s.ID)
		}
		s.ID = ""
		http.SetCookie(w, st.cookie(r, s, "", -1))
		return nil
	}

	values, err := copyValues(s.Values)
	if err != nil {
		return err
	}
	now := st.now()

	var created time.Time
	id := s.ID
	if id == "" {
		id = newRandomToken(sessionIDBytes)
		created = now
	}
	encoded, err := st.codec.Encode(name, []byte(id))
	if err != nil {
		return fmt.Errorf("auth: encoding session cookie: %w", err)
	}

	if s.ID == "" {
		st.insert(&entry{id: id, name: name, values: values, created: now, lastSeen: now})
		s.ID = id
	} else if created, err = st.update(id, name, values, now); err != nil {
		return err
	}

	maxAge := 0
	if s.Options == nil || s.Options.MaxAge > 0 {
		remaining := created.Add(st.absolute).Sub(now)
		maxAge = int(math.Ceil(remaining.Seconds()))
		if s.Options != nil && s.Options.MaxAge < maxAge {
			maxAge = s.Options.MaxAge
		}
		if maxAge < 1 {
			maxAge = 1
		}
	}
	http.SetCookie(w, st.cookie(r, s, encoded, maxAge))
	return nil
}

// cookie builds the session cookie with the fixed security attributes.
func (st *MemStore) cookie(r *http.Request, s *sessions.Session, value string, maxAge int) *http.Cookie {
	c := &http.Cookie{
		Name:     s.Name(),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   st.secureAlways || r.TLS != nil || (s.Options != nil && s.Options.Secure),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge < 0 {
		c.Expires = time.Unix(1, 0) // for clients that ignore Max-Age=0
	}
	return c
}

// defaultOptions mirrors what Save enforces, so code inspecting
// Session.Options sees the truth.
func (st *MemStore) defaultOptions() *sessions.Options {
	return &sessions.Options{
		Path:     "/",
		MaxAge:   int(math.Ceil(st.absolute.Seconds())),
		Secure:   st.secureAlways,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// insert adds a new entry, sweeping expired sessions and evicting the
// least-recently-seen ones if the store is full.
func (st *MemStore) insert(e *entry) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(e.created)
	for len(st.entries) >= st.maxSessions {
		// A flood of anonymous sessions must not push out signed-in people.
		oldest := st.lru.Back()
		if oldest == nil {
			oldest = st.keptLRU.Back()
		}
		st.removeLocked(oldest)
		st.log.Debug("auth: session evicted", "reason", "MaxSessions reached", "max", st.maxSessions)
	}
	e.kept = st.keep != nil && st.keep(e.values)
	st.entries[e.id] = st.listOf(e).PushFront(e)
}

// update replaces the values of a live entry and returns its creation time.
func (st *MemStore) update(id, name string, values map[any]any, now time.Time) (time.Time, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweepLocked(now)
	el, ok := st.entries[id]
	if !ok {
		return time.Time{}, ErrSessionGone
	}
	e := el.Value.(*entry)
	if e.name != name {
		return time.Time{}, ErrSessionGone
	}
	if st.expired(e, now) != "" {
		st.removeLocked(el)
		return time.Time{}, ErrSessionGone
	}
	e.values = values
	e.lastSeen = now
	if kept := st.keep != nil && st.keep(values); kept != e.kept {
		st.listOf(e).Remove(el)
		e.kept = kept
		st.entries[id] = st.listOf(e).PushFront(e)
	} else {
		st.listOf(e).MoveToFront(el)
	}
	return e.created, nil
}

// delete removes a session server-side; unknown ids are ignored.
func (st *MemStore) delete(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if el, ok := st.entries[id]; ok {
		st.removeLocked(el)
	}
}

// Len returns the number of live (unexpired) sessions. It scans the whole
// store, so it is meant for tests and occasional metrics, not hot paths.
func (st *MemStore) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := st.now()
	for _, l := range []*list.List{st.lru, st.keptLRU} {
		for el := l.Front(); el != nil; {
			next := el.Next()
			if st.expired(el.Value.(*entry), now) != "" {
				st.removeLocked(el)
			}
			el = next
		}
	}
	return len(st.entries)
}

// sweepLocked drops idle-expired sessions from the least-recently-seen end.
// The list is ordered by last-seen, so this stops at the first live entry
// and costs O(1) amortised. Sessions past their absolute limit but still in
// use are removed on their next access instead, and fall off here at most
// IdleTimeout after their last use, so memory stays bounded.
func (st *MemStore) sweepLocked(now time.Time) {
	for _, l := range []*list.List{st.lru, st.keptLRU} {
		for el := l.Back(); el != nil; el = l.Back() {
			if st.expired(el.Value.(*entry), now) == "" {
				break
			}
			st.removeLocked(el)
		}
	}
}

// listOf is the recency list an entry lives in.
func (st *MemStore) listOf(e *entry) *list.List {
	if e.kept {
		return st.keptLRU
	}
	return st.lru
}

func (st *MemStore) removeLocked(el *list.Element) {
	e := el.Value.(*entry)
	st.listOf(e).Remove(el)
	delete(st.entries, e.id)
}

// expired returns a non-empty reason if e is past either limit at now.
func (st *MemStore) expired(e *entry, now time.Time) string {
	switch {
	case !now.Before(e.created.Add(st.absolute)):
		return "session reached absolute timeout"
	case !now.Before(e.lastSeen.Add(st.idle)):
		return "session reached idle timeout"
	}
	return ""
}

// newRandomToken returns n random bytes, base64url-encoded without padding.
func newRandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// Unreachable on supported platforms; a predictable id would be
		// worse than crashing.
		panic("auth: crypto/rand failed")
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// copyValues deep-copies session values so that neither the store nor a
// handler can observe the other's later mutations. Maps, slices, arrays,
// pointers and exported struct fields are copied recursively; unexported
// struct fields, channels and funcs are copied shallowly (e.g. time.Time's
// *Location, which is immutable). Map keys are not copied: they are
// comparable values, and copying a pointer key would change its identity.
func copyValues(src map[any]any) (map[any]any, error) {
	dst := make(map[any]any, len(src))
	for k, v := range src {
		c, err := copyAny(v)
		if err != nil {
			return nil, err
		}
		dst[k] = c
	}
	return dst, nil
}

func copyAny(v any) (any, error) {
	switch v := v.(type) { // fast paths for what this package stores
	case nil, string, bool, int, int64, time.Time:
		return v, nil
	case []byte:
		return append([]byte(nil), v...), nil
	case []string:
		return append([]string(nil), v...), nil
	}
	c, err := deepCopy(reflect.ValueOf(v), 0)
	if err != nil {
		return nil, err
	}
	return c.Interface(), nil
}

var errValueTooDeep = errors.New("auth: session value nested too deeply (cyclic?)")

func deepCopy(v reflect.Value, depth int) (reflect.Value, error) {
	if depth > maxValueDepth {
		return reflect.Value{}, errValueTooDeep
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return v, nil
		}
		c, err := deepCopy(v.Elem(), depth+1)
		if err != nil {
			return reflect.Value{}, err
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(c)
		return out, nil
	case reflect.Pointer:
		if v.IsNil() {
			return v, nil
		}
		c, err := deepCopy(v.Elem(), depth+1)
		if err != nil {
			return reflect.Value{}, err
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(c)
		return p, nil
	case reflect.Map:
		if v.IsNil() {
			return v, nil
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c, err := deepCopy(it.Value(), depth+1)
			if err != nil {
				return reflect.Value{}, err
			}
			m.SetMapIndex(it.Key(), c)
		}
		return m, nil
	case reflect.Slice:
		if v.IsNil() {
			return v, nil
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		if isFlat(v.Type().Elem()) {
			reflect.Copy(s, v)
			return s, nil
		}
		for i := range v.Len() {
			c, err := deepCopy(v.Index(i), depth+1)
			if err != nil {
				return reflect.Value{}, err
			}
			s.Index(i).Set(c)
		}
		return s, nil
	case reflect.Array:
		a := reflect.New(v.Type()).Elem()
		a.Set(v)
		if isFlat(v.Type().Elem()) {
			return a, nil
		}
		for i := range v.Len() {
			c, err := deepCopy(v.Index(i), depth+1)
			if err != nil {
				return reflect.Value{}, err
			}
			a.Index(i).Set(c)
		}
		return a, nil
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := range v.NumField() {
			f := out.Field(i)
			if !f.CanSet() || isFlat(f.Type()) {
				continue
			}
			c, err := deepCopy(v.Field(i), depth+1)
			if err != nil {
				return reflect.Value{}, err
			}
			f.Set(c)
		}
		return out, nil
	default:
		return v, nil
	}
}

// isFlat reports whether values of t contain no references that deepCopy
// would follow, so a plain copy suffices.
func isFlat(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return isFlat(t.Elem())
	}
	return false
}
