package apptivo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"
)

// Keys that look like Apptivo's, so a leak is easy to spot in any string.
var testCreds = Credentials{
	APIKey:    "ZMQYFZTzBXAW-DoPSURDtNVBUEY-518d51ae-ab26-4c04-9f7b-8d26a586e90e",
	AccessKey: "SqQxOzQZDvUT-fTsOrItIVDUGyV-5c90b8a3-4683-4145-8584-1ed40de970b9",
}

func assertNoSecrets(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testCreds.APIKey, testCreds.AccessKey, "518d51ae", "5c90b8a3"} {
		if strings.Contains(s, secret) {
			t.Fatalf("secret leaked into %q", s)
		}
	}
}

// recorder is an httptest handler that counts calls and answers with fn.
type recorder struct {
	calls atomic.Int32
	mu    sync.Mutex
	reqs  []*http.Request
	forms []url.Values
	fn    func(w http.ResponseWriter, r *http.Request, call int)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(rec.calls.Add(1))
	_ = r.ParseForm()
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r)
	rec.forms = append(rec.forms, r.PostForm)
	rec.mu.Unlock()
	rec.fn(w, r, n)
}

func newTestClient(t *testing.T, h http.Handler, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []Option{WithBaseURL(srv.URL), WithCredentials(testCreds), WithRetries(3, time.Millisecond, 4*time.Millisecond)}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const sampleRecord = `{"customerId":42,"customerName":"Acme","version":1}`

func TestRequestShapeKeepsKeysOutOfTheURL(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, sampleRecord) }}
	c := newTestClient(t, rec)
	if _, err := c.GetCustomer(context.Background(), "42"); err != nil {
		t.Fatal(err)
	}
	r := rec.reqs[0]
	if r.Method != http.MethodPost || r.URL.Path != "/app/dao/v6/customers" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("request %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	}
	if q := r.URL.Query(); q.Get("a") != "getById" || q.Has("apiKey") || q.Has("accessKey") {
		t.Fatalf("query %v", q)
	}
	assertNoSecrets(t, r.URL.String())
	if f := rec.forms[0]; f.Get("apiKey") != testCreds.APIKey || f.Get("accessKey") != testCreds.AccessKey || f.Get("customerId") != "42" {
		t.Fatalf("form %v", f)
	}
}

func TestErrorModes(t *testing.T) {
	cases := []struct {
		name   string
		handle func(w http.ResponseWriter, r *http.Request)
		kind   Kind
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "<html>boom</html>", 500) }, KindUnavailable},
		{"503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, KindUnavailable},
		{"429", func(w http.ResponseWriter, r *http.Request) { w.Header().Set("Retry-After", "0"); w.WriteHeader(429) }, KindRateLimited},
		{"401", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, KindBadCredentials},
		{"garbage html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Service temporarily unavailable</body></html>")
		}, KindUnexpected},
		{"empty body", func(w http.ResponseWriter, r *http.Request) {}, KindUnexpected},
		{"truncated json", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"customerId":4`) }, KindUnexpected},
		{"failure with 200", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"status":"FAILURE","reason":"Internal Server Error"}`)
		}, KindUnexpected},
		{"bad key failure", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"status":"FAILURE","reason":"Invalid API Key %s"}`, r.PostFormValue("apiKey"))
		}, KindBadCredentials},
		{"not found failure", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"status":"FAILURE","reason":"Customer not found"}`)
		}, KindNotFound},
		{"empty object", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) }, KindNotFound},
		{"rate limit failure", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"status":"FAILURE","reason":"API rate limit exceeded"}`)
		}, KindRateLimited},
		{"connection reset", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0)
				}
				conn.Close()
			}
		}, KindUnavailable},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"customerId":1,"description":"%s"}`, strings.Repeat("x", 4096))
		}, KindUnexpected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { tc.handle(w, r) }}
			c := newTestClient(t, rec, WithMaxResponseBytes(2048))
			_, err := c.GetCustomer(context.Background(), "42")
			if err == nil {
				t.Fatal("expected an error")
			}
			if KindOf(err) != tc.kind {
				t.Fatalf("kind = %v, want %v (%v)", KindOf(err), tc.kind, err)
			}
			assertNoSecrets(t, err.Error())
			assertNoSecrets(t, fmt.Sprintf("%+v %#v", err, err))
			for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
				assertNoSecrets(t, e.Error())
			}
		})
	}
}

