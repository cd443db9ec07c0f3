package apptivo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultBaseURL is Apptivo's public API host.
const DefaultBaseURL = "https://api.apptivo.com"

const (
	customersPath     = "/app/dao/v6/customers"
	customersObjectID = "3" // the reference page's objectId=4 is a copy error; Apptivo's clients send 3
)

// Credentials is one person's Apptivo key pair. Every formatting path (fmt
// verbs, slog, encoding/json) redacts it to at most the last four characters
// of the API key, so a stray log line cannot leak the keys. Use the fields
// explicitly where the keys are really needed.
type Credentials struct {
	APIKey    string
	AccessKey string
}

// String returns a redacted form such as "Credentials{…1234}".
func (c Credentials) String() string {
	// Show a hint only when the key is long enough that four characters
	// reveal a small fraction of it.
	if len(c.APIKey) >= 16 {
		return "Credentials{…" + c.APIKey[len(c.APIKey)-4:] + "}"
	}
	if c.APIKey != "" || c.AccessKey != "" {
		return "Credentials{…}"
	}
	return "Credentials{}"
}

// GoString makes %#v redacted too.
func (c Credentials) GoString() string { return c.String() }

// Format redacts for every verb, including %+v, %d and %x, which would
// otherwise print the fields.
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue implements slog.LogValuer.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON redacts Credentials nested in a value that slog's JSON handler
// (or anything else) marshals, where LogValue is not consulted.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// Client speaks Apptivo's customers API. It is safe for concurrent use; one
// shared Client per process, with WithCredentials per signed-in person.
type Client struct {
	base          *url.URL
	http          *http.Client
	creds         Credentials
	timeout       time.Duration // caps each HTTP exchange, headers and body
	maxBody       int64
	attempts      int           // for reads; updates are never repeated
	backoff       time.Duration // first pause between read attempts
	maxBackoff    time.Duration
	maxRetryAfter time.Duration // a longer Retry-After is reported, not waited for
	userAgent     string
	observe       Observer // told of every HTTP attempt (observe.go); nil for none
}

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL points the client at another host (the simulator, a proxy, api2.apptivo.com).
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("apptivo: base URL %q must be an absolute http(s) URL", raw)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("apptivo: base URL must not carry user info, a query or a fragment")
		}
		c.base = u
		return nil
	}
}

// WithHTTPClient replaces the default HTTP client (which has timeouts at both
// the client and the transport level).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("apptivo: nil http.Client")
		}
		c.http = hc
		return nil
	}
}

// WithTimeout caps each call to Apptivo (every attempt of a read, the one
// attempt of an update): the one setting that governs how long the desk
// waits, whatever the HTTP client's own limits.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return errors.New("apptivo: timeout must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithCredentials sets the key pair sent with every call.
func WithCredentials(cr Credentials) Option {
	return func(c *Client) error { c.creds = cr; return nil }
}

// WithRetries sets how often a read is tried in all (>= 1) and the pauses
// between tries (doubling from first up to max).
func WithRetries(attempts int, first, max time.Duration) Option {
	return func(c *Client) error {
		if attempts < 1 || first < 0 || max < first {
			return errors.New("apptivo: invalid retry settings")
		}
		c.attempts, c.backoff, c.maxBackoff = attempts, first, max
		return nil
	}
}

// WithMaxRetryAfter caps how long a read waits when Apptivo says Retry-After.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) error { c.maxRetryAfter = d; return nil }
}

// WithMaxResponseBytes caps the size of an answer the client will read.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n < 1024 {
			return errors.New("apptivo: response cap below 1 KiB")
		}
		c.maxBody = n
		return nil
	}
}

