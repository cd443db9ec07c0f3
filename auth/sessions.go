// Package auth keeps signed-in users' Apptivo credentials on the server,
// encrypted, for the length of a sign-in, and provides the session helpers
// (flashes, CSRF tokens, form stashes) the web handlers need.
package auth

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// Defaults and limits for Manager.
const (
	DefaultCookieName      = "desk_session"
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 8 * time.Hour

	// MaxStashBytes bounds the encoded size of all stashed forms in one
	// session, so a client cannot grow server memory through Stash.
	MaxStashBytes = 64 << 10
	// maxFlashes bounds queued flash messages; the oldest are dropped.
	maxFlashes = 20
	// minSessionKeyLen is the minimum Config.SessionKey length.
	minSessionKeyLen = 32
	// csrfTokenBytes is the entropy of a CSRF token (256 bits).
	csrfTokenBytes = 32
	// sessionIDBytes is the entropy of a session id (256 bits).
	sessionIDBytes = 32
)

// HKDF labels. Changing one invalidates every existing session and sealed
// value, which is the point of versioning them.
const (
	hkdfInfoCookie = "customerdesk/desk auth: session cookie HMAC v1"
	hkdfInfoKeyBox = "customerdesk/desk auth: credentials key box v1"
	hkdfInfoLogin  = "customerdesk/desk auth: sign-in form token v1"
)

// ErrStashTooLarge is returned by Stash when the session's stashed forms
// would exceed MaxStashBytes.
var ErrStashTooLarge = errors.New("auth: stashed form data too large")

// Credentials are a user's Apptivo API key and access key. Every formatting
// path (fmt verbs, slog, encoding/json) redacts them to at most the last four
// characters of the API key, so a stray log line cannot leak them. Pass the
// fields explicitly where the keys are really needed.
type Credentials struct{ APIKey, AccessKey string }

// String returns a redacted form such as "Credentials{…1234}".
func (c Credentials) String() string {
	// Show a hint only when the key is long enough that four characters
	// reveal a small fraction of it.
	if len(c.APIKey) >= 16 {
		return "Credentials{…" + c.APIKey[len(c.APIKey)-4:] + "}"
	}
	if c.APIKey != "" || c.AccessKey != "" {
		return "Credentials{…}"
	}
	return "Credentials{}"
}

// GoString makes %#v redacted too.
func (c Credentials) GoString() string { return c.String() }

// Format redacts for every verb, including %+v and %x, which would
// otherwise bypass String.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue implements slog.LogValuer.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON redacts Credentials when they are nested in a value that
// slog's JSON handler (or anything else) marshals, where LogValue is not
// consulted.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// User is a signed-in user as returned by Manager.Current.
type User struct {
	Email       string
	Credentials Credentials
	SignedInAt  time.Time
}

// sessionData is everything a session holds. It is encoded once per change
// into the Record's Data and decoded once per request, so no handler can
// change what is stored without saving, and nothing kept points into a
// request (a string cut from a form shares the whole body's memory).
type sessionData struct {
	Email      string           `json:"email,omitempty"`
	Creds      []byte           `json:"creds,omitempty"` // sealed by the KeyBox; never plaintext
	SignedInAt time.Time        `json:"signedInAt,omitzero"`
	CSRF       string           `json:"csrf,omitempty"`
	Flashes    []string         `json:"flashes,omitempty"`
	Drafts     map[string]draft `json:"drafts,omitempty"`
}

// draft is a stashed form: what someone typed, kept across a sign-in.
type draft struct {
	Owner string     `json:"owner"` // lower-case email of whose draft it is
	Form  url.Values `json:"form"`
}

