// Package apptivotest is an in-memory stand-in for Apptivo's customers API.
//
// The real service cannot be reached from build machines, so the tests and the
// portal's demo mode talk to this simulator instead. It follows
// shared/reference/apptivo-contract.md and is deliberately stricter than
// Apptivo where the contract leaves room, so client bugs surface here rather
// than against a customer's live data. It can also misbehave on demand
// (failures, latency, rate limits) because the real service does.
package apptivotest

import (
	"bytes"
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Path is the only endpoint the simulator serves, as on api.apptivo.com.
const Path = "/app/dao/v6/customers"

const contentTypeJSON = "application/json;charset=UTF-8"

// KeyPair is one firm's API credentials. UserName is what Apptivo shows as
// lastUpdatedByName for changes made with this pair.
type KeyPair struct{ APIKey, AccessKey, UserName string }

// DemoKeys is the pair accepted by default, so demo mode works without setup.
// Treat it as a constant.
var DemoKeys = KeyPair{APIKey: "demo-api-key", AccessKey: "demo-access-key", UserName: "Demo User"}

// Request is one call as the simulator saw it, kept so tests can assert on what
// the client actually sent.
type Request struct {
	Action string     // the "a" parameter
	Method string     // GET or POST (or whatever arrived)
	Params url.Values // query and body merged, body winning; a copy
	Query  url.Values // the URL query alone, to check that secrets stay out of URLs
	At     time.Time  // simulator clock at arrival
}

// FailureMode selects how a forced failure misbehaves; each mirrors something
// clients of the real service have to survive.
type FailureMode int

const (
	FailNone            FailureMode = iota // answer normally (still consumes Times; useful to let N calls through)
	FailInternalError                      // HTTP 500, small HTML body
	FailRateLimited                        // HTTP 429, Retry-After, FAILURE body
	FailGarbageHTML                        // HTTP 200, text/html error page
	FailEmptyBody                          // HTTP 200, empty body
	FailStatusFailure                      // HTTP 200, {"status":"FAILURE","reason":"Internal Server Error"}
	FailHang                               // no answer until the request context ends or Close
	FailResetConnection                    // connection closed (reset) without an answer
	// FailOddAnswer carries the call out (an update lands) and then answers
	// HTTP 200 with Failure.Body instead of the record: the outcome of such
	// a write is unknown to the client.
	FailOddAnswer
	// FailHangAfter carries the call out, then answers nothing until the
	// client gives up: a write that landed although the client timed out.
	FailHangAfter
)

// Failure is a forced misbehaviour. Action "" matches every action; Times <= 0
// keeps it active until ClearFailures; RetryAfter only matters for
// FailRateLimited (default one second); Reason replaces the reason of
// FailStatusFailure and FailRateLimited; Body is FailOddAnswer's answer.
// Chance > 0 makes it strike only that share of the matching calls (at
// random); a call it spares is checked against the next failure.
type Failure struct {
	Mode       FailureMode
	Action     string
	Times      int
	RetryAfter time.Duration
	Reason     string
	Body       string
	Chance     float64
}

// Applied is one update the simulator carried out, with the record before
// and after, so tests can check what each write overwrote.
type Applied struct {
	Request       Request
	Before, After json.RawMessage
}

// Option configures a Server in New.
type Option func(*Server)

// WithKeyPairs replaces the accepted credentials (default: DemoKeys only).
func WithKeyPairs(pairs ...KeyPair) Option {
	return func(s *Server) { s.keys = slices.Clone(pairs) }
}

// WithClock lets tests pin the time written into records and used for rate
// limiting.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithoutSeed starts with no customers, for tests that want full control.
func WithoutSeed() Option {
	return func(s *Server) { s.noSeed = true }
}

// Server is the simulator. It is an http.Handler; all methods are safe for
// concurrent use.
type Server struct {
	now    func() time.Time
	noSeed bool

	closeOnce sync.Once
	closed    chan struct{}

	mu       sync.Mutex
	keys     []KeyPair
	records  map[int64]*record
	requests []Request
	failures []Failure
	latency  time.Duration
	jitter   time.Duration // latency varies by up to this much on top
	applied  []Applied
	rateN    int
	ratePer  time.Duration
	rateHits map[KeyPair][]time.Time
}

// New returns a simulator, seeded with realistic customers unless WithoutSeed.
func New(opts ...Option) *Server {
	s := &Server{
		now:      time.Now,
		closed:   make(chan struct{}),
		keys:     []KeyPair{DemoKeys},
		records:  map[int64]*record{},
		rateHits: map[KeyPair][]time.Time{},
	}
	for _, o := range opts {
		o(s)
	}
	if !s.noSeed {
		for _, raw := range seedRecords() {
			if _, err := s.Put(raw); err != nil {
				panic("apptivotest: bad seed record: " + err.Error())
			}
		}
	}
	return s
}

// Close releases requests held by FailHang (their connections are aborted) and
// cuts latency short, so an httptest.Server wrapping the simulator can shut
// down. The simulator keeps answering afterwards.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

// Requests returns every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}

// RequestsFor returns the received requests whose action is action.
func (s *Server) RequestsFor(action string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Action == action {
			out = append(out, r.clone())
		}
	}
	return out
}