// NewClient builds a client; without options it talks to DefaultBaseURL.
func NewClient(opts ...Option) (*Client, error) {
	c := &Client{
		http:          DefaultHTTPClient(),
		timeout:       30 * time.Second,
		maxBody:       8 << 20,
		attempts:      3,
		backoff:       300 * time.Millisecond,
		maxBackoff:    2 * time.Second,
		maxRetryAfter: 5 * time.Second,
		userAgent:     "customer-desk/1",
	}
	if err := WithBaseURL(DefaultBaseURL)(c); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// DefaultHTTPClient bounds connecting: Apptivo is known to be slow at times,
// but a host that doesn't answer must never hold a sales person's page. How
// long a whole call may take is the Client's timeout (WithTimeout), applied
// to each call's context, so one setting governs: no fixed limit here may
// cut a call short of it.
func DefaultHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   16,
			ForceAttemptHTTP2:     true,
		},
		// Apptivo has no reason to redirect an API call; following one could
		// replay the form body with the keys to another host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// WithCredentials returns a copy of the client that uses another key pair and
// shares everything else (connections included).
func (c *Client) WithCredentials(cr Credentials) *Client {
	cp := *c
	cp.creds = cr
	return &cp
}

// Timeout is the cap on one call.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Credentials returns the key pair in use.
func (c *Client) Credentials() Credentials { return c.creds }

// BaseURL returns the API host the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// GetConfig reads the customer app's configuration: the phone, email and
// address types. Missing or odd lists fall back to the built-in types.
func (c *Client) GetConfig(ctx context.Context) (*Config, error) {
	answer, err := c.read(ctx, "getConfigData", url.Values{})
	if err != nil {
		return nil, err
	}
	return parseConfig(answer), nil
}

// CheckCredentials proves a key pair with one cheap call, returning the
// config it read on the way so the caller can cache it.
func (c *Client) CheckCredentials(ctx context.Context) (*Config, error) {
	return c.GetConfig(ctx)
}

// GetCustomer reads one customer by its numeric id.
func (c *Client) GetCustomer(ctx context.Context, id string) (*Customer, error) {
	if !isDigits(id) {
		return nil, &Error{Kind: KindNotFound, Action: "getById", Reason: "not a customer id"}
	}
	answer, err := c.read(ctx, "getById", url.Values{"customerId": {id}, "objectId": {customersObjectID}})
	if err != nil {
		return nil, err
	}
	cust, err := decodeCustomerAnswer(answer)
	if err != nil {
		// Apptivo answers an unknown id with an empty object rather than an error.
		if errors.Is(err, errNoCustomer) {
			return nil, &Error{Kind: KindNotFound, Action: "getById"}
		}
		return nil, &Error{Kind: KindUnexpected, Action: "getById", Err: err}
	}
	return cust, nil
}

// Page is one page of customers and the total count of matches.
type Page struct {
	Customers []*Customer
	Total     int
}

// SearchCustomers finds customers by text (name, number, phone, email...).
// Empty text lists every customer.
func (c *Client) SearchCustomers(ctx context.Context, text string, start, count int) (*Page, error) {
	if start < 0 {
		start = 0
	}
	if count < 1 || count > 100 {
		count = 25
	}
	params := url.Values{
		"startIndex": {strconv.Itoa(start)},
		"numRecords": {strconv.Itoa(count)},
		"objectId":   {customersObjectID},
	}
	action := "getAll"
	if strings.TrimSpace(text) != "" {
		action = "getAllBySearchText"
		params.Set("searchText", strings.TrimSpace(text))
	}
	answer, err := c.read(ctx, action, params)
	if err != nil {
		return nil, err
	}
	// The answer was validated whole when it was read; here it is only split.
	raw, _ := answer.Raw("data")
	records, ok := scanArray(raw)
	if !ok {
		return nil, &Error{Kind: KindUnexpected, Action: action, Reason: "answer has no customer list"}
	}
	page := &Page{Customers: make([]*Customer, 0, len(records))}
	for _, rec := range records {
		var o Object
		if err := o.scan(rec); err != nil {
			return nil, &Error{Kind: KindUnexpected, Action: action, Err: err}
		}
		page.Customers = append(page.Customers, customerOf(o))
	}
	page.Total = len(page.Customers) + start
	if n, err := strconv.ParseInt(answer.String("countOfRecords"), 10, 64); err == nil && n >= 0 {
		page.Total = int(n)
	}
	return page, nil
}

