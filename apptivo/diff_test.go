package apptivo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// contactOf turns a record's current contact details into an unchanged edit.
func contactOf(c *Customer) *ContactEdit {
	ce := &ContactEdit{}
	for _, p := range c.Phones() {
		ce.Phones = append(ce.Phones, PhoneInput{Ref: p.Ref, Number: p.Number, TypeCode: p.TypeCode, TypeName: p.Type})
	}
	for _, e := range c.Emails() {
		ce.Emails = append(ce.Emails, EmailInput{Ref: e.Ref, Address: e.Address, TypeCode: e.TypeCode, TypeName: e.Type})
	}
	for _, a := range c.Addresses() {
		ce.Addresses = append(ce.Addresses, AddressInput{Ref: a.Ref, TypeCode: a.TypeCode, TypeName: a.Type, Line1: a.Line1,
			Line2: a.Line2, City: a.City, State: a.State, Zip: a.Zip, CountryCode: a.CountryCode, CountryName: a.Country})
	}
	return ce
}

// decoded parses update parameters the way Apptivo would.
type decoded struct {
	query, body url.Values
	data        *Customer
	names       []string
	ids         []*string
}

func decode(t *testing.T, u *Update) decoded {
	t.Helper()
	q, b, err := u.Params()
	if err != nil {
		t.Fatal(err)
	}
	d := decoded{query: q, body: b}
	if d.data, err = ParseCustomer([]byte(b.Get("customerData"))); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b.Get("attributeName")), &d.names); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b.Get("attributeIds")), &d.ids); err != nil {
		t.Fatal(err)
	}
	return d
}

func idStrings(ids []*string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if id == nil {
			out[i] = "<null>"
		} else {
			out[i] = *id
		}
	}
	return out
}

// assertUntouched checks every member except the named ones is byte-equal to the fresh record.
func assertUntouched(t *testing.T, fresh *Customer, sent *Customer, changed ...string) {
	t.Helper()
	skip := map[string]bool{}
	for _, k := range changed {
		skip[k] = true
	}
	for _, k := range fresh.obj.Keys() {
		if skip[k] {
			continue
		}
		a, _ := fresh.obj.Raw(k)
		b, ok := sent.obj.Raw(k)
		if !ok || string(a) != string(b) {
			t.Errorf("member %s changed: %s → %s", k, a, b)
		}
	}
	if !reflect.DeepEqual(fresh.obj.Keys(), sent.obj.Keys()[:len(fresh.obj.Keys())]) {
		t.Errorf("member order changed: %v vs %v", fresh.obj.Keys(), sent.obj.Keys())
	}
}

func TestNoChangeMeansNoCall(t *testing.T) {
	c, _ := loadCustomer(t)
	name := "  Apptivo, Inc. " // white space around the stored value is not a change
	for _, edit := range []Edit{
		{},
		{Name: &name},
		{Contact: contactOf(c)},
		{Name: ptr(c.Name()), Contact: contactOf(c)},
	} {
		u, ok, err := BuildUpdate(c, edit)
		if err != nil || ok || u != nil {
			t.Fatalf("edit %+v: want no update, got ok=%v err=%v", edit, ok, err)
		}
	}
}

