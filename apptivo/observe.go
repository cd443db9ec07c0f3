package apptivo

import (
	"errors"
	"strings"
	"time"
)

// Observer is told of every HTTP attempt the client makes (each try of a
// read, the one try of an update): the Apptivo action ("getById",
// "update", ...), how it went (see Outcome) and how long it took. It is
// called on the caller's goroutine, so it must be quick and safe for
// concurrent use. Neither argument ever holds a key, a customer id or
// anything else a person typed: both come from small fixed sets.
type Observer func(action, outcome string, d time.Duration)

// WithObserver has the client report every HTTP attempt to fn (metrics, say).
// Calls the client refuses without asking Apptivo (a customer id that is
// not a number) are not attempts and are not reported.
func WithObserver(fn Observer) Option {
	return func(c *Client) error {
		if fn == nil {
			return errors.New("apptivo: nil observer")
		}
		c.observe = fn
		return nil
	}
}

// Outcome names how an HTTP attempt went, in one word fit for a metric
// label: "ok" when Apptivo answered with JSON that is no refusal (whether
// it holds what the caller needs is judged after: an update answered with
// {} is "ok" here, and a save whose landing is unknown to the desk);
// "refused" when it answered with a FAILURE body for a reason of its own;
// otherwise the error's Kind with underscores for spaces ("unavailable",
// "rate_limited", "bad_credentials", "not_found", "unexpected_answer").
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var e *Error
	if errors.As(err, &e) && e.Refused && e.Kind == KindUnexpected {
		return "refused"
	}
	return strings.ReplaceAll(KindOf(err).String(), " ", "_")
}
