package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

func TestSearchWithResults(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.get("/customers?q=gmbh")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	if p.doc.Find(`label[for=q]`).Text() != "Search customers" || p.val("#q") != "gmbh" {
		t.Error("search box missing or query not kept")
	}
	rows := p.doc.Find(`[data-testid=result-row]`)
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "Müller & Söhne GmbH") {
		t.Fatalf("rows: %q", rows.Text())
	}
	link := rows.Find("a").AttrOr("href", "")
	if link != fmt.Sprintf("/customers/%d", apptivotest.IDUnicode) {
		t.Errorf("link %q", link)
	}
	cells := rows.First().Find("td")
	if cells.Eq(0).Text() != "1004" || cells.Eq(1).Text() != "+49 30 901820" || !strings.Contains(cells.Eq(2).Text(), "@mueller-soehne") {
		t.Errorf("cells: %q", cells.Text())
	}
	if got := p.text(`[data-testid=result-count]`); got != "Showing 1–1 of 1 customer" {
		t.Errorf("count %q", got)
	}
	if p.header.Get("Cache-Control") != "no-store" || !slices.Contains(p.header.Values("Vary"), "HX-Request") {
		t.Errorf("headers %v", p.header)
	}
}

func TestSearchEmptyQueryListsAndPages(t *testing.T) {
	e := newEnv(t)
	for i := range 30 {
		rec := fmt.Sprintf(`{"customerId":%d,"customerName":"Zeta Test %02d","customerNumber":"Z%02d","phoneNumbers":[],"emailAddresses":[],"addresses":[]}`, 2000000+i, i, i)
		if _, err := e.sim.Put(json.RawMessage(rec)); err != nil {
			t.Fatal(err)
		}
	}
	e.signIn()
	total := len(e.sim.CustomerIDs())
	p := e.get("/customers")
	if n := p.doc.Find(`[data-testid=result-row]`).Length(); n != 25 {
		t.Fatalf("first page rows %d", n)
	}
	if got := p.text(`[data-testid=result-count]`); got != fmt.Sprintf("Showing 1–25 of %d customers", total) {
		t.Errorf("count %q", got)
	}
	next := p.doc.Find(`[data-testid=next-page]`).AttrOr("href", "")
	if next != "/customers?page=2" {
		t.Fatalf("next %q", next)
	}
	p2 := e.get(next)
	if total > 50 {
		t.Fatalf("the test expects two pages, seed has %d", total)
	}
	if n := p2.doc.Find(`[data-testid=result-row]`).Length(); n != total-25 {
		t.Errorf("second page rows %d", n)
	}
	if p2.doc.Find(`[data-testid=next-page]`).Length() != 0 || p2.doc.Find(`[data-testid=prev-page]`).AttrOr("href", "") != "/customers" {
		t.Error("pager links on the last page")
	}
	if e.countCalls("getAll") != 2 {
		t.Errorf("getAll calls %d", e.countCalls("getAll"))
	}
	// With a query, paging keeps it.
	p3 := e.get("/customers?q=zeta")
	if p3.doc.Find(`[data-testid=next-page]`).AttrOr("href", "") != "/customers?page=2&q=zeta" {
		t.Errorf("next keeps the query: %q", p3.doc.Find(`[data-testid=next-page]`).AttrOr("href", ""))
	}
}

func TestSearchNoResults(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.get("/customers?q=qqqzzz")
	if p.status != http.StatusOK || !strings.Contains(p.text(`[data-testid=no-results]`), "No customers match “qqqzzz”") {
		t.Fatalf("%d %q", p.status, p.text(`[data-testid=no-results]`))
	}
}

func TestSearchPastTheLastPage(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.get("/customers?q=gmbh&page=40")
	if !strings.Contains(p.text(`[data-testid=no-results]`), "past the last result") || p.doc.Find(`[data-testid=no-results] a[href="/customers?q=gmbh"]`).Length() != 1 {
		t.Fatalf("%q", p.text(`[data-testid=no-results]`))
	}
}

func TestLongUnicodeQueryIsCutOnACharacter(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.get("/customers?q=" + url.QueryEscape(strings.Repeat("ü", 250)))
	if got := p.val("#q"); got != strings.Repeat("ü", 200) {
		t.Fatalf("query kept as %d runes, valid=%v", len([]rune(got)), utf8.ValidString(got))
	}
}

func TestSearchFragmentForHTMX(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.hxGet("/customers?q=northwind")
	if strings.Contains(p.body, "<html") || p.doc.Find("#results [data-testid=result-row]").Length() != 1 {
		t.Fatalf("fragment: %s", p.body)
	}
	// A history restore wants the whole page.
	full := e.do(http.MethodGet, "/customers?q=northwind", nil, true, func(r *http.Request) {
		r.Header.Set("HX-History-Restore-Request", "true")
	})
	if !strings.Contains(full.body, "<html") {
		t.Fatal("history restore must get a full page")
	}
}

