package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// TestDoubleSubmit: two quick presses of Save on a slow Apptivo send one
// update.
func TestDoubleSubmit(t *testing.T) {
	e := newEnv(t)
	const id = apptivotest.IDApptivoInc
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.openSectionForm("name")
	b.fill("#customerName", "Apptivo Twice")
	e.sim.SetLatency(300 * time.Millisecond)
	e.sim.ResetRequests()

	b.mark()
	// Two clicks in the same task: the second lands while the first request
	// is in flight.
	b.js(`(() => { const s = document.querySelector('#name-section [data-testid=save]'); s.click(); s.click(); })()`)
	b.waitVisible("#name-section [data-testid=section-notice]")
	b.assertNoReload("a double submit")
	// Let any second request finish before counting.
	time.Sleep(800 * time.Millisecond)
	if n := len(e.updates()); n != 1 {
		t.Errorf("%d updates after a double click on Save, want exactly 1", n)
	}
	if n := e.postsTo(customerPath(id) + "/name"); n != 1 {
		t.Errorf("the browser sent %d POSTs for a double click on Save, want 1 (Save is disabled while a request is in flight)", n)
	}
	if got := b.text("#name-section [data-testid=section-notice]"); !strings.Contains(got, "Saved") {
		t.Errorf("section notice = %q, want Saved (not 'No changes to save' from a second request)", got)
	}
	if got := e.storedName(id); got != "Apptivo Twice" {
		t.Errorf("stored name = %q", got)
	}

	// Click then Enter: the same.
	b.openSectionForm("name")
	b.fill("#customerName", "Apptivo Thrice")
	e.sim.ResetRequests()
	before := e.postsTo(customerPath(id) + "/name")
	b.js(`document.querySelector('#name-section [data-testid=save]').click()`)
	b.focus("#customerName")
	b.press("\r")
	b.waitVisible("#name-section [data-testid=section-notice]")
	time.Sleep(800 * time.Millisecond)
	if n := len(e.updates()); n != 1 {
		t.Errorf("%d updates after Save then Enter, want exactly 1", n)
	}
	if n := e.postsTo(customerPath(id)+"/name") - before; n != 1 {
		t.Errorf("the browser sent %d POSTs for Save then Enter, want 1", n)
	}
}

// TestExpiredSession: a form saved after the sign-in expired ends on the
// sign-in page as a whole page (never inside the section), and signing in
// again brings the form back with what was typed.
func TestExpiredSession(t *testing.T) {
	e := newEnv(t)
	const id = apptivotest.IDApptivoInc
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.openSectionForm("name")
	b.fill("#customerName", "Typed Before Expiry")
	// The live preview answers while still signed in: one that answered after
	// the expiry would put its message above the form just as Save is clicked.
	b.waitFor(`document.getElementById('name-preview').innerText.includes('Typed Before Expiry')`, "the preview of the typed name")
	e.sim.ResetRequests()

	e.clock.Advance(31 * time.Minute) // past the 30-minute idle timeout
	b.mark()
	b.click("#name-section [data-testid=save]")
	b.waitPath("/login")
	b.waitVisible("form[data-testid=login-form]")
	if eval[bool](b, "window.__marker === 1") {
		t.Error("the sign-in page was swapped into the customer page; want a full page load")
	}
	if b.exists("#name-section") {
		t.Error("the sign-in page contains #name-section: it landed inside the section")
	}
	if n := b.count("form[data-testid=login-form]"); n != 1 {
		t.Errorf("%d sign-in forms on the page, want 1", n)
	}
	if eval[bool](b, "!!document.querySelector('form[data-testid=login-form]').closest('section')") {
		t.Error("the sign-in form is inside a section")
	}
	if n := len(e.updates()); n != 0 {
		t.Errorf("%d updates from an expired session, want none", n)
	}
	if next := b.urlQuery().Get("next"); next != customerPath(id)+"/name/edit" {
		t.Errorf("sign-in next = %q, want the name form %s/name/edit", next, customerPath(id))
	}

	// Sign in again: back on the form with the typed name restored.
	b.signInDemo(demoEmail, customerPath(id)+"/name/edit")
	b.waitVisible("#name-section form[data-testid=name-form]")
	b.waitVisible("[data-testid=restored]")
	if got := b.value("#customerName"); got != "Typed Before Expiry" {
		t.Errorf("restored name input = %q, want Typed Before Expiry", got)
	}
	if n := len(e.updates()); n != 0 {
		t.Errorf("%d updates before pressing Save again, want none", n)
	}

	// Saving it now works (a plain form post, since this is a full page).
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=section-notice]")
	if got := e.storedName(id); got != "Typed Before Expiry" {
		t.Errorf("stored name = %q, want Typed Before Expiry", got)
	}
	if n := len(e.updates()); n != 1 {
		t.Errorf("%d updates after saving the restored form, want 1", n)
	}

	// Expiry again, now on opening a form: the sign-in page as a whole
	// page, then back to the customer.
	e.clock.Advance(31 * time.Minute)
	b.mark()
	b.click("[data-testid=edit-contact]")
	b.waitPath("/login")
	b.waitVisible("form[data-testid=login-form]")
	if eval[bool](b, "window.__marker === 1") || b.exists("#contact-section") {
		t.Error("opening a form after expiry put the sign-in page inside the customer page")
	}
	if next := b.urlQuery().Get("next"); !strings.HasPrefix(next, customerPath(id)) {
		t.Errorf("sign-in next = %q, want the customer's page", next)
	}
}