// Config configures a Manager. Zero values mean the documented defaults;
// SessionKey is required.
type Config struct {
	CookieName string // default "desk_session"
	// SessionKey is the master secret (>= 32 bytes). Separate subkeys for
	// the cookie HMAC, the credentials KeyBox and the sign-in form tokens are
	// derived from it with HKDF-SHA256, so no use can weaken another.
	SessionKey      []byte
	IdleTimeout     time.Duration // default 30m
	AbsoluteTimeout time.Duration // default 8h
	// SecureAlways marks cookies Secure even for plain-HTTP requests; set
	// it behind a TLS-terminating proxy. Without it, cookies are Secure
	// only when r.TLS != nil, so http://localhost keeps working.
	SecureAlways bool
	// Store keeps the session records; nil means a MemStore holding at most
	// MaxSessions (default 100000).
	Store       Store
	MaxSessions int
	Now         func() time.Time // default time.Now
	// Logger receives debug-level reasons for rejected cookies; nil means
	// slog.Default(). Never receives ids, keys or tokens.
	Logger *slog.Logger
}

// Manager is the typed session API used by the web handlers. The cookie
// carries only an HMAC-signed random session id; the session itself is a
// Record in the Store. All methods that take a request share one view of the
// session per request, so several calls in one handler see each other's
// changes. A Manager is safe for concurrent use.
//
// Cookies are always HttpOnly, SameSite=Lax, Path=/ and host-only (no
// Domain); Secure when the request arrived over TLS or SecureAlways is set.
// Sessions end IdleTimeout after their last use and AbsoluteTimeout after
// they began, whatever happens.
type Manager struct {
	store        Store
	codec        *securecookie.SecureCookie
	box          *KeyBox
	loginKey     []byte // HMAC key of sign-in form tokens
	name         string
	idle         time.Duration
	absolute     time.Duration
	secureAlways bool
	now          func() time.Time
	log          *slog.Logger
}

// NewManager validates cfg and builds a Manager.
func NewManager(cfg Config) (*Manager, error) {
	name := cfg.CookieName
	if name == "" {
		name = DefaultCookieName
	}
	if err := (&http.Cookie{Name: name, Value: "x"}).Valid(); err != nil {
		return nil, fmt.Errorf("auth: Config.CookieName %q is not a valid cookie name", name)
	}
	if len(cfg.SessionKey) < minSessionKeyLen {
		return nil, fmt.Errorf("auth: Config.SessionKey must be at least %d bytes (got %d)", minSessionKeyLen, len(cfg.SessionKey))
	}
	idle, absolute, err := timeouts(cfg.IdleTimeout, cfg.AbsoluteTimeout)
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
	store := cfg.Store
	if store == nil {
		if cfg.MaxSessions < 0 {
			return nil, fmt.Errorf("auth: Config.MaxSessions must be positive (got %d)", cfg.MaxSessions)
		}
		if store, err = NewMemStore(MemStoreConfig{MaxSessions: cfg.MaxSessions, Now: now, Logger: logger}); err != nil {
			return nil, err
		}
	}
	key := func(label string, n int) []byte {
		k, err := hkdf.Key(sha256.New, cfg.SessionKey, nil, label, n)
		if err != nil { // only for absurd lengths
			panic("auth: HKDF failed: " + err.Error())
		}
		return k
	}
	boxKey := key(hkdfInfoKeyBox, keyBoxKeySize)
	box, err := NewKeyBox(boxKey)
	clear(boxKey)
	if err != nil {
		return nil, err
	}
	codec := securecookie.New(key(hkdfInfoCookie, 32), nil).
		SetSerializer(securecookie.NopEncoder{}).
		// Defence in depth on top of the server-side expiry, checked
		// against the real clock; the server record is authoritative.
		MaxAge(int(math.Ceil(absolute.Seconds())))
	return &Manager{
		store: store, codec: codec, box: box, loginKey: key(hkdfInfoLogin, 32), name: name,
		idle: idle, absolute: absolute, secureAlways: cfg.SecureAlways, now: now, log: logger,
	}, nil
}

