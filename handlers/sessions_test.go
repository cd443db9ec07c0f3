package handlers_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// Every state-changing route checks the form token, the contact save and the
// sign-in included: a same-origin post without the right token changes
// nothing, neither at Apptivo nor in who is signed in.
func TestContactSaveAndSignInRefuseAMissingOrWrongToken(t *testing.T) {
	for _, token := range []string{"", "not-the-token"} {
		t.Run("token "+token, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			_, form := e.openForm(id, "contact", false)
			form.Set("phone.3.number", "+1 650 253 0000")
			form.Set("_csrf", token)
			e.sim.ResetRequests()
			p := e.do(http.MethodPost, idPath(id, "/contact"), form, false)
			if p.status == http.StatusOK || len(e.updates()) != 0 || len(e.stored(id).Phones()) != 3 {
				t.Fatalf("contact save without the token: %d, %d updates", p.status, len(e.updates()))
			}

			anon := newEnv(t)
			anon.get("/login")
			p = anon.do(http.MethodPost, "/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey},
				"accessKey": {apptivotest.DemoKeys.AccessKey}, "_csrf": {token}}, false)
			if p.status != http.StatusForbidden || anon.countCalls("getConfigData") != 0 {
				t.Fatalf("sign-in without the token: %d, %d key checks", p.status, anon.countCalls("getConfigData"))
			}
			if p := anon.get("/customers"); p.status != http.StatusSeeOther {
				t.Fatalf("signed in without the token: %d", p.status)
			}
		})
	}
}

// The contact form survives an expired sign-in like the name form: the rows
// typed come back after signing in again, and nothing reached Apptivo.
func TestExpiredSessionContactSaveKeepsTypedRows(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			_, form := e.openForm(id, "contact", m.hx)
			form.Set("phone.0.type", "PHONE_HOME")
			form.Set("phone.1.remove", "1")
			form.Set("phone.3.number", "+1 650 253 0000")
			form.Set("email.0.address", "typed.before@expiry.example")
			e.clock.Advance(31 * time.Minute)
			res := e.post(idPath(id, "/contact"), form, m.hx)
			want := "/login?next=%2Fcustomers%2F1000001%2Fcontact%2Fedit"
			if got := res.header.Get("Location") + res.header.Get("HX-Redirect"); got != want {
				t.Fatalf("save after expiry: %d → %q", res.status, got)
			}
			login := e.get(want)
			if !strings.Contains(login.text("#live"), "what you typed will be back") {
				t.Errorf("live region: %q", login.text("#live"))
			}
			back := e.signInAgain("/customers/1000001/contact/edit")
			if back.doc.Find(`[data-testid=restored]`).Length() != 1 {
				t.Fatal("no sign that the typed input was restored")
			}
			for sel, want := range map[string]string{"#phone-3-number": "+1 650 253 0000", "#email-0-address": "typed.before@expiry.example"} {
				if got := back.val(sel); got != want {
					t.Errorf("%s = %q, want %q", sel, got, want)
				}
			}
			if got := back.doc.Find(`#phone-0-type option[selected]`).AttrOr("value", ""); got != "PHONE_HOME" {
				t.Errorf("phone 0 type = %q, want the changed type", got)
			}
			if _, checked := back.doc.Find(`input[name="phone.1.remove"]`).Attr("checked"); !checked {
				t.Error("the removal of phone 1 was not kept")
			}
			if len(e.updates()) != 0 {
				t.Fatal("nothing may reach Apptivo before the person presses Save again")
			}
		})
	}
}

