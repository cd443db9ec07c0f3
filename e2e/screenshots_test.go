package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// TestScreenshots writes PNGs of the key screens for the docs. It runs only
// with -screenshots=DIR (make screenshots).
func TestScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("run make screenshots")
	}
	dir, err := filepath.Abs(*screenshotDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	addPagingCustomers(t, e.sim, 12)
	const id = 1000001
	b := e.newBrowser(named("A"))
	save := func(b *browser, name string) {
		t.Helper()
		// No blinking caret or focus-dependent flicker between runs.
		b.js(`document.activeElement && document.activeElement.blur && document.activeElement.blur()`)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.screenshot(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", p)
	}

	b.open("/login")
	b.waitVisible("form[data-testid=login-form]")
	save(b, "signin.png")

	b.signInDemo(demoEmail, "/customers")
	b.fill(inputFor(b, "Search customers"), "ltd")
	b.waitFor(`location.search.includes('q=ltd') && !!document.querySelector('[data-testid=result-row]')`, "results for 'ltd'")
	b.waitFor(`[...document.querySelectorAll('[data-testid=result-row] th')].every(th => /ltd/i.test(th.innerText))`, "only 'ltd' rows")
	save(b, "search.png")

	b.openCustomer(id)
	save(b, "customer.png")

	b.openSectionForm("name")
	b.fill("#customerName", "Northwind Logistics Group LLC")
	save(b, "name-form.png")
	b.click("#name-section [data-testid=cancel]")
	b.waitGone("#name-section form")

	b.openSectionForm("contact")
	b.fill("#email-0-address", "not-an-email")
	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=error-summary]")
	save(b, "contact-error.png")

	// The change preview while typing.
	b.openCustomer(id)
	b.openSectionForm("contact")
	b.fill("#phone-1-number", "+1 650 253 0001")
	b.check("#email-1-remove")
	b.fill("#address-0-city", "Evanston")
	b.waitFor(`document.querySelectorAll('#contact-preview li').length === 3`, "three lines in the preview")
	b.js(`document.getElementById('contact-preview').scrollIntoView({block: 'center'})`)
	save(b, "preview.png")
	b.click("#contact-section [data-testid=save]")
	b.waitVisible("#contact-section [data-testid=section-notice]")

	// The history, after that save and a rename, the newest expanded.
	b.openSectionForm("name")
	b.fill("#customerName", "Northwind Logistics Group LLC")
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=section-notice]")
	b.waitFor(`document.querySelectorAll('[data-testid=history-entry]').length === 2`, "two entries in the history")
	b.js(`document.querySelectorAll('[data-testid=history-entry] details').forEach(d => d.open = true); document.getElementById('history-section').scrollIntoView()`)
	save(b, "history.png")

	// The conflict view: someone else renamed the customer meanwhile.
	b.openCustomer(apptivotest.IDApptivoInc)
	b.openSectionForm("name")
	if err := e.sim.Modify(apptivotest.IDApptivoInc, "Priya Raman", func(rec map[string]any) {
		rec["customerName"] = "Apptivo Incorporated"
	}); err != nil {
		t.Fatal(err)
	}
	b.fill("#customerName", "Apptivo, Inc. (HQ)")
	b.click("#name-section [data-testid=save]")
	b.waitVisible("#name-section [data-testid=conflict]")
	save(b, "conflict.png")

	// The customer page on a phone.
	m := e.newBrowser(named("mobile"), windowSize(390, 844))
	m.signInDemo(demoEmail, "/customers")
	m.openCustomer(id)
	save(m, "customer-mobile.png")
}