// timeouts applies defaults and validates; errors name the setting.
func timeouts(idle, absolute time.Duration) (time.Duration, time.Duration, error) {
	switch {
	case idle < 0:
		return 0, 0, fmt.Errorf("auth: Config.IdleTimeout must be positive (got %v)", idle)
	case idle == 0:
		idle = DefaultIdleTimeout
	}
	switch {
	case absolute < 0:
		return 0, 0, fmt.Errorf("auth: Config.AbsoluteTimeout must be positive (got %v)", absolute)
	case absolute == 0:
		absolute = DefaultAbsoluteTimeout
	}
	if idle > absolute {
		return 0, 0, fmt.Errorf("auth: Config.IdleTimeout (%v) must not exceed Config.AbsoluteTimeout (%v)", idle, absolute)
	}
	return idle, absolute, nil
}

// session is what one request knows of its session. Every Manager call
// during the request shares it, so later calls see earlier changes.
type session struct {
	id   string // "" when the request has no valid session
	rec  Record // as loaded or last written
	data sessionData
}

type requestKey struct{ m *Manager }

// session returns the request's session, loading it on first use. Like
// gorilla's registry, it keeps it on the request itself (*r is updated in
// place), so every later call with the same *http.Request shares it.
func (m *Manager) session(r *http.Request) *session {
	key := requestKey{m}
	if s, ok := r.Context().Value(key).(*session); ok {
		return s
	}
	s := m.load(r)
	*r = *r.WithContext(context.WithValue(r.Context(), key, s))
	return s
}

// load resolves the request's cookie to a live session and refreshes its
// last-seen time. A missing, forged, expired or unknown cookie yields no
// session; the reason is logged at debug level only, since it is either
// routine (expiry) or an attacker's problem.
func (m *Manager) load(r *http.Request) *session {
	s := &session{}
	c, err := r.Cookie(m.name)
	if err != nil {
		return s
	}
	var raw []byte
	if err := m.codec.Decode(m.name, c.Value, &raw); err != nil {
		m.log.Debug("auth: session cookie rejected", "reason", err.Error())
		return s
	}
	ctx := r.Context()
	rec, err := m.store.Load(ctx, string(raw))
	if err != nil {
		m.log.Debug("auth: session cookie ignored", "reason", err.Error())
		return s
	}
	var data sessionData
	if err := json.Unmarshal(rec.Data, &data); err != nil {
		m.log.Debug("auth: session record unreadable", "reason", err.Error())
		return s
	}
	now := m.now()
	expires := m.expiry(rec.Created, now)
	if err := m.store.Touch(ctx, rec.ID, now, expires); err != nil {
		return s
	}
	rec.LastSeen, rec.Expires = now, expires
	s.id, s.rec, s.data = rec.ID, rec, data
	return s
}

// expiry is when a session created at created and last used at lastSeen ends.
func (m *Manager) expiry(created, lastSeen time.Time) time.Time {
	if end := created.Add(m.absolute); end.Before(lastSeen.Add(m.idle)) {
		return end
	}
	return lastSeen.Add(m.idle)
}

// write stores s.data, encoded once. A session without an id gets a fresh
// one and its cookie; an existing one that was deleted or expired meanwhile
// is not resurrected (ErrSessionGone, and no cookie is written).
func (m *Manager) write(w http.ResponseWriter, r *http.Request, s *session) error {
	data, err := json.Marshal(s.data)
	if err != nil {
		return err
	}
	now, ctx := m.now(), r.Context()
	if s.id != "" {
		rec := s.rec
		rec.Data, rec.SignedIn, rec.LastSeen, rec.Expires = data, s.data.Creds != nil, now, m.expiry(rec.Created, now)
		if err := m.store.Save(ctx, rec); err != nil {
			return err
		}
		s.rec = rec
		return nil
	}
	id := newRandomToken(sessionIDBytes)
	value, err := m.codec.Encode(m.name, []byte(id))
	if err != nil {
		return fmt.Errorf("auth: encoding session cookie: %w", err)
	}
	rec := Record{ID: id, Data: data, Created: now, LastSeen: now, Expires: m.expiry(now, now), SignedIn: s.data.Creds != nil}
	if err := m.store.Create(ctx, rec); err != nil {
		return err
	}
	s.id, s.rec = id, rec
	http.SetCookie(w, m.cookie(r, value, int(math.Ceil(m.absolute.Seconds()))))
	return nil
}

