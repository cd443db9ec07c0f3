package apptivo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// rowsOf turns a record's list into rows as the form shows them, unchanged.
func rowsOf(c *Customer, s Section) []Row {
	var rows []Row
	for _, e := range c.Entries(s) {
		rows = append(rows, Row{Ref: e.Ref, Values: slices.Clone(e.Values), Names: slices.Clone(e.Names)})
	}
	return rows
}

// contactEdit is the contact form of c, unchanged: every list with the rows
// and fingerprint the form would carry.
type contactEdit struct{ phones, emails, addresses []Row }

func contactOf(c *Customer) *contactEdit {
	return &contactEdit{rowsOf(c, SectionPhones), rowsOf(c, SectionEmails), rowsOf(c, SectionAddresses)}
}

// on is the edit as submitted on a form that showed seen.
func (ce *contactEdit) on(seen *Customer) []ListEdit {
	return []ListEdit{
		{Section: SectionPhones, Rows: ce.phones, Seen: seen.Fingerprint(SectionPhones)},
		{Section: SectionEmails, Rows: ce.emails, Seen: seen.Fingerprint(SectionEmails)},
		{Section: SectionAddresses, Rows: ce.addresses, Seen: seen.Fingerprint(SectionAddresses)},
	}
}

func nameOn(seen *Customer, v string) *NameEdit {
	return &NameEdit{Value: v, Seen: seen.Fingerprint(SectionName)}
}

func phone(ref, number, code, name string) Row {
	return Row{Ref: ref, Values: []string{number, code}, Names: []string{"", name}}
}

func email(ref, addr, code, name string) Row {
	return Row{Ref: ref, Values: []string{addr, code}, Names: []string{"", name}}
}

// address values: type, line 1, line 2, city, state, zip, country.
func address(ref string, typeCode, typeName, line1, line2, city, state, zip, country, countryName string) Row {
	return Row{Ref: ref, Values: []string{typeCode, line1, line2, city, state, zip, country},
		Names: []string{typeName, "", "", "", "", "", countryName}}
}

// build plans an edit made on a form that showed fresh itself.
func build(t *testing.T, fresh *Customer, e Edit) (*Update, bool) {
	t.Helper()
	p, err := BuildUpdate(fresh, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Conflicts) > 0 {
		t.Fatalf("unexpected conflicts %v", p.Conflicts)
	}
	return p.Update, p.Update != nil
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

// assertUntouched checks every member except the named ones is byte-equal to
// the fresh record, present (a dropped member is not a null one), and in order.
func assertUntouched(t errorReporter, fresh *Customer, sent *Customer, changed ...string) {
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
		if !ok {
			t.Errorf("member %s dropped", k)
		} else if string(a) != string(b) {
			t.Errorf("member %s changed: %s → %s", k, a, b)
		}
	}
	got := sent.obj.Keys()
	if len(got) < len(fresh.obj.Keys()) || !reflect.DeepEqual(fresh.obj.Keys(), got[:len(fresh.obj.Keys())]) {
		t.Errorf("member order changed: %v vs %v", fresh.obj.Keys(), got)
	}
}

type errorReporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// reports records what a checking helper reported.
type reports []string

func (r *reports) Helper()                           {}
func (r *reports) Errorf(format string, args ...any) { *r = append(*r, sprintf(format, args...)) }

// The helper itself must catch a dropped member whose value was null (a
// missing member once read as null and slipped through), and report rather
// than panic when members are missing.
func TestAssertUntouchedCatchesADroppedNull(t *testing.T) {
	fresh, _ := ParseCustomer([]byte(`{"customerId":1,"a":null,"b":2}`))
	sent, _ := ParseCustomer([]byte(`{"customerId":1,"b":2}`))
	var r reports
	assertUntouched(&r, fresh, sent)
	if len(r) == 0 || !strings.Contains(r[0], "member a dropped") {
		t.Fatalf("a dropped null member went unnoticed: %q", r)
	}
}

