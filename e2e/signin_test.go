package e2e

import (
	"strings"
	"testing"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// TestSignIn: the demo keys lead to the customer list; wrong keys show the
// error and keep the email; signing out ends the session for good.
func TestSignIn(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()

	// Not signed in: the customer list sends us to the sign-in page.
	b.open("/customers")
	b.waitPath("/login")
	b.waitVisible("form[data-testid=login-form]")

	// Wrong keys: an error, the email kept, the keys not echoed back.
	b.signIn(demoEmail, "wrong-api-key", "wrong-access-key")
	b.waitVisible("[data-testid=login-error]")
	if got := b.path(); !strings.HasPrefix(got, "/login") {
		t.Fatalf("after wrong keys the browser is at %s, want the sign-in page", got)
	}
	if msg := b.text("[data-testid=login-error]"); !strings.Contains(msg, "did not accept") {
		t.Errorf("login error = %q, want it to say Apptivo did not accept the keys", msg)
	}
	if got := b.value(inputFor(b, "Your email")); got != demoEmail {
		t.Errorf("email after a failed sign-in = %q, want %q kept", got, demoEmail)
	}
	for _, label := range []string{"API key", "Access key"} {
		if got := b.value(inputFor(b, label)); got != "" {
			t.Errorf("%s after a failed sign-in = %q, want it empty (keys are never rendered back)", label, got)
		}
	}
	if b.exists("[data-testid=signed-in-as]") {
		t.Error("a failed sign-in shows 'Signed in as'")
	}

	// The demo keys: the customer list, signed in.
	b.signInDemo(demoEmail, "/customers")
	if got := b.text("[data-testid=signed-in-as]"); !strings.Contains(got, "Signed in as") || !strings.Contains(got, demoEmail) {
		t.Errorf("header says %q, want 'Signed in as %s'", got, demoEmail)
	}
	b.waitVisible("[data-testid=result-row]")
	// The keys never come back to the browser, and the session cookie is
	// out of reach of scripts.
	html := eval[string](b, "document.documentElement.outerHTML")
	for _, secret := range []string{apptivotest.DemoKeys.APIKey, apptivotest.DemoKeys.AccessKey} {
		if strings.Contains(html, secret) {
			t.Errorf("the signed-in page contains the key %q", secret)
		}
	}
	if c := eval[string](b, "document.cookie"); c != "" {
		t.Errorf("document.cookie = %q, want the session cookie HttpOnly (invisible to scripts)", c)
	}

	// Sign out: back on the sign-in page, and the list is closed again.
	b.click("[data-testid=sign-out]")
	b.waitPath("/login")
	b.waitVisible("form[data-testid=login-form]")
	if b.exists("[data-testid=signed-in-as]") {
		t.Error("the sign-in page after signing out still shows 'Signed in as'")
	}
	if live := b.text("#live"); !strings.Contains(live, "signed out") {
		t.Errorf("live region after signing out = %q, want the 'You are signed out' message", live)
	}
	b.open("/customers")
	b.waitPath("/login")
	if !b.exists("form[data-testid=login-form]") {
		t.Fatal("/customers after signing out did not end on the sign-in form")
	}
}