// cookie builds the session cookie with the fixed security attributes;
// maxAge < 0 expires it.
func (m *Manager) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	c := &http.Cookie{
		Name:     m.name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   m.secureAlways || r.TLS != nil,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge < 0 {
		c.Expires = time.Unix(1, 0) // for clients that ignore Max-Age=0
	}
	return c
}

// SignIn starts a signed-in session for u. Any existing session is deleted
// server-side and a new id is issued, so an id planted or observed before
// sign-in is worthless afterwards (session fixation). Only a stashed form
// carries over, so typed input survives a re-sign-in. The keys are stored
// sealed with the KeyBox, never in plaintext. A zero SignedInAt is set to now.
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, u User) error {
	if u.Credentials.APIKey == "" || u.Credentials.AccessKey == "" {
		return errors.New("auth: SignIn needs both Credentials.APIKey and Credentials.AccessKey")
	}
	s := m.session(r)
	drafts := draftsOwnedBy(s.data.Drafts, u.Email)
	if s.id != "" {
		_ = m.store.Delete(r.Context(), s.id)
	}
	signedIn := u.SignedInAt
	if signedIn.IsZero() {
		signedIn = m.now()
	}
	plain := encodeCredentials(u.Credentials)
	sealed := m.box.Seal(plain)
	clear(plain)
	*s = session{data: sessionData{
		Email: u.Email, Creds: sealed, SignedInAt: signedIn, CSRF: newRandomToken(csrfTokenBytes), Drafts: drafts,
	}}
	return m.write(w, r, s)
}

