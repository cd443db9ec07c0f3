// Package auth keeps signed-in users' Apptivo credentials on the server,
// encrypted, for the length of a sign-in, and provides the session helpers
// (flashes, CSRF tokens, drafts of forms) the web handlers need.
//
// Only a sign-in makes server-side state. A stranger's requests store
// nothing: the sign-in form's token lives in a cookie (LoginToken), and so do
// flash messages (AddFlash).
package auth

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
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
	"github.com/gorilla/sessions"

	"github.com/customerdesk/desk/apptivo"
)

// Defaults and limits for Manager.
const (
	DefaultCookieName      = "desk_session"
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 8 * time.Hour
	// DefaultGrace is how long an ended sign-in is remembered, without its
	// keys, so that a form saved after the end can be handed back.
	DefaultGrace = 12 * time.Hour

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
	hkdfInfoPrint  = "customerdesk/desk auth: key pair fingerprint v1"
)

// hostPrefix names cookies that browsers accept only with Secure, Path=/
// and no Domain, so no sibling subdomain can set (plant) them.
const hostPrefix = "__Host-"

// User is a signed-in user as returned by Manager.Current.
type User struct {
	Email       string
	Credentials apptivo.Credentials
	SignedInAt  time.Time
	// KeyPrint is a keyed fingerprint of the key pair (hex): who did what,
	// in the change history, without the keys.
	KeyPrint string
}

