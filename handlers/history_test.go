package handlers_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/store"
)

// changes returns the customer's history as the store holds it, newest first.
func (e *env) changes(id int64) []store.Change {
	e.t.Helper()
	chs, err := e.db.Changes(context.Background(), store.Query{CustomerID: strconv.FormatInt(id, 10)})
	if err != nil {
		e.t.Fatal(err)
	}
	return chs
}

// historyLines is the history section's entries, each as its summary line.
func historyLines(p page) []string {
	var out []string
	p.doc.Find(`[data-testid=history-entry] summary`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

func entryLines(p page, i int) []string {
	var out []string
	p.doc.Find(`[data-testid=history-entry]`).Eq(i).Find(`[data-testid=history-lines] li`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

// Every save that reached Apptivo is one entry: who, which sections, every
// field's before → after, the outcome (saved, refused with Apptivo's
// reason, unknown), the request id. A save that reached nothing (no change,
// a conflict) writes none.
func TestHistoryRecordsEverySaveThatReachedApptivo(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)

	_, name := e.openForm(id, "name", true)
	name.Set("name", "Northwind Logistics Group")
	e.saveForm(id, "name", name, true)

	_, contact := e.openForm(id, "contact", true)
	contact.Set("phone.0.number", "+1 650 253 0000")
	contact.Set("email.1.remove", "1")
	e.saveForm(id, "contact", contact, true)

	_, name = e.openForm(id, "name", true)
	e.saveForm(id, "name", name, true) // no change: nothing reached Apptivo

	_, name = e.openForm(id, "name", true)
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Action: "update", Times: 1, Reason: "Name is locked by a workflow"})
	name.Set("name", "Refused Name")
	e.saveForm(id, "name", name, true)

	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailOddAnswer, Action: "update", Times: 1, Body: `{}`})
	name.Set("name", "Maybe Name")
	res := e.saveForm(id, "name", name, true)

	chs := e.changes(id)
	if len(chs) != 4 {
		t.Fatalf("want 4 entries, got %d: %+v", len(chs), chs)
	}
	unknown, refused, contactCh, named := chs[0], chs[1], chs[2], chs[3]
	if named.Email != testEmail || named.KeyPrint == "" || strings.Contains(named.KeyPrint, apptivotest.DemoKeys.APIKey) ||
		!slices.Equal(named.Sections, []string{"customerName"}) || named.Outcome != store.Saved || named.RequestID == "" ||
		named.CustomerName != "Northwind Logistics Group" {
		t.Errorf("name entry %+v", named)
	}
	if !slices.Equal(contactCh.Sections, []string{"phoneNumbers", "emailAddresses"}) || contactCh.Outcome != store.Saved {
		t.Errorf("contact entry %+v", contactCh)
	}
	if refused.Outcome != store.Refused || refused.Reason != "Name is locked by a workflow" {
		t.Errorf("refused entry %+v", refused)
	}
	if unknown.Outcome != store.Unknown || !strings.Contains(res.text("#live"), "may or may not") {
		t.Errorf("unknown entry %+v", unknown)
	}

	// The section shows them newest first, with every field's before → after.
	h := e.hxGet(idPath(id, "/history"))
	got := historyLines(h)
	want := []string{
		testEmail + " changed Customer name · just now may or may not have been saved",
		testEmail + " changed Customer name · just now Apptivo refused it: Name is locked by a workflow",
		testEmail + " changed Phone numbers and Email addresses · just now",
		testEmail + " changed Customer name · just now",
	}
	if !slices.Equal(got, want) {
		t.Errorf("history:\n got %q\nwant %q", got, want)
	}
	if lines := entryLines(h, 2); !slices.Equal(lines, []string{"Phone 1: +1 312-555-0147 → +1 650 253 0000",
		"Email address removed: billing@northwind-logistics.example"}) {
		t.Errorf("contact lines %q", lines)
	}
	if lines := entryLines(h, 3); !slices.Equal(lines, []string{"Customer name: Northwind Logistics LLC → Northwind Logistics Group"}) {
		t.Errorf("name lines %q", lines)
	}
	// Only saved changes can be undone.
	if n := h.doc.Find(`[data-testid=undo]`).Length(); n != 2 {
		t.Errorf("%d Undo buttons, want 2 (the saved changes)", n)
	}
}