func TestSentinelsWorkWithErrorsIs(t *testing.T) {
	err := error(&Error{Kind: KindNotFound, Action: "getById", Status: 200})
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) {
		t.Fatal("errors.Is mismatch")
	}
}

func TestTimeoutIsUnavailableAndScrubbed(t *testing.T) {
	release := make(chan struct{})
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}}
	defer close(release)
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	// A base URL that carries the key in its path makes *url.Error print it; the scrubber must catch it.
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL+"/"+testCreds.APIKey), WithHTTPClient(hc), WithCredentials(testCreds), WithRetries(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetConfig(context.Background())
	if KindOf(err) != KindUnavailable {
		t.Fatalf("kind %v: %v", KindOf(err), err)
	}
	assertNoSecrets(t, err.Error())
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("expected the URL's key to be redacted: %v", err)
	}
	if got := rec.calls.Load(); got != 2 {
		t.Errorf("a timed-out read is retried: %d calls, want 2", got)
	}
}

func TestContextDeadlineStopsRetries(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { w.WriteHeader(503) }}
	c := newTestClient(t, rec, WithRetries(10, 30*time.Millisecond, 30*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.GetConfig(ctx)
	if err == nil || rec.calls.Load() >= 10 {
		t.Fatalf("err=%v calls=%d", err, rec.calls.Load())
	}
}

func TestReadsRetryTransientFailures(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, call int) {
		switch call {
		case 1:
			w.WriteHeader(502)
		case 2:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(429)
		default:
			fmt.Fprint(w, `{"data":[`+sampleRecord+`],"countOfRecords":1}`)
		}
	}}
	c := newTestClient(t, rec)
	page, err := c.SearchCustomers(context.Background(), "acme", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if rec.calls.Load() != 3 || page.Total != 1 || page.Customers[0].Name() != "Acme" {
		t.Fatalf("calls=%d page=%+v", rec.calls.Load(), page)
	}
}

func TestReadsDoNotRetryPermanentFailures(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprint(w, `{"status":"FAILURE","reason":"Invalid Access Key"}`)
	}}
	c := newTestClient(t, rec)
	if _, err := c.CheckCredentials(context.Background()); !errors.Is(err, ErrBadCredentials) {
		t.Fatal(err)
	}
	if rec.calls.Load() != 1 {
		t.Fatalf("calls = %d", rec.calls.Load())
	}
}

func TestLongRetryAfterIsReportedNotWaited(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(429)
	}}
	c := newTestClient(t, rec)
	start := time.Now()
	_, err := c.GetCustomer(context.Background(), "1")
	var ae *Error
	if !errors.As(err, &ae) || ae.Kind != KindRateLimited || ae.RetryAfter != 120*time.Second {
		t.Fatalf("err %v", err)
	}
	if rec.calls.Load() != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("calls=%d", rec.calls.Load())
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var first time.Time
	var gap time.Duration
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, call int) {
		if call == 1 {
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		gap = time.Since(first)
		fmt.Fprint(w, sampleRecord)
	}}
	c := newTestClient(t, rec)
	if _, err := c.GetCustomer(context.Background(), "42"); err != nil {
		t.Fatal(err)
	}
	if gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, Retry-After said 1s", gap)
	}
}

func TestUpdateIsNeverRetried(t *testing.T) {
	for _, status := range []int{500, 502, 429} {
		rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(status)
		}}
		c := newTestClient(t, rec)
		fresh, _ := ParseCustomer([]byte(sampleRecord))
		u := renamed(t, fresh, "Acme Two")
		if _, err := c.UpdateCustomer(context.Background(), u); err == nil {
			t.Fatal("expected an error")
		}
		if rec.calls.Load() != 1 {
			t.Fatalf("status %d: update sent %d times", status, rec.calls.Load())
		}
	}
}

func TestUpdateSendsParamsAndReadsWrappedAnswer(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprint(w, `{"customer":{"customerId":42,"customerName":"Acme Two","version":2}}`)
	}}
	c := newTestClient(t, rec)
	fresh, _ := ParseCustomer([]byte(sampleRecord))
	u := renamed(t, fresh, "Acme Two")
	got, err := c.UpdateCustomer(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name() != "Acme Two" || got.Version() != "2" {
		t.Fatalf("got %s v%s", got.Name(), got.Version())
	}
	r, f := rec.reqs[0], rec.forms[0]
	if r.URL.Query().Get("a") != "update" || r.URL.Query().Get("customerId") != "42" || r.URL.Query().Get("objectId") != "3" {
		t.Fatalf("query %v", r.URL.Query())
	}
	if f.Get("attributeName") != `["customerName"]` || f.Get("attributeIds") != `["cust_name_attr"]` ||
		f.Get("customerData") != `{"customerId":42,"customerName":"Acme Two","version":1}` {
		t.Fatalf("form %v", f)
	}
	assertNoSecrets(t, r.URL.String())
}

