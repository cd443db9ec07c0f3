package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestWithoutJavaScript: the whole job works as plain pages and form posts:
// sign in, search, open a customer, edit the name and the contact details.
func TestWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	const id = 1000001
	b := e.newBrowser(withoutJS())

	b.open("/login")
	b.waitVisible("form[data-testid=login-form]")
	if !eval[bool](b, "typeof window.htmx === 'undefined'") {
		t.Fatal("htmx is loaded: JavaScript is not disabled in this browser")
	}
	b.signInDemo(demoEmail, "/customers")

	// Search by submitting the form.
	b.fill(inputFor(b, "Search customers"), "northwind")
	b.click("form[data-testid=search-form] button[type=submit]")
	b.waitFor(`location.search.includes('q=northwind') && document.readyState === 'complete'`, "the search results page")
	b.waitVisible("[data-testid=result-row]")
	if got := b.text("[data-testid=result-count]"); got != "Showing 1–1 of 1 customer" {
		t.Errorf("result count = %q", got)
	}

	// Open the customer.
	b.click("[data-testid=result-row] a")
	b.waitPath(customerPath(id))
	b.waitVisible("[data-testid=customer-title]")
	if !eval[bool](b, "typeof window.htmx === 'undefined'") {
		t.Fatal("htmx ran on the customer page: JavaScript is not disabled")
	}
	e.sim.ResetRequests()

	// Edit the name: a link to a page with the form.
	b.click("[data-testid=edit-name]")
	b.waitPath(customerPath(id) + "/name/edit")
	b.waitVisible("form[data-testid=name-form]")
	b.fill(inputFor(b, "Customer name"), "Northwind Freight LLC")
	b.click("#name-section [data-testid=save]")
	b.waitFor(`location.pathname === `+jsString(customerPath(id))+` && !!document.querySelector('[data-testid=name-value]')`,
		"the customer page after saving the name")
	if got := b.text("[data-testid=name-value]"); got != "Northwind Freight LLC" {
		t.Errorf("name after saving = %q", got)
	}
	if got := b.text("[data-testid=customer-title]"); got != "Northwind Freight LLC" {
		t.Errorf("page title after saving = %q", got)
	}
	if live := b.text("#live"); !strings.Contains(live, "Saved") {
		t.Errorf("live region after saving = %q, want Saved", live)
	}
	if ups := e.updates(); len(ups) != 1 {
		t.Fatalf("%d updates after saving the name, want 1", len(ups))
	} else if names := attributeNames(t, ups[0]); !slices.Equal(names, []string{"customerName"}) {
		t.Errorf("name update attributeName = %v, want [customerName]", names)
	}

	// Edit contact details with the plain form: change a phone number.
	b.click("[data-testid=edit-contact]")
	b.waitPath(customerPath(id) + "/contact/edit")
	b.waitVisible("form[data-testid=contact-form]")
	b.fill("#phone-0-number", "+1 312-555-0177")
	b.click("#contact-section [data-testid=save]")
	b.waitFor(`location.pathname === `+jsString(customerPath(id))+` && !!document.querySelector('[data-testid=phones]')`,
		"the customer page after saving contact details")
	if phones := b.text("[data-testid=phones]"); !strings.Contains(phones, "+1 312-555-0177") || strings.Contains(phones, "+1 312-555-0147") {
		t.Errorf("phones after saving = %q, want +1 312-555-0177 instead of +1 312-555-0147", phones)
	}
	if live := b.text("#live"); !strings.Contains(live, "Saved") {
		t.Errorf("live region after saving contact details = %q, want Saved", live)
	}
	if ups := e.updates(); len(ups) != 2 {
		t.Fatalf("%d updates in all, want 2", len(ups))
	} else if names := attributeNames(t, ups[1]); !slices.Equal(names, []string{"phoneNumbers"}) {
		t.Errorf("contact update attributeName = %v, want [phoneNumbers]", names)
	}
	if phones := e.storedList(id, "phoneNumbers", "phoneNumber"); !slices.Contains(phones, "+1 312-555-0177") {
		t.Errorf("stored phones = %v", phones)
	}

	// A validation error without JavaScript: the form page again, input kept.
	b.click("[data-testid=edit-contact]")
	b.waitPath(customerPath(id) + "/contact/edit")
	b.fill("#email-0-address", "not-an-email")
	b.click("#contact-section [data-testid=save]")
	b.waitFor(`!!document.querySelector('[data-testid=error-summary]')`, "the form with errors")
	if got := b.value("#email-0-address"); got != "not-an-email" {
		t.Errorf("email after the failed save = %q, want what was typed", got)
	}
	if !b.exists("[data-testid=email-0-address-error]") {
		t.Error("no error beside the bad email")
	}
	if n := len(e.updates()); n != 2 {
		t.Errorf("%d updates after an invalid save, want still 2", n)
	}
}