// TestApptivoTrouble: when Apptivo fails during a save the form stays open
// with what was typed and a message in words; pressing Save again works.
func TestApptivoTrouble(t *testing.T) {
	e := newEnv(t)
	const id = apptivotest.IDApptivoInc
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.openSectionForm("name")
	b.fill("#customerName", "Apptivo After Outage")
	e.sim.ResetRequests()
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailInternalError, Action: "update", Times: 1})

	b.mark()
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=form-problem]")
	b.assertNoReload("a failed save")
	if b.exists("[data-testid=error-page]") || b.exists("#name-section header.site-header") {
		t.Error("an error page landed inside the section")
	}
	if got := b.value("#customerName"); got != "Apptivo After Outage" {
		t.Errorf("name input after the failed save = %q, want what was typed", got)
	}
	if msg := b.text("[data-testid=form-problem]"); !strings.Contains(msg, "Apptivo") {
		t.Errorf("problem message = %q, want it to explain the Apptivo trouble", msg)
	}
	if live := b.text("#live"); !strings.Contains(live, "Not saved") {
		t.Errorf("live region = %q, want 'Not saved…'", live)
	}
	if got := e.storedName(id); got != "Apptivo, Inc." {
		t.Fatalf("stored name after the failed update = %q, want it unchanged", got)
	}

	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=section-notice]")
	if got := b.text("#name-section [data-testid=section-notice]"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after retrying = %q, want Saved", got)
	}
	if got := e.storedName(id); got != "Apptivo After Outage" {
		t.Errorf("stored name after retrying = %q", got)
	}
	if n := len(e.updates()); n != 2 {
		t.Errorf("%d update calls, want 2 (the failed one and the retry)", n)
	}
}

// TestFailedEditKeepsTheSection: when Apptivo fails while a section form is
// being opened, the card stays as it was (the swap is called off), the live
// region says why, and Edit works once Apptivo is back.
func TestFailedEditKeepsTheSection(t *testing.T) {
	e := newEnv(t)
	const id = apptivotest.IDApptivoInc
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailInternalError, Action: "getById"})
	e.clock.Advance(time.Minute) // past the snapshot's life: Edit must read

	b.mark()
	b.click("[data-testid=edit-contact]")
	b.waitFor(`document.getElementById('live').innerText.includes('Apptivo')`, "the outage explained in the live region")
	b.assertNoReload("a failed Edit")
	if n, edit := b.count("#contact-section"), b.count("[data-testid=edit-contact]"); n != 1 || edit != 1 {
		t.Fatalf("after a failed Edit: %d contact sections, %d Edit buttons; want the card untouched", n, edit)
	}

	e.sim.ClearFailures()
	b.click("[data-testid=edit-contact]")
	b.waitVisible("#contact-section form[data-section-form]")
}

// TestPreviewAfterExpiryKeepsTheForm: typing into an open form after the
// sign-in ended asks for the live preview; the answer leaves the page, the
// form and what was typed where they are, and says why nothing is shown.
func TestPreviewAfterExpiryKeepsTheForm(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.openSectionForm("name")
	e.clock.Advance(31 * time.Minute) // past the 30-minute idle timeout
	b.mark()
	b.fill("#customerName", "Typed After A Coffee LLC")
	b.waitFor(`document.getElementById('live').innerText.includes('sign-in has ended')`, "the live region says the sign-in ended")
	b.assertNoReload("previewing after expiry")
	if p := b.path(); p != customerPath(id) {
		t.Errorf("the preview took the browser to %q", p)
	}
	if got := b.value("#customerName"); got != "Typed After A Coffee LLC" {
		t.Errorf("the name field holds %q", got)
	}
}