// A session id that a browser held before signing in — here one planted by
// someone who signed in on their own — is worthless afterwards: signing in
// issues a new id, and the old one names nobody.
func TestSignInIssuesANewSessionID(t *testing.T) {
	mallory := newEnv(t)
	mallory.signIn()
	planted := sessionCookie(t, mallory)

	victim := mallory.anotherBrowser()
	victim.get("/login") // the victim's sign-in form is open
	victim.client.Jar.SetCookies(victim.appURL(), []*http.Cookie{{Name: planted.Name, Value: planted.Value}})
	p := victim.post("/login", url.Values{"email": {"victim@example.com"}, "apiKey": {apptivotest.DemoKeys.APIKey},
		"accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	after := sessionCookie(t, victim)
	if after.Value == planted.Value {
		t.Fatal("signing in kept the session cookie")
	}
	replay := &http.Client{CheckRedirect: victim.client.CheckRedirect}
	req, _ := http.NewRequest(http.MethodGet, victim.app.URL+"/customers", nil)
	req.AddCookie(&http.Cookie{Name: planted.Name, Value: planted.Value})
	resp, err := replay.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("the id from before the sign-in still opens pages: %d", resp.StatusCode)
	}
	if p := victim.get("/customers"); !strings.Contains(p.text(`[data-testid=signed-in-as]`), "victim@example.com") {
		t.Fatalf("victim: %q", p.text(`[data-testid=signed-in-as]`))
	}
}

// Transport failures (a reset connection, a closed port) end up in the log
// and on the page in words; the keys never do. The base URL carries the API
// key in its path so that Go's *url.Error, which quotes the URL, would
// carry it too: only the scrubbing keeps it out.
func TestTransportErrorsNeverShowTheKeys(t *testing.T) {
	keyPath := "/" + apptivotest.DemoKeys.APIKey
	noDemo := func(s *settings) { s.Demo, s.DemoKeys = false, nil }

	t.Run("connection reset", func(t *testing.T) {
		var sim *apptivotest.Server
		e := newEnv(t, noDemo, func(s *settings) {
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.StripPrefix(keyPath, sim).ServeHTTP(w, r)
			}))
			t.Cleanup(front.Close)
			s.ApptivoBaseURL = front.URL + keyPath
		})
		sim = e.sim
		e.signIn()
		id := int64(1000001)
		_, form := e.openForm(id, "name", false)
		form.Set("name", "Reset In Flight LLC")
		e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailResetConnection, Action: "update", Times: 2})
		pages := []page{e.post(idPath(id, "/name"), form, false), e.post(idPath(id, "/name"), form, true)}
		e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailResetConnection, Times: 100}) // reads too, retries and all
		pages = append(pages, e.get(idPath(id, "")))
		for i, p := range pages {
			if p.status < 500 {
				t.Errorf("answer %d: status %d, want an Apptivo failure", i, p.status)
			}
		}
		if !strings.Contains(pages[0].text(`[data-testid=form-problem]`), "did not confirm the save") {
			t.Errorf("save problem: %q", pages[0].text(`[data-testid=form-problem]`))
		}
		assertKeysNowhere(t, e, pages...)
	})

	t.Run("closed port", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String() + keyPath
		ln.Close()
		e := newEnv(t, noDemo, func(s *settings) { s.ApptivoBaseURL = closed })
		e.get("/login")
		p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
		if p.status != http.StatusBadGateway || !strings.Contains(p.text(`[data-testid=login-error]`), "could not be checked") {
			t.Errorf("sign-in with Apptivo unreachable: %d %q", p.status, p.text(`[data-testid=login-error]`))
		}
		assertKeysNowhere(t, e, p)
	})
}

// assertKeysNowhere checks pages (sign-in pages included), their headers and
// the log; the log must show that the failures were logged, scrubbed.
func assertKeysNowhere(t *testing.T, e *env, pages ...page) {
	t.Helper()
	for _, key := range []string{apptivotest.DemoKeys.APIKey, apptivotest.DemoKeys.AccessKey} {
		for i, p := range pages {
			if strings.Contains(p.body, key) || strings.Contains(strings.Join(headerLines(p.header), "\n"), key) {
				t.Errorf("answer %d shows a key", i)
			}
		}
		if strings.Contains(e.logs.String(), key) {
			t.Errorf("the log holds a key")
		}
	}
	if !strings.Contains(e.logs.String(), "apptivo call failed") || !strings.Contains(e.logs.String(), "[redacted]") {
		t.Errorf("the failures were not logged, or not scrubbed:\n%s", e.logs.String())
	}
}

func headerLines(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	return out
}

// signInAgain signs in as testEmail with the demo keys from the sign-in
// form already open, and follows to next.
func (e *env) signInAgain(next string) page {
	e.t.Helper()
	return e.follow(e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey},
		"accessKey": {apptivotest.DemoKeys.AccessKey}, "next": {next}}, false))
}

// anotherBrowser is a browser of its own (empty cookie jar, nobody signed
// in) on the same desk.
func (e *env) anotherBrowser() *env {
	jar, _ := cookiejar.New(nil)
	o := *e
	o.csrf = ""
	o.client = &http.Client{Jar: jar, CheckRedirect: e.client.CheckRedirect}
	return &o
}

func (e *env) appURL() *url.URL {
	u, _ := url.Parse(e.app.URL)
	return u
}

