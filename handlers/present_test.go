package handlers

import (
	"reflect"
	"testing"

	"github.com/customerdesk/desk/apptivo"
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

func TestDescribeSaysWhatChangedInWords(t *testing.T) {
	vals := func(v ...string) apptivo.Values { return apptivo.Values{Values: v} }
	phone := func(number, code, name string) apptivo.Values {
		return apptivo.Values{Values: []string{number, code}, Names: []string{"", name}}
	}
	addr := func(city, country string) apptivo.Values {
		return apptivo.Values{Values: []string{"1", "1 Main St", "", city, "", "", country}, Names: []string{"Billing Address", "", "", "", "", "", country + "-name"}}
	}
	for _, tc := range []struct {
		name string
		sc   apptivo.SectionChange
		want []views.ChangeLine
	}{
		{"name", apptivo.SectionChange{Section: apptivo.SectionName, Before: []apptivo.Values{vals("Acme")}, After: []apptivo.Values{vals("Acme Corp")}, From: []int{0}},
			[]views.ChangeLine{{Text: "Customer name: Acme → Acme Corp"}}},
		{"phones", apptivo.SectionChange{Section: apptivo.SectionPhones,
			Before: []apptivo.Values{phone("+1 415 555 0100", "PHONE_BUSINESS", "Business"), phone("+1 415 555 0101", "PHONE_HOME", "Home")},
			After:  []apptivo.Values{phone("+1 650 555 0100", "PHONE_MOBILE", "Mobile"), phone("+1 212 555 0199", "PHONE_HOME", "Home")},
			From:   []int{0, -1}},
			[]views.ChangeLine{
				{Text: "Phone 1: +1 415 555 0100 → +1 650 555 0100"}, {Text: "Phone 1: Type Business → Mobile"},
				{Text: "Phone added: +1 212 555 0199"}, {Text: "Phone removed: +1 415 555 0101", Removal: true}}},
		{"addresses", apptivo.SectionChange{Section: apptivo.SectionAddresses,
			Before: []apptivo.Values{addr("San Jose", "US"), addr("Austin", "US")}, After: []apptivo.Values{addr("Austin", "US"), addr("Santa Clara", "US")},
			From: []int{1, 0}},
			[]views.ChangeLine{{Text: "Address 1: City San Jose → Santa Clara"}, {Text: "Addresses: new order"}}},
		{"emptied", apptivo.SectionChange{Section: apptivo.SectionEmails,
			Before: []apptivo.Values{{Values: []string{"a@x.example", "BUSINESS"}}}, After: []apptivo.Values{{Values: []string{"", "BUSINESS"}}}, From: []int{0}},
			[]views.ChangeLine{{Text: "Email address 1: a@x.example → (empty)"}}},
	} {
		if got := describe(tc.sc); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}
