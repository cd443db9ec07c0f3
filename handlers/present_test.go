package handlers

import (
	"testing"

	"github.com/customerdesk/desk/views"
)

func TestErrorSummaryLinksFieldsInFormOrder(t *testing.T) {
	got := errorLinks(map[string]string{
		"address.0.city": "Too long.", "phone.10.number": "Bad.", "phone.2.type": "Choose.", "email.0.address": "Bad email.",
	})
	want := []views.ErrorLink{
		{ID: "phone-2-type", Text: "Phone 3, type: Choose."}, {ID: "phone-10-number", Text: "Phone 11: Bad."},
		{ID: "email-0-address", Text: "Email address 1: Bad email."}, {ID: "address-0-city", Text: "Address 1, City: Too long."},
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

// Every row kind describes each of its list's fields, in order.
func TestRowKindsMatchTheirLists(t *testing.T) {
	for _, k := range rowKinds {
		if len(k.fields) != len(k.list.Fields) {
			t.Fatalf("%s: %d fields for a list of %d", k.name, len(k.fields), len(k.list.Fields))
		}
		for i, f := range k.fields {
			if (f.pick != pickNone) != (k.list.Fields[i].NameKey != "") {
				t.Errorf("%s.%s: a picker must be a coded value with a display name", k.name, f.name)
			}
		}
	}
}
