package views

import (
	"bytes"
	"context"
	"reflect"
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
	doc := render(t, Page(Layout{Title: "X", Links: Links{Customers: "/customers", Login: "/login", Logout: "/logout"}, Demo: true, UserEmail: "a@b.example", CSRFToken: "tok",
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
		Links: SectionLinks{Page: "/customers/7", Read: "/customers/7/name", Edit: "/customers/7/name/edit", Save: "/customers/7/name"}, Name: "", Errors: map[string]string{"name": "Enter the customer's name."},
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
	typeField := func(label string, opts ...Option) FormField {
		return FormField{Name: "type", Label: label, Options: opts}
	}
	text := func(name, label string) FormField { return FormField{Name: name, Label: label, Input: "text"} }
	doc := render(t, ContactCard(ContactSection{CustomerID: "7", Form: &ContactForm{
		Lists: []ListForm{
			{Kind: "phone", Legend: "Phone numbers", AddLabel: "Add phone number",
				Fields: []FormField{{Name: "number", Label: "Phone number", Input: "tel"}, typeField("Phone type", Option{"PHONE_BUSINESS", "Business"})},
				Rows:   []FormRow{{Ref: "id:1/0", Values: []string{"1", "LEGACY"}, Was: []string{"1", "LEGACY"}, Labels: []string{"", "Legacy"}}, {Values: []string{"", ""}}}},
			{Kind: "email", Legend: "Email addresses", AddLabel: "Add email address",
				Fields: []FormField{text("address", "Email address"), typeField("Email type", Option{"BUSINESS", "Business"})},
				Rows:   []FormRow{{Values: []string{"", ""}}}},
			{Kind: "address", Legend: "Addresses", AddLabel: "Add address",
				Fields: []FormField{typeField("Address type", Option{"1", "Billing Address"}), text("line1", "Address line 1"),
					{Name: "city", Label: "City", Input: "text", Inline: true}, {Name: "zip", Label: "ZIP code", Input: "text", Inline: true},
					{Name: "country", Label: "Country", Options: []Option{{"US", "United States"}}}},
				Rows: []FormRow{{Ref: "id:9/0", Values: []string{"1", "", "", "", "US"}}}},
		},
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

func TestInlineFieldsShareOneLine(t *testing.T) {
	got := fieldGroups([]FormField{{Name: "a"}, {Name: "b", Inline: true}, {Name: "c", Inline: true}, {Name: "d"}, {Name: "e", Inline: true}})
	want := [][]int{{0}, {1, 2}, {3}, {4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %v, want %v", got, want)
	}
}