// The customer page costs one Apptivo read, its history loads after it (no
// Apptivo call), and the meta line says who last changed it in the desk.
func TestHistoryLoadsAfterThePage(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000002)
	_, name := e.openForm(id, "name", true)
	name.Set("name", "Brightwater Dental")
	e.saveForm(id, "name", name, true)
	e.clock.Advance(3 * time.Minute)

	e.sim.ResetRequests()
	p := e.get(idPath(id, ""))
	if n := len(e.sim.Requests()); n != 1 {
		t.Errorf("the page made %d Apptivo calls, want 1", n)
	}
	sec := p.doc.Find(`#history-section`)
	if sec.AttrOr("hx-get", "") != "/customers/1000002/history" || sec.AttrOr("hx-trigger", "") != "load" ||
		p.doc.Find(`[data-testid=history-link]`).AttrOr("href", "") != "/customers/1000002/history" {
		t.Errorf("history placeholder: %s", p.body)
	}
	if got := p.text(`[data-testid=desk-changed]`); got != "Last changed in the desk by "+testEmail+", 3 minutes ago" {
		t.Errorf("meta: %q", got)
	}
	e.sim.ResetRequests()
	h := e.hxGet(idPath(id, "/history"))
	if h.status != http.StatusOK || len(historyLines(h)) != 1 || len(e.sim.Requests()) != 0 {
		t.Errorf("history: %d %q, %d calls", h.status, historyLines(h), len(e.sim.Requests()))
	}
	// Without JavaScript the link is a page of its own.
	full := e.get(idPath(id, "/history"))
	if full.status != http.StatusOK || !strings.Contains(full.text("h1"), "History of Brightwater Dental") || len(historyLines(full)) != 1 {
		t.Errorf("history page: %d %q", full.status, full.text("h1"))
	}
}

// Older changes come a page at a time.
func TestHistoryPages(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, name := e.openForm(id, "name", true)
	for i := range 12 {
		_, name = e.openForm(id, "name", true)
		name.Set("name", "Northwind "+strconv.Itoa(i))
		e.saveForm(id, "name", name, true)
	}
	h := e.hxGet(idPath(id, "/history"))
	older := h.doc.Find(`[data-testid=history-older]`).AttrOr("hx-get", "")
	if len(historyLines(h)) != 10 || older == "" {
		t.Fatalf("first page: %d entries, older %q", len(historyLines(h)), older)
	}
	h2 := e.hxGet(older)
	if got := entryLines(h2, 1); len(historyLines(h2)) != 2 || !slices.Equal(got, []string{"Customer name: Northwind Logistics LLC → Northwind 0"}) {
		t.Errorf("second page: %q / %q", historyLines(h2), got)
	}
	if h2.doc.Find(`[data-testid=history-newer]`).Length() != 1 || h2.doc.Find(`[data-testid=history-older]`).Length() != 0 {
		t.Error("second page links")
	}
}

// undo posts the Undo button of the history entry i, with htmx or without.
func (e *env) undo(h page, i int, hx bool, extra ...string) page {
	e.t.Helper()
	form := h.doc.Find(`[data-testid=history-entry]`).Eq(i).Find(`form`).First()
	action := form.AttrOr("hx-post", "")
	v := url.Values{}
	form.Find("input").Each(func(_ int, s *goquery.Selection) { v.Set(s.AttrOr("name", ""), s.AttrOr("value", "")) })
	if action == "" {
		e.t.Fatalf("entry %d has no undo form", i)
	}
	if hx {
		return e.post(action, v, true)
	}
	return e.saveFormTo(action, v)
}

