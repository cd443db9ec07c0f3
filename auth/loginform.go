package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"time"
)

// The sign-in form works without server-side state, so no number of
// strangers looking at it can expire the one a person has open: the browser
// holds a random nonce in a cookie, and the form's token is
// issued-at || HMAC(key, nonce || issued-at). A token is good in the
// browser that holds the nonce, for LoginFormLifetime.
const (
	// LoginFormLifetime is how long a sign-in form may stay open.
	LoginFormLifetime = 12 * time.Hour

	loginCookieName = "desk_login"
	loginNonceBytes = 32
	// loginClockSkew tolerates a token issued a little "in the future", as
	// when the clock is stepped back.
	loginClockSkew = time.Minute
)

// LoginToken returns the token for a sign-in form in this answer, and
// (re)sets the browser's nonce cookie, keeping its nonce when it has a
// well-formed one so that sign-in forms open in other tabs stay good.
func (m *Manager) LoginToken(w http.ResponseWriter, r *http.Request) string {
	nonce, ok := m.loginNonce(r)
	if !ok {
		nonce = make([]byte, loginNonceBytes)
		_, _ = rand.Read(nonce)
	}
	setCookie(w, m.cookie(r, loginCookieName, base64.RawURLEncoding.EncodeToString(nonce), int(LoginFormLifetime.Seconds())))
	issued := m.now().Unix()
	tok := binary.BigEndian.AppendUint64(nil, uint64(issued))
	return maskToken(base64.RawURLEncoding.EncodeToString(append(tok, m.loginMAC(nonce, issued)...)))
}

// CheckLoginToken reports whether token was issued by LoginToken to this
// browser no longer than LoginFormLifetime ago.
func (m *Manager) CheckLoginToken(r *http.Request, token string) bool {
	nonce, ok := m.loginNonce(r)
	if !ok {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(unmaskToken(token))
	if err != nil || len(raw) != 8+sha256.Size {
		return false
	}
	issued := int64(binary.BigEndian.Uint64(raw[:8]))
	at, now := time.Unix(issued, 0), m.now()
	if at.After(now.Add(loginClockSkew)) || !now.Before(at.Add(LoginFormLifetime)) {
		return false
	}
	return hmac.Equal(raw[8:], m.loginMAC(nonce, issued))
}

// loginNonce reads the browser's nonce cookie.
func (m *Manager) loginNonce(r *http.Request) ([]byte, bool) {
	c, err := r.Cookie(m.cookieName(r, loginCookieName))
	if err != nil {
		return nil, false
	}
	nonce, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(nonce) != loginNonceBytes {
		return nil, false
	}
	return nonce, true
}

func (m *Manager) loginMAC(nonce []byte, issued int64) []byte {
	mac := hmac.New(sha256.New, m.loginKey)
	mac.Write(nonce)
	mac.Write(binary.BigEndian.AppendUint64(nil, uint64(issued)))
	return mac.Sum(nil)
}
