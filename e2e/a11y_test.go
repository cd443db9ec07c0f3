package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// unlabelledJS lists problems with the controls inside root: visible
// inputs and selects without a <label for> naming them, and buttons (or
// links styled as buttons) without an accessible name.
const unlabelledJS = `((root) => {
	const problems = [];
	const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
	for (const el of root.querySelectorAll('input, select, textarea')) {
		if (el.type === 'hidden' || !visible(el)) continue;
		const desc = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '[name=' + el.name + ']');
		if (!el.id) { problems.push(desc + ' has no id, so no label can point at it'); continue; }
		const label = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
		if (!label) { problems.push(desc + ' has no <label for>'); continue; }
		if (!label.textContent.trim()) problems.push(desc + ' has an empty label');
	}
	for (const el of root.querySelectorAll('button, [role=button], a.button, input[type=submit], input[type=button]')) {
		const name = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim();
		if (!name) problems.push(el.outerHTML.slice(0, 120) + ' has no accessible name');
	}
	return problems;
})(%s)`

func (b *browser) a11yProblems(rootSel string) []string {
	b.t.Helper()
	return eval[[]string](b, strings.Replace(unlabelledJS, "%s", "document.querySelector("+jsString(rootSel)+")", 1))
}

// TestAccessibilityAfterSwaps: the swapped-in forms keep every control
// labelled and every button named, also after "Add" and error swaps; Esc in
// an open form cancels it and puts focus on the section heading.
func TestAccessibilityAfterSwaps(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	for _, p := range b.a11yProblems("main") {
		t.Errorf("customer page: %s", p)
	}

	b.mark()
	b.openSectionForm("contact")
	for _, p := range b.a11yProblems("#contact-section") {
		t.Errorf("contact form: %s", p)
	}
	if n := b.count("#contact-section input:not([type=hidden]), #contact-section select"); n < 20 {
		t.Fatalf("only %d controls found in the contact form; the check looked at the wrong thing", n)
	}

	// "Add phone number" swaps in one more row, focused.
	b.click("#contact-section [data-testid=add-phone]")
	b.waitVisible("#phone-4-number")
	b.assertNoReload("adding a phone row")
	b.waitFocus("phone-4-number")
	for _, p := range b.a11yProblems("#contact-section") {
		t.Errorf("contact form after adding a row: %s", p)
	}

	// An error swap.
	b.fill("#email-0-address", "not-an-email")
	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=error-summary]")
	for _, p := range b.a11yProblems("#contact-section") {
		t.Errorf("contact form with an error: %s", p)
	}

	// Esc in a field cancels the form: the read view comes back, focus on
	// its heading, nothing saved.
	b.focus("#email-0-address")
	b.press(kb.Escape)
	b.waitGone("#contact-section form")
	b.waitVisible("[data-testid=edit-contact]")
	b.assertNoReload("Esc in the contact form")
	b.waitFocus("contact-heading")
	if emails := b.text("[data-testid=emails]"); !strings.Contains(emails, "ops@northwind-logistics.example") {
		t.Errorf("emails after Esc = %q, want the stored ones", emails)
	}

	// The same for the name form.
	b.openSectionForm("name")
	for _, p := range b.a11yProblems("#name-section") {
		t.Errorf("name form: %s", p)
	}
	b.waitFocus("customerName")
	b.press(kb.Escape)
	b.waitGone("#name-section form")
	b.waitVisible("[data-testid=edit-name]")
	b.waitFocus("name-heading")
	b.assertNoReload("Esc in the name form")
	if n := len(e.updates()); n != 0 {
		t.Errorf("%d updates, want none: nothing was saved", n)
	}
}