// Undo writes back what a change replaced — only what it replaced — as a
// change of its own that points at the undone one; undoing that is a redo.
func TestUndoAndRedo(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			before, _ := e.sim.Customer(id)
			_, contact := e.openForm(id, "contact", true)
			contact.Set("phone.1.number", "+1 650 253 0000")
			contact.Set("email.1.remove", "1")
			e.saveForm(id, "contact", contact, true)
			// A colleague renames the customer meanwhile: undoing the contact
			// change must leave that alone.
			_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Northwind (Casey)" })

			e.sim.ResetRequests()
			res := e.undo(e.hxGet(idPath(id, "/history")), 0, m.hx)
			if res.status != http.StatusOK {
				t.Fatalf("undo: %d %s", res.status, res.body)
			}
			ups := e.updates()
			if len(ups) != 1 || ups[0].Params.Get("attributeName") != `["phoneNumbers","emailAddresses"]` {
				t.Fatalf("undo sent %v", ups)
			}
			c := e.stored(id)
			if c.Name() != "Northwind (Casey)" || c.Phones()[1].Number != "+1 773-555-0123" || len(c.Emails()) != 2 ||
				c.Emails()[1].Address != "billing@northwind-logistics.example" {
				t.Errorf("after undo: %q %+v %+v", c.Name(), c.Phones(), c.Emails())
			}
			// The entries kept by the change (and so by the undo) are the same entries.
			var was, now struct {
				Phones []map[string]any `json:"phoneNumbers"`
			}
			_ = json.Unmarshal(before, &was)
			after, _ := e.sim.Customer(id)
			_ = json.Unmarshal(after, &now)
			if now.Phones[0]["communicationId"] != was.Phones[0]["communicationId"] || now.Phones[1]["communicationId"] != was.Phones[1]["communicationId"] {
				t.Errorf("undo replaced entries instead of editing them: %v → %v", was.Phones, now.Phones)
			}
			chs := e.changes(id)
			if len(chs) != 2 || chs[0].UndoOf != chs[1].ID || chs[0].Outcome != store.Saved {
				t.Fatalf("entries %+v", chs)
			}
			if m.hx && (!strings.Contains(res.text("#live"), "Undone.") || !strings.Contains(res.text(`[data-testid=phones]`), "+1 773-555-0123")) {
				t.Errorf("htmx answer: live %q, phones %q", res.text("#live"), res.text(`[data-testid=phones]`))
			}
			h := e.hxGet(idPath(id, "/history"))
			if got := historyLines(h); !strings.Contains(got[0], "undid a change to Phone numbers and Email addresses") {
				t.Errorf("history %q", got)
			}
			if !strings.Contains(h.doc.Find(`[data-testid=history-entry]`).Eq(1).Find(`[data-testid=history-undone]`).Text(), "Undone by "+testEmail) ||
				h.doc.Find(`[data-testid=history-entry]`).Eq(1).Find(`[data-testid=undo]`).Length() != 0 {
				t.Error("the undone change must say so and offer no second Undo")
			}
			// Undo the undo: a redo.
			if label := strings.TrimSpace(h.doc.Find(`[data-testid=history-entry]`).Eq(0).Find(`[data-testid=undo]`).Text()); label != "Redo" {
				t.Errorf("an undo's button says %q", label)
			}
			e.sim.ResetRequests()
			e.undo(h, 0, m.hx)
			if c := e.stored(id); c.Phones()[1].Number != "+1 650 253 0000" || len(c.Emails()) != 1 || len(e.updates()) != 1 {
				t.Errorf("after redo: %+v %+v", c.Phones(), c.Emails())
			}
			if got := historyLines(e.hxGet(idPath(id, "/history"))); !strings.Contains(got[0], "redid a change to") {
				t.Errorf("history %q", got)
			}
		})
	}
}