func TestSearchApptivoTrouble(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailRateLimited, RetryAfter: 30e9})
	p := e.get("/customers?q=x")
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.text(`[data-testid=search-error]`), "Try again in 30 seconds") {
		t.Fatalf("%d %q", p.status, p.text(`[data-testid=search-error]`))
	}
	if p.val("#q") != "x" {
		t.Error("query lost")
	}
}

func TestCustomerPage(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.get("/customers/1000001")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	if e.countCalls("getById") != 1 || len(e.sim.Requests()) != 1 {
		t.Errorf("a customer page costs one read, got %d calls", len(e.sim.Requests()))
	}
	if p.text(`[data-testid=customer-title]`) != "Northwind Logistics LLC" {
		t.Errorf("title %q", p.text(`[data-testid=customer-title]`))
	}
	meta := p.text(`[data-testid=customer-meta]`)
	for _, want := range []string{"Customer number 1001", "Active", "Last updated by"} {
		if !strings.Contains(meta, want) {
			t.Errorf("meta %q lacks %q", meta, want)
		}
	}
	if p.text(`#name-heading`) != "Name" || p.text(`#contact-heading`) != "Contact details" {
		t.Error("section headings")
	}
	if p.doc.Find(`[data-testid=phones] dd`).Length() != 3 || p.text(`[data-testid=phones] dt:nth-of-type(2)`) != "Mobile" || p.text(`[data-testid=phones] dd:nth-of-type(2)`) != "+1 773-555-0123" {
		t.Errorf("phones %q", p.text(`[data-testid=phones]`))
	}
	if p.doc.Find(`[data-testid=phones] a[href="tel:+17735550123"]`).Length() != 1 {
		t.Error("tel: link")
	}
	if p.doc.Find(`[data-testid=emails] a[href="mailto:ops@northwind-logistics.example"]`).Length() != 1 {
		t.Error("mailto: link")
	}
	edit := p.doc.Find(`[data-testid=edit-name]`)
	if href := edit.AttrOr("href", ""); !strings.HasPrefix(href, "/customers/1000001/name/edit?seen=") || edit.AttrOr("hx-get", "") != href {
		t.Errorf("edit control must work with and without JavaScript: href %q, hx-get %q", href, edit.AttrOr("hx-get", ""))
	}
	if p.header.Get("Cache-Control") != "no-store" || !slices.Contains(p.header.Values("Vary"), "HX-Request") {
		t.Errorf("headers %v", p.header)
	}
	if !strings.Contains(p.header.Get("Content-Security-Policy"), "script-src 'self'") || p.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("security headers")
	}
}

func TestEmptyCustomerSaysSo(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p := e.get(idPath(apptivotest.IDEmpty, ""))
	for _, want := range []string{"No phone numbers yet.", "No email addresses yet.", "No addresses yet."} {
		if !strings.Contains(p.text(`[data-testid=contact-section]`), want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestUnknownCustomerIs404(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	for _, path := range []string{"/customers/999", "/customers/abc", "/customers/999/name/edit"} {
		p := e.get(path)
		if p.status != http.StatusNotFound || !strings.Contains(p.text("h1"), "Customer not found") {
			t.Errorf("%s: %d %q", path, p.status, p.text("h1"))
		}
	}
	if p := e.get("/nowhere"); p.status != http.StatusNotFound || p.text("h1") != "Page not found" {
		t.Errorf("unknown route: %d %q", p.status, p.text("h1"))
	}
	if p := e.hxGet("/customers/999/name/edit"); p.status != http.StatusNotFound || strings.Contains(p.body, "<html") {
		t.Errorf("htmx 404 must be a fragment: %d", p.status)
	}
}

func TestScriptNameIsEscapedEverywhere(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	const raw = "<script>alert(1)</script>"
	for _, path := range []string{
		idPath(apptivotest.IDScriptName, ""), "/customers?q=script", idPath(apptivotest.IDScriptName, "/name/edit"),
		idPath(apptivotest.IDScriptName, "/contact/edit"),
	} {
		p := e.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		if strings.Contains(p.body, raw) || !strings.Contains(p.body, "&lt;script&gt;") {
			t.Errorf("%s: name not escaped", path)
		}
	}
	// The page title shows the text, not markup.
	if p := e.get(idPath(apptivotest.IDScriptName, "")); p.text(`[data-testid=customer-title]`) != raw+" Ltd" {
		t.Errorf("title %q", p.text(`[data-testid=customer-title]`))
	}
}

func TestStaticAssetsAreVersionedAndCached(t *testing.T) {
	e := newEnv(t)
	p := e.get("/login")
	src := p.doc.Find(`script[src*="htmx-4.0.1"]`).AttrOr("src", "")
	if src == "" {
		t.Fatal("htmx script missing")
	}
	a := e.get(src)
	if a.status != http.StatusOK || !strings.Contains(a.header.Get("Cache-Control"), "immutable") || !strings.Contains(a.body, "htmx") {
		t.Fatalf("asset %d %v", a.status, a.header)
	}
	if e.get("/static/000000000000/app.css").status != http.StatusNotFound {
		t.Error("a wrong version must not be served")
	}
}
