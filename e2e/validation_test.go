package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestValidation: bad input comes back in place with the errors beside the
// fields, everything typed kept, focus on the first invalid field, the count
// in the live region, and nothing sent to Apptivo.
func TestValidation(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	b.mark()
	b.openSectionForm("contact")
	e.sim.ResetRequests()

	b.fill("#phone-0-number", "12")
	b.fill("#email-0-address", "not-an-email")
	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=error-summary]")
	b.assertNoReload("a save with errors")

	for _, f := range []struct{ id, typed, wantMsg string }{
		{"phone-0-number", "12", "not a valid phone number"},
		{"email-0-address", "not-an-email", "email address like"},
	} {
		sel := "#" + f.id
		if got := b.value(sel); got != f.typed {
			t.Errorf("%s holds %q after the failed save, want what was typed (%q)", sel, got, f.typed)
		}
		// The error sits in the same field block as the input, and the input
		// points at it.
		beside := eval[string](b, `(() => {
			const input = document.querySelector(`+jsString(sel)+`);
			const err = input.closest('.field').querySelector('[data-testid$="-error"]');
			return err ? err.id + '|' + err.innerText.trim() : '';
		})()`)
		errID, msg, _ := strings.Cut(beside, "|")
		if errID == "" {
			t.Errorf("no error message beside %s", sel)
			continue
		}
		if !strings.Contains(msg, f.wantMsg) {
			t.Errorf("error beside %s = %q, want it to contain %q", sel, msg, f.wantMsg)
		}
		if inv := eval[string](b, "document.querySelector("+jsString(sel)+").getAttribute('aria-invalid') || ''"); inv != "true" {
			t.Errorf("%s aria-invalid = %q, want true", sel, inv)
		}
		if desc := eval[string](b, "document.querySelector("+jsString(sel)+").getAttribute('aria-describedby') || ''"); !slices.Contains(strings.Fields(desc), errID) {
			t.Errorf("%s aria-describedby = %q, want it to name the error #%s", sel, desc, errID)
		}
	}
	if got := b.count("#contact-section [data-testid$=-error]:not([data-testid=form-problem])"); got != 2 {
		t.Errorf("%d field errors shown, want 2", got)
	}
	b.waitFocus("phone-0-number")
	live := b.text("#live")
	if !strings.Contains(live, "2 fields") {
		t.Errorf("live region = %q, want it to mention the 2 fields with errors", live)
	}
	if n := len(e.updates()); n != 0 {
		t.Errorf("%d updates were sent for an invalid form, want none", n)
	}

	// Correct both, save: one update with just the two sections.
	b.fill("#phone-0-number", "+1 312-555-0148")
	b.fill("#email-0-address", "dispatch@northwind-logistics.example")
	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=section-notice]")
	b.assertNoReload("the corrected save")
	if names := attributeNames(t, e.onlyUpdate()); !slices.Equal(names, []string{"phoneNumbers", "emailAddresses"}) {
		t.Errorf("update attributeName = %v, want [phoneNumbers emailAddresses]", names)
	}
	if live := b.text("#live"); strings.Contains(live, "attention") || !strings.Contains(live, "Saved") {
		t.Errorf("live region after the corrected save = %q, want Saved and no stale error", live)
	}
}
