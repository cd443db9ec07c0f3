package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// TestEditName: the name form swaps in place with focus on the input, and
// Save swaps the read view back with "Saved", focus on the heading, and one
// update naming only customerName.
func TestEditName(t *testing.T) {
	e := newEnv(t)
	const id = apptivotest.IDApptivoInc
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	if got := b.text("[data-testid=name-value]"); got != "Apptivo, Inc." {
		t.Fatalf("name shown = %q, want Apptivo, Inc.", got)
	}
	e.sim.ResetRequests()

	b.mark()
	b.openSectionForm("name")
	b.assertNoReload("opening the name form")
	b.waitFocus("customerName")
	if label := b.text("label[for=customerName]"); label != "Customer name" {
		t.Errorf("the name input's label = %q, want Customer name", label)
	}
	if got := b.value("#customerName"); got != "Apptivo, Inc." {
		t.Errorf("the form starts with %q, want the stored name", got)
	}

	b.fill(inputFor(b, "Customer name"), "Apptivo Holdings")
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=section-notice]")
	b.assertNoReload("saving the name")

	if got := b.text("#name-section [data-testid=section-notice]"); !strings.Contains(got, "Saved") {
		t.Errorf("section notice = %q, want Saved", got)
	}
	b.waitFor(`document.getElementById('live').innerText.includes('Saved')`, "Saved in the live region")
	if b.exists("#name-section form") {
		t.Error("the name form is still open after saving")
	}
	if got := b.text("[data-testid=name-value]"); got != "Apptivo Holdings" {
		t.Errorf("name shown after saving = %q, want Apptivo Holdings", got)
	}
	b.waitFocus("name-heading")
	if got := b.count("#live"); got != 1 {
		t.Errorf("%d live regions on the page after the swap, want exactly 1", got)
	}
	if got := b.text("[data-testid=last-updated]"); !strings.Contains(got, apptivotest.DemoKeys.UserName) {
		t.Errorf("meta line after saving = %q, want it to name %s (out-of-band swap)", got, apptivotest.DemoKeys.UserName)
	}

	up := e.onlyUpdate()
	if names := attributeNames(t, up); !slices.Equal(names, []string{"customerName"}) {
		t.Errorf("update attributeName = %v, want [customerName]", names)
	}
	for _, flag := range []string{"isPhoneNumberUpdate", "isEmailAddressUpdate", "isAddressUpdate"} {
		if v := up.Params.Get(flag); v == "true" {
			t.Errorf("a name-only update sent %s=true", flag)
		}
	}
	if got := e.storedName(id); got != "Apptivo Holdings" {
		t.Errorf("stored name = %q, want Apptivo Holdings", got)
	}

	// The page's heading is the customer's name; it must not go stale
	// after an in-place rename.
	t.Run("page heading follows the new name", func(t *testing.T) {
		if got := b.text("[data-testid=customer-title]"); got != "Apptivo Holdings" {
			t.Errorf("page heading (h1) after renaming in place = %q, want Apptivo Holdings: the save answer swaps the card but not the h1", got)
		}
	})
}

// TestEditContactDetails: add a phone, remove an email and change a city in
// one save; the one update names exactly those three sections, in
// reference order, and a reload shows the result.
func TestEditContactDetails(t *testing.T) {
	e := newEnv(t)
	const id = 1000001 // Northwind Logistics: 3 phones, 2 emails, 2 addresses
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")
	b.openCustomer(id)
	e.sim.ResetRequests()

	b.mark()
	b.openSectionForm("contact")
	b.assertNoReload("opening the contact form")
	b.waitFocus("phone-0-number")
	if got := b.count("[data-testid=phone-row]"); got != 4 {
		t.Fatalf("contact form has %d phone rows, want the 3 stored + 1 blank", got)
	}

	// A new phone in the blank row.
	const newPhone = "+1 312-555-0100"
	b.fill("#phone-3-number", newPhone)
	b.choose("#phone-3-type", "Mobile")
	if l := b.text("label[for=phone-3-number]"); l != "Phone number" {
		t.Errorf("new phone row's number label = %q", l)
	}
	if l := b.text("label[for=phone-3-type]"); l != "Phone type" {
		t.Errorf("new phone row's type label = %q", l)
	}
	// Remove the second email.
	if got := b.value("#email-1-address"); got != "billing@northwind-logistics.example" {
		t.Fatalf("second email row holds %q", got)
	}
	b.check("#email-1-remove")
	// Another city for the first address.
	if got := b.value("#address-0-city"); got != "Chicago" {
		t.Fatalf("first address city = %q, want Chicago", got)
	}
	b.fill("#address-0-city", "Evanston")

	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=section-notice]")
	b.assertNoReload("saving contact details")
	if got := b.text("#contact-section [data-testid=section-notice]"); !strings.Contains(got, "Saved") {
		t.Errorf("section notice = %q, want Saved", got)
	}
	b.waitFor(`document.getElementById('live').innerText.includes('Saved')`, "Saved in the live region")
	b.waitFocus("contact-heading")

	up := e.onlyUpdate()
	if names := attributeNames(t, up); !slices.Equal(names, []string{"phoneNumbers", "emailAddresses", "address"}) {
		t.Errorf("update attributeName = %v, want [phoneNumbers emailAddresses address]", names)
	}
	for _, flag := range []string{"isPhoneNumberUpdate", "isEmailAddressUpdate", "isAddressUpdate"} {
		if v := up.Params.Get(flag); v != "true" {
			t.Errorf("update %s = %q, want true", flag, v)
		}
	}

	// What is stored.
	if phones := e.storedList(id, "phoneNumbers", "phoneNumber"); !slices.Contains(phones, newPhone) || len(phones) != 4 {
		t.Errorf("stored phones = %v, want the 3 old ones and %s", phones, newPhone)
	}
	if emails := e.storedList(id, "emailAddresses", "emailAddress"); !slices.Equal(emails, []string{"ops@northwind-logistics.example"}) {
		t.Errorf("stored emails = %v, want only ops@northwind-logistics.example", emails)
	}
	if cities := e.storedList(id, "addresses", "city"); !slices.Equal(cities, []string{"Evanston", "Gary"}) {
		t.Errorf("stored cities = %v, want [Evanston Gary]", cities)
	}

	// The read view swapped in shows it, and so does a fresh page.
	for _, when := range []string{"after the swap", "after a reload"} {
		if when == "after a reload" {
			b.do(chromedp.Reload())
			b.waitVisible("[data-testid=contact-section]")
		}
		phones := b.text("[data-testid=phones]")
		if !strings.Contains(phones, newPhone) || !strings.Contains(phones, "Mobile") {
			t.Errorf("phones %s = %q, want the new Mobile %s", when, phones, newPhone)
		}
		emails := b.text("[data-testid=emails]")
		if strings.Contains(emails, "billing@northwind-logistics.example") || !strings.Contains(emails, "ops@northwind-logistics.example") {
			t.Errorf("emails %s = %q, want billing@ gone and ops@ kept", when, emails)
		}
		addrs := b.text("[data-testid=addresses]")
		if !strings.Contains(addrs, "Evanston") || strings.Contains(addrs, "Chicago") {
			t.Errorf("addresses %s = %q, want Evanston instead of Chicago", when, addrs)
		}
	}
}
