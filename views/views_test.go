package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestPageShowsDemoBannerAndUser(t *testing.T) {
	doc := render(t, Page(Layout{Title: "X", Demo: true, UserEmail: "a@b.example", CSRFToken: "tok",
		Assets: Assets{HTMX: "/h.js", CSS: "/c.css", JS: "/a.js"}, Messages: []Message{{Text: "Saved."}}}))
	if doc.Find(`[data-testid=demo-banner]`).Length() != 1 {
		t.Error("demo banner")
	}
	if !strings.Contains(doc.Find(`[data-testid=signed-in-as]`).Text(), "a@b.example") {
		t.Error("signed in as")
	}
	if got := doc.Find("body").AttrOr("hx-headers:inherited", ""); got != `{"X-CSRF-Token":"tok"}` {
		t.Errorf("csrf header %q", got)
	}
	if doc.Find(`#live[role=status][aria-live=polite]`).Text() != "Saved." {
		t.Error("live region")
	}
	if doc.Find(`form[action="/logout"] input[name=_csrf]`).AttrOr("value", "") != "tok" {
		t.Error("sign-out form token")
	}
}

func TestNameFormWiresErrorsToFields(t *testing.T) {
	doc := render(t, NameCard(NameSection{CustomerID: "7", Form: &NameForm{
		CustomerID: "7", Name: "", Errors: map[string]string{"name": "Enter the customer's name."},
	}}))
	in := doc.Find("#customerName")
	if in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "customerName-error" {
		t.Error("aria wiring")
	}
	if doc.Find("#customerName-error").Text() != "Enter the customer's name." {
		t.Error("error text")
	}
	if doc.Find(`label[for=customerName]`).Text() != "Customer name" {
		t.Error("label")
	}
	if doc.Find(`form`).AttrOr("hx-post", "") != "/customers/7/name" || doc.Find(`form`).AttrOr("action", "") != "/customers/7/name" {
		t.Error("form must post with and without htmx")
	}
}

func TestContactFormLabelsEveryControl(t *testing.T) {
	doc := render(t, ContactCard(ContactSection{CustomerID: "7", Form: &ContactForm{
		CustomerID:   "7",
		Phones:       []PhoneRow{{Ref: "id:1", Number: "1", Type: "LEGACY", TypeLabel: "Legacy"}, {}},
		Emails:       []EmailRow{{}},
		Addresses:    []AddressRow{{Ref: "id:9", Country: "US"}},
		PhoneTypes:   []Option{{"PHONE_BUSINESS", "Business"}},
		EmailTypes:   []Option{{"BUSINESS", "Business"}},
		AddressTypes: []Option{{"1", "Billing Address"}},
		Countries:    []Option{{"US", "United States"}},
	}}))
	doc.Find("input:not([type=hidden]), select").Each(func(_ int, s *goquery.Selection) {
		id := s.AttrOr("id", "")
		if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("control %s has no label", goquery.NodeName(s)+"#"+id)
		}
	})
	// A stored type the config no longer lists stays selectable, so an untouched row never changes.
	if doc.Find(`#phone-0-type option[selected]`).AttrOr("value", "") != "LEGACY" {
		t.Error("legacy type not kept")
	}
	// New rows have no Remove box; existing ones do.
	if doc.Find(`#phone-0-remove`).Length() != 1 || doc.Find(`#phone-1-remove`).Length() != 0 {
		t.Error("remove boxes")
	}
	doc.Find("button").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "" && s.AttrOr("aria-label", "") == "" {
			t.Error("a button has no name")
		}
	})
}

func TestLiveRegionOutOfBand(t *testing.T) {
	doc := render(t, LiveRegion([]Message{{Text: "Oops", Error: true}}, true))
	if doc.Find(`#live[hx-swap-oob=innerHTML] .message-error`).Text() != "Oops" {
		t.Error("oob live region")
	}
}

func TestErrorSummaryLinksFieldsInFormOrder(t *testing.T) {
	got := errorLinks(map[string]string{
		"address.0.city": "Too long.", "phone.10.number": "Bad.", "phone.2.type": "Choose.", "email.0.address": "Bad email.",
	}, fieldID)
	want := []errLink{
		{"phone-2-type", "Phone 3, type: Choose."}, {"phone-10-number", "Phone 11: Bad."},
		{"email-0-address", "Email address 1: Bad email."}, {"address-0-city", "Address 1, City: Too long."},
	}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %v, want %v", i, got[i], want[i])
		}
	}
}