// UpdateCustomer sends one update call. It is never retried automatically:
// a write that timed out may still have landed, and only the person can
// decide to send it again.
func (c *Client) UpdateCustomer(ctx context.Context, u *Update) (*Customer, error) {
	query, body, err := u.Params()
	if err != nil {
		return nil, &Error{Kind: KindUnexpected, Action: "update", Err: err}
	}
	answer, err := c.do(ctx, "update", query, body)
	if err != nil {
		return nil, err
	}
	cust, err := decodeCustomerAnswer(answer)
	if err == nil && cust.ID() != u.CustomerID {
		err = fmt.Errorf("answer holds customer %q, not %q", cust.ID(), u.CustomerID)
	}
	if err == nil {
		// A record that lacks what was written (an id and a status, say)
		// says nothing about whether the write landed.
		for _, s := range u.Sections {
			member := "customerName"
			if k := kindOf(s); k != nil {
				member = k.Member
			}
			if !cust.obj.Has(member) {
				err = fmt.Errorf("answer lacks %s", member)
				break
			}
		}
	}
	if err != nil {
		// Neither the record nor a refusal ({}, {"status":"ERROR"}, a
		// wrapper holding nothing): the contract counts a success body
		// without the expected object as a failure, and whether the write
		// landed is unknown.
		return nil, &Error{Kind: KindUnexpected, Action: "update", Status: http.StatusOK, Reason: "answer holds no customer record", Err: err}
	}
	return cust, nil
}

