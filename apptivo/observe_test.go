package apptivo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// observed is what an Observer was told, in order.
type observed struct {
	mu    sync.Mutex
	calls []string // "action outcome"
}

func (o *observed) observe(action, outcome string, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if d < 0 {
		outcome += " (negative duration)"
	}
	o.calls = append(o.calls, action+" "+outcome)
}

func (o *observed) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.calls...)
}

// The observer hears of every HTTP attempt: each try of a read that is
// retried, the one try of an update, with the action and the error's kind.
func TestObserverHearsEveryAttempt(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, call int) {
		switch {
		case call == 1:
			w.WriteHeader(http.StatusServiceUnavailable) // retried
		case call == 2:
			fmt.Fprint(w, sampleRecord)
		case r.URL.Query().Get("a") == "update":
			fmt.Fprint(w, `{"status":"FAILURE","reason":"Name is locked"}`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}}
	var o observed
	c := newTestClient(t, rec, WithObserver(o.observe))
	ctx := context.Background()
	cust, err := c.GetCustomer(ctx, "42")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetCustomer(ctx, "not-a-number"); err == nil {
		t.Fatal("a non-numeric id must be refused")
	}
	plan, err := BuildUpdate(cust, Edit{Name: &NameEdit{Value: "Acme Two", Seen: cust.Fingerprint(SectionName)}})
	if err != nil || plan.Update == nil {
		t.Fatalf("plan: %v", err)
	}
	// The person's own client (WithCredentials) reports to the same observer.
	other := c.WithCredentials(Credentials{APIKey: "another-api-key-0000", AccessKey: "another-access-key"})
	if _, err := other.UpdateCustomer(ctx, plan.Update); err == nil {
		t.Fatal("the update must fail")
	}
	if _, err := other.GetConfig(ctx); err == nil {
		t.Fatal("the config read must fail")
	}
	want := []string{"getById unavailable", "getById ok", "update refused", "getConfigData bad_credentials"}
	if got := o.list(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("observed %q, want %q", got, want)
	}
}

func TestOutcomeNames(t *testing.T) {
	for err, want := range map[error]string{
		nil:                      "ok",
		ErrBadCredentials:        "bad_credentials",
		ErrNotFound:              "not_found",
		ErrRateLimited:           "rate_limited",
		ErrUnavailable:           "unavailable",
		ErrUnexpected:            "unexpected_answer",
		context.DeadlineExceeded: "unexpected_answer",
		fmt.Errorf("wrapped: %w", ErrRateLimited):    "rate_limited",
		&Error{Kind: KindUnexpected, Refused: true}:  "refused",
		&Error{Kind: KindRateLimited, Refused: true}: "rate_limited",
	} {
		if got := Outcome(err); got != want {
			t.Errorf("Outcome(%v) = %q, want %q", err, got, want)
		}
	}
	if _, err := NewClient(WithObserver(nil)); err == nil {
		t.Error("a nil observer must be refused")
	}
}