// sessionCookie is the session cookie in the browser's jar.
func sessionCookie(t *testing.T, e *env) *http.Cookie {
	t.Helper()
	for _, c := range e.client.Jar.Cookies(e.appURL()) {
		if strings.HasSuffix(c.Name, "desk_session") {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// Looking at the sign-in page costs the server nothing: no session is made,
// so no flood of views can push out the one a person's open sign-in form
// depends on. The form carries a signed, time-limited token tied to a random
// value in a cookie of the browser that showed it.
func TestSignInPageFloodCannotExpireAnOpenSignInForm(t *testing.T) {
	e := newEnv(t, func(s *settings) { s.MaxSessions = 20 })
	e.get("/login") // the person's sign-in form is open
	stranger := &http.Client{}
	for range 100 {
		resp, err := stranger.Get(e.app.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if n := e.sessions.Len(); n != 0 {
		t.Errorf("viewing the sign-in page made %d server-side sessions", n)
	}
	p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in after the flood: %d %q", p.status, p.text("#live, [data-testid=login-error], [data-testid=error-page]"))
	}
}

// The sign-in form's token is good only in the browser it was shown to, and
// only for a while; a refused one brings the form back, renewed, with the
// email kept, and the next try works.
func TestSignInFormTokenIsBoundToTheBrowserAndExpires(t *testing.T) {
	e := newEnv(t)
	other := e.anotherBrowser()
	other.get("/login")
	e.get("/login")
	creds := url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}, "_csrf": {other.csrf}}
	if p := e.post("/login", creds, false); p.status != http.StatusForbidden {
		t.Fatalf("another browser's token: %d", p.status)
	}
	e.get("/login")
	e.clock.Advance(13 * time.Hour)
	creds.Del("_csrf")
	p := e.post("/login", creds, false)
	if p.status != http.StatusForbidden || e.countCalls("getConfigData") != 0 {
		t.Fatalf("a day-old token: %d", p.status)
	}
	if !strings.Contains(p.text(`[data-testid=login-error]`), "expired") || p.val("#email") != testEmail {
		t.Errorf("refused form: %q, email %q", p.text(`[data-testid=login-error]`), p.val("#email"))
	}
	if p := e.post("/login", creds, false); p.status != http.StatusSeeOther {
		t.Fatalf("retry with the renewed form: %d", p.status)
	}
}

// A draft is kept across an ended sign-in only for a session that was signed
// in and only when the form's token is that session's: a post with another
// token, or from a browser that never signed in, is turned away without
// keeping anything, and says so.
func TestExpiredSessionKeepsADraftOnlyWithItsToken(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "name", false)
	form.Set("name", "Typed With A Forged Token LLC")
	form.Set("_csrf", "not-the-sessions-token")
	e.clock.Advance(31 * time.Minute)
	p := e.do(http.MethodPost, idPath(id, "/name"), form, false)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Fatalf("%d %q", p.status, p.header.Get("Location"))
	}
	login := e.follow(p)
	if msg := login.text("#live"); !strings.Contains(msg, "nothing was saved") || strings.Contains(msg, "will be back") {
		t.Errorf("live region: %q", msg)
	}
	back := e.signInAgain(idPath(id, "/name/edit"))
	if back.val("#customerName") == "Typed With A Forged Token LLC" || back.doc.Find(`[data-testid=restored]`).Length() != 0 {
		t.Fatal("a draft posted with another token was kept")
	}

	stranger := e.anotherBrowser()
	p = stranger.post(idPath(id, "/name"), url.Values{"name": {"Stranger LLC"}}, false)
	if p.status != http.StatusSeeOther {
		t.Fatalf("stranger: %d", p.status)
	}
	for _, c := range stranger.client.Jar.Cookies(e.appURL()) {
		if strings.HasSuffix(c.Name, "desk_session") {
			t.Errorf("a stranger's post got a session cookie")
		}
	}
	if msg := stranger.follow(p).text("#live"); !strings.Contains(msg, "nothing was saved") || strings.Contains(msg, "will be back") {
		t.Errorf("stranger's live region: %q", msg)
	}
	if n := e.sessions.Len(); n != 1 {
		t.Errorf("%d sessions, want only the signed-in one", n)
	}
}

// The rescue also works when the sign-in reached its absolute limit (8 h)
// while a form was open, and the draft survives for hours after.
func TestDraftSurvivesTheAbsoluteLimit(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	for range 19 { // active all day: 19 × 25 min = 7 h 55
		e.clock.Advance(25 * time.Minute)
		e.get("/customers")
	}
	_, form := e.openForm(id, "name", false)
	form.Set("name", "Typed At The End Of The Day LLC")
	e.clock.Advance(5*time.Minute + 3*time.Hour) // past 8 h, then a long meeting
	if p := e.post(idPath(id, "/name"), form, false); !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Fatalf("%d %q", p.status, p.header.Get("Location"))
	}
	e.get("/login?next=%2Fcustomers%2F1000001%2Fname%2Fedit")
	back := e.signInAgain(idPath(id, "/name/edit"))
	if back.val("#customerName") != "Typed At The End Of The Day LLC" {
		t.Fatalf("draft lost after the absolute limit: %q", back.val("#customerName"))
	}
}

