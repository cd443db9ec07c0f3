package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
)

// MaxStashBytes bounds the encoded size of all drafts in one session, so
// nobody can grow server memory through drafts; the encoded size is exactly
// what the record holds.
const MaxStashBytes = 64 << 10

// ErrStashTooLarge is returned by KeepDraft when the session's drafts would
// exceed MaxStashBytes.
var ErrStashTooLarge = errors.New("auth: drafts too large")

// ErrNoSignIn is returned by KeepDraft when there is no sign-in to keep a
// draft for: the browser never signed in, its sign-in was forgotten, or the
// form's token is not the one of the sign-in that ended.
var ErrNoSignIn = errors.New("auth: no sign-in to keep the draft for")

// KeepDraft keeps what was typed into a form, under key, for the sign-in this
// browser holds or held, to be handed back by TakeStash once the same person
// is signed in again. It keeps a draft for a live sign-in, and for one that
// ended within the grace window only when token is that sign-in's CSRF token
// (so the form was shown to it). Strangers can keep nothing: a request
// without such a sign-in makes no server-side state. The kept values are
// copies (encoded into the record), and all drafts of a session together are
// limited to MaxStashBytes.
func (m *Manager) KeepDraft(w http.ResponseWriter, r *http.Request, key, token string, form url.Values) error {
	if key == "" {
		return errors.New("auth: KeepDraft key must not be empty")
	}
	s := m.session(r)
	if s.id == "" || s.ended && !tokenMatches(s.data.CSRF, token) {
		return ErrNoSignIn
	}
	drafts := make(map[string]url.Values, len(s.data.Drafts)+1)
	for k, d := range s.data.Drafts {
		drafts[k] = d
	}
	drafts[key] = cloneValues(form)
	if enc, err := json.Marshal(drafts); err != nil || len(enc) > MaxStashBytes {
		return ErrStashTooLarge
	}
	s.data.Drafts = drafts
	return m.save(w, r)
}

// TakeStash returns and removes the draft kept under key for the signed-in
// person.
func (m *Manager) TakeStash(w http.ResponseWriter, r *http.Request, key string) (url.Values, bool) {
	s := m.session(r)
	form, ok := s.data.Drafts[key]
	if !s.live() || !ok {
		return nil, false
	}
	drafts := make(map[string]url.Values, len(s.data.Drafts))
	for k, d := range s.data.Drafts {
		if k != key {
			drafts[k] = d
		}
	}
	if len(drafts) == 0 {
		drafts = nil
	}
	s.data.Drafts = drafts
	if err := m.save(w, r); err != nil {
		m.log.Debug("auth: saving session after taking a draft failed", "reason", err.Error())
	}
	return cloneValues(form), true
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}
