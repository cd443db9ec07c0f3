package handlers_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// calls is what reached the simulator since the last reset, by action.
func (e *env) calls() map[string]int {
	out := map[string]int{}
	for _, r := range e.sim.Requests() {
		out[r.Action]++
	}
	e.sim.ResetRequests()
	return out
}

// wantCalls checks the simulator's log against a budget.
func (e *env) wantCalls(step string, want map[string]int) {
	e.t.Helper()
	got := e.calls()
	for action, n := range want {
		if got[action] != n {
			e.t.Errorf("%s: %d %s calls, want %d (all: %v)", step, got[action], action, n, got)
		}
	}
	for action, n := range got {
		if _, ok := want[action]; !ok && n > 0 {
			e.t.Errorf("%s: %d unexpected %s calls", step, n, action)
		}
	}
}

// editLink is the Edit control of a card on a page (or fragment).
func editLink(t *testing.T, p page, card string) string {
	t.Helper()
	href := p.doc.Find(`[data-testid=edit-`+card+`]`).AttrOr("hx-get", "")
	if href == "" {
		t.Fatalf("no Edit control for %s in %s", card, p.body)
	}
	return href
}

// cancelLink is the Cancel control of an open form.
func cancelLink(t *testing.T, p page) string {
	t.Helper()
	href := p.doc.Find(`[data-testid=cancel]`).AttrOr("hx-get", "")
	if href == "" {
		t.Fatalf("no Cancel control in %s", p.body)
	}
	return href
}

// What a person waits for, counted in Apptivo calls: the page reads once,
// Edit and Cancel read nothing while the snapshot is young, a save reads
// fresh once and writes once, a save with nothing to send writes nothing.
func TestApptivoCallBudget(t *testing.T) {
	for _, card := range []string{"name", "contact"} {
		t.Run(card, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			e.calls()

			page := e.get("/customers/1000001")
			e.wantCalls("customer page", map[string]int{"getById": 1})

			form := e.hxGet(editLink(t, page, card))
			if form.status != http.StatusOK || form.doc.Find(`form[data-section-form]`).Length() != 1 {
				t.Fatalf("Edit: %d %s", form.status, form.body)
			}
			e.wantCalls("Edit", map[string]int{})

			back := e.hxGet(cancelLink(t, form))
			if back.status != http.StatusOK || back.doc.Find(`form[data-section-form]`).Length() != 0 {
				t.Fatalf("Cancel: %d %s", back.status, back.body)
			}
			e.wantCalls("Cancel", map[string]int{})

			// Nothing changed: at most one read, no update.
			form = e.hxGet(editLink(t, back, card))
			e.wantCalls("Edit again", map[string]int{})
			if p := e.post(idPath(1000001, "/"+card), formValues(form, "form[data-section-form]"), true); p.status != http.StatusOK {
				t.Fatalf("no-op save: %d", p.status)
			}
			e.wantCalls("no-op save", map[string]int{"getById": 1})

			// A real change: one fresh read, one update.
			form = e.hxGet(editLink(t, page, card))
			e.calls()
			vals := formValues(form, "form[data-section-form]")
			if card == "name" {
				vals.Set("name", "Northwind Logistics (budget)")
			} else {
				vals.Set("phone.0.number", "+1 773 555 0199")
			}
			saved := e.post(idPath(1000001, "/"+card), vals, true)
			if saved.status != http.StatusOK || !strings.Contains(saved.body, "Saved.") {
				t.Fatalf("save: %d %s", saved.status, saved.body)
			}
			e.wantCalls("save", map[string]int{"getById": 1, "update": 1})

			// The saved card's Edit opens from the answer to the update.
			form = e.hxGet(editLink(t, saved, card))
			e.wantCalls("Edit after the save", map[string]int{})
			if card == "name" && form.val(`input[name=name]`) != "Northwind Logistics (budget)" {
				t.Fatalf("Edit after the save shows %q", form.val(`input[name=name]`))
			}
			if card == "contact" && form.val(`input[name="phone.0.number"]`) != "+1 773 555 0199" {
				t.Fatalf("Edit after the save shows %q", form.val(`input[name="phone.0.number"]`))
			}

			// Past the snapshot's life, Edit reads again (once).
			e.clock.Advance(time.Minute)
			e.hxGet(editLink(t, saved, card))
			e.wantCalls("Edit after a minute", map[string]int{"getById": 1})
		})
	}
}