// A draft is handed back only to the signed-in identity that typed it — the
// same email and the same key pair — never to whoever signs in on a browser
// where someone else left (or planted) a session; and the _owner field a
// browser sends decides nothing.
func TestPlantedDraftIsNeverRestored(t *testing.T) {
	otherKeys := apptivotest.KeyPair{APIKey: "mallory-api-key-0000", AccessKey: "mallory-access-key-0000", UserName: "Mallory"}
	const id = int64(1000001)
	for name, plant := range map[string]func(e, mallory *env){
		"posted by a stranger naming the victim in _owner": func(e, mallory *env) {
			mallory.post(idPath(id, "/name"), url.Values{"name": {"Planted Name LLC"}, "name_orig": {"x"}, "_owner": {testEmail}}, false)
		},
		"typed by someone signed in with the victim's email and other keys": func(e, mallory *env) {
			mallory.signInAs(testEmail, otherKeys)
			_, form := mallory.openForm(id, "name", false)
			form.Set("name", "Planted Name LLC")
			e.clock.Advance(31 * time.Minute)
			mallory.post(idPath(id, "/name"), form, false)
		},
		"typed by someone else with the same keys": func(e, mallory *env) {
			mallory.signInAs("mallory@example.com", apptivotest.DemoKeys)
			_, form := mallory.openForm(id, "name", false)
			form.Set("name", "Planted Name LLC")
			e.clock.Advance(31 * time.Minute)
			mallory.post(idPath(id, "/name"), form, false)
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.sim.AddKeyPair(otherKeys)
			mallory := e.anotherBrowser()
			e.get("/login") // the victim's sign-in form is open
			plant(e, mallory)
			for _, c := range mallory.client.Jar.Cookies(e.appURL()) {
				if strings.HasSuffix(c.Name, "desk_session") {
					e.client.Jar.SetCookies(e.appURL(), []*http.Cookie{{Name: c.Name, Value: c.Value}})
				}
			}
			p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey},
				"accessKey": {apptivotest.DemoKeys.AccessKey}, "next": {idPath(id, "/name/edit")}}, false)
			form := e.follow(p)
			if got := form.val("#customerName"); got != e.stored(id).Name() || form.doc.Find(`[data-testid=restored]`).Length() != 0 {
				t.Fatalf("the victim's form shows %q (restored marker: %d)", got, form.doc.Find(`[data-testid=restored]`).Length())
			}
		})
	}
}

// signInAs signs this browser in with the given email and keys.
func (e *env) signInAs(email string, keys apptivotest.KeyPair) {
	e.t.Helper()
	e.get("/login")
	p := e.post("/login", url.Values{"email": {email}, "apiKey": {keys.APIKey}, "accessKey": {keys.AccessKey}}, false)
	e.follow(p)
}

// With COOKIE_SECURE=1 every cookie is named with the __Host- prefix, which
// browsers accept only Secure, with Path=/ and no Domain: a sibling
// subdomain cannot plant one. A plain-named copy is not accepted.
func TestSecureCookiesUseTheHostPrefix(t *testing.T) {
	e := newEnv(t, func(s *settings) { s.SecureCookies = true })
	named := func(p page, want string) {
		t.Helper()
		found := false
		for _, c := range (&http.Response{Header: p.header}).Cookies() {
			if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
				t.Errorf("cookie %s", c.String())
			}
			found = found || c.Name == want
		}
		if !found {
			t.Errorf("no %s cookie set", want)
		}
	}
	// Go's cookie jar, like browsers, treats loopback as a secure origin.
	named(e.get("/login"), "__Host-desk_login")
	p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.status)
	}
	named(p, "__Host-desk_session")
	if p := e.get("/customers"); p.status != http.StatusOK {
		t.Fatalf("the __Host- session cookie does not work: %d", p.status)
	}
	planted := e.anotherBrowser()
	planted.client.Jar.SetCookies(e.appURL(), []*http.Cookie{{Name: "desk_session", Value: sessionCookie(t, e).Value}})
	if p := planted.get("/customers"); p.status != http.StatusSeeOther {
		t.Fatalf("a plain-named copy of the session cookie works: %d", p.status)
	}
	named(e.post("/logout", nil, false), "__Host-desk_flash")
}
