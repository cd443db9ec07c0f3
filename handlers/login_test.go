package handlers_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

func TestSignInGoodKeys(t *testing.T) {
	e := newEnv(t)
	p := e.get("/customers/1224395")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?next=%2Fcustomers%2F1224395" {
		t.Fatalf("anonymous: %d %q", p.status, p.header.Get("Location"))
	}
	login := e.get(p.header.Get("Location"))
	if login.status != http.StatusOK || login.val(`input[name="next"]`) != "/customers/1224395" {
		t.Fatalf("login page: %d next=%q", login.status, login.val(`input[name="next"]`))
	}
	for _, label := range []string{"Your email", "API key", "Access key"} {
		if login.doc.Find("label:contains('"+label+"')").Length() != 1 {
			t.Errorf("label %q missing", label)
		}
	}
	if login.text(`button[type=submit]`) != "Sign in" {
		t.Errorf("button: %q", login.text(`button[type=submit]`))
	}
	p = e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey},
		"accessKey": {apptivotest.DemoKeys.AccessKey}, "next": {"/customers/1224395"}}, false)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/customers/1224395" {
		t.Fatalf("sign-in: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	if n := e.countCalls("getConfigData"); n != 1 {
		t.Errorf("sign-in checks keys with one config call, got %d", n)
	}
	page := e.follow(p)
	if page.status != http.StatusOK || !strings.Contains(page.text(`[data-testid=signed-in-as]`), "Signed in as "+testEmail) {
		t.Fatalf("customer page: %d %q", page.status, page.text(`[data-testid=signed-in-as]`))
	}
	cookie := p.header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie lacks %s: %s", want, cookie)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("plain http on loopback must not get Secure cookies: %s", cookie)
	}
	assertNoSecrets(t, e)
}

// assertNoSecrets checks the demo keys never reached a log line.
func assertNoSecrets(t *testing.T, e *env) {
	t.Helper()
	if strings.Contains(e.logs.String(), apptivotest.DemoKeys.AccessKey) {
		t.Error("the access key reached the log")
	}
}

func TestSignInWrongKeys(t *testing.T) {
	e := newEnv(t)
	e.get("/login")
	p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {"wrong-api-key-123456"}, "accessKey": {"wrong-access-key-98765"}}, false)
	if p.status != http.StatusUnauthorized {
		t.Fatalf("status %d", p.status)
	}
	if !strings.Contains(p.text(`[data-testid=login-error]`), "did not accept") {
		t.Errorf("error: %q", p.text(`[data-testid=login-error]`))
	}
	if p.val(`#email`) != testEmail {
		t.Errorf("email not kept: %q", p.val(`#email`))
	}
	if p.val(`#apiKey`) != "" || strings.Contains(p.body, "wrong-access-key") || strings.Contains(p.body, "wrong-api-key") {
		t.Error("keys must never be rendered back")
	}
	if e.get("/customers").status != http.StatusSeeOther {
		t.Error("no session may exist after wrong keys")
	}
	if strings.Contains(e.logs.String(), "wrong-access-key") {
		t.Error("a key reached the log")
	}
}

func TestSignInApptivoDown(t *testing.T) {
	e := newEnv(t)
	e.get("/login")
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailInternalError})
	p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey}, "accessKey": {apptivotest.DemoKeys.AccessKey}}, false)
	if p.status != http.StatusBadGateway {
		t.Fatalf("status %d", p.status)
	}
	msg := p.text(`[data-testid=login-error]`)
	if !strings.Contains(msg, "could not be checked") || !strings.Contains(msg, "not answering") || strings.Contains(msg, "did not accept") {
		t.Errorf("message: %q", msg)
	}
	if p.val(`#email`) != testEmail {
		t.Error("email not kept")
	}
}

func TestSignInValidation(t *testing.T) {
	e := newEnv(t)
	e.get("/login")
	p := e.post("/login", url.Values{"email": {"not an email"}, "apiKey": {""}, "accessKey": {"x"}}, false)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", p.status)
	}
	if p.doc.Find(`#email[aria-invalid=true]`).Length() != 1 || p.doc.Find(`#apiKey[aria-invalid=true]`).Length() != 1 {
		t.Error("fields not marked invalid")
	}
	if p.val("#email") != "not an email" {
		t.Error("typed email lost")
	}
	if e.countCalls("getConfigData") != 0 {
		t.Error("invalid input must not reach Apptivo")
	}
}