// sessionData is everything a session holds. It is encoded once per change
// into the Record's Data and decoded once per request, so no handler can
// change what is stored without saving, and nothing kept points into a
// request (a string cut from a form shares the whole body's memory).
type sessionData struct {
	// Email and KeyPrint say who signed in: a draft is handed back only to
	// the same email with the same key pair.
	Email    string `json:"email"`
	KeyPrint []byte `json:"keyPrint"` // keyed fingerprint of the key pair, never the keys
	// Creds are the keys sealed by the KeyBox, never plaintext; nil once the
	// sign-in has ended.
	Creds      []byte                `json:"creds,omitempty"`
	SignedInAt time.Time             `json:"signedInAt"`
	CSRF       string                `json:"csrf"`
	Drafts     map[string]url.Values `json:"drafts,omitempty"`
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
	Grace           time.Duration // default 12h, see DefaultGrace
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
// Record in the Store, made by SignIn and by nothing else. All methods that
// take a request share one view of the session per request, so several calls
// in one handler see each other's changes. A Manager is safe for concurrent
// use.
//
// A sign-in ends IdleTimeout after its last use, AbsoluteTimeout after it
// began, or when EndSignIn is called. Its record then stays for Grace,
// without the keys and without granting anything: it only lets a draft
// typed before the end reach the same person after signing in again.
//
// Cookies are always HttpOnly, SameSite=Lax, Path=/ and host-only (no
// Domain); Secure when the request arrived over TLS or SecureAlways is set.
type Manager struct {
	store        Store
	sessions     serverStore                // gorilla/sessions over store
	codec        *securecookie.SecureCookie // session id
	flashCodec   *securecookie.SecureCookie
	box          *KeyBox
	loginKey     []byte // HMAC key of sign-in form tokens
	printKey     []byte // HMAC key of key pair fingerprints
	name         string
	idle         time.Duration
	absolute     time.Duration
	grace        time.Duration
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
	grace := cfg.Grace
	switch {
	case grace < 0:
		return nil, fmt.Errorf("auth: Config.Grace must be positive (got %v)", grace)
	case grace == 0:
		grace = DefaultGrace
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
	cookieKey := key(hkdfInfoCookie, 32)
	codec := securecookie.New(cookieKey, nil).
		SetSerializer(securecookie.NopEncoder{}).
		// Defence in depth on top of the server-side expiry, checked
		// against the real clock; the server record is authoritative.
		MaxAge(int(math.Ceil((absolute + grace).Seconds())))
	flashCodec := securecookie.New(cookieKey, nil).
		SetSerializer(securecookie.JSONEncoder{}).
		MaxAge(int(flashLifetime.Seconds()))
	m := &Manager{
		store: store, codec: codec, flashCodec: flashCodec, box: box, name: name,
		loginKey: key(hkdfInfoLogin, 32), printKey: key(hkdfInfoPrint, 32),
		idle: idle, absolute: absolute, grace: grace, secureAlways: cfg.SecureAlways, now: now, log: logger,
	}
	m.sessions = serverStore{m}
	return m, nil
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

// requestState is what one request knows besides its session (which
// gorilla's registry keeps): its flash messages. Every Manager call during
// the request shares it, so later calls see earlier changes.
type requestState struct {
	flashes *flashes
}

// session is a request's view of its session record: the one value a desk
// session holds in gorilla's Session.Values.
type session struct {
	id    string // "" when the request names no session
	ended bool   // the sign-in has ended; the record waits out the grace window
	rec   Record // as loaded or last written
	data  sessionData
	// created marks a session made in this request (by SignIn): its record
	// and cookie are written when it is saved.
	created bool
	// err is the Store's failure while loading it (wrapping ErrUnavailable):
	// whether the request is signed in is unknown.
	err error
}

func (s *session) live() bool { return s.id != "" && !s.ended }

type requestKey struct{ m *Manager }

// state returns the request's state, made on first use. Like gorilla's
// registry, it keeps it on the request itself (*r is updated in place), so
// every later call with the same *http.Request shares it.
func (m *Manager) state(r *http.Request) *requestState {
	key := requestKey{m}
	if st, ok := r.Context().Value(key).(*requestState); ok {
		return st
	}
	st := &requestState{}
	*r = *r.WithContext(context.WithValue(r.Context(), key, st))
	return st
}

// sessionValue is the key of the desk's one value in a gorilla Session.
const sessionValue = "desk"

// serverStore is the desk's gorilla/sessions store: the cookie carries only
// the HMAC-signed session id, and the session itself — typed, encoded once
// per change — is a Record in the Manager's Store (memory or a database).
type serverStore struct{ m *Manager }

var _ sessions.Store = serverStore{}

// Get returns the request's session from gorilla's registry, loading it on
// first use, so every call during a request shares one session.
func (st serverStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(st, name)
}

// New loads the session the request's cookie names (see Manager.load); a
// request that names none gets an empty one, which is never stored unless
// SignIn fills it.
func (st serverStore) New(r *http.Request, name string) (*sessions.Session, error) {
	g := sessions.NewSession(st, name)
	s := st.m.load(r)
	g.ID, g.IsNew = s.id, s.id == ""
	g.Values[sessionValue] = s
	g.Options = &sessions.Options{Path: "/", HttpOnly: true, Secure: st.m.secure(r), SameSite: http.SameSiteLaxMode}
	return g, nil
}

// Save writes the session: a session SignIn made gets its record and its
// cookie; a changed one its new data; Options.MaxAge < 0 deletes the record
// and expires the cookie. A session without an id stores nothing.
func (st serverStore) Save(r *http.Request, w http.ResponseWriter, g *sessions.Session) error {
	m := st.m
	s, _ := g.Values[sessionValue].(*session)
	if s == nil {
		return errNoSession
	}
	if g.Options != nil && g.Options.MaxAge < 0 {
		if s.err != nil { // the record may live on: say so rather than seem signed out
			return s.err
		}
		if s.id != "" {
			if err := m.store.Delete(r.Context(), s.id); err != nil {
				return unavailable(err)
			}
		}
		*s = session{}
		g.ID = ""
		setCookie(w, m.cookie(r, m.name, "", -1))
		return nil
	}
	if !s.created {
		return m.persist(r, s)
	}
	value, err := m.codec.Encode(m.cookieName(r, m.name), []byte(s.id))
	if err != nil {
		return fmt.Errorf("auth: encoding session cookie: %w", err)
	}
	if err := m.store.Create(r.Context(), s.rec); err != nil {
		return unavailable(err)
	}
	s.created, g.ID, g.IsNew = false, s.id, false
	// The cookie outlives the sign-in by the grace window, or a draft saved
	// after the end would find no record to go to.
	setCookie(w, m.cookie(r, m.name, value, int(math.Ceil((m.absolute+m.grace).Seconds()))))
	return nil
}

// gorilla returns the request's gorilla Session.
func (m *Manager) gorilla(r *http.Request) *sessions.Session {
	g, _ := m.sessions.Get(r, m.name) // New never fails
	return g
}

// session returns the request's session, loading it on first use.
func (m *Manager) session(r *http.Request) *session {
	return m.gorilla(r).Values[sessionValue].(*session)
}

// save stores the request's session after a change.
func (m *Manager) save(w http.ResponseWriter, r *http.Request) error {
	return m.gorilla(r).Save(r, w)
}

// load resolves the request's cookie to a session: a live sign-in, whose
// last-seen time it refreshes, or one that ended within the grace window. A
// missing, forged or unknown cookie yields none; the reason is logged at
// debug level only, since it is either routine (expiry) or an attacker's
// problem. A Store that fails otherwise yields none either, marked with
// its error (see Unavailable): the person is not signed out by it.
func (m *Manager) load(r *http.Request) *session {
	s := &session{}
	name := m.cookieName(r, m.name)
	c, err := r.Cookie(name)
	if err != nil {
		return s
	}
	var raw []byte
	if err := m.codec.Decode(name, c.Value, &raw); err != nil {
		m.log.Debug("auth: session cookie rejected", "reason", err.Error())
		return s
	}
	ctx := r.Context()
	rec, err := m.store.Load(ctx, string(raw))
	if err != nil {
		if err := unavailable(err); errors.Is(err, ErrUnavailable) {
			return &session{err: err}
		}
		m.log.Debug("auth: session cookie ignored", "reason", err.Error())
		return s
	}
	var data sessionData
	if err := json.Unmarshal(rec.Data, &data); err != nil {
		m.log.Debug("auth: session record unreadable", "reason", err.Error())
		return s
	}
	s.id, s.rec, s.data = rec.ID, rec, data
	now := m.now()
	if data.Creds != nil && now.Before(m.end(rec.Created, rec.LastSeen)) {
		if now.Sub(rec.LastSeen) < m.touchEvery() {
			// Seen moments ago: a database write per request would cost
			// more than the minute of idle time it could add.
			return s
		}
		expires := m.end(rec.Created, now).Add(m.grace)
		if err := unavailable(m.store.Touch(ctx, rec.ID, now, expires)); errors.Is(err, ErrUnavailable) {
			return &session{err: err}
		} else if err != nil {
			return &session{} // signed out, or expired, since it was loaded
		}
		s.rec.LastSeen, s.rec.Expires = now, expires
		return s
	}
	s.ended = true
	if data.Creds != nil {
		// Found ended just now: the keys go at once, the rest waits out the
		// grace window.
		m.log.Debug("auth: sign-in ended", "reason", "idle or absolute timeout")
		s.data.Creds = nil
		_ = m.persist(r, s)
	}
	return s
}

// touchEvery is how stale a session's last-seen time may grow before a
// request writes it again; an idle timeout therefore ends a sign-in up to
// this much early, never late.
func (m *Manager) touchEvery() time.Duration { return min(time.Minute, m.idle/20) }

// end is when a sign-in made at created and last used at lastSeen ends.
func (m *Manager) end(created, lastSeen time.Time) time.Time {
	if end := created.Add(m.absolute); end.Before(lastSeen.Add(m.idle)) {
		return end
	}
	return lastSeen.Add(m.idle)
}

// persist stores s.data, encoded once. A live session counts as used now; an
// ended one keeps its times, so nothing extends the grace window. A session
// deleted or expired meanwhile is not resurrected (ErrSessionGone).
func (m *Manager) persist(r *http.Request, s *session) error {
	if s.id == "" {
		return errNoSession
	}
	data, err := json.Marshal(s.data)
	if err != nil {
		return err
	}
	rec := s.rec
	rec.Data, rec.SignedIn = data, s.live()
	if s.live() {
		now := m.now()
		rec.LastSeen, rec.Expires = now, m.end(rec.Created, now).Add(m.grace)
	}
	if err := m.store.Save(r.Context(), rec); err != nil {
		return unavailable(err)
	}
	s.rec = rec
	return nil
}

// Unavailable reports, wrapping ErrUnavailable, that the Store failed
// while looking up the request's session: whether the request is signed
// in is unknown, and the person should hear that rather than be sent to
// sign in. Nil otherwise.
func (m *Manager) Unavailable(r *http.Request) error { return m.session(r).err }

var errNoSession = errors.New("auth: no session")

// secure reports whether cookies for r are Secure (and __Host- named).
func (m *Manager) secure(r *http.Request) bool { return m.secureAlways || r.TLS != nil }

// cookieName is the name a cookie has in answers to r: with the __Host-
// prefix whenever cookies are Secure.
func (m *Manager) cookieName(r *http.Request, base string) string {
	if m.secure(r) {
		return hostPrefix + base
	}
	return base
}

// cookie builds the cookie named base (see cookieName) with the fixed
// security attributes; maxAge < 0 expires it.
func (m *Manager) cookie(r *http.Request, base, value string, maxAge int) *http.Cookie {
	c := &http.Cookie{
		Name:     m.cookieName(r, base),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   m.secure(r),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge < 0 {
		c.Expires = time.Unix(1, 0) // for clients that ignore Max-Age=0
	}
	return c
}

// setCookie adds c to the answer, replacing one of the same name set earlier
// in the same request.
func setCookie(w http.ResponseWriter, c *http.Cookie) {
	h := w.Header()
	prefix := c.Name + "="
	h["Set-Cookie"] = slices.DeleteFunc(slices.Clone(h["Set-Cookie"]), func(v string) bool { return strings.HasPrefix(v, prefix) })
	h.Add("Set-Cookie", c.String())
}

// SignIn starts a signed-in session for u. Any session the browser held is
// deleted server-side and a new id is issued, so an id planted or observed
// before sign-in is worthless afterwards (session fixation). Drafts carry
// over from it only if it was a sign-in of the same identity: the same email
// and the same key pair. A session someone else left or planted on this
// browser hands nothing on, whatever its forms claimed. The keys are stored
// sealed with the KeyBox, never in plaintext. A zero SignedInAt is set to
// now.
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, u User) error {
	if u.Credentials.APIKey == "" || u.Credentials.AccessKey == "" {
		return errors.New("auth: SignIn needs both Credentials.APIKey and Credentials.AccessKey")
	}
	s := m.session(r)
	fp := m.keyPrint(u.Credentials)
	var drafts map[string]url.Values
	if s.id != "" {
		if strings.EqualFold(s.data.Email, u.Email) && hmac.Equal(s.data.KeyPrint, fp) {
			drafts = s.data.Drafts
		}
		_ = m.store.Delete(r.Context(), s.id)
	}
	now := m.now()
	signedIn := u.SignedInAt
	if signedIn.IsZero() {
		signedIn = now
	}
	plain := encodeCredentials(u.Credentials)
	sealed := m.box.Seal(plain)
	clear(plain)
	sd := sessionData{
		Email: u.Email, KeyPrint: fp, Creds: sealed, SignedInAt: signedIn, CSRF: newRandomToken(csrfTokenBytes), Drafts: drafts,
	}
	data, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	id := newRandomToken(sessionIDBytes)
	rec := Record{ID: id, Data: data, Created: now, LastSeen: now, Expires: m.end(now, now).Add(m.grace), SignedIn: true}
	*s = session{id: id, rec: rec, data: sd, created: true}
	return m.save(w, r)
}

// keyPrint is a keyed fingerprint of a key pair (HMAC-SHA256 under a key
// derived from the session key): equal for equal pairs, and telling nothing
// about the keys to anyone who sees it.
func (m *Manager) keyPrint(c apptivo.Credentials) []byte {
	plain := encodeCredentials(c)
	defer clear(plain)
	mac := hmac.New(sha256.New, m.printKey)
	mac.Write(plain)
	return mac.Sum(nil)
}

// KeyPrint is the key pair's keyed fingerprint as User.KeyPrint gives it
// (hex): the same on every desk sharing the session key.
func (m *Manager) KeyPrint(c apptivo.Credentials) string { return hex.EncodeToString(m.keyPrint(c)) }

// Current returns the signed-in user with decrypted credentials, or
// (nil, false) for anonymous, ended, unknown or tampered sessions.
func (m *Manager) Current(r *http.Request) (*User, bool) {
	s := m.session(r)
	if !s.live() {
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
	return &User{Email: s.data.Email, Credentials: creds, SignedInAt: s.data.SignedInAt, KeyPrint: hex.EncodeToString(s.data.KeyPrint)}, true
}

// SignOut deletes the session server-side, drafts and all, and expires the
// cookie. Later calls in the same request see no session.
func (m *Manager) SignOut(w http.ResponseWriter, r *http.Request) error {
	g := m.gorilla(r)
	g.Options.MaxAge = -1
	err := g.Save(r, w)
	g.Options.MaxAge = 0
	return err
}

// EndSignIn ends a live sign-in without forgetting it, e.g. when Apptivo no
// longer accepts its keys: the keys are wiped and nothing is granted any
// more, but for the grace window a draft can still be kept for the person
// and handed back when they sign in again.
func (m *Manager) EndSignIn(w http.ResponseWriter, r *http.Request) error {
	s := m.session(r)
	if !s.live() {
		return nil
	}
	s.ended, s.data.Creds = true, nil
	s.rec.Expires = m.now().Add(m.grace)
	return m.save(w, r)
}

// CSRFToken returns a signed-in session's CSRF token (made at sign-in, or
// on first use for a record that lacks one). Anonymous visitors get none,
// and no session: the sign-in form has a token of its own that needs no
// server state (see LoginToken), so looking at pages costs the server
// nothing.
func (m *Manager) CSRFToken(w http.ResponseWriter, r *http.Request) (string, error) {
	s := m.session(r)
	if !s.live() {
		return "", nil
	}
	if s.data.CSRF != "" {
		return maskToken(s.data.CSRF), nil
	}
	s.data.CSRF = newRandomToken(csrfTokenBytes)
	if err := m.save(w, r); err != nil {
		s.data.CSRF = ""
		return "", err
	}
	return maskToken(s.data.CSRF), nil
}

// CheckCSRF reports whether token (as CSRFToken gave it) matches a live
// sign-in's CSRF token, in constant time.
func (m *Manager) CheckCSRF(r *http.Request, token string) bool {
	s := m.session(r)
	return s.live() && tokenMatches(s.data.CSRF, token)
}

// maskToken hides a token behind a fresh one-time pad: each answer carries
// different bytes for the same token, so a compressed page that also
// reflects what an attacker sent can't be used to guess it a byte at a time
// from the compressed length (BREACH).
func maskToken(token string) string {
	pad := make([]byte, len(token))
	_, _ = rand.Read(pad)
	out := make([]byte, 2*len(token))
	copy(out, pad)
	for i := range len(token) {
		out[len(token)+i] = token[i] ^ pad[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// unmaskToken undoes maskToken; "" for anything it did not make.
func unmaskToken(masked string) string {
	raw, err := base64.RawURLEncoding.DecodeString(masked)
	if err != nil || len(raw) == 0 || len(raw)%2 != 0 {
		return ""
	}
	n := len(raw) / 2
	for i := range n {
		raw[n+i] ^= raw[i]
	}
	return string(raw[n:])
}

// tokenMatches reports whether masked (as maskToken made it) hides want.
func tokenMatches(want, masked string) bool {
	got := unmaskToken(masked)
	return want != "" && got != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// Len returns the number of sessions kept (live and ended).
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

// Keys of what WithUser puts on a request's context.
type (
	userKey   struct{}
	clientKey struct{}
)

// WithUser returns r carrying the signed-in person and an Apptivo client
// that speaks with their own keys (a copy of base), or ok=false when nobody
// is signed in on r. Handlers read both back with UserFrom and ClientFrom.
func (m *Manager) WithUser(r *http.Request, base *apptivo.Client) (_ *http.Request, ok bool) {
	u, ok := m.Current(r)
	if !ok {
		return r, false
	}
	ctx := context.WithValue(r.Context(), userKey{}, u)
	ctx = context.WithValue(ctx, clientKey{}, base.WithCredentials(u.Credentials))
	return r.WithContext(ctx), true
}

// UserFrom returns the signed-in person WithUser put on ctx, or nil.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// ClientFrom returns the person's own Apptivo client WithUser put on ctx, or nil.
func ClientFrom(ctx context.Context) *apptivo.Client {
	c, _ := ctx.Value(clientKey{}).(*apptivo.Client)
	return c
}

// SessionStore is the gorilla/sessions store behind the Manager.
func (m *Manager) SessionStore() sessions.Store { return m.sessions }
