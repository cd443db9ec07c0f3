package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// addPagingCustomers stores n copies of a seed customer named
// "Paging Test Co 01".. so that a search has several pages.
func addPagingCustomers(t *testing.T, sim *apptivotest.Server, n int) {
	t.Helper()
	raw, ok := sim.Customer(1000002)
	if !ok {
		t.Fatal("seed customer 1000002 missing")
	}
	for i := 1; i <= n; i++ {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		m["customerId"] = 2000000 + i
		m["customerName"] = fmt.Sprintf("Paging Test Co %02d", i)
		m["customerNumber"] = fmt.Sprintf("P%02d", i)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sim.Put(b); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSearch: typing narrows the results in place, paging swaps pages in
// place, and a result opens the customer's page.
func TestSearch(t *testing.T) {
	e := newEnv(t)
	addPagingCustomers(t, e.sim, 40)
	total := len(e.sim.CustomerIDs())
	b := e.newBrowser()
	b.signInDemo(demoEmail, "/customers")

	b.waitVisible("[data-testid=result-count]")
	if got, want := b.text("[data-testid=result-count]"), fmt.Sprintf("Showing 1–25 of %d customers", total); got != want {
		t.Errorf("result count = %q, want %q", got, want)
	}
	if got := b.count("[data-testid=result-row]"); got != 25 {
		t.Errorf("first page shows %d rows, want 25", got)
	}
	search := inputFor(b, "Search customers")

	// Typing narrows the results without a page load.
	b.mark()
	b.fill(search, "paging test")
	b.waitFor(`document.querySelector('[data-testid=result-count]')?.innerText.trim() === 'Showing 1–25 of 40 customers'`,
		"the result count for 'paging test'")
	b.assertNoReload("typing a search")
	if got := b.count("[data-testid=result-row]"); got != 25 {
		t.Errorf("'paging test' page 1 shows %d rows, want 25", got)
	}
	if q := b.urlQuery(); q.Get("q") != "paging test" {
		t.Errorf("address bar query = %v, want q=paging test (hx-replace-url)", q)
	}
	if got := b.value(search); got != "paging test" {
		t.Errorf("the search box holds %q after the swap, want what was typed", got)
	}

	// Next page, in place.
	b.click("[data-testid=next-page]")
	b.waitFor(`document.querySelector('[data-testid=result-count]')?.innerText.trim() === 'Showing 26–40 of 40 customers'`,
		"page 2 of 'paging test'")
	b.assertNoReload("paging")
	if got := b.count("[data-testid=result-row]"); got != 15 {
		t.Errorf("page 2 shows %d rows, want 15", got)
	}
	if first := b.text("[data-testid=result-row] th"); first != "Paging Test Co 26" {
		t.Errorf("first row of page 2 = %q, want Paging Test Co 26", first)
	}
	if b.exists("[data-testid=next-page]") {
		t.Error("the last page offers a Next link")
	}
	if q := b.urlQuery(); q.Get("page") != "2" || q.Get("q") != "paging test" {
		t.Errorf("address bar query on page 2 = %v, want q=paging test&page=2", q)
	}

	// And back.
	b.click("[data-testid=prev-page]")
	b.waitFor(`document.querySelector('[data-testid=result-count]')?.innerText.trim() === 'Showing 1–25 of 40 customers'`,
		"page 1 again")
	b.assertNoReload("paging back")

	// A narrower search: one match.
	b.fill(search, "gmbh")
	b.waitFor(`document.querySelector('[data-testid=result-count]')?.innerText.trim() === 'Showing 1–1 of 1 customer'`,
		"the single result for 'gmbh'")
	b.assertNoReload("typing a second search")
	if got := b.text("[data-testid=result-row] th"); got != "Müller & Söhne GmbH" {
		t.Errorf("result for 'gmbh' = %q, want Müller & Söhne GmbH", got)
	}

	// Nothing matches: said in words.
	b.fill(search, "zzzz-no-such-customer")
	b.waitVisible("[data-testid=no-results]")
	if msg := b.text("[data-testid=no-results]"); !strings.Contains(msg, "No customers match") {
		t.Errorf("empty result says %q", msg)
	}
	b.assertNoReload("a search without matches")

	// A result opens the customer page.
	b.fill(search, "gmbh")
	b.waitFor(`document.querySelector('[data-testid=result-count]')?.innerText.trim() === 'Showing 1–1 of 1 customer'`,
		"the single result for 'gmbh' again")
	b.click("[data-testid=result-row] a")
	b.waitPath(customerPath(apptivotest.IDUnicode))
	b.waitVisible("[data-testid=customer-title]")
	if got := b.text("[data-testid=customer-title]"); got != "Müller & Söhne GmbH" {
		t.Errorf("customer page title = %q, want Müller & Söhne GmbH", got)
	}

	// Back: the whole search page for the last search, never a bare fragment.
	b.do(chromedp.NavigateBack())
	b.waitFor(`location.pathname === '/customers' && !!document.querySelector('[data-testid=result-row]')`, "the search page after Back")
	if !b.exists("header.site-header") || !b.exists("form[data-testid=search-form]") {
		t.Error("Back from a customer shows the results without the page around them (a history-restore fragment)")
	}
	if got := b.value(search); got != "gmbh" {
		t.Errorf("search box after Back = %q, want gmbh", got)
	}
	if got := b.text("[data-testid=result-count]"); got != "Showing 1–1 of 1 customer" {
		t.Errorf("results after Back = %q, want the 'gmbh' result", got)
	}
}

// urlQuery is the address bar's query.
func (b *browser) urlQuery() url.Values {
	b.t.Helper()
	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Query()
}