// Undo writes nothing when what the change wrote was changed again since:
// it shows what undoing now would change, and waits for "anyway".
func TestUndoConflict(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, name := e.openForm(id, "name", true)
	name.Set("name", "Northwind Mine")
	e.saveForm(id, "name", name, true)
	_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Northwind Casey" })

	e.sim.ResetRequests()
	res := e.undo(e.hxGet(idPath(id, "/history")), 0, true)
	if res.status != http.StatusConflict || len(e.updates()) != 0 || e.stored(id).Name() != "Northwind Casey" {
		t.Fatalf("undo over a colleague's change: %d, %d updates", res.status, len(e.updates()))
	}
	conflict := res.doc.Find(`[data-testid=undo-conflict]`)
	if !strings.Contains(conflict.Text(), "Customer name: Northwind Casey → Northwind Logistics LLC") {
		t.Errorf("conflict shows %q", conflict.Text())
	}
	// "Undo anyway" writes what undo would write.
	res = e.undo(res, 0, true)
	if res.status != http.StatusOK || len(e.updates()) != 1 || e.stored(id).Name() != "Northwind Logistics LLC" {
		t.Fatalf("undo anyway: %d, %d updates, %q", res.status, len(e.updates()), e.stored(id).Name())
	}
	if chs := e.changes(id); len(chs) != 2 || chs[0].UndoOf != chs[1].ID {
		t.Errorf("entries %+v", chs)
	}
}

// A conflict resolved either way is in the history: "Save mine over
// theirs" as a save made from a conflict, "Use their version" as a choice
// with nothing sent.
func TestConflictResolutionsAreRecorded(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000002)
	for _, choice := range []string{"mine", "theirs"} {
		_, form := e.openForm(id, "name", true)
		_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Theirs " + choice })
		form.Set("name", "Mine "+choice)
		res := e.saveForm(id, "name", form, true)
		if res.status != http.StatusConflict {
			t.Fatalf("%s: %d", choice, res.status)
		}
		conflictForm := formValues(res, "form[data-section-form]")
		if choice == "mine" {
			e.saveForm(id, "name", conflictForm, true)
		} else {
			e.post(res.doc.Find(`[data-testid=take-theirs]`).AttrOr("hx-post", ""), conflictForm, true)
		}
	}
	chs := e.changes(id)
	if len(chs) != 2 || chs[0].Outcome != store.Kept || !chs[0].Resolution || chs[1].Outcome != store.Saved || !chs[1].Resolution {
		t.Fatalf("entries %+v", chs)
	}
	got := historyLines(e.hxGet(idPath(id, "/history")))
	if !strings.Contains(got[0], "chose a colleague's version of Customer name") || !strings.Contains(got[1], "saved their version of Customer name over a colleague's") {
		t.Errorf("history %q", got)
	}
}

