// Package soak drives one or more running desks the way a team would: many
// people, each signed in with their own session, saving the same customer
// over and over while the Apptivo simulator misbehaves. Check then proves,
// from the simulator's log of applied updates and its final record, that
// nothing acknowledged was lost, nothing was misreported and no untouched
// byte changed. Tests use it; nothing in the desk imports it.
package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
)

// Outcome is what the desk told a person about one save.
type Outcome int

const (
	Saved    Outcome = iota // "Saved."
	NoChange                // "No changes to save."
	Conflict                // the conflict view
	Failed                  // a clear "not saved" (refused, rate limited, Apptivo down, busy)
	Unknown                 // "may or may not have gone through"
)

func (o Outcome) String() string {
	return [...]string{"saved", "no change", "conflict", "failed", "unknown"}[o]
}

// Attempt is one press of Save.
type Attempt struct {
	Person, Seq int
	Marker      string   // the unique value this save writes
	Sections    []string // attribute names the person changed: customerName, phoneNumbers, emailAddresses
	Seen        map[string]string
	Outcome     Outcome
	Status      int
	Message     string
}

// Config says who saves what where.
type Config struct {
	Desks      []string // base URLs of desk instances; people are spread across them
	People     int
	Saves      int // per person, conflict retries not counted
	CustomerID int64
	Keys       apptivotest.KeyPair
}