// A snapshot serves Edit only for the version of the card the person was
// looking at: a page showing a newer record (a save in another tab, or on
// another desk behind the same load balancer) opens its form on a fresh
// read, never on the older snapshot.
func TestEditNeverOpensOnOlderValuesThanTheCardShowed(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	old := e.get("/customers/1000001") // the snapshot: the name as it was
	if err := e.sim.Modify(1000001, "Colleague", func(rec map[string]any) { rec["customerName"] = "Renamed Meanwhile" }); err != nil {
		t.Fatal(err)
	}
	// The same person's page on another desk shows the new name; its Edit
	// link names that version, which this desk's snapshot is not.
	other := newEnv(t, func(s *settings) { s.ApptivoBaseURL = e.simURL })
	other.signIn()
	newer := other.get("/customers/1000001")
	e.calls()
	form := e.hxGet(editLink(t, newer, "name"))
	if got := form.val(`input[name=name]`); got != "Renamed Meanwhile" {
		t.Fatalf("the form opened on %q, older than the card it came from", got)
	}
	e.wantCalls("Edit from a newer page", map[string]int{"getById": 1})

	// The old page's link still names the old version; the fresh read
	// replaced the snapshot, so it reads too — and shows the truth.
	form = e.hxGet(editLink(t, old, "name"))
	if got := form.val(`input[name=name]`); got != "Renamed Meanwhile" {
		t.Fatalf("the form opened on %q", got)
	}
	e.wantCalls("Edit from the older page", map[string]int{"getById": 1})
}

// A stale snapshot is never a lost edit: a colleague's change made while the
// form was open from a snapshot still stops the save with the conflict view.
func TestSnapshotFormStillMeetsTheConflictCheck(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	page := e.get("/customers/1000001")
	if err := e.sim.Modify(1000001, "Colleague", func(rec map[string]any) { rec["customerName"] = "Colleague's Name" }); err != nil {
		t.Fatal(err)
	}
	e.calls()
	form := e.hxGet(editLink(t, page, "name"))
	e.wantCalls("Edit", map[string]int{}) // from the snapshot, before the colleague's change
	vals := formValues(form, "form[data-section-form]")
	vals.Set("name", "Mine")
	p := e.post(idPath(1000001, "/name"), vals, true)
	if p.status != http.StatusConflict {
		t.Fatalf("save over a colleague's change: %d, want the conflict view", p.status)
	}
	if len(e.updates()) != 0 {
		t.Fatal("an update went out over a colleague's change")
	}
	if got := e.stored(1000001).Name(); got != "Colleague's Name" {
		t.Fatalf("Apptivo holds %q", got)
	}
}

// A person's snapshots are theirs: another key pair's Edit reads.
func TestSnapshotsAreNotShared(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	page := e.get("/customers/1000001")
	bobs := apptivotest.KeyPair{APIKey: "bob-api-key-0000", AccessKey: "bob-access-key-0000", UserName: "Bob"}
	e.sim.AddKeyPair(bobs)
	colleague := e.anotherBrowser()
	colleague.signInAs("bob.colleague@example.com", bobs)
	e.calls()
	form := colleague.hxGet(editLink(t, page, "name"))
	if form.status != http.StatusOK {
		t.Fatalf("the colleague's Edit: %d", form.status)
	}
	e.wantCalls("another person's Edit", map[string]int{"getById": 1})
}

// Pages go out gzipped to browsers that take them, and the CSRF token in
// them is masked anew each time: a compressed page that also reflects a
// search term can't be used to guess the token from its length (BREACH).
// Every masking of the token is good for a save.
func TestPagesAreCompressedAndTokensMasked(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	req, _ := http.NewRequest(http.MethodGet, e.app.URL+"/customers?q=Northwind", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("search page: encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(zr)
	if !strings.Contains(string(html), "Northwind") || len(raw) >= len(html) {
		t.Fatalf("%d bytes gzipped from %d", len(raw), len(html))
	}

	first, second := e.get("/customers/1000001"), e.get("/customers/1000001")
	tok := func(p page) string { return p.val(`input[name=_csrf]`) }
	if tok(first) == "" || tok(first) == tok(second) {
		t.Fatalf("tokens %q and %q: want two maskings of one token", tok(first), tok(second))
	}
	_, form := e.openForm(1000001, "name", true)
	for i, p := range []page{first, second} {
		form.Set("name", fmt.Sprintf("Northwind %d", i))
		form.Set("_csrf", tok(p))
		if got := e.post(idPath(1000001, "/name"), form, false); got.status != http.StatusSeeOther {
			t.Fatalf("save with masking %d: %d", i, got.status)
		}
		form.Set("name_orig", fmt.Sprintf("Northwind %d", i))
		form.Set("fingerprint", e.stored(1000001).Fingerprint(apptivo.SectionName))
	}
}