func TestNoChangeMeansNoCall(t *testing.T) {
	c, _ := loadCustomer(t)
	name := "  Apptivo, Inc. " // white space around the stored value is not a change
	for _, edit := range []Edit{
		{},
		{Name: nameOn(c, name)},
		{Lists: contactOf(c).on(c)},
		{Name: nameOn(c, c.Name()), Lists: contactOf(c).on(c)},
	} {
		u, ok := build(t, c, edit)
		if ok || u != nil {
			t.Fatalf("edit %+v: want no update, got %v", edit, u.Sections)
		}
	}
}

func TestWhitespaceOnlyEditsKeepStoredBytes(t *testing.T) {
	c, err := ParseCustomer([]byte(`{"customerId":5,"customerName":"Acme ","phoneNumbers":[{"phoneNumber":" 123 ","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ce := &contactEdit{phones: []Row{phone("id:1/0", "123", "PHONE_HOME", "Home")}}
	if _, ok := build(t, c, Edit{Name: nameOn(c, "Acme"), Lists: ce.on(c)}); ok {
		t.Fatal("white space only must not be a change")
	}
	ce.phones = append(ce.phones, phone("", "  555 1234 ", "PHONE_MOBILE", "Mobile"))
	u, ok := build(t, c, Edit{Name: nameOn(c, "Acme"), Lists: ce.on(c)})
	if !ok {
		t.Fatal("a new phone is a change")
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
	u, ok := build(t, c, Edit{Name: nameOn(c, "Apptivo, Incorporated"), Lists: contactOf(c).on(c)})
	if !ok {
		t.Fatal("no update")
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
	ce.phones = []Row{
		phone("id:2/0", "+44 20 7946 0958", "PHONE_HOME", "Home"), // type changed; id:1 removed
		phone("", "+1 415 555 0100", "PHONE_MOBILE", "Mobile"),    // new
		phone("", "   ", "PHONE_FAX", "Fax"),                      // blank new row: ignored
	}
	u, ok := build(t, c, Edit{Lists: ce.on(c)})
	if !ok {
		t.Fatal("no update")
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
	ce.emails = nil
	u, ok := build(t, c, Edit{Lists: ce.on(c)})
	if !ok {
		t.Fatal("no update")
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
	if string(removed) != string(orig) {
		t.Errorf("removeEmailAddresses = %s, want %s", removed, orig)
	}
	assertUntouched(t, c, d.data, "emailAddresses")
}

func TestAddressesOnly(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.addresses[0].Values[3] = "Austin"
	ce.addresses[0].Values[4] = "Texas"
	ce.addresses = append(ce.addresses, address("", "2", "Shipping Address", "Unter den Linden 1", "", "Berlin", "", "10117", "DE", "Germany"))
	u, ok := build(t, c, Edit{Lists: ce.on(c)})
	if !ok {
		t.Fatal("no update")
	}
	d := decode(t, u)
	if !reflect.DeepEqual(d.names, []string{"address"}) || !reflect.DeepEqual(idStrings(d.ids), []string{"<null>"}) || d.query.Get("isAddressUpdate") != "true" {
		t.Fatalf("attributes %v %v %v", d.names, idStrings(d.ids), d.query)
	}
	if got := d.body.Get("attributeIds"); got != "[null]" {
		t.Errorf("attributeIds = %s", got)
	}
	addrs := d.data.Addresses()
	if len(addrs) != 2 || addrs[0].City != "Austin" || addrs[0].State != "Texas" || addrs[0].StateCode != "" || addrs[0].Ref != "id:15243737/0" {
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
	ce.addresses[0].Values[6], ce.addresses[0].Names[6] = "CA", "Canada"
	ce.emails[0].Values[0] = "new@berijam.com"
	ce.phones[0].Values[0] = "5555550000"
	u, ok := build(t, c, Edit{Name: nameOn(c, "TestCustomer"), Lists: ce.on(c)})
	if !ok {
		t.Fatal("no update")
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
	ce.phones[0], ce.phones[1] = ce.phones[1], ce.phones[0]
	u, ok := build(t, c, Edit{Lists: ce.on(c)})
	if !ok || !reflect.DeepEqual(u.Sections, []Section{SectionPhones}) {
		t.Fatalf("reorder: ok=%v", ok)
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
	ce.phones = append(ce.phones, phone("id:999/0", "777", "PHONE_HOME", "Home"))
	u, ok := build(t, c, Edit{Lists: ce.on(c)})
	if !ok {
		t.Fatal("no update")
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
	ce := &contactEdit{addresses: []Row{address("id:3/0", "1", "", "1 Main St", "", "X", "", "", "US", "")}}
	if _, ok := build(t, c, Edit{Name: nameOn(c, "AcmeHoldings"), Lists: ce.on(c)}); ok {
		t.Fatal("a value that only lost its line breaks in the browser is not a change")
	}
}

func TestUntouchedEntryWithoutTypeCodeKeepsItsTypeName(t *testing.T) {
	c, _ := ParseCustomer([]byte(`{"customerId":5,"phoneNumbers":[{"phoneNumber":"111","phoneType":"Pager","communicationId":1},{"phoneNumber":"222","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":2}]}`))
	ce := &contactEdit{phones: []Row{
		phone("id:1/0", "111", "", ""),
		phone("id:2/0", "+1 650 253 0000", "PHONE_HOME", "Home"),
	}}
	u, ok := build(t, c, Edit{Lists: ce.on(c)})
	if !ok {
		t.Fatal("no update")
	}
	raw, _ := u.Data.Raw("phoneNumbers")
	if !strings.HasPrefix(string(raw), `[{"phoneNumber":"111","phoneType":"Pager","communicationId":1}`) {
		t.Fatalf("untouched entry changed: %s", raw)
	}
}

// A colleague changed phones after the form was shown; the person left the
// phones as they saw them and changed an email. The phones stay as the
// colleague left them, byte for byte.
func TestUntouchedSectionsStayAsRead(t *testing.T) {
	seen, _ := loadCustomer(t)
	ce := contactOf(seen)
	ce.emails[0].Values[0] = "new@berijam.com"
	fresh := modified(t, seen, `"5555555555"`, `"5555550000"`)
	p, err := BuildUpdate(fresh, Edit{Lists: ce.on(seen)})
	if err != nil || p.Update == nil || len(p.Conflicts) > 0 || !reflect.DeepEqual(p.Update.Sections, []Section{SectionEmails}) {
		t.Fatalf("plan %+v err=%v", p, err)
	}
	a, _ := fresh.obj.Raw("phoneNumbers")
	b, _ := p.Update.Data.Raw("phoneNumbers")
	if string(a) != string(b) {
		t.Fatal("an untouched section changed")
	}
}

// modified is seen with one JSON text replaced, as a colleague's save would leave it.
func modified(t *testing.T, seen *Customer, old, new string) *Customer {
	t.Helper()
	raw, _ := seen.MarshalJSON()
	if !strings.Contains(string(raw), old) {
		t.Fatalf("%s not in the record", old)
	}
	c, err := ParseCustomer([]byte(strings.Replace(string(raw), old, new, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 7, item 1: pressing Save on an untouched (or only re-spaced) name
// must not write the old name over a colleague's rename. Failed before: the
// update named customerName with the old value.
func TestUntouchedNameIsNeverWrittenOverAColleague(t *testing.T) {
	seen, _ := loadCustomer(t)
	fresh := modified(t, seen, `"Apptivo, Inc."`, `"Apptivo Holdings"`)
	for _, typed := range []string{"Apptivo, Inc.", "  Apptivo, Inc. "} {
		p, err := BuildUpdate(fresh, Edit{Name: nameOn(seen, typed)})
		if err != nil {
			t.Fatal(err)
		}
		if p.Update != nil || len(p.Touched) != 0 || len(p.Conflicts) != 0 {
			t.Errorf("%q: the name was not changed by the person, yet plan %+v", typed, p)
		}
	}
	// The same holds for every list section.
	for _, s := range ContactSections {
		other := contactOf(seen)
		p, err := BuildUpdate(modifiedList(t, seen, s), Edit{Lists: other.on(seen)})
		if err != nil || p.Update != nil || len(p.Touched) != 0 {
			t.Errorf("%v: plan %+v err=%v", s, p, err)
		}
	}
}

// modifiedList is seen with the first entry of a list section given another first value.
func modifiedList(t *testing.T, seen *Customer, s Section) *Customer {
	t.Helper()
	e := seen.Entries(s)[0]
	k := ListKindOf(s)
	for i, f := range k.Fields {
		if f.Content {
			return modified(t, seen, `"`+f.Key+`":"`+e.Values[i]+`"`, `"`+f.Key+`":"changed by a colleague"`)
		}
	}
	t.Fatal("no content field")
	return nil
}

// The conflict check covers every section the update would write: the
// person's rename against a colleague's rename is a conflict, and nothing is
// written; a colleague who typed the very same name leaves nothing to do.
func TestChangedSectionChangedMeanwhileIsAConflict(t *testing.T) {
	seen, _ := loadCustomer(t)
	fresh := modified(t, seen, `"Apptivo, Inc."`, `"Apptivo Holdings"`)
	p, err := BuildUpdate(fresh, Edit{Name: nameOn(seen, "Apptivo Corp")})
	if err != nil || p.Update != nil || !reflect.DeepEqual(p.Conflicts, []Section{SectionName}) {
		t.Fatalf("plan %+v err=%v", p, err)
	}
	p, err = BuildUpdate(fresh, Edit{Name: nameOn(seen, "Apptivo Holdings")})
	if err != nil || p.Update != nil || len(p.Conflicts) != 0 || !reflect.DeepEqual(p.Touched, []Section{SectionName}) {
		t.Fatalf("same change: plan %+v err=%v", p, err)
	}
	for _, s := range ContactSections {
		ce := contactOf(seen)
		rows := map[Section]*[]Row{SectionPhones: &ce.phones, SectionEmails: &ce.emails, SectionAddresses: &ce.addresses}[s]
		*rows = (*rows)[1:]                                                       // the person removes the first entry...
		p, err := BuildUpdate(modifiedList(t, seen, s), Edit{Lists: ce.on(seen)}) // ...which a colleague changed
		if err != nil || p.Update != nil || !reflect.DeepEqual(p.Conflicts, []Section{s}) {
			t.Errorf("%v: plan %+v err=%v", s, p, err)
		}
	}
}

// Issue 7, item 2: ids are not unique (Apptivo's own sample has two emails
// with communicationId 1). Rows bind to their exact entries, so removing,
// editing and reordering name exactly the right ones, hidden members
// included. Failed before: removing the first of two phones sharing an id
// put the other one in removePhoneNumbers.
func TestEntriesSharingAnIDBindExactly(t *testing.T) {
	const rec = `{"customerId":5,"customerName":"Twins",` +
		`"phoneNumbers":[{"phoneNumber":"111","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":1,"hidden":"a"},` +
		`{"phoneNumber":"222","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":1,"hidden":"b"}],` +
		`"emailAddresses":[{"emailAddress":"a@x.example","emailTypeCode":"BUSINESS","emailType":"Business","communicationId":1,"hidden":"a"},` +
		`{"emailAddress":"b@x.example","emailTypeCode":"BUSINESS","emailType":"Business","communicationId":1,"hidden":"b"}],` +
		`"addresses":[{"addressId":7,"addressTypeCode":"1","addressLine1":"1 A St","countryCode":"US","hidden":"a"},` +
		`{"addressId":7,"addressTypeCode":"1","addressLine1":"2 B St","countryCode":"US","hidden":"b"}]}`
	c, err := ParseCustomer([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ContactSections {
		k := ListKindOf(s)
		rows := rowsOf(c, s)
		entries := c.Entries(s)
		if rows[0].Ref == rows[1].Ref {
			t.Fatalf("%v: two entries share the ref %q", s, rows[0].Ref)
		}
		list := func(u *Update, member string) []map[string]any {
			raw, ok := u.Data.Raw(member)
			var out []map[string]any
			if !ok {
				return nil
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		edit := func(rows []Row) *Update {
			u, ok := build(t, c, Edit{Lists: []ListEdit{{Section: s, Rows: rows, Seen: c.Fingerprint(s)}}})
			if !ok {
				t.Fatalf("%v: no update", s)
			}
			return u
		}
		// Remove the first: exactly the first goes to the remove list, as received.
		u := edit(rows[1:])
		if got := list(u, k.RemoveMember); len(got) != 1 || got[0]["hidden"] != "a" {
			t.Errorf("%v: removed %v", s, got)
		}
		if raw, _ := u.Data.Raw(k.RemoveMember); string(raw) != "["+string(entries[0].raw)+"]" {
			t.Errorf("%v: removed entry not as received: %s", s, raw)
		}
		if got := list(u, k.Member); len(got) != 1 || got[0]["hidden"] != "b" {
			t.Errorf("%v: kept %v", s, got)
		}
		// Edit the second: its own hidden members travel with it.
		changed := slices.Clone(rows)
		changed[1] = Row{Ref: rows[1].Ref, Values: slices.Clone(rows[1].Values), Names: rows[1].Names}
		ci := slices.IndexFunc(k.Fields, func(f Field) bool { return f.Content })
		changed[1].Values[ci] = "999 Changed"
		u = edit(changed)
		got := list(u, k.Member)
		if len(got) != 2 || got[0]["hidden"] != "a" || got[1]["hidden"] != "b" || got[1][k.Fields[ci].Key] != "999 Changed" {
			t.Errorf("%v: edited %v", s, got)
		}
		// Reorder: each row keeps its entry.
		u = edit([]Row{rows[1], rows[0]})
		got = list(u, k.Member)
		if len(got) != 2 || got[0]["hidden"] != "b" || got[1]["hidden"] != "a" || len(list(u, k.RemoveMember)) != 0 {
			t.Errorf("%v: reordered %v", s, got)
		}
	}
}

// Issue 7, item 4: untouched members of the record and untouched entries of
// an edited list travel back byte for byte — escapes, white space, duplicate
// keys and all; only the changed entry is written anew, without HTML
// escaping. Failed before: "<" became \u003c, white space was compacted and
// duplicate keys collapsed.
func TestUntouchedBytesTravelBackExactly(t *testing.T) {
	const head = "{ \"customerId\" : 5 ,\n  \"customerName\":\"A <b> & Co\",\n  \"notes\" : \"x\\u003cy\\u003e\",\"dup\":1,\"dup\":2,\n  \"phoneNumbers\" : "
	const untouched = `{ "phoneNumber" : "111", "phoneTypeCode":"PHONE_HOME","phoneType":"Home & <Cell>","communicationId":1, "extra":"a\u0026b","extra":"c" }`
	const edited = `{"phoneNumber":"222","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":2,"note":"<keep> \u003c"}`
	const rest = " ,\n  \"removePhoneNumbers\" : [ ] ,\"emailAddresses\":[ ]\n}"
	rec := head + "[ " + untouched + " ,\n " + edited + " ]" + rest
	c, err := ParseCustomer([]byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(c, SectionPhones)
	rows[1].Values[0] = "<333> & co"
	u, ok := build(t, c, Edit{Name: nameOn(c, " A <b> & Co "), Lists: []ListEdit{{Section: SectionPhones, Rows: rows, Seen: c.Fingerprint(SectionPhones)}}})
	if !ok {
		t.Fatal("no update")
	}
	_, body, err := u.Params()
	if err != nil {
		t.Fatal(err)
	}
	wantEdited := `{"phoneNumber":"<333> & co","phoneTypeCode":"PHONE_HOME","phoneType":"Home","communicationId":2,"note":"<keep> \u003c"}`
	want := head + "[" + untouched + "," + wantEdited + "]" + rest
	if got := body.Get("customerData"); got != want {
		t.Fatalf("customerData\n got %s\nwant %s", got, want)
	}
}

// Issue 7, item 6: a changed country takes the old state's code and
// country id with it rather than send a contradiction; the state itself, if
// the person did not retype it, is emptied by the form (handlers), where
// they see it. Failed before: "AK" went out with Canada.
func TestCountryChangeClearsTheOldStateCode(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.addresses[0].Values[6], ce.addresses[0].Names[6] = "CA", "Canada"
	ce.addresses[0].Values[4] = ""
	p, err := BuildUpdate(c, Edit{Lists: ce.on(c)})
	if err != nil || p.Update == nil {
		t.Fatal(p, err)
	}
	a := decode(t, p.Update).data.Addresses()[0]
	if a.CountryCode != "CA" || a.Country != "Canada" || a.State != "" || a.StateCode != "" {
		t.Errorf("address %+v", a)
	}
	raw, _ := p.Update.Data.Raw("addresses")
	if !strings.Contains(string(raw), `"countryId":null`) {
		t.Errorf("stale countryId kept: %s", raw)
	}
	// A state typed together with the new country is kept, its stale code cleared.
	ce.addresses[0].Values[4] = "Ontario"
	p, _ = BuildUpdate(c, Edit{Lists: ce.on(c)})
	if a := decode(t, p.Update).data.Addresses()[0]; a.State != "Ontario" || a.StateCode != "" {
		t.Errorf("address %+v", a)
	}
}

// A plan says what each written section was and becomes, and which entry
// each new one is: the history and its undo are built on it.
func TestPlanSaysWhatEachSectionWasAndBecomes(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.phones = []Row{
		phone("", "+1 415 555 0100", "PHONE_MOBILE", "Mobile"),
		phone("id:2/0", "+44 20 7946 0999", "PHONE_MOBILE", "Mobile"), // edited; id:1 removed
	}
	p, err := BuildUpdate(c, Edit{Name: nameOn(c, " Apptivo Holdings "), Lists: ce.on(c)})
	if err != nil || p.Update == nil {
		t.Fatal(p, err)
	}
	want := []SectionChange{
		{Section: SectionName, Before: []Values{{Values: []string{"Apptivo, Inc."}}}, After: []Values{{Values: []string{"Apptivo Holdings"}}}, From: []int{0}},
		{Section: SectionPhones,
			Before: []Values{{Values: []string{"5555555555", "PHONE_BUSINESS"}, Names: []string{"", "Business"}},
				{Values: []string{"+44 20 7946 0958", "PHONE_MOBILE"}, Names: []string{"", "Mobile"}}},
			After: []Values{{Values: []string{"+1 415 555 0100", "PHONE_MOBILE"}, Names: []string{"", "Mobile"}},
				{Values: []string{"+44 20 7946 0999", "PHONE_MOBILE"}, Names: []string{"", "Mobile"}}},
			From: []int{-1, 1},
			Raw:  []json.RawMessage{c.Entries(SectionPhones)[0].raw, c.Entries(SectionPhones)[1].raw}},
	}
	if !reflect.DeepEqual(p.Changes, want) {
		t.Errorf("changes\n%+v\nwant\n%+v", p.Changes, want)
	}
}

// next is the record an update makes of fresh (what Apptivo would hold).
func next(t *testing.T, p *Plan) *Customer {
	t.Helper()
	raw, err := p.Update.Data.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCustomer(raw)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Undo puts back what a change replaced: a country change cleared the
// address's country id and state code; a row that sets the country (and
// state) back with the entry as it was stored (Base) gets them back. Without
// a Base they stay cleared, as for any country change.
func TestAValuePutBackBringsBackWhatItsChangeCleared(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.addresses[0].Values[6], ce.addresses[0].Names[6], ce.addresses[0].Values[4] = "CA", "Canada", ""
	p, err := BuildUpdate(c, Edit{Lists: ce.on(c)})
	if err != nil || p.Update == nil {
		t.Fatal(p, err)
	}
	changed := next(t, p)
	sc := p.Changes[0]
	for _, withBase := range []bool{true, false} {
		back := contactOf(changed)
		back.addresses[0].Values, back.addresses[0].Names = sc.Before[0].Values, sc.Before[0].Names
		if withBase {
			back.addresses[0].Base = sc.RawBefore(sc.From[0])
		}
		p, err := BuildUpdate(changed, Edit{Lists: back.on(changed)})
		if err != nil || p.Update == nil {
			t.Fatal(p, err)
		}
		raw, _ := p.Update.Data.Raw("addresses")
		restored := strings.Contains(string(raw), `"countryId":176`) && strings.Contains(string(raw), `"stateCode":"AK"`)
		if restored != withBase {
			t.Errorf("with the stored entry %v: %s", withBase, raw)
		}
		if a := decode(t, p.Update).data.Addresses()[0]; a.CountryCode != "US" || a.State != "Alaska" {
			t.Errorf("address %+v", a)
		}
	}
}

// A removed entry put back from the entry as it was stored is a new entry
// holding everything it held — but the ids by which Apptivo knew it.
func TestARemovedEntryPutBackHoldsAllItHeld(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.addresses = nil
	p, err := BuildUpdate(c, Edit{Lists: ce.on(c)})
	if err != nil || p.Update == nil {
		t.Fatal(p, err)
	}
	removed := next(t, p)
	sc := p.Changes[0]
	back := contactOf(removed)
	back.addresses = []Row{{Values: sc.Before[0].Values, Names: sc.Before[0].Names, Base: sc.RawBefore(0)}}
	p, err = BuildUpdate(removed, Edit{Lists: back.on(removed)})
	if err != nil || p.Update == nil {
		t.Fatal(p, err)
	}
	raw, _ := p.Update.Data.Raw("addresses")
	var got []map[string]any
	if err := json.Unmarshal(raw, &got); err != nil || len(got) != 1 {
		t.Fatalf("addresses %s: %v", raw, err)
	}
	var was map[string]any
	_ = json.Unmarshal(sc.Raw[0], &was)
	for k, v := range was {
		switch k {
		case "addressId", "id":
			if _, ok := got[0][k]; ok {
				t.Errorf("the entry put back names Apptivo's old %s", k)
			}
		case "isAdded":
			if got[0][k] != true {
				t.Errorf("isAdded %v", got[0][k])
			}
		default:
			if fmt.Sprint(got[0][k]) != fmt.Sprint(v) {
				t.Errorf("%s is %v, was %v", k, got[0][k], v)
			}
		}
	}
}

// The history records what Apptivo stored: a section Apptivo answers
// otherwise than written has its After as answered; the rest as written.
func TestAsHeldIsWhatTheAnswerHolds(t *testing.T) {
	c, _ := loadCustomer(t)
	ce := contactOf(c)
	ce.phones[0].Values[0] = "+1 415 555 0100"
	p, err := BuildUpdate(c, Edit{Name: nameOn(c, "Apptivo Holdings"), Lists: ce.on(c)})
	if err != nil || p.Update == nil {
		t.Fatal(p, err)
	}
	answer := p.Update.Data.Clone()
	_ = answer.Set("customerName", "APPTIVO HOLDINGS")
	stored := customerOf(answer)
	held := p.AsHeld(stored, p.Unlike(stored))
	if len(held) != 2 || held[0].After[0].Values[0] != "APPTIVO HOLDINGS" || !reflect.DeepEqual(held[1], p.Changes[1]) {
		t.Errorf("held %+v", held)
	}
	if p.Changes[0].After[0].Values[0] != "Apptivo Holdings" {
		t.Error("AsHeld changed the plan")
	}
}