// Run lets every person save until done and returns every attempt.
func Run(ctx context.Context, cfg Config) ([]Attempt, error) {
	var (
		mu  sync.Mutex
		all []Attempt
		wg  sync.WaitGroup
	)
	errs := make(chan error, cfg.People)
	for p := range cfg.People {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pp, err := signIn(ctx, cfg.Desks[p%len(cfg.Desks)], p, cfg.Keys)
			if err != nil {
				errs <- err
				return
			}
			got := pp.work(ctx, cfg)
			mu.Lock()
			all = append(all, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	return all, <-errs
}

// Count tallies outcomes.
func Count(attempts []Attempt) map[Outcome]int {
	n := map[Outcome]int{}
	for _, a := range attempts {
		n[a.Outcome]++
	}
	return n
}

type person struct {
	n    int
	desk string
	hc   *http.Client
	rng  *rand.Rand
}

func signIn(ctx context.Context, desk string, n int, keys apptivotest.KeyPair) (*person, error) {
	jar, _ := cookiejar.New(nil)
	p := &person{n: n, desk: desk, rng: rand.New(rand.NewPCG(uint64(n), 7)),
		hc: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	// Reads at sign-in may meet injected failures too: try a few times.
	var last error
	for range 20 {
		status, doc, err := p.do(ctx, http.MethodGet, "/login", nil, "")
		if err != nil || status != http.StatusOK {
			last = fmt.Errorf("person %d: sign-in page: %d %v", n, status, err)
			continue
		}
		form := url.Values{"email": {fmt.Sprintf("person%02d@soak.example", n)}, "apiKey": {keys.APIKey}, "accessKey": {keys.AccessKey},
			"_csrf": {doc.Find(`input[name="_csrf"]`).AttrOr("value", "")}}
		status, _, err = p.do(ctx, http.MethodPost, "/login", form, "")
		if err == nil && status == http.StatusSeeOther {
			return p, nil
		}
		last = fmt.Errorf("person %d: sign-in: %d %v", n, status, err)
		time.Sleep(20 * time.Millisecond)
	}
	return nil, last
}

// do sends one request as htmx would (or a plain one, for sign-in) and parses the answer.
func (p *person) do(ctx context.Context, method, path string, form url.Values, csrf string) (int, *goquery.Document, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, p.desk+path, body)
	if err != nil {
		return 0, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		req.Header.Set("Origin", p.desk)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if strings.HasPrefix(path, "/customers/") {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Request-Type", "partial")
		req.Header.Set("HX-Current-URL", p.desk+"/customers")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(raw))
	return resp.StatusCode, doc, err
}

// FormValues collects a form's fields as a browser would submit them
// (checked boxes only, the selected option of each select).
func FormValues(form *goquery.Selection) url.Values {
	v := url.Values{}
	form.Find("input").Each(func(_ int, s *goquery.Selection) {
		name, ok := s.Attr("name")
		if !ok {
			return
		}
		switch s.AttrOr("type", "text") {
		case "submit", "button":
			return
		case "checkbox", "radio":
			if _, checked := s.Attr("checked"); !checked {
				return
			}
		}
		v.Add(name, s.AttrOr("value", ""))
	})
	form.Find("select").Each(func(_ int, s *goquery.Selection) {
		sel := s.Find("option[selected]").First()
		if sel.Length() == 0 {
			sel = s.Find("option").First()
		}
		v.Add(s.AttrOr("name", ""), sel.AttrOr("value", ""))
	})
	return v
}

// work is one person's session: open a form, change one thing to a value
// nobody else writes, save; on a conflict, sometimes keep theirs, sometimes
// save mine over theirs.
func (p *person) work(ctx context.Context, cfg Config) []Attempt {
	var out []Attempt
	base := "/customers/" + strconv.FormatInt(cfg.CustomerID, 10)
	seq := 0
	for i := 0; i < cfg.Saves && ctx.Err() == nil; i++ {
		kind := []string{"name", "phone", "email", "both"}[p.rng.IntN(4)]
		section := "contact"
		if kind == "name" {
			section = "name"
		}
		status, doc, err := p.do(ctx, http.MethodGet, base+"/"+section+"/edit", nil, "")
		if err != nil || status != http.StatusOK || doc.Find("form[data-section-form]").Length() == 0 {
			i-- // Apptivo trouble while opening the form: not a save; open it again
			time.Sleep(10 * time.Millisecond)
			continue
		}
		form := FormValues(doc.Find("form[data-section-form]"))
		for tries := 0; tries < 3; tries++ {
			seq++
			a := p.fill(form, kind, seq)
			status, doc, err = p.do(ctx, http.MethodPost, base+"/"+section, form, form.Get("_csrf"))
			a.Status = status
			if err != nil {
				a.Outcome, a.Message = Unknown, err.Error()
			} else {
				a.Outcome, a.Message = classify(status, doc)
			}
			out = append(out, a)
			if a.Outcome != Conflict || p.rng.IntN(2) == 0 {
				break
			}
			form = FormValues(doc.Find("form[data-section-form]")) // save mine over theirs, with a new value
		}
	}
	return out
}

// fill writes this attempt's unique value(s) into the form.
func (p *person) fill(form url.Values, kind string, seq int) Attempt {
	a := Attempt{Person: p.n, Seq: seq, Seen: map[string]string{}}
	code := (p.n+1)*1000 + seq // never the seed's own number
	switch kind {
	case "name":
		a.Marker = fmt.Sprintf("Soak P%02d-%03d", p.n, seq)
		form.Set("name", a.Marker)
		a.Sections = []string{"customerName"}
		a.Seen["customerName"] = form.Get("fingerprint")
		return a
	case "phone", "both":
		a.Marker = fmt.Sprintf("+1 650 253 %04d", code)
		form.Set("phone.0.number", a.Marker)
		a.Sections = append(a.Sections, "phoneNumbers")
	}
	if kind == "email" || kind == "both" {
		email := fmt.Sprintf("p%02d.s%03d@soak.example", p.n, seq)
		form.Set("email.0.address", email)
		a.Sections = append(a.Sections, "emailAddresses")
		if a.Marker == "" {
			a.Marker = email
		}
	}
	parts := strings.Split(form.Get("fingerprint"), ".")
	for i, attr := range []string{"phoneNumbers", "emailAddresses", "address"} {
		if i < len(parts) {
			a.Seen[attr] = parts[i]
		}
	}
	return a
}

func classify(status int, doc *goquery.Document) (Outcome, string) {
	live := strings.Join(strings.Fields(doc.Find("#live").Text()), " ")
	switch {
	case status == http.StatusOK && strings.HasPrefix(live, "Saved"):
		return Saved, live
	case status == http.StatusOK && live == "No changes to save.":
		return NoChange, live
	case status == http.StatusConflict && doc.Find("[data-testid=conflict]").Length() > 0:
		return Conflict, live
	case strings.Contains(live, "may or may not have gone through"):
		return Unknown, live
	}
	return Failed, fmt.Sprintf("%d %s", status, live)
}

// Check proves the run against the simulator: what was applied, what each
// write overwrote, and the final bytes. initial is the customer as it was
// before the run; untouched lists members no save may change.
func Check(attempts []Attempt, sim *apptivotest.Server, id int64, initial json.RawMessage) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	byMarker := map[string]*Attempt{}
	for i := range attempts {
		byMarker[attempts[i].Marker] = &attempts[i]
	}
	applied := map[string]bool{}
	idText := strconv.FormatInt(id, 10)
	sentinels := untouchedEntries(initial)
	for _, up := range sim.Applied() {
		if up.Request.Params.Get("customerId") != idText {
			continue
		}
		data := up.Request.Params.Get("customerData")
		sent, err := apptivo.ParseCustomer([]byte(data))
		if err != nil {
			bad("an applied update carried unreadable customerData: %v", err)
			continue
		}
		var names []string
		_ = json.Unmarshal([]byte(up.Request.Params.Get("attributeName")), &names)
		a := markerOf(sent, names, byMarker)
		if a == nil {
			bad("an applied update %v matches no save any person made", names)
			continue
		}
		applied[a.Marker] = true
		// Every applied update was reported as saved or as unknown.
		if a.Outcome != Saved && a.Outcome != Unknown {
			bad("person %d's save %q was applied but reported as %v (%s)", a.Person, a.Marker, a.Outcome, a.Message)
		}
		before, err := apptivo.ParseCustomer(up.Before)
		if err != nil {
			bad("unreadable record before an update: %v", err)
			continue
		}
		for _, n := range names {
			// No update names a section its person did not change.
			if !slices.Contains(a.Sections, n) {
				bad("person %d's save %q named %s, which they did not change", a.Person, a.Marker, n)
			}
			// Each write was based on the state it overwrote: what the
			// person's form showed is what Apptivo held just before.
			if got := before.Fingerprint(sectionOf(n)); a.Seen[n] != got {
				bad("person %d's save %q overwrote %s that their form never showed them", a.Person, a.Marker, n)
			}
		}
		// Untouched entries of a written list went out byte for byte.
		for _, n := range names {
			for _, raw := range sentinels[n] {
				if !strings.Contains(data, raw) {
					bad("person %d's save %q changed the bytes of an untouched %s entry", a.Person, a.Marker, n)
				}
			}
		}
	}
	// Every save reported as saved was applied.
	for _, a := range attempts {
		if a.Outcome == Saved && !applied[a.Marker] {
			bad("person %d's save %q was reported as saved but never applied", a.Person, a.Marker)
		}
	}
	// No untouched member changed a byte.
	final, _ := sim.Customer(id)
	var was, now apptivo.Object
	if err := was.UnmarshalJSON(initial); err != nil {
		return append(problems, err.Error())
	}
	if err := now.UnmarshalJSON(final); err != nil {
		return append(problems, err.Error())
	}
	written := []string{"customerName", "phoneNumbers", "emailAddresses", "removePhoneNumbers", "removeEmailAddresses", "version", "lastUpdateDate", "lastUpdatedByName"}
	for _, k := range was.Keys() {
		if slices.Contains(written, k) {
			continue
		}
		a, _ := was.Raw(k)
		b, ok := now.Raw(k)
		if !ok || !bytes.Equal(a, b) {
			bad("untouched member %s changed: %s → %s", k, a, b)
		}
	}
	for list, raws := range sentinels {
		for _, raw := range raws {
			if !bytes.Contains(final, []byte(raw)) {
				bad("an untouched %s entry changed in the final record: %s", list, raw)
			}
		}
	}
	return problems
}

// untouchedEntries are the entries past the first of each list (saves only
// ever change the first), as raw text.
func untouchedEntries(record json.RawMessage) map[string][]string {
	var o apptivo.Object
	_ = o.UnmarshalJSON(record)
	out := map[string][]string{}
	for _, n := range []string{"phoneNumbers", "emailAddresses"} {
		raw, _ := o.Raw(n)
		var list []json.RawMessage
		_ = json.Unmarshal(raw, &list)
		for _, e := range list[min(1, len(list)):] {
			out[n] = append(out[n], string(e))
		}
	}
	return out
}

func sectionOf(attr string) apptivo.Section {
	for _, s := range apptivo.AllSections {
		if s.String() == attr {
			return s
		}
	}
	return -1
}

// markerOf finds the save an applied update came from by the unique value it wrote.
func markerOf(sent *apptivo.Customer, names []string, byMarker map[string]*Attempt) *Attempt {
	for _, n := range names {
		var v string
		switch n {
		case "customerName":
			v = sent.Name()
		case "phoneNumbers":
			if p := sent.Phones(); len(p) > 0 {
				v = p[0].Number
			}
		case "emailAddresses":
			if e := sent.Emails(); len(e) > 0 {
				v = e[0].Address
			}
		}
		if a, ok := byMarker[v]; ok {
			return a
		}
	}
	return nil
}