// ResetRequests forgets the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// SetLatency delays every answer by d (0 disables), because real Apptivo calls
// can take seconds and clients must time out sensibly.
func (s *Server) SetLatency(d time.Duration) {
	s.SetLatencyRange(d, d)
}

// SetLatencyRange delays every answer by a random time between min and max.
func (s *Server) SetLatencyRange(least, most time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency, s.jitter = least, max(most-least, 0)
}

// Applied returns every update carried out so far, in order.
func (s *Server) Applied() []Applied {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Applied, len(s.applied))
	for i, a := range s.applied {
		out[i] = Applied{Request: a.Request.clone(), Before: slices.Clone(a.Before), After: slices.Clone(a.After)}
	}
	return out
}

// Fail adds a forced failure. Failures are checked in the order they were
// added; the first one matching the request's action applies and counts down.
func (s *Server) Fail(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}

// ClearFailures removes all forced failures.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

// SetRateLimit allows n calls per key pair within any window of length per
// (sliding, on the simulator clock); n <= 0 disables. Apptivo rate-limits
// without documenting how, so clients must honour Retry-After.
func (s *Server) SetRateLimit(n int, per time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateN, s.ratePer = n, per
	s.rateHits = map[KeyPair][]time.Time{}
}

// AddKeyPair accepts another credential pair from now on.
func (s *Server) AddKeyPair(k KeyPair) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.keys, k) {
		s.keys = append(s.keys, k)
	}
}

// RemoveKeyPair stops accepting a pair, as regenerating keys in Apptivo does.
func (s *Server) RemoveKeyPair(k KeyPair) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = slices.DeleteFunc(s.keys, func(p KeyPair) bool {
		return p.APIKey == k.APIKey && p.AccessKey == k.AccessKey
	})
}

