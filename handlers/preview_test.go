package handlers_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// previewOf asks, as htmx does while the person types, what Save would change.
func (e *env) previewOf(id int64, section string, form url.Values) page {
	e.t.Helper()
	return e.post(idPath(id, "/"+section+"/preview"), form, true)
}

func (p page) lines(sel string) []string {
	var out []string
	p.doc.Find(sel + " li").Each(func(_ int, s *goquery.Selection) { out = append(out, strings.Join(strings.Fields(s.Text()), " ")) })
	return out
}

// The preview lists exactly what Save will change, in words, for every kind
// of change — and costs no Apptivo call.
func TestPreviewSaysWhatSaveWillChange(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, name := e.openForm(id, "name", true)
	_, contact := e.openForm(id, "contact", true)
	e.sim.ResetRequests()

	p := e.previewOf(id, "name", name)
	if p.status != http.StatusOK || p.text(`[data-testid=no-changes-yet]`) != "No changes yet" {
		t.Fatalf("untouched name: %d %s", p.status, p.body)
	}
	name.Set("name", "Northwind Logistics Group")
	p = e.previewOf(id, "name", name)
	if got := p.lines(`#name-preview`); !reflect.DeepEqual(got, []string{"Customer name: Northwind Logistics LLC → Northwind Logistics Group"}) {
		t.Errorf("name: %q", got)
	}

	c := url.Values{}
	for k, v := range contact {
		c[k] = v
	}
	c.Set("phone.0.number", "+1 650 253 0000")
	c.Set("phone.2.type", "PHONE_HOME")
	c.Set("email.1.remove", "1")
	c.Set("address.0.city", "Evanston")
	c.Set("address.0.country", "CA")
	c.Set("phone.3.number", "+1 312 555 0188") // the blank row: a new phone
	p = e.previewOf(id, "contact", c)
	want := []string{
		"Phone 1: +1 312-555-0147 → +1 650 253 0000",
		"Phone 3: Type Fax → Home",
		"Phone added: +1 312 555 0188",
		"Email address removed: " + contact.Get("email.1.address"),
		"Address 1: City Chicago → Evanston",
		"Address 1: State Illinois → (empty)", // it belonged to the old country
		"Address 1: Country United States → Canada",
	}
	if got := p.lines(`#contact-preview`); !reflect.DeepEqual(got, want) {
		t.Errorf("contact:\n got %q\nwant %q", got, want)
	}
	if p.doc.Find(`#contact-preview li.change-removal`).Length() != 1 {
		t.Error("the removal must stand out")
	}
	if n := len(e.sim.Requests()); n != 0 {
		t.Errorf("the preview made %d Apptivo calls", n)
	}

	// Without JavaScript, "Review changes" shows the same list above the form.
	c.Set("op", "review")
	r := e.post(idPath(id, "/contact"), c, false)
	if r.status != http.StatusOK || !reflect.DeepEqual(r.lines(`#contact-preview`), want) || len(e.updates()) != 0 {
		t.Errorf("review: %d %q", r.status, r.lines(`#contact-preview`))
	}
	if r.val("#phone-0-number") != "+1 650 253 0000" {
		t.Error("the review lost what was typed")
	}
}
