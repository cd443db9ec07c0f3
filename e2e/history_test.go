package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestHistoryAndUndo: save a phone number, see the change in the History
// section (which loads after the page and refreshes after the save), undo it
// in place, and see the old number back and a new entry on top.
func TestHistoryAndUndo(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.waitVisible("[data-testid=history-empty]") // loaded after the page

	b.openSectionForm("contact")
	b.fill("#phone-0-number", "+1 650 253 0000")
	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=section-notice]")
	b.waitFor(`document.querySelectorAll('[data-testid=history-entry]').length === 1`, "the save in the history")
	if got := b.text("[data-testid=history-entry] summary"); !strings.Contains(got, demoEmail+" changed Phone numbers") {
		t.Errorf("history entry = %q", got)
	}
	b.click("[data-testid=history-entry] summary") // expand it
	if got := b.text("[data-testid=history-lines]"); !strings.Contains(got, "Phone 1: +1 312-555-0147 → +1 650 253 0000") {
		t.Errorf("entry lines = %q", got)
	}

	e.sim.ResetRequests()
	b.mark()
	b.click("[data-testid=history-entry] [data-testid=undo]")
	b.waitVisible("[data-testid=history-notice]")
	b.assertNoReload("undoing")
	b.waitFor(`document.getElementById('live').innerText.includes('Undone')`, "Undone in the live region")
	if got := b.text("[data-testid=phones]"); !strings.Contains(got, "+1 312-555-0147") || strings.Contains(got, "+1 650 253 0000") {
		t.Errorf("phones after undo = %q", got)
	}
	if got := b.count("[data-testid=history-entry]"); got != 2 {
		t.Fatalf("%d history entries after undo, want 2", got)
	}
	if got := b.text("[data-testid=history-entry] summary"); !strings.Contains(got, "undid a change to Phone numbers") {
		t.Errorf("newest entry = %q", got)
	}
	up := e.onlyUpdate()
	if names := attributeNames(t, up); !slices.Equal(names, []string{"phoneNumbers"}) {
		t.Errorf("undo sent attributeName %v", names)
	}
	if got := e.storedList(id, "phoneNumbers", "phoneNumber")[0]; got != "+1 312-555-0147" {
		t.Errorf("stored phone after undo = %q", got)
	}
}

// TestChangePreviewWhileTyping: the open form lists what Save will change,
// updated as the person types, with no Apptivo call.
func TestChangePreviewWhileTyping(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.openSectionForm("contact")
	b.waitVisible("#contact-preview [data-testid=no-changes-yet]")
	e.sim.ResetRequests()

	b.fill("#phone-1-number", "+1 650 253 0001")
	b.waitFor(`document.querySelector('#contact-preview').innerText.includes('Phone 2: +1 773-555-0123 → +1 650 253 0001')`, "the phone change in the preview")
	b.check("#email-1-remove")
	b.waitFor(`!!document.querySelector('#contact-preview li.change-removal')`, "the removal in the preview")
	if got := b.text("#contact-preview li.change-removal"); got != "Email address removed: billing@northwind-logistics.example" {
		t.Errorf("removal line = %q", got)
	}
	if n := len(e.sim.Requests()); n != 0 {
		t.Errorf("the preview made %d Apptivo calls", n)
	}
}

// TestUnsavedChangesGuard: Cancel on a changed form asks first (and a "no"
// keeps the form and what was typed); after Save, or on an untouched form,
// nothing asks.
func TestUnsavedChangesGuard(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)

	// Untouched: Cancel goes straight back.
	b.openSectionForm("name")
	b.click("#name-section [data-testid=cancel]")
	b.waitGone("#name-section form")
	if d := b.dialogsSeen(); len(d) != 0 {
		t.Fatalf("an untouched form asked: %q", d)
	}

	// Changed: Cancel asks; "no" keeps the form with what was typed.
	b.openSectionForm("name")
	b.fill("#customerName", "Northwind Typed")
	b.dismiss.Store(true)
	b.click("#name-section [data-testid=cancel]")
	b.waitFor(`true`, "the dialog")
	if d := b.dialogsSeen(); len(d) != 1 || !strings.HasPrefix(d[0], "confirm: Discard your unsaved changes") {
		t.Fatalf("dialogs = %q", d)
	}
	if !b.exists("#name-section form") || b.value("#customerName") != "Northwind Typed" {
		t.Fatal("answering no to the guard lost the form or what was typed")
	}
	b.dismiss.Store(false)

	// Saved: nothing asks, neither Cancel-like navigation nor leaving.
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=section-notice]")
	b.open("/customers")
	b.waitPath("/customers")
	if d := b.dialogsSeen(); len(d) != 1 {
		t.Errorf("something asked after the save: %q", d)
	}

	// Changed and leaving the page: the browser asks (beforeunload).
	b.openCustomer(id)
	b.openSectionForm("name")
	b.fill("#customerName", "Northwind Left Behind")
	b.open("/customers")
	b.waitPath("/customers")
	if d := b.dialogsSeen(); len(d) != 2 || !strings.HasPrefix(d[1], "beforeunload") {
		t.Errorf("leaving a changed form: dialogs = %q", d)
	}
}