// draftsOwnedBy keeps the drafts that belong to email, so a draft left on a
// shared browser is never handed to the next person who signs in.
func draftsOwnedBy(drafts map[string]draft, email string) map[string]draft {
	kept := map[string]draft{}
	for k, d := range drafts {
		if d.Owner != "" && d.Owner == strings.ToLower(email) {
			kept[k] = d
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// Current returns the signed-in user with decrypted credentials, or
// (nil, false) for anonymous, expired, unknown or tampered sessions.
func (m *Manager) Current(r *http.Request) (*User, bool) {
	s := m.session(r)
	if s.id == "" || s.data.Creds == nil {
		return nil, false
	}
	plain, err := m.box.Open(s.data.Creds)
	if err != nil {
		m.log.Debug("auth: stored credentials unreadable", "reason", err.Error())
		return nil, false
	}
	creds, ok := decodeCredentials(plain)
	clear(plain)
	if !ok {
		m.log.Debug("auth: stored credentials malformed")
		return nil, false
	}
	return &User{Email: s.data.Email, Credentials: creds, SignedInAt: s.data.SignedInAt}, true
}

// SignOut deletes the session server-side and expires the cookie. Later
// calls in the same request see no session.
func (m *Manager) SignOut(w http.ResponseWriter, r *http.Request) error {
	s := m.session(r)
	if s.id != "" {
		_ = m.store.Delete(r.Context(), s.id)
	}
	*s = session{}
	http.SetCookie(w, m.cookie(r, "", -1))
	return nil
}

// AddFlash queues a one-time message for the next page (post/redirect/get).
// It works for anonymous and signed-in sessions; at most the 20 most recent
// messages are kept.
func (m *Manager) AddFlash(w http.ResponseWriter, r *http.Request, msg string) error {
	s := m.session(r)
	s.data.Flashes = append(s.data.Flashes, msg)
	if n := len(s.data.Flashes); n > maxFlashes {
		s.data.Flashes = s.data.Flashes[n-maxFlashes:]
	}
	return m.write(w, r, s)
}

// TakeFlashes returns and clears the queued messages. It saves only when
// there was something to take, so rendering a page for a visitor without a
// session does not create one.
func (m *Manager) TakeFlashes(w http.ResponseWriter, r *http.Request) []string {
	s := m.session(r)
	flashes := s.data.Flashes
	if len(flashes) == 0 {
		return nil
	}
	s.data.Flashes = nil
	if err := m.write(w, r, s); err != nil {
		m.log.Debug("auth: saving session after taking flashes failed", "reason", err.Error())
	}
	return flashes
}

// CSRFToken returns a signed-in session's CSRF token, creating and saving
// one on first use. Anonymous visitors get none, and no session: the
// sign-in form has a token of its own that needs no server state (see
// LoginToken), so looking at pages costs the server nothing.
func (m *Manager) CSRFToken(w http.ResponseWriter, r *http.Request) (string, error) {
	s := m.session(r)
	if s.data.Creds == nil {
		return "", nil
	}
	if s.data.CSRF != "" {
		return s.data.CSRF, nil
	}
	s.data.CSRF = newRandomToken(csrfTokenBytes)
	if err := m.write(w, r, s); err != nil {
		s.data.CSRF = ""
		return "", err
	}
	return s.data.CSRF, nil
}

// CheckCSRF reports whether token matches the session's CSRF token, in
// constant time. A session without a token never matches.
func (m *Manager) CheckCSRF(r *http.Request, token string) bool {
	s := m.session(r)
	want := s.data.CSRF
	if s.id == "" || want == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// Stash keeps a form's submitted values under key, e.g. when a POST finds
// the sign-in expired, so they can be restored after signing in again — by
// the same person only: SignIn drops drafts whose owner (an email) is not
// the one signing in. The encoded size of all drafts in a session is
// limited to MaxStashBytes.
func (m *Manager) Stash(w http.ResponseWriter, r *http.Request, key, owner string, v url.Values) error {
	if key == "" {
		return errors.New("auth: Stash key must not be empty")
	}
	s := m.session(r)
	drafts := make(map[string]draft, len(s.data.Drafts)+1)
	for k, d := range s.data.Drafts {
		drafts[k] = d
	}
	drafts[key] = draft{Owner: strings.ToLower(owner), Form: cloneValues(v)}
	if enc, err := json.Marshal(drafts); err != nil || len(enc) > MaxStashBytes {
		return ErrStashTooLarge
	}
	s.data.Drafts = drafts
	return m.write(w, r, s)
}

// TakeStash returns and removes the values stashed under key.
func (m *Manager) TakeStash(w http.ResponseWriter, r *http.Request, key string) (url.Values, bool) {
	s := m.session(r)
	d, ok := s.data.Drafts[key]
	if !ok {
		return nil, false
	}
	drafts := make(map[string]draft, len(s.data.Drafts))
	for k, d := range s.data.Drafts {
		if k != key {
			drafts[k] = d
		}
	}
	if len(drafts) == 0 {
		drafts = nil
	}
	s.data.Drafts = drafts
	if err := m.write(w, r, s); err != nil {
		m.log.Debug("auth: saving session after taking stash failed", "reason", err.Error())
	}
	return cloneValues(d.Form), true
}

// Len returns the number of live sessions.
func (m *Manager) Len() int {
	n, _ := m.store.Len(context.Background())
	return n
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

// encodeCredentials serialises c as uvarint(len(APIKey)) || APIKey ||
// AccessKey; a binary form avoids any encoder that might honour the
// redacting methods on Credentials.
func encodeCredentials(c Credentials) []byte {
	b := make([]byte, 0, binary.MaxVarintLen64+len(c.APIKey)+len(c.AccessKey))
	b = binary.AppendUvarint(b, uint64(len(c.APIKey)))
	b = append(b, c.APIKey...)
	return append(b, c.AccessKey...)
}

func decodeCredentials(b []byte) (Credentials, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Credentials{}, false
	}
	rest := b[k:]
	return Credentials{APIKey: string(rest[:n]), AccessKey: string(rest[n:])}, true
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}