func TestSearchEmptyTextListsAll(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprint(w, `{"data":[],"countOfRecords":0}`)
	}}
	c := newTestClient(t, rec)
	page, err := c.SearchCustomers(context.Background(), "  ", 50, 25)
	if err != nil {
		t.Fatal(err)
	}
	q, f := rec.reqs[0].URL.Query(), rec.forms[0]
	if q.Get("a") != "getAll" || f.Get("startIndex") != "50" || f.Get("numRecords") != "25" || f.Has("searchText") {
		t.Fatalf("query %v form %v", q, f)
	}
	if page.Total != 0 || len(page.Customers) != 0 {
		t.Fatalf("page %+v", page)
	}
}

func TestSearchWithoutDataListIsUnexpected(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, `{"countOfRecords":3}`) }}
	c := newTestClient(t, rec)
	if _, err := c.SearchCustomers(context.Background(), "x", 0, 10); KindOf(err) != KindUnexpected {
		t.Fatal(err)
	}
}

func TestConfigParsesTypesAndFallsBack(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprint(w, `{"phoneTypes":[{"id":1,"code":"PHONE_BUSINESS","name":"Business","isEnabled":"Y"},{"id":2,"code":"PHONE_PAGER","name":"Pager","isEnabled":"N"}],"emailTypes":"odd","webLayout":"{}"}`)
	}}
	c := newTestClient(t, rec)
	cfg, err := c.GetConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.PhoneTypes) != 1 || cfg.PhoneTypes[0].Code != "PHONE_BUSINESS" || !cfg.FromApptivo {
		t.Errorf("phone types %+v", cfg.PhoneTypes)
	}
	if len(cfg.EmailTypes) != 3 || len(cfg.AddressTypes) != 2 {
		t.Errorf("fallbacks %+v %+v", cfg.EmailTypes, cfg.AddressTypes)
	}
}

func TestNonNumericIDNeverCallsApptivo(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, sampleRecord) }}
	c := newTestClient(t, rec)
	for _, id := range []string{"", "12a", "1&a=delete", "-1"} {
		if _, err := c.GetCustomer(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: %v", id, err)
		}
	}
	if rec.calls.Load() != 0 {
		t.Fatal("no call expected")
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the form body with the keys was replayed to another host")
	}))
	defer other.Close()
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}}
	c := newTestClient(t, rec)
	if _, err := c.GetCustomer(context.Background(), "1"); KindOf(err) != KindUnexpected {
		t.Fatal(err)
	}
}

func TestBaseURLValidation(t *testing.T) {
	for _, bad := range []string{"", "ftp://x", "api.apptivo.com", "https://user:pw@x", "https://x/?a=1"} {
		if _, err := NewClient(WithBaseURL(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestUpdateFailureReasonsAreAboutTheData(t *testing.T) {
	for _, reason := range []string{"Duplicate key value violates unique constraint", "Not authorized to update this field", "Country not found"} {
		rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
			fmt.Fprintf(w, `{"status":"FAILURE","reason":%q}`, reason)
		}}
		c := newTestClient(t, rec)
		fresh, _ := ParseCustomer([]byte(sampleRecord))
		u := renamed(t, fresh, "Acme Two")
		_, err := c.UpdateCustomer(context.Background(), u)
		var ae *Error
		if !errors.As(err, &ae) || ae.Kind != KindUnexpected || ae.Reason != reason {
			t.Errorf("%q: %v", reason, err)
		}
	}
}

func TestReasonIsScrubbedBeforeItIsCut(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
		fmt.Fprintf(w, `{"status":"FAILURE","reason":"%s bad key %s"}`, strings.Repeat("ü", 90), r.PostFormValue("apiKey"))
	}}
	c := newTestClient(t, rec)
	_, err := c.GetConfig(context.Background())
	assertNoSecrets(t, err.Error())
	if strings.Contains(err.Error(), "ZMQYFZ") || !utf8.ValidString(err.Error()) {
		t.Fatalf("a key prefix or a broken character survived: %v", err)
	}
}