func TestAnonymousHTMXRequestGetsHXRedirect(t *testing.T) {
	e := newEnv(t)
	p := e.do(http.MethodGet, "/customers/1224395/name/edit", nil, true, func(r *http.Request) {
		r.Header.Set("HX-Current-URL", e.app.URL+"/customers/1224395")
	})
	if p.header.Get("HX-Redirect") != "/login?next=%2Fcustomers%2F1224395" {
		t.Fatalf("HX-Redirect %q (status %d)", p.header.Get("HX-Redirect"), p.status)
	}
	if strings.Contains(p.body, "Sign in") {
		t.Error("a sign-in page must not be sent into a fragment")
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	u, _ := url.Parse(e.app.URL)
	old := e.client.Jar.Cookies(u)
	if len(old) == 0 {
		t.Fatal("no session cookie")
	}
	p := e.post("/logout", nil, false)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", p.status, p.header.Get("Location"))
	}
	if login := e.follow(p); !strings.Contains(login.text("#live"), "signed out") {
		t.Errorf("live region: %q", login.text("#live"))
	}
	// Replay the old cookie by hand: the server must have forgotten it.
	req, _ := http.NewRequest(http.MethodGet, e.app.URL+"/customers", nil)
	for _, c := range old {
		req.AddCookie(c)
	}
	resp, err := (&http.Client{CheckRedirect: e.client.CheckRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("old cookie still works: %d", resp.StatusCode)
	}
}

func TestCrossSitePostIsRefused(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	form := url.Values{"name": {"Hijacked"}, "name_orig": {"Apptivo, Inc."}, "_csrf": {e.csrf}}
	p := e.do(http.MethodPost, "/customers/1224395/name", form, false, func(r *http.Request) {
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	})
	if p.status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", p.status)
	}
	// Same origin but without the session's token: refused too.
	p = e.do(http.MethodPost, "/customers/1224395/name", url.Values{"name": {"Hijacked"}, "name_orig": {"Apptivo, Inc."}}, false, func(r *http.Request) {
		r.Header.Set("Origin", e.app.URL)
	})
	// Same origin, signed in, no valid token: nothing is written; the form is
	// reopened with what was sent so a person with a stale tab loses nothing.
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/customers/1224395/name/edit" {
		t.Fatalf("tokenless post: %d %q", p.status, p.header.Get("Location"))
	}
	// Signing out needs the token too.
	if p := e.do(http.MethodPost, "/logout", url.Values{}, false, func(r *http.Request) { r.Header.Set("Origin", e.app.URL) }); p.status != http.StatusForbidden {
		t.Fatalf("tokenless sign-out: %d", p.status)
	}
	if len(e.updates()) != 0 || e.stored(apptivotest.IDApptivoInc).Name() != "Apptivo, Inc." {
		t.Fatal("a refused post reached Apptivo")
	}
}

func TestNextMustBeLocal(t *testing.T) {
	e := newEnv(t)
	e.get("/login")
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
		p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey},
			"accessKey": {apptivotest.DemoKeys.AccessKey}, "next": {next}}, false)
		if p.header.Get("Location") != "/customers" {
			t.Errorf("next %q → %q", next, p.header.Get("Location"))
		}
		e.client.Jar, _ = cookiejar.New(nil) // signed out again for the next round
		e.get("/login")
	}
}

func TestSignInIsRateLimited(t *testing.T) {
	e := newEnv(t, func(s *settings) { s.LoginPerMinute = 3 })
	e.get("/login")
	var last int
	for range 10 {
		last = e.post("/login", url.Values{"email": {testEmail}, "apiKey": {"x"}, "accessKey": {"y"}}, false).status
		if last == http.StatusTooManyRequests {
			break
		}
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("never rate limited, last status %d", last)
	}
}

func TestRateLimitPerClientBehindATrustedProxy(t *testing.T) {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	e := newEnv(t, func(s *settings) { s.LoginPerMinute = 2; s.TrustedProxies = []*net.IPNet{loopback} })
	e.get("/login")
	from := func(ip string) int {
		return e.do(http.MethodPost, "/login", url.Values{"email": {testEmail}, "apiKey": {"x"}, "accessKey": {"y"}, "_csrf": {e.csrf}}, false,
			func(r *http.Request) { r.Header.Set("Origin", e.app.URL); r.Header.Set("X-Forwarded-For", ip) }).status
	}
	for range 2 {
		from("203.0.113.7")
	}
	if got := from("203.0.113.7"); got != http.StatusTooManyRequests {
		t.Fatalf("third try from the same person: %d", got)
	}
	if got := from("198.51.100.9"); got == http.StatusTooManyRequests {
		t.Fatal("another person behind the same proxy was limited too")
	}
}