func (r Request) clone() Request {
	r.Params = cloneValues(r.Params)
	r.Query = cloneValues(r.Query)
	return r
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// ServeHTTP answers one call the way Apptivo would (or wouldn't).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	params := cloneValues(query)
	var parseErr error
	if r.Method == http.MethodPost {
		if parseErr = r.ParseForm(); parseErr == nil {
			for k, vs := range r.PostForm {
				params[k] = slices.Clone(vs)
			}
		}
	}
	action := params.Get("a")
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Action: action,
		Method: r.Method,
		Params: cloneValues(params),
		Query:  query,
		At:     s.now(),
	})
	latency := s.latency
	if s.jitter > 0 {
		latency += rand.N(s.jitter)
	}
	req := s.requests[len(s.requests)-1].clone()
	s.mu.Unlock()

	if r.URL.Path != Path {
		writeFailure(w, http.StatusNotFound, "Not found: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeFailure(w, http.StatusMethodNotAllowed, "Method not allowed: "+r.Method)
		return
	}

	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.closed:
			t.Stop()
		}
	}

	f, failing := s.takeFailure(action)
	if failing && f.Mode != FailNone && f.Mode != FailOddAnswer && f.Mode != FailHangAfter {
		s.fail(w, r, f)
		return
	}
	if parseErr != nil {
		writeFailure(w, http.StatusOK, "Malformed request: "+parseErr.Error())
		return
	}

	pair, ok := s.authenticate(params.Get("apiKey"), params.Get("accessKey"))
	if !ok {
		writeFailure(w, http.StatusOK, "Invalid API Key or Access Key")
		return
	}
	if wait, ok := s.takeSlot(pair); !ok {
		writeRateLimited(w, wait, "")
		return
	}

	answer := s.dispatch(req, pair)
	if failing && f.Mode == FailHangAfter {
		f.Mode = FailHang
		s.fail(w, r, f)
		return
	}
	if failing && f.Mode == FailOddAnswer {
		w.Header().Set("Content-Type", contentTypeJSON)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) authenticate(apiKey, accessKey string) (KeyPair, bool) {
	if apiKey == "" || accessKey == "" {
		return KeyPair{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if subtle.ConstantTimeCompare([]byte(k.APIKey), []byte(apiKey)) == 1 &&
			subtle.ConstantTimeCompare([]byte(k.AccessKey), []byte(accessKey)) == 1 {
			return k, true
		}
	}
	return KeyPair{}, false
}

func (s *Server) takeFailure(action string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.failures {
		if f.Action != "" && f.Action != action {
			continue
		}
		if f.Chance > 0 && rand.Float64() >= f.Chance {
			continue
		}
		if f.Times > 0 {
			s.failures[i].Times--
			if s.failures[i].Times == 0 {
				s.failures = slices.Delete(s.failures, i, i+1)
			}
		}
		return f, true
	}
	return Failure{}, false
}

// takeSlot books a call against the pair's rate limit, or says how long until
// a slot frees up.
func (s *Server) takeSlot(k KeyPair) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rateN <= 0 {
		return 0, true
	}
	now := s.now()
	hits := s.rateHits[k]
	keep := hits[:0]
	for _, h := range hits {
		if h.Add(s.ratePer).After(now) {
			keep = append(keep, h)
		}
	}
	if len(keep) >= s.rateN {
		s.rateHits[k] = keep
		return keep[0].Add(s.ratePer).Sub(now), false
	}
	s.rateHits[k] = append(keep, now)
	return 0, true
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, f Failure) {
	switch f.Mode {
	case FailInternalError:
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><head><title>500 Internal Server Error</title></head>" +
			"<body><h1>Internal Server Error</h1></body></html>\n"))
	case FailRateLimited:
		wait := f.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		writeRateLimited(w, wait, f.Reason)
	case FailGarbageHTML:
		w.Header().Set("Content-Type", "text/html;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(garbageHTML))
	case FailEmptyBody:
		w.Header().Set("Content-Type", contentTypeJSON)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case FailStatusFailure:
		writeFailure(w, http.StatusOK, cmp.Or(f.Reason, "Internal Server Error"))
	case FailHang:
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			// Aborting, not answering: a released hang must not look like a reply.
			panic(http.ErrAbortHandler)
		}
	case FailResetConnection:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the stream instead
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // send RST rather than FIN, like a dropping proxy
		}
		_ = conn.Close()
	default:
		writeFailure(w, http.StatusOK, fmt.Sprintf("apptivotest: unknown failure mode %d", f.Mode))
	}
}

const garbageHTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Apptivo - Service Unavailable</title></head>
<body><div class="error-page"><h1>We'll be right back</h1>
<p>Apptivo is undergoing scheduled maintenance. Please try again in a few minutes.</p>
<a href="https://www.apptivo.com/">Return to Apptivo</a></div></body></html>
`

func writeRateLimited(w http.ResponseWriter, wait time.Duration, reason string) {
	secs := int64(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", fmt.Sprint(secs))
	writeFailure(w, http.StatusTooManyRequests, cmp.Or(reason, "Rate limit exceeded"))
}

type failureBody struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func writeFailure(w http.ResponseWriter, status int, reason string) {
	writeJSON(w, status, failureBody{Status: "FAILURE", Reason: reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b []byte
	var err error
	switch v := v.(type) {
	case json.RawMessage: // a stored record goes out byte for byte (encoding/json would compact it)
		b = v
	case customerAnswer:
		b = append(append([]byte(`{"customer":`), v.Customer...), '}')
	default:
		b, err = encodeJSON(v)
	}
	if err != nil {
		status = http.StatusOK
		b, _ = encodeJSON(failureBody{Status: "FAILURE", Reason: "apptivotest: " + err.Error()})
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// encodeJSON leaves <, > and & alone so stored text comes back byte-identical.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
