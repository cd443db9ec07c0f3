// Package auth keeps signed-in users' Apptivo credentials on the server,
// encrypted, for the length of a sign-in, and provides the session helpers
// (flashes, CSRF tokens, form stashes) the web handlers need.
package auth

import (
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
)

// Defaults and limits for Manager.
const (
	DefaultCookieName = "desk_session"

	// MaxStashBytes bounds the total size of all stashed forms in one
	// session, so a client cannot grow server memory through Stash.
	MaxStashBytes = 64 << 10
	// maxFlashes bounds queued flash messages; the oldest are dropped.
	maxFlashes = 20
	// minSessionKeyLen is the minimum Config.SessionKey length.
	minSessionKeyLen = 32
	// csrfTokenBytes is the entropy of a CSRF token (256 bits).
	csrfTokenBytes = 32
)

// Session value keys. They are unexported so only this package touches the
// raw values; the "auth." prefix keeps them apart from anything other code
// might put in the same session.
const (
	keyEmail      = "auth.email"
	keyCreds      = "auth.creds" // []byte sealed by the KeyBox
	keySignedInAt = "auth.signed_in_at"
	keyFlashes    = "auth.flashes" // []string
	keyCSRF       = "auth.csrf"    // string
	keyStash      = "auth.stash"   // map[string]url.Values
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

// Config configures a Manager. Zero values mean the documented defaults;
// SessionKey is required.
type Config struct {
	CookieName string // default "desk_session"
	// SessionKey is the master secret (>= 32 bytes). Separate subkeys for
	// the cookie HMAC and the credentials KeyBox are derived from it with
	// HKDF-SHA256, so neither use can weaken the other.
	SessionKey      []byte
	IdleTimeout     time.Duration // default 30m
	AbsoluteTimeout time.Duration // default 8h
	// SecureAlways marks cookies Secure even for plain-HTTP requests; set
	// it behind a TLS-terminating proxy. Without it, cookies are Secure
	// only when r.TLS != nil, so http://localhost keeps working.
	SecureAlways bool
	MaxSessions  int              // default 100000
	Now          func() time.Time // default time.Now
	// Logger receives debug-level reasons for rejected cookies; nil means
	// slog.Default(). Never receives ids, keys or tokens.
	Logger *slog.Logger
}

// Manager is the typed session API used by the web handlers. All methods
// that take a request share one *sessions.Session per request (via the
// gorilla registry), so several calls in one handler see each other's
// changes. A Manager is safe for concurrent use.
type Manager struct {
	store        *MemStore
	box          *KeyBox
	loginKey     []byte // HMAC key of sign-in form tokens
	name         string
	secureAlways bool
	now          func() time.Time
	log          *slog.Logger
}

// NewManager validates cfg and builds a Manager with an empty store.
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
	if _, _, _, err := timeoutsAndCap("Config", cfg.IdleTimeout, cfg.AbsoluteTimeout, cfg.MaxSessions); err != nil {
		return nil, err
	}
	cookieKey, err := hkdf.Key(sha256.New, cfg.SessionKey, nil, hkdfInfoCookie, 32)
	if err != nil {
		return nil, errors.New("auth: deriving cookie key failed")
	}
	boxKey, err := hkdf.Key(sha256.New, cfg.SessionKey, nil, hkdfInfoKeyBox, keyBoxKeySize)
	if err != nil {
		return nil, errors.New("auth: deriving key box key failed")
	}
	box, err := NewKeyBox(boxKey)
	clear(boxKey)
	if err != nil {
		return nil, err
	}
	loginKey, err := hkdf.Key(sha256.New, cfg.SessionKey, nil, hkdfInfoLogin, 32)
	if err != nil {
		return nil, errors.New("auth: deriving sign-in form key failed")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	store, err := NewMemStore(StoreConfig{
		HashKey:         cookieKey,
		IdleTimeout:     cfg.IdleTimeout,
		AbsoluteTimeout: cfg.AbsoluteTimeout,
		SecureAlways:    cfg.SecureAlways,
		MaxSessions:     cfg.MaxSessions,
		Now:             now,
		Logger:          logger,
		Keep:            func(values map[any]any) bool { _, signedIn := values[keyCreds]; return signedIn },
	})
	clear(cookieKey)
	if err != nil {
		return nil, err
	}
	return &Manager{store: store, box: box, loginKey: loginKey, name: name, secureAlways: cfg.SecureAlways, now: now, log: logger}, nil
}

// session returns the request's session (new if none is valid).
func (m *Manager) session(r *http.Request) (*sessions.Session, error) {
	s, err := m.store.Get(r, m.name)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// SignIn starts a signed-in session for u. Any existing session is deleted
// server-side and a new id is issued, so an id planted or observed before
// sign-in is worthless afterwards (session fixation). Only a stashed form
// carries over, so typed input survives a re-sign-in; the CSRF token does
// not (a fresh one is created on next use). The keys are stored sealed
// with the KeyBox, never in plaintext. A zero SignedInAt is set to now.
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, u User) error {
	if u.Credentials.APIKey == "" || u.Credentials.AccessKey == "" {
		return errors.New("auth: SignIn needs both Credentials.APIKey and Credentials.AccessKey")
	}
	s, err := m.session(r)
	if err != nil {
		return err
	}
	stash := stashOwnedBy(s.Values[keyStash], u.Email)
	if s.ID != "" {
		m.store.delete(s.ID)
	}
	signedIn := u.SignedInAt
	if signedIn.IsZero() {
		signedIn = m.now()
	}
	plain := encodeCredentials(u.Credentials)
	sealed := m.box.Seal(plain)
	clear(plain)

	resetSession(s, m.store)
	if stash != nil {
		s.Values[keyStash] = stash
	}
	s.Values[keyEmail] = u.Email
	s.Values[keyCreds] = sealed
	s.Values[keySignedInAt] = signedIn
	return m.store.Save(r, w, s)
}

// stashOwnerField records, inside each stashed form, whose draft it is.
const stashOwnerField = "\x00owner"

// stashOwnedBy keeps the stashed forms that belong to email, so a draft left
// on a shared browser is never handed to the next person who signs in.
func stashOwnedBy(v any, email string) any {
	all, _ := v.(map[string]url.Values)
	kept := map[string]url.Values{}
	for k, form := range all {
		if owner := form.Get(stashOwnerField); owner != "" && owner == strings.ToLower(email) {
			kept[k] = form
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return kept
}

// resetSession turns the registry's cached session into a fresh anonymous
// one in place, so later calls in the same request see the change.
func resetSession(s *sessions.Session, st *MemStore) {
	s.ID = ""
	s.IsNew = true
	s.Values = make(map[any]any)
	s.Options = st.defaultOptions()
}

// Current returns the signed-in user with decrypted credentials, or
// (nil, false) for anonymous, expired, unknown or tampered sessions.
func (m *Manager) Current(r *http.Request) (*User, bool) {
	s, err := m.session(r)
	if err != nil || s.ID == "" {
		return nil, false
	}
	sealed, ok := s.Values[keyCreds].([]byte)
	if !ok {
		return nil, false
	}
	plain, err := m.box.Open(sealed)
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
	email, _ := s.Values[keyEmail].(string)
	signedIn, _ := s.Values[keySignedInAt].(time.Time)
	return &User{Email: email, Credentials: creds, SignedInAt: signedIn}, true
}

// SignOut deletes the session server-side and expires the cookie. Later
// calls in the same request see a fresh anonymous session.
func (m *Manager) SignOut(w http.ResponseWriter, r *http.Request) error {
	s, err := m.session(r)
	if err != nil {
		return err
	}
	s.Options.MaxAge = -1
	err = m.store.Save(r, w, s)
	resetSession(s, m.store)
	return err
}

// AddFlash queues a one-time message for the next page (post/redirect/get).
// It works for anonymous and signed-in sessions; at most the 20 most recent
// messages are kept.
func (m *Manager) AddFlash(w http.ResponseWriter, r *http.Request, msg string) error {
	s, err := m.session(r)
	if err != nil {
		return err
	}
	flashes, _ := s.Values[keyFlashes].([]string)
	flashes = append(flashes, msg)
	if len(flashes) > maxFlashes {
		flashes = flashes[len(flashes)-maxFlashes:]
	}
	s.Values[keyFlashes] = flashes
	return m.store.Save(r, w, s)
}

// TakeFlashes returns and clears the queued messages. It saves only when
// there was something to take, so rendering a page for a visitor without a
// session does not create one.
func (m *Manager) TakeFlashes(w http.ResponseWriter, r *http.Request) []string {
	s, err := m.session(r)
	if err != nil {
		return nil
	}
	flashes, _ := s.Values[keyFlashes].([]string)
	if len(flashes) == 0 {
		return nil
	}
	delete(s.Values, keyFlashes)
	if err := m.store.Save(r, w, s); err != nil {
		m.log.Debug("auth: saving session after taking flashes failed", "reason", err.Error())
	}
	return flashes
}

// CSRFToken returns a signed-in session's CSRF token, creating and saving
// one on first use. Anonymous visitors get none, and no session: the
// sign-in form has a token of its own that needs no server state (see
// LoginToken), so looking at pages costs the server nothing.
func (m *Manager) CSRFToken(w http.ResponseWriter, r *http.Request) (string, error) {
	s, err := m.session(r)
	if err != nil {
		return "", err
	}
	if _, signedIn := s.Values[keyCreds]; !signedIn {
		return "", nil
	}
	if tok, ok := s.Values[keyCSRF].(string); ok && tok != "" {
		return tok, nil
	}
	tok := newRandomToken(csrfTokenBytes)
	s.Values[keyCSRF] = tok
	if err := m.store.Save(r, w, s); err != nil {
		delete(s.Values, keyCSRF)
		return "", err
	}
	return tok, nil
}

// CheckCSRF reports whether token matches the session's CSRF token, in
// constant time. A session without a token never matches.
func (m *Manager) CheckCSRF(r *http.Request, token string) bool {
	s, err := m.session(r)
	if err != nil || s.ID == "" {
		return false
	}
	want, _ := s.Values[keyCSRF].(string)
	if want == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}

// Stash keeps a form's submitted values under key, e.g. when a POST finds
// the sign-in expired, so they can be restored after signing in again — by
// the same person only: SignIn drops drafts whose owner (an email) is not
// the one signing in. The total stash size per session is limited to
// MaxStashBytes.
func (m *Manager) Stash(w http.ResponseWriter, r *http.Request, key, owner string, v url.Values) error {
	if key == "" {
		return errors.New("auth: Stash key must not be empty")
	}
	s, err := m.session(r)
	if err != nil {
		return err
	}
	old, _ := s.Values[keyStash].(map[string]url.Values)
	stash := make(map[string]url.Values, len(old)+1)
	for k, vals := range old {
		stash[k] = vals
	}
	entry := cloneValues(v)
	entry[stashOwnerField] = []string{strings.ToLower(owner)}
	stash[key] = entry
	if stashSize(stash) > MaxStashBytes {
		return ErrStashTooLarge
	}
	s.Values[keyStash] = stash
	return m.store.Save(r, w, s)
}

// TakeStash returns and removes the values stashed under key.
func (m *Manager) TakeStash(w http.ResponseWriter, r *http.Request, key string) (url.Values, bool) {
	s, err := m.session(r)
	if err != nil {
		return nil, false
	}
	old, _ := s.Values[keyStash].(map[string]url.Values)
	v, ok := old[key]
	if !ok {
		return nil, false
	}
	v = cloneValues(v)
	v.Del(stashOwnerField)
	stash := make(map[string]url.Values, len(old))
	for k, vals := range old {
		if k != key {
			stash[k] = vals
		}
	}
	if len(stash) == 0 {
		delete(s.Values, keyStash)
	} else {
		s.Values[keyStash] = stash
	}
	if err := m.store.Save(r, w, s); err != nil {
		m.log.Debug("auth: saving session after taking stash failed", "reason", err.Error())
	}
	return v, true
}

// Store returns the underlying server-side store.
func (m *Manager) Store() sessions.Store { return m.store }

// Len returns the number of live sessions.
func (m *Manager) Len() int { return m.store.Len() }

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
		out[k] = append([]string(nil), vals...)
	}
	return out
}

// stashSize approximates the memory held by a stash: the bytes of all keys
// and values plus a small per-string overhead, so many empty values count.
func stashSize(stash map[string]url.Values) int {
	const overhead = 16
	n := 0
	for key, form := range stash {
		n += len(key) + overhead
		for k, vals := range form {
			n += len(k) + overhead
			for _, v := range vals {
				n += len(v) + overhead
			}
		}
	}
	return n
}