func TestWhitespaceOnlyEditsKeepStoredBytes(t *testing.T) {
	c, err := ParseCustomer([]byte(`{"customerId":5,"customerName":"Acme ","phoneNumbers":[{"phoneNumber":" 123 ","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ce := &ContactEdit{Phones: []PhoneInput{{Ref: "id:1", Number: "123", TypeCode: "PHONE_HOME", TypeName: "Home"}}}
	if _, ok, _ := BuildUpdate(c, Edit{Name: ptr("Acme"), Contact: ce}); ok {
		t.Fatal("white space only must not be a change")
	}
	ce.Phones = append(ce.Phones, PhoneInput{Number: "  555 1234 ", TypeCode: "PHONE_MOBILE", TypeName: "Mobile"})
	u, ok, err := BuildUpdate(c, Edit{Name: ptr("Acme"), Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	d := decode(t, u)
	if d.data.Name() != "Acme " {
		t.Errorf("untouched name must keep its stored bytes, got %q", d.data.Name())
	}
	ph := d.data.Phones()
	if ph[0].Number != " 123 " || ph[1].Number != "555 1234" {
		t.Errorf("phones: %+v", ph)
	}
}

func TestNameOnly(t *testing.T) {
	c, _ := loadCustomer(t)
	u, ok, err := BuildUpdate(c, Edit{Name: ptr("Apptivo, Incorporated"), Contact: contactOf(c)})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	d := decode(t, u)
	if !reflect.DeepEqual(d.names, []string{"customerName"}) || !reflect.DeepEqual(idStrings(d.ids), []string{"cust_name_attr"}) {
		t.Fatalf("attributes %v %v", d.names, idStrings(d.ids))
	}
	for _, flag := range []string{"isPhoneNumberUpdate", "isEmailAddressUpdate", "isAddressUpdate"} {
		if d.query.Has(flag) {
			t.Errorf("flag %s must not be sent", flag)
		}
	}
	if d.query.Get("a") != "update" || d.query.Get("customerId") != "1224395" || d.query.Get("objectId") != "3" {
		t.Errorf("query: %v", d.query)
	}
	if d.data.Name() != "Apptivo, Incorporated" {
		t.Errorf("name %q", d.data.Name())
	}
	assertUntouched(t, c, d.data, "customerName")
}

func TestPhonesAddRemoveAndChangeType(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Phones = []PhoneInput{
		{Ref: "id:2", Number: "+44 20 7946 0958", TypeCode: "PHONE_HOME", TypeName: "Home"}, // type changed; id:1 removed
		{Number: "+1 415 555 0100", TypeCode: "PHONE_MOBILE", TypeName: "Mobile"},           // new
		{Number: "   ", TypeCode: "PHONE_FAX", TypeName: "Fax"},                             // blank new row: ignored
	}
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	d := decode(t, u)
	if !reflect.DeepEqual(d.names, []string{"phoneNumbers"}) || !reflect.DeepEqual(idStrings(d.ids), []string{"cust_phone_attr"}) {
		t.Fatalf("attributes %v %v", d.names, idStrings(d.ids))
	}
	if d.query.Get("isPhoneNumberUpdate") != "true" || d.query.Has("isEmailAddressUpdate") || d.query.Has("isAddressUpdate") {
		t.Errorf("flags: %v", d.query)
	}
	var sent struct {
		Phones []map[string]any `json:"phoneNumbers"`
		Remove []map[string]any `json:"removePhoneNumbers"`
	}
	if err := json.Unmarshal([]byte(d.body.Get("customerData")), &sent); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"phoneNumber": "+44 20 7946 0958", "phoneType": "Home", "phoneTypeCode": "PHONE_HOME", "id": "cust_phone_input", "communicationId": 2.0},
		{"phoneNumber": "+1 415 555 0100", "phoneType": "Mobile", "phoneTypeCode": "PHONE_MOBILE", "id": "cust_phone_input"},
	}
	if !reflect.DeepEqual(sent.Phones, want) {
		t.Errorf("phones sent:\n%v\nwant\n%v", sent.Phones, want)
	}
	wantRemoved := []map[string]any{{"phoneNumber": "5555555555", "phoneType": "Business", "phoneTypeCode": "PHONE_BUSINESS", "id": "cust_phone_input", "communicationId": 1.0}}
	if !reflect.DeepEqual(sent.Remove, wantRemoved) {
		t.Errorf("removed: %v", sent.Remove)
	}
	assertUntouched(t, c, d.data, "phoneNumbers", "removePhoneNumbers")
}

func TestEmailsOnlyRemoveAll(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Emails = nil
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	d := decode(t, u)
	if !reflect.DeepEqual(d.names, []string{"emailAddresses"}) || !reflect.DeepEqual(idStrings(d.ids), []string{"email_attr"}) || d.query.Get("isEmailAddressUpdate") != "true" {
		t.Fatalf("attributes %v %v %v", d.names, idStrings(d.ids), d.query)
	}
	raw, _ := d.data.obj.Raw("emailAddresses")
	if string(raw) != "[]" {
		t.Errorf("emailAddresses = %s", raw)
	}
	removed, _ := d.data.obj.Raw("removeEmailAddresses")
	orig, _ := c.obj.Raw("emailAddresses")
	if !JSONEqual(removed, orig) {
		t.Errorf("removeEmailAddresses = %s, want %s", removed, orig)
	}
	assertUntouched(t, c, d.data, "emailAddresses")
}

func TestAddressesOnly(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Addresses[0].City = "Austin"
	ce.Addresses[0].State = "Texas"
	ce.Addresses = append(ce.Addresses, AddressInput{TypeCode: "2", TypeName: "Shipping Address", Line1: "Unter den Linden 1",
		City: "Berlin", Zip: "10117", CountryCode: "DE", CountryName: "Germany"})
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	d := decode(t, u)
	if !reflect.DeepEqual(d.names, []string{"address"}) || !reflect.DeepEqual(idStrings(d.ids), []string{"<null>"}) || d.query.Get("isAddressUpdate") != "true" {
		t.Fatalf("attributes %v %v %v", d.names, idStrings(d.ids), d.query)
	}
	if got := d.body.Get("attributeIds"); got != "[null]" {
		t.Errorf("attributeIds = %s", got)
	}
	addrs := d.data.Addresses()
	if len(addrs) != 2 || addrs[0].City != "Austin" || addrs[0].State != "Texas" || addrs[0].StateCode != "" || addrs[0].Ref != "id:15243737" {
		t.Errorf("edited address: %+v", addrs)
	}
	if addrs[1].Country != "Germany" || addrs[1].CountryCode != "DE" || addrs[1].Type != "Shipping Address" {
		t.Errorf("new address: %+v", addrs[1])
	}
	var sent struct {
		Addresses []map[string]any `json:"addresses"`
	}
	_ = json.Unmarshal([]byte(d.body.Get("customerData")), &sent)
	if sent.Addresses[1]["isAdded"] != true || sent.Addresses[1]["addressId"] != nil {
		t.Errorf("new address must be isAdded without addressId: %v", sent.Addresses[1])
	}
	if sent.Addresses[0]["accountAddressId"] != 1117581.0 || sent.Addresses[0]["countryId"] != 176.0 {
		t.Errorf("existing address lost members: %v", sent.Addresses[0])
	}
	assertUntouched(t, c, d.data, "addresses")
}

func TestAllSectionsInReferenceOrder(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Addresses[0].CountryCode, ce.Addresses[0].CountryName = "CA", "Canada"
	ce.Emails[0].Address = "new@berijam.com"
	ce.Phones[0].Number = "5555550000"
	u, ok, err := BuildUpdate(c, Edit{Name: ptr("TestCustomer"), Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	d := decode(t, u)
	if !reflect.DeepEqual(d.names, []string{"customerName", "phoneNumbers", "emailAddresses", "address"}) {
		t.Fatalf("names %v", d.names)
	}
	if !reflect.DeepEqual(idStrings(d.ids), []string{"cust_name_attr", "cust_phone_attr", "email_attr", "<null>"}) {
		t.Fatalf("ids %v", idStrings(d.ids))
	}
	for _, flag := range []string{"isPhoneNumberUpdate", "isEmailAddressUpdate", "isAddressUpdate"} {
		if d.query.Get(flag) != "true" {
			t.Errorf("%s missing", flag)
		}
	}
	a := d.data.Addresses()[0]
	if a.Country != "Canada" {
		t.Errorf("country %+v", a)
	}
	raw, _ := d.data.obj.Raw("addresses")
	if !json.Valid(raw) || !strings.Contains(string(raw), `"countryId":null`) {
		t.Errorf("stale countryId kept: %s", raw)
	}
	assertUntouched(t, c, d.data, "customerName", "phoneNumbers", "emailAddresses", "addresses", "removePhoneNumbers", "removeEmailAddresses")
	for _, secret := range []string{"apiKey", "accessKey"} {
		if d.body.Has(secret) || d.query.Has(secret) {
			t.Errorf("Params must not carry %s; the client adds it", secret)
		}
	}
}

func TestReorderIsAChange(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Phones[0], ce.Phones[1] = ce.Phones[1], ce.Phones[0]
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok || !reflect.DeepEqual(u.Sections, []Section{SectionPhones}) {
		t.Fatalf("reorder: ok=%v err=%v", ok, err)
	}
	d := decode(t, u)
	removed, _ := d.data.obj.Raw("removePhoneNumbers")
	if string(removed) != "[]" {
		t.Errorf("a reorder removes nothing, got %s", removed)
	}
}

func TestFingerprintTracksValuesNotIDs(t *testing.T) {
	a, _ := ParseCustomer([]byte(`{"customerId":1,"customerName":"A","phoneNumbers":[{"phoneNumber":"1","phoneTypeCode":"X","communicationId":1}]}`))
	b, _ := ParseCustomer([]byte(`{"customerId":1,"customerName":"A","phoneNumbers":[{"phoneNumber":"1","phoneTypeCode":"X","communicationId":9}],"version":2}`))
	c, _ := ParseCustomer([]byte(`{"customerId":1,"customerName":"B","phoneNumbers":[{"phoneNumber":"2","phoneTypeCode":"X","communicationId":1}]}`))
	if a.Fingerprint(ContactSections...) != b.Fingerprint(ContactSections...) {
		t.Error("ids alone must not change the fingerprint")
	}
	if a.Fingerprint(SectionName) == c.Fingerprint(SectionName) || a.Fingerprint(ContactSections...) == c.Fingerprint(ContactSections...) {
		t.Error("value changes must change the fingerprint")
	}
	if a.Fingerprint(SectionName) == a.Fingerprint(SectionPhones) {
		t.Error("sections must not share fingerprints")
	}
}

func TestUnknownRefBecomesNewEntry(t *testing.T) {
	// "Keep mine" after a colleague deleted an entry: the row is added again, without the stale id.
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Phones = append(ce.Phones, PhoneInput{Ref: "id:999", Number: "777", TypeCode: "PHONE_HOME", TypeName: "Home"})
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	ph := decode(t, u).data.Phones()
	if len(ph) != 3 || ph[2].Number != "777" || ph[2].Ref != "#2" {
		t.Errorf("phones %+v", ph)
	}
}

func TestLineBreaksStrippedByBrowsersAreNoChange(t *testing.T) {
	c, err := ParseCustomer([]byte(`{"customerId":5,"customerName":"Acme\nHoldings","addresses":[{"addressId":3,"addressLine1":"1 Main St\r\n","city":"X","countryCode":"US","addressTypeCode":"1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ce := &ContactEdit{Addresses: []AddressInput{{Ref: "id:3", Line1: "1 Main St", City: "X", CountryCode: "US", TypeCode: "1"}}}
	if _, ok, _ := BuildUpdate(c, Edit{Name: ptr("AcmeHoldings"), Contact: ce}); ok {
		t.Fatal("a value that only lost its line breaks in the browser is not a change")
	}
}

func TestUntouchedEntryWithoutTypeCodeKeepsItsTypeName(t *testing.T) {
	c, _ := ParseCustomer([]byte(`{"customerId":5,"phoneNumbers":[{"phoneNumber":"111","phoneType":"Pager","communicationId":1},{"phoneNumber":"222","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":2}]}`))
	ce := &ContactEdit{Phones: []PhoneInput{
		{Ref: "id:1", Number: "111", TypeCode: ""},
		{Ref: "id:2", Number: "+1 650 253 0000", TypeCode: "PHONE_HOME", TypeName: "Home"},
	}}
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	raw, _ := u.Data.Raw("phoneNumbers")
	if !strings.HasPrefix(string(raw), `[{"phoneNumber":"111","phoneType":"Pager","communicationId":1}`) {
		t.Fatalf("untouched entry changed: %s", raw)
	}
}

func TestSkippedSectionsStayAsRead(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.Phones = nil // would remove every phone...
	ce.Emails[0].Address = "new@berijam.com"
	ce.Skip = []Section{SectionPhones} // ...but the person never touched phones
	u, ok, err := BuildUpdate(c, Edit{Contact: ce})
	if err != nil || !ok || !reflect.DeepEqual(u.Sections, []Section{SectionEmails}) {
		t.Fatalf("sections %v ok=%v err=%v", u.Sections, ok, err)
	}
	a, _ := c.obj.Raw("phoneNumbers")
	b, _ := u.Data.Raw("phoneNumbers")
	if string(a) != string(b) {
		t.Fatal("a skipped section changed")
	}
}
