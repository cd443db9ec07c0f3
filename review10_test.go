package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/store/pgtest"
)

// Review 10: findings against "Many desks", each test asserting what the
// desk promises, with desks started by run on a real PostgreSQL
// (store/pgtest) and the Apptivo simulator.

// readGate holds the answer to the next customer read (getById) after
// Apptivo has served it: the read saw the record as it was then, and its
// answer reaches the desk only when released.
type readGate struct {
	mu       sync.Mutex
	arrived  chan struct{}
	released chan struct{}
}

func (g *readGate) hold() (served <-chan struct{}, release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.arrived, g.released = make(chan struct{}), make(chan struct{})
	return g.arrived, sync.OnceFunc(func() { close(g.released) })
}

func (g *readGate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		arrived, released := g.arrived, g.released
		if r.URL.Query().Get("a") == "getById" {
			g.arrived = nil // one read only
		} else {
			arrived = nil
		}
		g.mu.Unlock()
		if arrived == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		close(arrived)
		<-released
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// desksBehind is newDesks with the simulator behind wrap.
func desksBehind(t *testing.T, databaseURL string, extra map[string]string, wrap func(http.Handler) http.Handler) *desks {
	t.Helper()
	sim := apptivotest.New()
	ds := &desks{sim: sim}
	simSrv := httptest.NewServer(wrap(sim))
	t.Cleanup(func() { sim.Close(); simSrv.Close() })
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	ds.env = map[string]string{"DATABASE_URL": databaseURL, "SESSION_KEY": hex.EncodeToString(key),
		"APPTIVO_BASE_URL": simSrv.URL, "DATA_DIR": t.TempDir()}
	for k, v := range extra {
		ds.env[k] = v
	}
	return ds
}

// customerName is the name the simulator holds for customer 1000001.
func customerName(t *testing.T, ds *desks) string {
	t.Helper()
	raw, ok := ds.sim.Customer(1000001)
	if !ok {
		t.Fatal("customer 1000001 is gone")
	}
	var rec struct {
		CustomerName string `json:"customerName"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.CustomerName
}

// A save's lock is a session-level advisory lock on one connection; the
// server lets go of it whenever that session ends (a failover or restart,
// a network cut, idle_session_timeout, pg_terminate_backend) and the desk
// holding it is not told. It goes on to send its update on the strength of a
// fresh read made while it held the lock, although another desk may have
// taken the lock, read, and saved since: the colleague's saved edit is then
// overwritten without a conflict view, the one thing the desk must never do.
// Before it sends an update, a save must make sure it still holds its lock
// (and otherwise send nothing and say so).
func TestReview10ASaveThatLostItsLockSendsNothing(t *testing.T) {
	var gate readGate
	dbURL := pgtest.NewDatabase(t)
	ds := desksBehind(t, dbURL, nil, gate.wrap)
	a, b := ds.start(t), ds.start(t)
	alice, bob := browser(t), browser(t)
	signInDemo(t, alice, a.url)
	signInDemo(t, bob, b.url)
	aliceForm, bobForm := openNameForm(t, alice, a.url), openNameForm(t, bob, b.url)

	// Alice saves on A: A takes the lock and reads the customer fresh;
	// the read's answer is held on its way back.
	served, release := gate.hold()
	defer release()
	aliceForm.Set("name", "Northwind by Alice")
	aliceDone := make(chan string, 1)
	go func() {
		status, doc := post(t, alice, a.url, nameForm, aliceForm)
		aliceDone <- http.StatusText(status) + ": " + live(doc)
	}()
	<-served
	before := len(ds.sim.Applied())

	// A's lock connection ends (here: terminated by the server, as a
	// failover or idle_session_timeout would end it).
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var killed int
	if err := raw.QueryRow(`SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
		WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database() AND l.pid <> pg_backend_pid()`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("ending the session that holds A's save lock: %d ended, %v", killed, err)
	}

	// Bob saves the same section on B, which can now take the lock: saved.
	bobForm.Set("name", "Northwind by Bob")
	if status, doc := post(t, bob, b.url, nameForm, bobForm); status != http.StatusOK || !strings.HasPrefix(live(doc), "Saved") {
		t.Fatalf("Bob's save on B: %d %q", status, live(doc))
	}

	// A's read, made before Bob's save, comes back.
	release()
	alices := <-aliceDone
	if applied := ds.sim.Applied()[before:]; len(applied) != 1 || customerName(t, ds) != "Northwind by Bob" {
		t.Errorf("%d updates applied after A lost its lock (want 1: Bob's); Apptivo now holds %q. Bob was told \"Saved\" and Alice %q: "+
			"A wrote over Bob's saved change without either of them seeing a conflict", len(applied), customerName(t, ds), alices)
	}
}

// "One process or many, the desk is stateless between requests except for
// what is in the store": the sign-in limit (LOGIN_ATTEMPTS_PER_MINUTE per
// client address) is kept in each desk's memory, so behind a load balancer
// with N desks a client gets N times the attempts, and more for every desk
// added. The limit should hold for the service, whichever desk answers.
func TestReview10SignInLimitHoldsAcrossDesks(t *testing.T) {
	ds := newDesks(t, pgtest.NewDatabase(t), map[string]string{"LOGIN_ATTEMPTS_PER_MINUTE": "2"})
	a, b := ds.start(t), ds.start(t)
	c := browser(t)
	attempt := func(desk string) int {
		_, _, page := get(t, c, desk+"/login", false)
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the sign-in page has no _csrf field")
		}
		resp, err := c.PostForm(desk+"/login", url.Values{"_csrf": {html.UnescapeString(m[1])},
			"email": {"mallory@example.com"}, "apiKey": {"guess-api-key"}, "accessKey": {"guess-access-key"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var got []int
	for _, desk := range []string{a.url, a.url, b.url, b.url, a.url} {
		got = append(got, attempt(desk))
	}
	if got[4] != http.StatusTooManyRequests {
		t.Fatalf("a third attempt on desk A: %d, want 429 (the limit itself)", got[4])
	}
	if got[2] != http.StatusTooManyRequests || got[3] != http.StatusTooManyRequests {
		t.Errorf("sign-in attempts from one address with LOGIN_ATTEMPTS_PER_MINUTE=2, on desks A, A, B, B, A: statuses %v; "+
			"want every one after the second refused (429): each desk keeps a limit of its own", got)
	}
}

// The type lists are fetched at sign-in and cached per key pair, so that
// Edit costs no Apptivo call ("Edit 0 within the snapshot's life"). The
// cache is in the memory of the desk that took the sign-in: the same person
// opening the contact form on another desk behind the load balancer pays a
// getConfigData call on each desk (and again after every restart), and a
// desk that cannot get it then checks the form against the built-in lists
// instead of the company's own.
func TestReview10EditCostsNoCallOnAnotherDesk(t *testing.T) {
	ds := newDesks(t, pgtest.NewDatabase(t), nil)
	a, b := ds.start(t), ds.start(t)
	c := browser(t)
	signInDemo(t, c, a.url)

	// The customer page on B: one read, and the contact card's Edit link.
	status, doc := page(t, c, b.url, "/customers/1000001")
	edit, ok := doc.Find(`a[href*="/contact/edit"]`).Attr("href")
	if status != http.StatusOK || !ok {
		t.Fatalf("the customer page on B: %d, contact Edit link %q", status, edit)
	}
	ds.sim.ResetRequests()
	if status, doc := page(t, c, b.url, html.UnescapeString(edit)); status != http.StatusOK || doc.Find("form[data-section-form]").Length() == 0 {
		t.Fatalf("the contact form on B: %d", status)
	}
	if reqs := ds.sim.Requests(); len(reqs) != 0 {
		var actions []string
		for _, r := range reqs {
			actions = append(actions, r.Action)
		}
		t.Errorf("Edit of the contact card on desk B (signed in on A) made %d Apptivo calls %v; want none", len(reqs), actions)
	}
}

// While the database is away a save answers 503 and sends nothing, and the
// page says "Nothing was lost". With htmx the form stays on screen
// (HX-Reswap: none); without JavaScript the browser shows the answer, a
// bare error page, and what the person typed is gone (the pages are
// no-store, so Back reloads the form as it was first shown). Apptivo
// trouble gives a form without JavaScript back with the input kept; the
// database's should too.
func TestReview10DatabaseDownKeepsAPlainFormsInput(t *testing.T) {
	srv := pgtest.Start(t)
	ds := newDesks(t, srv.NewDatabase(t), nil)
	d := ds.start(t)
	c := browser(t)
	signInDemo(t, c, d.url)
	form := openNameForm(t, c, d.url)
	srv.Stop()
	defer func() { _ = srv.Start() }()

	const typed = "Northwind Typed While The Database Was Down"
	form.Set("name", typed)
	req, err := http.NewRequest(http.MethodPost, d.url+nameForm, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a plain save with the database down: %d, want 503", resp.StatusCode)
	}
	if !strings.Contains(html.UnescapeString(string(body)), typed) {
		t.Errorf("a plain (no JavaScript) save with the database down answers %d without the form: what was typed (%q) is lost", resp.StatusCode, typed)
	}
	if n := len(ds.sim.Applied()); n != 0 {
		t.Errorf("%d updates reached Apptivo while the database was down", n)
	}
}

// holdAnUpdate starts a save of the name form on desk d by c and returns
// once its update is at Apptivo (held there), with release to let it go and
// the channel that gets the save's answer.
func holdAnUpdate(t *testing.T, ds *desks, d *runningDesk, c *http.Client, name string) (release func(), answer <-chan string) {
	t.Helper()
	form := openNameForm(t, c, d.url)
	form.Set("name", name)
	arrived, release := ds.gate.hold()
	t.Cleanup(release)
	done := make(chan string, 1)
	go func() {
		status, doc := post(t, c, d.url, nameForm, form)
		done <- fmt.Sprintf("%d %s", status, live(doc))
	}()
	<-arrived
	return release, done
}

// Apptivo applied the update, but the history could not take its entry
// (the database went away meanwhile): the desk must not claim "Saved", and
// must not claim the opposite either. The form's live region says "Not
// saved. Apptivo saved your change, but …": a person who reads the first
// words (as a screen reader announces them, as the red message shows them)
// believes the change was lost, while Apptivo holds it.
func TestReview10AnUnrecordedSaveIsNotAnnouncedAsNotSaved(t *testing.T) {
	srv := pgtest.Start(t)
	ds := newDesks(t, srv.NewDatabase(t), nil)
	d := ds.start(t)
	c := browser(t)
	signInDemo(t, c, d.url)

	release, answer := holdAnUpdate(t, ds, d, c, "Northwind Saved As The Database Went")
	srv.Stop()
	defer func() { _ = srv.Start() }()
	release()
	got := <-answer
	if n := len(ds.sim.Applied()); n != 1 {
		t.Fatalf("%d updates applied, want 1", n)
	}
	if !strings.Contains(got, "Apptivo saved your change") {
		t.Fatalf("the answer %q does not say the change is in Apptivo", got)
	}
	if _, msg, _ := strings.Cut(got, " "); strings.HasPrefix(msg, "Not saved") {
		t.Errorf("a change Apptivo applied (its history entry not written) is announced as %q", msg)
	}
}

// A save waiting for a colleague's save of the same section when the
// database goes away: the desk cannot know whether it may save, and says
// "Someone else is saving this section right now. Wait a moment, then press
// Save again" (409), as if the database were fine. Everywhere else a
// database that cannot be reached is a 503 saying so; pressing Save again
// as told gets that 503 instead.
func TestReview10ADatabaseLostDuringALockWaitIsNotBusy(t *testing.T) {
	srv := pgtest.Start(t)
	dbURL := srv.NewDatabase(t)
	ds := newDesks(t, dbURL, nil)
	d := ds.start(t)
	alice, bob := browser(t), browser(t)
	signInDemo(t, alice, d.url)
	signInDemo(t, bob, d.url)
	bobForm := openNameForm(t, bob, d.url)

	release, alices := holdAnUpdate(t, ds, d, alice, "Northwind by Alice")
	bobForm.Set("name", "Northwind by Bob")
	bobs := make(chan string, 1)
	go func() {
		status, doc := post(t, bob, d.url, nameForm, bobForm)
		bobs <- fmt.Sprintf("%d %s", status, live(doc))
	}()
	raw, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { // Bob's save waits for Alice's lock
		var n int
		err := raw.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n)
		return err == nil && n == 1
	})
	raw.Close()
	srv.Stop()
	defer func() { _ = srv.Start() }()
	got := <-bobs
	release()
	<-alices
	if !strings.HasPrefix(got, "503 ") || !strings.Contains(got, "cannot reach its database") {
		t.Errorf("a save waiting for the lock when the database went away: %q; want 503 saying the database cannot be reached", got)
	}
}

// While the database is away "nobody is shown as signed out": pages answer
// 503. The sign-in page is the exception: to a browser that holds a live
// sign-in (normally sent on to the customers) it shows the empty sign-in
// form, as to someone signed out, because the session it could not look up
// counts as none there.
func TestReview10DatabaseDownDoesNotShowTheSignInForm(t *testing.T) {
	srv := pgtest.Start(t)
	ds := newDesks(t, srv.NewDatabase(t), nil)
	d := ds.start(t)
	c := browser(t)
	signInDemo(t, c, d.url)
	if status, to, _ := get(t, c, d.url+"/login", false); status != http.StatusSeeOther || to != "/customers" {
		t.Fatalf("/login while signed in: %d to %q, want 303 to /customers", status, to)
	}
	srv.Stop()
	defer func() { _ = srv.Start() }()
	status, to, body := get(t, c, d.url+"/login", false)
	if status != http.StatusServiceUnavailable || strings.Contains(body, `name="apiKey"`) {
		t.Errorf("/login while signed in, the database down: %d to %q, showing the sign-in form: %v; want 503 saying the database cannot be reached",
			status, to, strings.Contains(body, `name="apiKey"`))
	}
}
