package handlers_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Review 11: hostile tests of the Edit/Cancel snapshots and of page
// compression. Each asserts what the person sees or what reached the
// simulator.

// editHref is the plain link (no JavaScript) of a card's Edit control.
func editHref(t *testing.T, p page, card string) string {
	t.Helper()
	href := p.doc.Find(`[data-testid=edit-`+card+`]`).AttrOr("href", "")
	if href == "" {
		t.Fatalf("no Edit link for %s in %s", card, p.body)
	}
	return href
}

// Without JavaScript, Edit is a whole page. The snapshot is checked only
// against the version of the card being edited, yet the whole page — the
// other card, the title, the meta line — is drawn from it. A person whose
// page came from another desk behind the same load balancer (newer than this
// desk's snapshot) clicks Edit on the name and sees the contact details go
// back to what they were before a colleague's change; that card's Edit link
// now names the old version, so its form opens on values older than the
// person had already seen (and a save from it meets a needless conflict).
func TestReview11NoJSEditPageNeverShowsAnOtherCardOlderThanSeen(t *testing.T) {
	const id = 1000001
	const newPhone = "+1 312-555-0100"
	e := newEnv(t)
	e.signIn()
	e.get(idPath(id, "")) // this desk's snapshot: the phones as they were
	if err := e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) {
		rec["phoneNumbers"].([]any)[0].(map[string]any)["phoneNumber"] = newPhone
	}); err != nil {
		t.Fatal(err)
	}
	// The person's next page came from another desk: it shows the new phone.
	other := newEnv(t, func(s *settings) { s.ApptivoBaseURL = e.simURL })
	other.signIn()
	newer := other.get(idPath(id, ""))
	if !strings.Contains(newer.text(`[data-testid=phones]`), newPhone) {
		t.Fatalf("the other desk's page shows %q", newer.text(`[data-testid=phones]`))
	}

	// Edit the name, without JavaScript, on this desk.
	editPage := e.get(editHref(t, newer, "name"))
	if editPage.status != http.StatusOK {
		t.Fatalf("Edit: %d", editPage.status)
	}
	if got := editPage.text(`[data-testid=phones]`); !strings.Contains(got, newPhone) {
		t.Errorf("the name's Edit page shows the phones as %q: older than the page it came from (%s)", got, newPhone)
	}
	// And from that page, the contact form opens on what Apptivo holds.
	form := e.get(editHref(t, editPage, "contact"))
	if got := form.val(`input[name="phone.0.number"]`); got != newPhone {
		t.Errorf("the contact form opened on phone %q, older than the person saw (%s)", got, newPhone)
	}
}

// getWithEncoding fetches path as the signed-in browser, asking for the
// given Accept-Encoding (Go's transport then leaves the body alone).
func (e *env) getWithEncoding(path, accept string) (status int, encoding string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.app.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", accept)
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Encoding")
}

// A client that says it does not take gzip ("gzip;q=0", RFC 9110 §12.5.3)
// must not get gzip. Pages are compressed by Echo's Gzip middleware, which
// only looks for the substring "gzip" in Accept-Encoding, so an explicit
// refusal is answered with gzip all the same.
func TestReview11PagesAreNotGzippedForAClientThatRefusesGzip(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	for _, c := range []struct{ path, accept string }{
		{idPath(1000001, ""), "gzip;q=0, identity"},
		{"/customers?q=Northwind", "gzip;q=0"},
	} {
		status, enc := e.getWithEncoding(c.path, c.accept)
		if status != http.StatusOK || enc == "gzip" {
			t.Errorf("GET %s with Accept-Encoding %q: %d, Content-Encoding %q; gzip was refused", c.path, c.accept, status, enc)
		}
	}
}

// The static files' own Accept-Encoding reading (static.acceptsGzip) stops at
// the first of gzip, x-gzip or "*": "*, gzip;q=0" takes gzip from the "*"
// although gzip itself is refused; it reads the weight's name "q"
// case-sensitively ("gzip;Q=0", RFC 9110 §12.4.2: case-insensitive), and
// only from the first parameter ("gzip;foo=1;q=0").
func TestReview11StaticFilesAreNotGzippedForAClientThatRefusesGzip(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	page := e.get(idPath(1000001, ""))
	script := page.doc.Find(`script[src*="htmx"]`).AttrOr("src", "")
	if script == "" {
		t.Fatal("no htmx script on the page")
	}
	if _, enc := e.getWithEncoding(script, "gzip"); enc != "gzip" {
		t.Fatalf("htmx with Accept-Encoding gzip: Content-Encoding %q", enc)
	}
	for _, accept := range []string{"*, gzip;q=0", "gzip;Q=0", "gzip;foo=1;q=0"} {
		status, enc := e.getWithEncoding(script, accept)
		if status != http.StatusOK || enc == "gzip" {
			t.Errorf("GET %s with Accept-Encoding %q: %d, Content-Encoding %q; gzip was refused", script, accept, status, enc)
		}
	}
}