// The team's activity across customers, filtered by person, customer and
// date range, paged, and downloadable as CSV.
func TestActivityFiltersAndCSV(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	rename := func(who *env, id int64, name string) {
		_, f := who.openForm(id, "name", true)
		f.Set("name", name)
		who.saveForm(id, "name", f, true)
	}
	rename(e, 1000001, "=Northwind Sam")
	e.clock.Advance(48 * time.Hour)
	e.signIn() // two days later: a new sign-in
	bob := newEnvSharing(t, e)
	rename(bob, 1000002, "Brightwater Bob")
	rename(e, 1000002, "Brightwater Sam")

	all := e.get("/activity")
	if all.status != http.StatusOK || all.doc.Find(`[data-testid=activity-entry]`).Length() != 3 {
		t.Fatalf("activity: %d %d", all.status, all.doc.Find(`[data-testid=activity-entry]`).Length())
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{"person=bob.colleague@example.com", 1},
		{"person=" + testEmail, 2},
		{"customer=1000002", 2},
		{"customer=1000001&person=" + testEmail, 1},
		{"from=" + e.clock.Now().Format("2006-01-02"), 2},
		{"to=" + e.clock.Now().Add(-48*time.Hour).Format("2006-01-02"), 1},
	} {
		p := e.get("/activity?" + c.query)
		if n := p.doc.Find(`[data-testid=activity-entry]`).Length(); n != c.want {
			t.Errorf("%s: %d entries, want %d", c.query, n, c.want)
		}
	}
	if p := e.get("/activity?from=yesterday"); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid=activity-error]`), "not a date") {
		t.Errorf("bad date: %d %q", p.status, p.text(`[data-testid=activity-error]`))
	}

	link := e.get("/activity?customer=1000002").doc.Find(`[data-testid=activity-csv]`).AttrOr("href", "")
	req, _ := http.NewRequest(http.MethodGet, e.app.URL+link, nil)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %v %q", err, resp.Header.Get("Content-Type"))
	}
	if len(rows) != 3 || rows[0][2] != "person" || rows[1][2] != testEmail || rows[2][2] != "bob.colleague@example.com" ||
		rows[1][4] != "1000002" || rows[1][7] != "saved" || rows[1][9] != "Customer name: Brightwater Bob → Brightwater Sam" {
		t.Errorf("csv rows %q", rows)
	}
	csvAll := e.getRaw("/activity.csv?customer=1000001")
	if !strings.Contains(csvAll, "'=Northwind Sam") {
		t.Errorf("a name starting with = must not become a spreadsheet formula: %s", csvAll)
	}
}

func (e *env) getRaw(path string) string {
	e.t.Helper()
	resp, err := e.client.Get(e.app.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Behind a company sign-in proxy, the proxy says who the person is: the
// sign-in form shows it read-only, the sign-in uses it whatever was posted,
// and the history records it. From anywhere else, nobody can sign in.
func TestEmailFromTheCompanySignInProxy(t *testing.T) {
	_, proxy, _ := net.ParseCIDR("127.0.0.1/32")
	e := newEnv(t, func(s *settings) { s.TrustedProxies = []*net.IPNet{proxy}; s.AuthEmailHeader = "X-Forwarded-Email" })
	viaProxy := func(r *http.Request) { r.Header.Set("X-Forwarded-Email", "pat.proxy@example.com") }
	p := e.do(http.MethodGet, "/login", nil, false, viaProxy)
	in := p.doc.Find("#email")
	if in.AttrOr("value", "") != "pat.proxy@example.com" || in.AttrOr("readonly", "x") == "x" {
		t.Fatalf("email field: %q readonly=%q", in.AttrOr("value", ""), in.AttrOr("readonly", "x"))
	}
	form := url.Values{"email": {"someone.else@example.com"}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}, "_csrf": {e.csrf}}
	res := e.do(http.MethodPost, "/login", form, false, viaProxy)
	if res.status != http.StatusSeeOther {
		t.Fatalf("sign-in via the proxy: %d %s", res.status, res.body)
	}
	page := e.do(http.MethodGet, "/customers", nil, false, viaProxy)
	if !strings.Contains(page.text(`[data-testid=signed-in-as]`), "pat.proxy@example.com") {
		t.Errorf("signed in as %q", page.text(`[data-testid=signed-in-as]`))
	}
	// Without the header (a request that did not come through the proxy's sign-in), no sign-in.
	other := newEnv(t, func(s *settings) { s.TrustedProxies = []*net.IPNet{proxy}; s.AuthEmailHeader = "X-Forwarded-Email" })
	other.get("/login")
	res = other.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	if res.status != http.StatusForbidden || !strings.Contains(res.text(`[data-testid=login-error]`), "company sign-in") {
		t.Errorf("without the header: %d %q", res.status, res.text(`[data-testid=login-error]`))
	}
	// The proxy now says someone else is at this browser: the old sign-in ends.
	switched := e.do(http.MethodGet, "/customers", nil, false, func(r *http.Request) { r.Header.Set("X-Forwarded-Email", "other@example.com") })
	if switched.status != http.StatusSeeOther || !strings.HasPrefix(switched.header.Get("Location"), "/login") {
		t.Errorf("another person behind the proxy: %d %q", switched.status, switched.header.Get("Location"))
	}
}

// A customer id of zeros only is customer 0, not "no filter": neither the
// activity nor its CSV lists everyone's changes for it, while leading zeros
// before a real id still find that customer.
func TestActivityForAnIDOfZerosIsNoCustomersChanges(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	_, name := e.openForm(1000002, "name", true)
	name.Set("name", "Brightwater Renamed")
	e.saveForm(1000002, "name", name, true)
	for q, want := range map[string]int{"000": 0, "0": 0, "01000002": 1} {
		p := e.get("/activity?customer=" + q)
		if n := p.doc.Find(`[data-testid=activity-entry]`).Length(); p.status != http.StatusOK || n != want {
			t.Errorf("customer=%s: %d, %d entries; want %d", q, p.status, n, want)
		}
		rows, err := csv.NewReader(strings.NewReader(e.getRaw("/activity.csv?customer=" + q))).ReadAll()
		if err != nil || len(rows) != want+1 {
			t.Errorf("customer=%s: CSV of %d rows, %v; want %d changes", q, len(rows)-1, err, want)
		}
	}
}

// Team activity is the changes made with the person's own key pair: a
// colleague signed in with the firm's keys sees them; keys of another firm
// see none, and nobody sees what other keys wrote into the store.
func TestActivityListsTheChangesMadeWithTheSameKeys(t *testing.T) {
	e := newEnv(t, withOtherFirm(t))
	e.sim.AddKeyPair(otherFirm)
	e.signIn()
	_, name := e.openForm(1000002, "name", true)
	name.Set("name", "Brightwater Renamed")
	e.saveForm(1000002, "name", name, true)
	if _, err := e.db.AddChange(context.Background(), store.Change{Email: "x@elsewhere.example", KeyPrint: "other-keys", CustomerID: "1000001",
		CustomerName: "Elsewhere Inc", Sections: []string{"customerName"}, Outcome: store.Saved, RequestID: "r"}); err != nil {
		t.Fatal(err)
	}
	bob := newEnvSharing(t, e)
	olga := signInWith(t, e, "olga@other-firm.example", otherFirm)
	for who, want := range map[*env]int{e: 1, bob: 1, olga: 0} {
		p := who.get("/activity")
		if n := p.doc.Find(`[data-testid=activity-entry]`).Length(); p.status != http.StatusOK || n != want || strings.Contains(p.body, "Elsewhere") {
			t.Errorf("activity: %d, %d entries (want %d): %q", p.status, n, want, p.text(`[data-testid=activity-entry]`))
		}
	}
	if body := olga.getRaw("/activity.csv"); strings.Contains(body, "Brightwater") || strings.Contains(body, "Elsewhere") {
		t.Errorf("another firm's CSV: %s", body)
	}
}

// Every answer to an Undo shows the customer's history, so keys that cannot
// read the customer get none of it, whatever change id they post: not the
// history, and no undo either.
func TestUndoShowsNothingToKeysThatCannotReadTheCustomer(t *testing.T) {
	e, olga, id := otherFirmAfterAPhoneChange(t)
	ch := e.changes(id)[0]
	e.sim.ResetRequests()
	for _, hx := range []bool{true, false} {
		res := olga.post(idPath(id, "/history/"+strconv.FormatInt(ch.ID, 10)+"/undo"), url.Values{}, hx)
		if res.status != http.StatusNotFound || strings.Contains(res.body, "650 253") || strings.Contains(res.body, "312-555-0147") {
			t.Errorf("hx=%v: %d %q", hx, res.status, res.text("#live"))
		}
	}
	if n := len(e.updates()); n != 0 || len(e.changes(id)) != 1 {
		t.Errorf("%d updates, %d changes", n, len(e.changes(id)))
	}
}

// The history costs no Apptivo call right after the customer was read (the
// page it loads after), and one read with the person's keys when the last
// read is older than that.
func TestHistoryAsksApptivoOnlyWithoutARecentRead(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000002)
	e.get(idPath(id, ""))
	e.sim.ResetRequests()
	if h := e.hxGet(idPath(id, "/history")); h.status != http.StatusOK || len(e.sim.Requests()) != 0 {
		t.Errorf("right after the page: %d, %d calls", h.status, len(e.sim.Requests()))
	}
	e.clock.Advance(5 * time.Minute)
	e.sim.ResetRequests()
	if h := e.hxGet(idPath(id, "/history")); h.status != http.StatusOK || e.countCalls("getById") != 1 {
		t.Errorf("later: %d, %d reads", h.status, e.countCalls("getById"))
	}
}

// The live preview asked after the sign-in ended leaves the open form as it
// is and says why nothing is shown; Save then keeps what was typed across
// signing in again.
func TestPreviewAfterTheSignInEndedLeavesTheFormAndSaysSo(t *testing.T) {
	e, id, form := typedAfterTheSignInEnded(t)
	res := e.post(idPath(id, "/name/preview"), form, true)
	if res.header.Get("HX-Redirect") != "" || res.header.Get("HX-Reswap") != "none" || !strings.Contains(res.text("#live"), "sign-in has ended") {
		t.Errorf("preview: %d, HX-Redirect %q, HX-Reswap %q, %q", res.status, res.header.Get("HX-Redirect"), res.header.Get("HX-Reswap"), res.text("#live"))
	}
	saved := e.post(idPath(id, "/name"), form, true)
	if to := saved.header.Get("HX-Redirect"); !strings.HasPrefix(to, "/login") {
		t.Fatalf("save after the end: %d, HX-Redirect %q", saved.status, to)
	}
	e.get(saved.header.Get("HX-Redirect"))
	if back := e.signInAgain(idPath(id, "/name/edit")); back.val("#customerName") != "Typed After A Coffee LLC" {
		t.Errorf("after signing in again the form shows %q", back.val("#customerName"))
	}
}

// History written before the entries' stored bytes were kept (no "raw" in
// its diff) still undoes: the values go back, as they did then.
func TestUndoOfAnEntryWrittenWithoutRawEntriesStillWorks(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "contact", true)
	form.Set("address.0.country", "CA")
	if res := e.saveForm(id, "contact", form, true); res.status != http.StatusOK {
		t.Fatalf("save: %d %s", res.status, res.body)
	}
	ch := e.changes(id)[0]
	var scs []map[string]any
	if err := json.Unmarshal(ch.Diff, &scs); err != nil || len(scs) != 1 || scs[0]["raw"] == nil {
		t.Fatalf("diff %s: %v", ch.Diff, err)
	}
	delete(scs[0], "raw")
	old := ch
	old.ID, old.Diff = 0, nil
	old.Diff, _ = json.Marshal(scs)
	if _, err := e.db.AddChange(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	res := e.undo(e.hxGet(idPath(id, "/history")), 0, true)
	if res.status != http.StatusOK || !strings.Contains(res.text("#live"), "Undone") {
		t.Fatalf("undo: %d %q", res.status, res.text("#live"))
	}
	if a := e.stored(id).Addresses()[0]; a.CountryCode != "US" {
		t.Errorf("after the undo the address is in %q", a.CountryCode)
	}
}

// otherFirmAfterAPhoneChange is a desk on which the signed-in person (e)
// changed customer id's first phone number to +1 650 253 0000, and olga is
// signed in with another firm's keys, which cannot read that customer.
func otherFirmAfterAPhoneChange(t *testing.T) (e, olga *env, id int64) {
	t.Helper()
	e = newEnv(t, withOtherFirm(t))
	e.sim.AddKeyPair(otherFirm)
	e.signIn()
	id = int64(1000001)
	_, contact := e.openForm(id, "contact", true)
	contact.Set("phone.0.number", "+1 650 253 0000")
	e.saveForm(id, "contact", contact, true)
	return e, signInWith(t, e, "olga@other-firm.example", otherFirm), id
}

// typedAfterTheSignInEnded is a desk on which customer id's name form was
// opened, the sign-in then ended (idle), and a new name typed into form.
func typedAfterTheSignInEnded(t *testing.T) (e *env, id int64, form url.Values) {
	t.Helper()
	e = newEnv(t)
	e.signIn()
	id = int64(1000001)
	_, form = e.openForm(id, "name", true)
	e.clock.Advance(31 * time.Minute)
	form.Set("name", "Typed After A Coffee LLC")
	return e, id, form
}
