package auth

import (
	"errors"
	"net/http"
	"slices"
	"time"
)

// Flash messages ("Saved", "You are signed out") ride in a short-lived,
// signed cookie rather than in a session, so that they work for visitors
// who have none and make no server-side state for them. They are this
// desk's own words, never keys or customer data, so signing (not
// encryption) is enough.
const (
	flashCookieName = "desk_flash"
	flashLifetime   = 5 * time.Minute
	// maxFlashes bounds queued flash messages; the oldest are dropped.
	maxFlashes = 20
	// maxFlashCookie keeps the cookie well under browsers' 4 KB limit; the
	// oldest messages are dropped to fit.
	maxFlashCookie = 3000
)

// flashes is one request's view of the flash cookie.
type flashes struct {
	msgs   []string
	cookie bool // the request carried a flash cookie, valid or not
}

func (m *Manager) flashes(r *http.Request) *flashes {
	st := m.state(r)
	if st.flashes == nil {
		st.flashes = &flashes{}
		name := m.cookieName(r, flashCookieName)
		if c, err := r.Cookie(name); err == nil {
			st.flashes.cookie = true
			_ = m.flashCodec.Decode(name, c.Value, &st.flashes.msgs)
		}
	}
	return st.flashes
}

// AddFlash queues a one-time message for the next page (post/redirect/get).
// At most the 20 most recent messages are kept, fewer if they are long.
func (m *Manager) AddFlash(w http.ResponseWriter, r *http.Request, msg string) error {
	f := m.flashes(r)
	msgs := append(slices.Clone(f.msgs), msg)
	if len(msgs) > maxFlashes {
		msgs = msgs[len(msgs)-maxFlashes:]
	}
	for ; len(msgs) > 0; msgs = msgs[1:] {
		value, err := m.flashCodec.Encode(m.cookieName(r, flashCookieName), msgs)
		if err == nil && len(value) <= maxFlashCookie {
			f.msgs = msgs
			setCookie(w, m.cookie(r, flashCookieName, value, int(flashLifetime.Seconds())))
			return nil
		}
	}
	return errors.New("auth: flash message too long")
}

// TakeFlashes returns and clears the queued messages.
func (m *Manager) TakeFlashes(w http.ResponseWriter, r *http.Request) []string {
	f := m.flashes(r)
	msgs := f.msgs
	if f.cookie || len(msgs) > 0 {
		setCookie(w, m.cookie(r, flashCookieName, "", -1))
	}
	f.msgs, f.cookie = nil, false
	return msgs
}