func TestWrappedRecordWithoutIDIsNotFound(t *testing.T) {
	rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, `{"customer":{}}`) }}
	c := newTestClient(t, rec)
	if _, err := c.GetCustomer(context.Background(), "42"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

// renamed is the update of a rename made on a form that showed fresh.
func renamed(t *testing.T, fresh *Customer, name string) *Update {
	t.Helper()
	p, err := BuildUpdate(fresh, Edit{Name: &NameEdit{Value: name, Seen: fresh.Fingerprint(SectionName)}})
	if err != nil || p.Update == nil {
		t.Fatalf("no update: %v", err)
	}
	return p.Update
}

// Issue 7, item 3: an update answered with JSON that is neither the record
// nor a refusal is not a success: whether it landed is unknown. Failed
// before: each of these answers was reported as saved.
func TestOddUpdateAnswerIsAnUnknownOutcome(t *testing.T) {
	for _, answer := range []string{
		`{}`, `{"status":"SUCCESS"}`, `{"status":"ERROR","message":"something"}`, `{"customer":null}`,
		`{"customer":{}}`, `{"data":{}}`, `{"customer":{"customerId":43,"customerName":"Someone else"}}`,
	} {
		rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) { fmt.Fprint(w, answer) }}
		c := newTestClient(t, rec)
		fresh, _ := ParseCustomer([]byte(sampleRecord))
		got, err := c.UpdateCustomer(context.Background(), renamed(t, fresh, "Acme Two"))
		var ae *Error
		if got != nil || !errors.As(err, &ae) || ae.Kind != KindUnexpected || ae.Action != "update" || ae.Refused {
			t.Errorf("%s: got %v, %v; want an unexpected answer that Apptivo did not refuse", answer, got, err)
		}
	}
}

// Issue 7, item 5: APPTIVO_TIMEOUT is the one setting that governs how long
// a call may take. Failed before: a fixed 25 s ResponseHeaderTimeout in the
// default transport cut a 40 s setting short. The bubble's fake clock makes
// the 30 s wait instant.
func TestTimeoutSettingGovernsBeyondTheTransportDefaults(t *testing.T) {
	for _, tc := range []struct {
		delay   time.Duration
		succeed bool
	}{{30 * time.Second, true}, {45 * time.Second, false}} {
		synctest.Test(t, func(t *testing.T) {
			hc := DefaultHTTPClient()
			tr := hc.Transport.(*http.Transport).Clone()
			tr.Proxy = nil
			tr.DisableKeepAlives = true
			tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
				client, server := net.Pipe()
				go answerAfter(server, tc.delay)
				return client, nil
			}
			hc.Transport = tr
			c, err := NewClient(WithBaseURL("http://apptivo.test"), WithHTTPClient(hc), WithTimeout(40*time.Second), WithRetries(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetCustomer(context.Background(), "42")
			if tc.succeed && err != nil {
				t.Errorf("a %v answer within a 40s timeout failed: %v", tc.delay, err)
			}
			if !tc.succeed && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a %v answer must time out at 40s, got %v", tc.delay, err)
			}
			time.Sleep(time.Minute) // let the late answer find its connection closed
		})
	}
}

// answerAfter serves one request on conn after delay, with the sample record.
func answerAfter(conn net.Conn, delay time.Duration) {
	defer conn.Close()
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	time.Sleep(delay)
	resp := &http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, Close: true,
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(sampleRecord)),
		Body: io.NopCloser(strings.NewReader(sampleRecord))}
	_ = resp.Write(conn)
}

// A mutation run dropped the scrubbing of Apptivo's reason on non-2xx
// answers and no test noticed: a FAILURE body quoting the keys, with any
// status, never puts them into an error.
func TestReasonIsScrubbedWhateverTheStatus(t *testing.T) {
	for _, status := range []int{500, 429, 401, 403, 400} {
		rec := &recorder{fn: func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"status":"FAILURE","reason":"refused apiKey=%s accessKey=%s"}`, r.PostFormValue("apiKey"), url.QueryEscape(r.PostFormValue("accessKey")))
		}}
		c := newTestClient(t, rec, WithRetries(1, 0, 0))
		_, err := c.GetCustomer(context.Background(), "42")
		var ae *Error
		if !errors.As(err, &ae) || ae.Reason == "" || !strings.Contains(ae.Reason, "[redacted]") {
			t.Fatalf("%d: reason not kept or not scrubbed: %v", status, err)
		}
		assertNoSecrets(t, err.Error())
		assertNoSecrets(t, fmt.Sprintf("%+v %#v", err, err))
	}
}