// read performs a read call, retrying transient failures with capped,
// doubling pauses and honouring Retry-After and the context.
func (c *Client) read(ctx context.Context, action string, params url.Values) (Object, error) {
	query := url.Values{"a": {action}}
	pause := c.backoff
	for attempt := 1; ; attempt++ {
		body, err := c.do(ctx, action, query, params)
		if err == nil {
			return body, nil
		}
		var ae *Error
		if !errors.As(err, &ae) || attempt >= c.attempts || ctx.Err() != nil {
			return Object{}, err
		}
		wait := pause
		switch ae.Kind {
		case KindUnavailable:
		case KindRateLimited:
			if ae.RetryAfter > c.maxRetryAfter {
				return Object{}, err // the caller can tell the person how long to wait
			}
			wait = max(wait, ae.RetryAfter)
		default:
			return Object{}, err
		}
		if err := sleep(ctx, wait); err != nil {
			return Object{}, err // the context ended; the last Apptivo error says more
		}
		pause = min(pause*2, c.maxBackoff)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do sends one call and tells the observer, if any, how it went.
func (c *Client) do(ctx context.Context, action string, query, body url.Values) (Object, error) {
	if c.observe == nil {
		return c.exchange(ctx, action, query, body)
	}
	start := time.Now()
	answer, err := c.exchange(ctx, action, query, body)
	c.observe(action, Outcome(err), time.Since(start))
	return answer, err
}

// exchange sends one call: selectors in the query string, data and
// credentials in a form body, so keys never sit in a URL (nor in access logs
// on the way).
func (c *Client) exchange(ctx context.Context, action string, query, body url.Values) (Object, error) {
	secrets := []string{c.creds.APIKey, c.creds.AccessKey, url.QueryEscape(c.creds.APIKey), url.QueryEscape(c.creds.AccessKey)}
	fail := func(kind Kind, status int, cause error) error {
		return &Error{Kind: kind, Action: action, Status: status, Err: scrub(cause, secrets...)}
	}

	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("a", action)
	form := url.Values{}
	for k, v := range body {
		form[k] = v
	}
	form.Set("apiKey", c.creds.APIKey)
	form.Set("accessKey", c.creds.AccessKey)

	endpoint := *c.base
	endpoint.Path = strings.TrimRight(endpoint.Path, "/") + customersPath
	endpoint.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return Object{}, fail(KindUnexpected, 0, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		return Object{}, fail(KindUnavailable, 0, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return Object{}, fail(KindUnavailable, resp.StatusCode, err)
	}
	if int64(len(data)) > c.maxBody {
		return Object{}, &Error{Kind: KindUnexpected, Action: action, Status: resp.StatusCode, Reason: "answer too large"}
	}

	// The answer is read once: validated and split into members in one pass,
	// the failure fields picked from those members, and the record later
	// taken from the same members.
	status := resp.StatusCode
	trimmed := bytes.TrimSpace(data)
	var answer Object
	parseErr := answer.UnmarshalJSON(trimmed)
	reason := ""
	if parseErr == nil {
		reason = failureReason(answer)
	}
	switch {
	case status == http.StatusTooManyRequests:
		return Object{}, &Error{Kind: KindRateLimited, Action: action, Status: status, Reason: truncate(scrubText(reason, secrets...), 200), RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	case status >= 500:
		return Object{}, &Error{Kind: KindUnavailable, Action: action, Status: status, Reason: truncate(scrubText(reason, secrets...), 200)}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Object{}, &Error{Kind: KindBadCredentials, Action: action, Status: status, Reason: truncate(scrubText(reason, secrets...), 200)}
	case status == http.StatusNotFound && action == "getById":
		return Object{}, &Error{Kind: KindNotFound, Action: action, Status: status}
	case status < 200 || status > 299:
		return Object{}, &Error{Kind: KindUnexpected, Action: action, Status: status, Reason: truncate(scrubText(reason, secrets...), 200)}
	}

	if len(trimmed) == 0 {
		// Apptivo's own plugin reads an empty config answer as refused keys.
		if action == "getConfigData" {
			return Object{}, &Error{Kind: KindBadCredentials, Action: action, Status: status, Reason: "empty answer"}
		}
		return Object{}, &Error{Kind: KindUnexpected, Action: action, Status: status, Reason: "empty answer"}
	}
	if parseErr != nil {
		return Object{}, &Error{Kind: KindUnexpected, Action: action, Status: status, Reason: "answer is not JSON"}
	}
	if reason != "" {
		kind := classifyReason(reason)
		switch {
		case kind == KindNotFound && action != "getById":
			kind = KindUnexpected
		case kind == KindBadCredentials && action == "update":
			// A refused write is about the data (e.g. "duplicate key"), not
			// the keys: the read just before it was accepted. Signing the
			// person out would only loop.
			kind = KindUnexpected
		}
		return Object{}, &Error{Kind: kind, Action: action, Status: status, Reason: truncate(scrubText(reason, secrets...), 200), Refused: true}
	}
	return answer, nil
}

// failureReason returns the reason of a {"status":"FAILURE",...} answer, if
// it is one. Member names match as encoding/json would match them
// (case-insensitively, the last one winning); a member that is not a string
// says nothing.
func failureReason(answer Object) string {
	var status, reason, errorMessage, message string
	for _, m := range answer.members {
		var dest *string
		switch {
		case strings.EqualFold(m.key, "status"):
			dest = &status
		case strings.EqualFold(m.key, "reason"):
			dest = &reason
		case strings.EqualFold(m.key, "errorMessage"):
			dest = &errorMessage
		case strings.EqualFold(m.key, "message"):
			dest = &message
		default:
			continue
		}
		if len(m.value) > 0 && m.value[0] == '"' {
			*dest = rawText(m.value)
		}
	}
	if !strings.EqualFold(status, "FAILURE") {
		return ""
	}
	for _, r := range []string{reason, errorMessage, message} {
		if r != "" {
			return r // scrubbed, then truncated, by the caller
		}
	}
	return "Apptivo reported a failure"
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
