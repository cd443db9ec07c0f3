package apptivo

// Review 7 of "Hold the line": unit-level findings, each a test of what
// must hold (they failed when written, and pass since the fixes).

import (
	"strings"
	"testing"
)

// An element of a list that is not an object (a null, a legacy string) is
// skipped when the list is read, and then silently dropped from the list
// the update writes — neither kept nor named in the remove list. Untouched
// entries of an edited list must go back exactly as received.
func TestNonObjectElementOfAnEditedListTravelsBack(t *testing.T) {
	const rec = `{"customerId":5,"customerName":"Odd List",` +
		`"phoneNumbers":[null,{"phoneNumber":"111","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":1},"legacy 555"],` +
		`"removePhoneNumbers":[]}`
	c, err := ParseCustomer([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(c, SectionPhones)
	rows[0].Values[0] = "222"
	u, ok := build(t, c, Edit{Lists: []ListEdit{{Section: SectionPhones, Rows: rows, Seen: c.Fingerprint(SectionPhones)}}})
	if !ok {
		t.Fatal("no update")
	}
	list, _ := u.Data.Raw("phoneNumbers")
	removed, _ := u.Data.Raw("removePhoneNumbers")
	for _, el := range []string{`null`, `"legacy 555"`} {
		if !strings.Contains(string(list), el) && !strings.Contains(string(removed), el) {
			t.Errorf("element %s vanished: phoneNumbers %s, removePhoneNumbers %s", el, list, removed)
		}
	}
}

// Changing only an address's country clears the old state's code too. An
// address whose state name is empty but whose stateCode is set (Apptivo
// keeps both) keeps "IL" with Canada today: the reset is skipped because
// the state name is already empty.
func TestCountryChangeClearsAStateCodeWithoutAStateName(t *testing.T) {
	const rec = `{"customerId":5,"customerName":"Code Only",` +
		`"addresses":[{"addressId":7,"addressTypeCode":"1","addressType":"Billing Address","addressLine1":"1 A St","city":"Chicago",` +
		`"state":"","stateCode":"IL","zipCode":"60601","countryId":176,"countryCode":"US","countryName":"United States"}],"removeAddresses":[]}`
	c, err := ParseCustomer([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(c, SectionAddresses)
	rows[0].Values[6], rows[0].Names[6] = "CA", "Canada"
	u, ok := build(t, c, Edit{Lists: []ListEdit{{Section: SectionAddresses, Rows: rows, Seen: c.Fingerprint(SectionAddresses)}}})
	if !ok {
		t.Fatal("no update")
	}
	if a := decode(t, u).data.Addresses()[0]; a.CountryCode != "CA" || a.StateCode != "" {
		t.Errorf("address sent as %+v: the old state's code went out with the new country", a)
	}
}
