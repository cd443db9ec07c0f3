package apptivo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what went wrong in words the desk can explain to a person.
type Kind int

const (
	KindUnexpected     Kind = iota // Apptivo answered something we can't read
	KindBadCredentials             // the API key / access key pair was refused
	KindNotFound                   // no such customer
	KindRateLimited                // too many calls; try again later
	KindUnavailable                // 5xx, network trouble or timeout
)

func (k Kind) String() string {
	switch k {
	case KindBadCredentials:
		return "bad credentials"
	case KindNotFound:
		return "not found"
	case KindRateLimited:
		return "rate limited"
	case KindUnavailable:
		return "unavailable"
	default:
		return "unexpected answer"
	}
}

// Error is every failure the client returns. Its text never contains the
// credentials: they are scrubbed from wrapped errors too.
type Error struct {
	Kind       Kind
	Action     string        // the Apptivo action, e.g. "getById"
	Status     int           // HTTP status, 0 when no answer arrived
	Reason     string        // Apptivo's own reason, when it gave one
	RetryAfter time.Duration // for KindRateLimited, when Apptivo said
	Refused    bool          // Apptivo answered with a FAILURE body: it saw the call and said no
	Err        error         // the underlying cause, already scrubbed
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apptivo %s: %s", e.Action, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, ": %s", e.Reason)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets callers write errors.Is(err, apptivo.ErrNotFound) and so on.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Action == "" && t.Status == 0 && t.Reason == "" && t.Err == nil && t.Kind == e.Kind
}

// Sentinels to compare with errors.Is.
var (
	ErrBadCredentials = &Error{Kind: KindBadCredentials}
	ErrNotFound       = &Error{Kind: KindNotFound}
	ErrRateLimited    = &Error{Kind: KindRateLimited}
	ErrUnavailable    = &Error{Kind: KindUnavailable}
	ErrUnexpected     = &Error{Kind: KindUnexpected}
)

// KindOf returns the Kind of any error from this package (KindUnexpected otherwise).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnexpected
}

// scrubbedError carries an error's text with secrets replaced. Go's
// *url.Error prints the whole URL, and a transport error may quote a body;
// neither may leak a key into a log line or a page.
type scrubbedError struct {
	msg   string
	cause error
}

func (s *scrubbedError) Error() string { return s.msg }

// Unwrap exposes only the context errors (so errors.Is(err,
// context.DeadlineExceeded) works), never the raw cause, whose text may hold
// a secret.
func (s *scrubbedError) Unwrap() error {
	switch {
	case errors.Is(s.cause, context.DeadlineExceeded):
		return context.DeadlineExceeded
	case errors.Is(s.cause, context.Canceled):
		return context.Canceled
	}
	return nil
}

func scrub(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return &scrubbedError{msg: scrubText(err.Error(), secrets...), cause: err}
}

func scrubText(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) < 4 {
			continue // too short to be a real key; replacing would mangle the text
		}
		s = strings.ReplaceAll(s, secret, "[redacted]")
	}
	return s
}

// classifyReason maps Apptivo's FAILURE reasons onto kinds. Apptivo documents
// none of them; these are the words its clients have been seen to get.
func classifyReason(reason string) Kind {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "rate limit") || strings.Contains(r, "limit exceeded") || strings.Contains(r, "too many"):
		return KindRateLimited
	case strings.Contains(r, "api key") || strings.Contains(r, "access key") || strings.Contains(r, "apikey") ||
		strings.Contains(r, "accesskey") || strings.Contains(r, "invalid key") || strings.Contains(r, "credential") ||
		strings.Contains(r, "authenticat"):
		return KindBadCredentials
	case strings.Contains(r, "not found") || strings.Contains(r, "does not exist") || strings.Contains(r, "no record"):
		return KindNotFound
	default:
		return KindUnexpected
	}
}
