package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
)

var modes = []struct {
	name string
	hx   bool
}{{"plain", false}, {"htmx", true}}

// openForm loads a section's editor the way the mode would.
func (e *env) openForm(id int64, section string, hx bool) (page, url.Values) {
	e.t.Helper()
	var p page
	if hx {
		p = e.hxGet(idPath(id, "/"+section+"/edit"))
	} else {
		p = e.get(idPath(id, "/"+section+"/edit"))
	}
	if p.status != http.StatusOK {
		e.t.Fatalf("edit form: %d %s", p.status, p.body)
	}
	if hx && strings.Contains(p.body, "<html") {
		e.t.Fatal("htmx edit must answer with the section only")
	}
	return p, formValues(p, "form[data-section-form]")
}

// saveForm posts a section form and, for plain posts, follows the redirect.
func (e *env) saveForm(id int64, section string, form url.Values, hx bool) page {
	e.t.Helper()
	p := e.post(idPath(id, "/"+section), form, hx)
	if !hx && p.status == http.StatusSeeOther {
		return e.follow(p)
	}
	return p
}

// checkUpdate asserts the one recorded update: its attribute lists, flags,
// and that every member of customerData outside the changed ones equals the
// record as it was before the save.
func checkUpdate(t *testing.T, e *env, before json.RawMessage, wantNames, wantIDs string, changed ...string) map[string]json.RawMessage {
	t.Helper()
	ups := e.updates()
	if len(ups) != 1 {
		t.Fatalf("want exactly one update, got %d", len(ups))
	}
	up := ups[0]
	if up.Method != http.MethodPost {
		t.Errorf("update sent with %s", up.Method)
	}
	if got := up.Params.Get("attributeName"); got != wantNames {
		t.Errorf("attributeName %s, want %s", got, wantNames)
	}
	if got := up.Params.Get("attributeIds"); got != wantIDs {
		t.Errorf("attributeIds %s, want %s", got, wantIDs)
	}
	flags := map[string]string{"phoneNumbers": "isPhoneNumberUpdate", "emailAddresses": "isEmailAddressUpdate", "address": "isAddressUpdate"}
	for attr, flag := range flags {
		want := ""
		if strings.Contains(wantNames, `"`+attr+`"`) {
			want = "true"
		}
		if got := up.Params.Get(flag); got != want {
			t.Errorf("%s = %q, want %q", flag, got, want)
		}
	}
	if up.Params.Get("objectId") != "3" || up.Query.Has("apiKey") || up.Query.Has("accessKey") {
		t.Errorf("update query %v", up.Query)
	}
	var sent, orig map[string]json.RawMessage
	if err := json.Unmarshal([]byte(up.Params.Get("customerData")), &sent); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(before, &orig)
	skip := map[string]bool{}
	for _, c := range changed {
		skip[c] = true
	}
	for k, v := range orig {
		if skip[k] {
			continue
		}
		if got, ok := sent[k]; !ok {
			t.Errorf("untouched member %s dropped", k) // a missing member is not a null one
		} else if !apptivo.JSONEqual(v, got) {
			t.Errorf("untouched member %s changed: %s → %s", k, v, got)
		}
	}
	return sent
}

func TestEditName(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(apptivotest.IDBigInt)
			p, form := e.openForm(id, "name", m.hx)
			if p.doc.Find(`label[for=customerName]`).Text() != "Customer name" || p.val("#customerName") != "Quantum Ledger Systems Inc." {
				t.Fatal("name form")
			}
			if p.text(`[data-testid=save]`) != "Save" || p.text(`[data-testid=cancel]`) != "Cancel" {
				t.Error("Save/Cancel")
			}
			before, _ := e.sim.Customer(id)
			e.sim.ResetRequests()
			form.Set("name", "Quantum Ledger Systems, Inc.")
			res := e.saveForm(id, "name", form, m.hx)
			if res.status != http.StatusOK {
				t.Fatalf("save: %d %s", res.status, res.body)
			}
			sent := checkUpdate(t, e, before, `["customerName"]`, `["cust_name_attr"]`, "customerName")
			if !strings.Contains(string(sent["customAttributes"]), "12345678901234567890123") {
				t.Errorf("big integer not passed back verbatim: %s", sent["customAttributes"])
			}
			if e.countCalls("getById") != map[bool]int{false: 2, true: 1}[m.hx] {
				// a plain save reads fresh once; the page after the redirect reads once more
				t.Errorf("reads: %d", e.countCalls("getById"))
			}
			if got := e.stored(id).Name(); got != "Quantum Ledger Systems, Inc." {
				t.Errorf("stored %q", got)
			}
			stored, _ := e.sim.Customer(id)
			if !strings.Contains(string(stored), "12345678901234567890123") {
				t.Error("big integer lost in storage")
			}
			if m.hx {
				if strings.Contains(res.body, "<html") || res.text(`[data-testid=section-notice]`) != "Saved." {
					t.Errorf("htmx answer: %s", res.body)
				}
				if res.doc.Find(`#customer-meta[hx-swap-oob]`).Length() != 1 || !strings.Contains(res.text(`#customer-meta`), "Demo User") {
					t.Errorf("meta line must be refreshed: %q", res.text(`#customer-meta`))
				}
				if res.doc.Find(`#live[hx-swap-oob]`).Length() != 1 || res.text(`#live`) != "Saved." {
					t.Errorf("live region %q", res.text(`#live`))
				}
				if res.doc.Find(`form`).Length() != 0 {
					t.Error("the read view comes back after a save")
				}
			} else {
				if res.text(`#live`) != "Saved." || res.text(`[data-testid=name-value]`) != "Quantum Ledger Systems, Inc." {
					t.Errorf("page after redirect: live=%q name=%q", res.text(`#live`), res.text(`[data-testid=name-value]`))
				}
			}
			if !strings.Contains(res.text(`[data-testid=last-updated]`), "Demo User") {
				t.Errorf("last updated: %q", res.text(`[data-testid=last-updated]`))
			}
		})
	}
}

func TestEditPhonesAddRemoveChangeType(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			p, form := e.openForm(id, "contact", m.hx)
			if n := p.doc.Find(`[data-testid=phone-row]`).Length(); n != 4 {
				t.Fatalf("3 phones + 1 blank row expected, got %d", n)
			}
			for _, label := range []string{"Phone number", "Phone type", "Email address", "Email type", "Address type", "Address line 1", "Address line 2", "City", "State", "ZIP code", "Country", "Remove"} {
				if p.doc.Find("label:contains('"+label+"')").Length() == 0 {
					t.Errorf("label %q missing", label)
				}
			}
			before, _ := e.sim.Customer(id)
			e.sim.ResetRequests()
			form.Set("phone.0.type", "PHONE_HOME")        // change type
			form.Set("phone.1.remove", "1")               // remove the mobile
			form.Set("phone.3.number", "+1 650 253 0000") // the blank row: a new phone
			form.Set("phone.3.type", "PHONE_MOBILE")
			res := e.saveForm(id, "contact", form, m.hx)
			if res.status != http.StatusOK {
				t.Fatalf("save: %d %s", res.status, res.text("[data-testid=contact-form]"))
			}
			sent := checkUpdate(t, e, before, `["phoneNumbers"]`, `["cust_phone_attr"]`, "phoneNumbers", "removePhoneNumbers")
			var removed []map[string]any
			_ = json.Unmarshal(sent["removePhoneNumbers"], &removed)
			if len(removed) != 1 || removed[0]["phoneNumber"] != "+1 773-555-0123" || removed[0]["communicationId"] == nil {
				t.Errorf("removePhoneNumbers %s", sent["removePhoneNumbers"])
			}
			got := e.stored(id).Phones()
			if len(got) != 3 || got[0].TypeCode != "PHONE_HOME" || got[0].Type != "Home" || got[0].Number != "+1 312-555-0147" ||
				got[1].Number != "+1 312-555-0199" || got[2].Number != "+1 650 253 0000" || got[2].Type != "Mobile" {
				t.Errorf("stored phones %+v", got)
			}
			if res.text(`#live`) != "Saved." {
				t.Errorf("live %q", res.text(`#live`))
			}
			if !strings.Contains(res.text(`[data-testid=phones]`), "+1 650 253 0000") {
				t.Error("new phone not shown")
			}
		})
	}
}

func TestEditEmails(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000003)
			_, form := e.openForm(id, "contact", m.hx)
			before, _ := e.sim.Customer(id)
			e.sim.ResetRequests()
			form.Set("email.0.address", "hello@tve.example.co.uk")
			form.Set("email.2.remove", "1")
			e.saveForm(id, "contact", form, m.hx)
			sent := checkUpdate(t, e, before, `["emailAddresses"]`, `["email_attr"]`, "emailAddresses", "removeEmailAddresses")
			if !strings.Contains(string(sent["removeEmailAddresses"]), "j.smith.tve@gmail.example") {
				t.Errorf("removeEmailAddresses %s", sent["removeEmailAddresses"])
			}
			got := e.stored(id).Emails()
			if len(got) != 2 || got[0].Address != "hello@tve.example.co.uk" || got[1].Address != "accounts@tve.example.co.uk" {
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestEditAddresses(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(apptivotest.IDApptivoInc)
			p, form := e.openForm(id, "contact", m.hx)
			if p.val("#address-0-city") != "texas" {
				t.Fatalf("address row: %q", p.val("#address-0-city"))
			}
			before, _ := e.sim.Customer(id)
			e.sim.ResetRequests()
			form.Set("address.0.city", "Austin")
			form.Set("address.1.type", "2")
			form.Set("address.1.line1", "10 Downing Street")
			form.Set("address.1.city", "London")
			form.Set("address.1.zip", "SW1A 2AA")
			form.Set("address.1.country", "GB")
			e.saveForm(id, "contact", form, m.hx)
			sent := checkUpdate(t, e, before, `["address"]`, `[null]`, "addresses")
			var addrs []map[string]any
			_ = json.Unmarshal(sent["addresses"], &addrs)
			if len(addrs) != 2 || addrs[0]["city"] != "Austin" || addrs[0]["accountAddressId"] == nil || addrs[1]["isAdded"] != true ||
				addrs[1]["countryName"] != "United Kingdom" || addrs[1]["addressType"] != "Shipping Address" {
				t.Errorf("addresses sent %s", sent["addresses"])
			}
			got := e.stored(id).Addresses()
			if len(got) != 2 || got[0].City != "Austin" || got[0].State != "Alaska" || got[1].City != "London" {
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestEditAllContactSectionsAtOnce(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(apptivotest.IDTestCustomer)
	_, form := e.openForm(id, "contact", true)
	before, _ := e.sim.Customer(id)
	e.sim.ResetRequests()
	form.Set("phone.0.number", "+1 202 456 1111")
	form.Set("email.1.address", "second@berijam.example")
	form.Set("email.1.type", "PERSONAL")
	form.Set("address.0.remove", "1")
	e.saveForm(id, "contact", form, true)
	checkUpdate(t, e, before, `["phoneNumbers","emailAddresses","address"]`, `["cust_phone_attr","email_attr",null]`,
		"phoneNumbers", "emailAddresses", "addresses", "removeEmailAddresses", "removeAddresses")
	c := e.stored(id)
	if len(c.Phones()) != 1 || len(c.Emails()) != 2 || len(c.Addresses()) != 0 {
		t.Errorf("stored %+v %+v %+v", c.Phones(), c.Emails(), c.Addresses())
	}
}

func TestSaveWithoutChangesSendsNoUpdate(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			for _, section := range []string{"name", "contact"} {
				_, form := e.openForm(1000001, section, m.hx)
				e.sim.ResetRequests()
				if section == "name" {
					form.Set("name", "  "+form.Get("name")+" ") // white space alone is no change
				}
				res := e.saveForm(1000001, section, form, m.hx)
				if len(e.updates()) != 0 {
					t.Fatalf("%s: an update was sent", section)
				}
				if res.text(`#live`) != "No changes to save." {
					t.Errorf("%s: live %q", section, res.text(`#live`))
				}
				if m.hx && e.countCalls("getById") != 1 {
					t.Errorf("%s: a save costs one fresh read, got %d", section, e.countCalls("getById"))
				}
			}
		})
	}
}

func TestValidationKeepsEverythingTyped(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			_, form := e.openForm(id, "contact", m.hx)
			e.sim.ResetRequests()
			form.Set("email.0.address", "not-an-email")
			form.Set("phone.3.number", "12")
			form.Set("phone.3.type", "PHONE_FAX")
			form.Set("phone.0.number", "+1 650 253 0000") // valid, changed: kept as typed
			form.Set("address.0.city", "Evanston")
			form.Set("phone.1.remove", "1")
			res := e.saveForm(id, "contact", form, m.hx)
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", res.status)
			}
			if len(e.updates()) != 0 || (m.hx && len(e.sim.Requests()) != 0) {
				t.Fatalf("invalid input reached Apptivo: %d calls", len(e.sim.Requests()))
			}
			if res.val("#email-0-address") != "not-an-email" || res.val("#phone-3-number") != "12" ||
				res.val("#phone-0-number") != "+1 650 253 0000" || res.val("#address-0-city") != "Evanston" {
				t.Error("typed values lost")
			}
			if res.doc.Find(`#phone-1-remove[checked]`).Length() != 1 || res.doc.Find(`#phone-3-type option[selected]`).AttrOr("value", "") != "PHONE_FAX" {
				t.Error("ticked box or chosen type lost")
			}
			if !strings.Contains(res.text(`[data-testid=email-0-address-error]`), "email address") ||
				!strings.Contains(res.text(`[data-testid=phone-3-number-error]`), "phone number") {
				t.Errorf("errors beside the fields: %q / %q", res.text(`[data-testid=email-0-address-error]`), res.text(`[data-testid=phone-3-number-error]`))
			}
			in := res.doc.Find("#email-0-address")
			if in.AttrOr("aria-invalid", "") != "true" || in.AttrOr("aria-describedby", "") != "email-0-address-error" {
				t.Error("aria wiring")
			}
			if !strings.Contains(res.text(`[data-testid=error-summary]`), "2 fields") || !strings.Contains(res.text("#live"), "2 fields need attention") {
				t.Errorf("summary %q live %q", res.text(`[data-testid=error-summary]`), res.text("#live"))
			}
		})
	}
}

func TestNameValidation(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	_, form := e.openForm(1000001, "name", true)
	form.Set("name", "   ")
	res := e.saveForm(1000001, "name", form, true)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(`[data-testid=customerName-error]`), "Enter the customer's name") {
		t.Fatalf("%d %q", res.status, res.text(`[data-testid=customerName-error]`))
	}
	form.Set("name", strings.Repeat("x", 201))
	res = e.saveForm(1000001, "name", form, true)
	if res.status != http.StatusUnprocessableEntity || res.val("#customerName") != strings.Repeat("x", 201) {
		t.Fatal("too long a name must be refused and kept")
	}
	if len(e.updates()) != 0 {
		t.Fatal("update sent")
	}
}

func TestLegacyValuesNeverBlockSaving(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(apptivotest.IDLegacyValues)
	_, form := e.openForm(id, "contact", true)
	e.sim.ResetRequests()
	// Leave the odd stored phone and email alone; add a valid phone.
	n, _ := strconv.Atoi(form.Get("phone.count"))
	blank := "phone." + strconv.Itoa(n-1) + "."
	form.Set(blank+"number", "+44 20 7946 0958")
	form.Set(blank+"type", "PHONE_BUSINESS")
	res := e.saveForm(id, "contact", form, true)
	if res.status != http.StatusOK || len(e.updates()) != 1 {
		t.Fatalf("status %d, updates %d: %s", res.status, len(e.updates()), res.text("[data-testid=contact-form]"))
	}
}

func TestConflictNameKeepMine(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000002)
	_, form := e.openForm(id, "name", true)
	if err := e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Brightwater Dental (Theirs)" }); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetRequests()
	form.Set("name", "Brightwater Dental (Mine)")
	res := e.saveForm(id, "name", form, true)
	if res.status != http.StatusConflict || len(e.updates()) != 0 {
		t.Fatalf("conflict: %d, updates %d", res.status, len(e.updates()))
	}
	if res.text(`[data-testid=their-name]`) != "Brightwater Dental (Theirs)" || res.val("#customerName") != "Brightwater Dental (Mine)" {
		t.Errorf("conflict view: theirs %q mine %q", res.text(`[data-testid=their-name]`), res.val("#customerName"))
	}
	if !strings.Contains(res.text(`[data-testid=conflict]`), "Casey Colleague") {
		t.Errorf("who changed it: %q", res.text(`[data-testid=conflict]`))
	}
	// Keep mine: submit the conflict form as it is.
	again := formValues(res, "form[data-section-form]")
	res = e.saveForm(id, "name", again, true)
	if res.status != http.StatusOK || len(e.updates()) != 1 || e.stored(id).Name() != "Brightwater Dental (Mine)" {
		t.Fatalf("keep mine: %d, updates %d, stored %q", res.status, len(e.updates()), e.stored(id).Name())
	}
}

func TestConflictNameTakeTheirs(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000002)
			_, form := e.openForm(id, "name", m.hx)
			_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Theirs Ltd" })
			e.sim.ResetRequests()
			form.Set("name", "Mine Ltd")
			res := e.saveForm(id, "name", form, m.hx)
			if res.status != http.StatusConflict {
				t.Fatalf("status %d", res.status)
			}
			// "Use their version" posts the conflict form to its own address
			// (it is recorded in the history), with htmx or without.
			take := res.doc.Find(`[data-testid=take-theirs]`)
			conflictForm := formValues(res, "form[data-section-form]")
			var back page
			if m.hx {
				back = e.post(take.AttrOr("hx-post", ""), conflictForm, true)
			} else {
				back = e.saveFormTo(take.AttrOr("formaction", ""), conflictForm)
			}
			if back.text(`[data-testid=name-value]`) != "Theirs Ltd" || len(e.updates()) != 0 || e.stored(id).Name() != "Theirs Ltd" {
				t.Fatalf("take theirs: %q", back.text(`[data-testid=name-value]`))
			}
		})
	}
}

func TestColleaguesChangeToAnotherListIsKept(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "contact", true)
	_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) {
		phones := rec["phoneNumbers"].([]any)
		phones[0].(map[string]any)["phoneNumber"] = "+1 312-555-0100"
	})
	e.sim.ResetRequests()
	form.Set("email.0.address", "new@northwind-logistics.example")
	res := e.saveForm(id, "contact", form, true)
	if res.status != http.StatusOK || len(e.updates()) != 1 || e.updates()[0].Params.Get("attributeName") != `["emailAddresses"]` {
		t.Fatalf("%d, updates %d", res.status, len(e.updates()))
	}
	c := e.stored(id)
	if c.Phones()[0].Number != "+1 312-555-0100" || c.Emails()[0].Address != "new@northwind-logistics.example" {
		t.Fatalf("both changes must survive: %+v %+v", c.Phones()[0], c.Emails()[0])
	}
}

func TestContactConflictSaveMineWritesOnlyMySections(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "contact", true)
	_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) {
		phones := rec["phoneNumbers"].([]any)
		phones[0].(map[string]any)["phoneNumber"] = "+1 312-555-0100"
		rec["emailAddresses"] = append(rec["emailAddresses"].([]any), map[string]any{
			"emailAddress": "new.ap@northwind-logistics.example", "emailType": "Business", "emailTypeCode": "BUSINESS", "communicationId": json.Number("77")})
	})
	e.sim.ResetRequests()
	form.Set("phone.1.number", "+1 650 253 0000")
	res := e.saveForm(id, "contact", form, true)
	if res.status != http.StatusConflict || len(e.updates()) != 0 || !strings.Contains(res.text(`[data-testid=their-contact]`), "+1 312-555-0100") {
		t.Fatalf("conflict: %d %q", res.status, res.text(`[data-testid=their-contact]`))
	}
	if res.val("#phone-1-number") != "+1 650 253 0000" || res.val("#email-2-address") != "new.ap@northwind-logistics.example" {
		t.Fatalf("my phone kept, their new email shown: %q %q", res.val("#phone-1-number"), res.val("#email-2-address"))
	}
	res = e.saveForm(id, "contact", formValues(res, "form[data-section-form]"), true)
	if res.status != http.StatusOK || len(e.updates()) != 1 || e.updates()[0].Params.Get("attributeName") != `["phoneNumbers"]` {
		t.Fatalf("save mine: %d updates=%d %v", res.status, len(e.updates()), e.updates())
	}
	// Phones: my version of the list, as the conflict view showed it; emails:
	// untouched by me, so the colleague's new address stays.
	c := e.stored(id)
	if len(c.Emails()) != 3 || c.Phones()[1].Number != "+1 650 253 0000" || c.Phones()[0].Number != "+1 312-555-0147" {
		t.Fatalf("stored %+v %+v", c.Phones(), c.Emails())
	}
}

func TestSameChangeByAColleagueIsNoConflict(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "name", true)
	_ = e.sim.Modify(id, "Casey Colleague", func(rec map[string]any) { rec["customerName"] = "Northwind Logistics" })
	e.sim.ResetRequests()
	form.Set("name", "Northwind Logistics")
	res := e.saveForm(id, "name", form, true)
	if res.status != http.StatusOK || len(e.updates()) != 0 || res.text("#live") != "No changes to save." {
		t.Fatalf("same change: %d %q", res.status, res.text("#live"))
	}
}

func TestTwoPeopleSavingAtOnceNeverLoseAChange(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	other := newEnvSharing(t, e)
	id := int64(1000001)
	_, mine := e.openForm(id, "name", true)
	_, theirs := other.openForm(id, "name", true)
	mine.Set("name", "Alice's Name LLC")
	theirs.Set("name", "Bob's Name LLC")
	e.sim.SetLatency(150 * time.Millisecond)
	e.sim.ResetRequests()
	var wg sync.WaitGroup
	var a, b page
	wg.Add(2)
	go func() { defer wg.Done(); a = e.saveFormAsync(id, "name", mine) }()
	go func() { defer wg.Done(); b = other.saveFormAsync(id, "name", theirs) }()
	wg.Wait()
	statuses := []int{a.status, b.status}
	slices.Sort(statuses)
	if len(e.updates()) != 1 || !reflect.DeepEqual(statuses, []int{http.StatusOK, http.StatusConflict}) {
		t.Fatalf("updates %d statuses %v", len(e.updates()), statuses)
	}
}

func TestMissingRowCountLeavesTheListAlone(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "contact", true)
	form.Del("phone.count") // a truncated or tampered post
	form.Set("email.0.address", "changed@northwind-logistics.example")
	e.sim.ResetRequests()
	e.saveForm(id, "contact", form, true)
	if len(e.updates()) != 1 || e.updates()[0].Params.Get("attributeName") != `["emailAddresses"]` || len(e.stored(id).Phones()) != 3 {
		t.Fatalf("phones must stay: %v, %d phones", e.updates(), len(e.stored(id).Phones()))
	}
}

func TestRefusedUpdateShowsApptivosReason(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "name", true)
	form.Set("name", "")
	form.Set("name", "Northwind Refused LLC")
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Action: "update", Times: 1})
	res := e.saveForm(id, "name", form, true)
	if !strings.Contains(res.text(`[data-testid=form-problem]`), "did not accept the change") || res.val("#customerName") != "Northwind Refused LLC" {
		t.Fatalf("%d %q", res.status, res.text(`[data-testid=form-problem]`))
	}
	if _, ok := e.sim.Customer(id); !ok || e.get("/customers/1000001").status != http.StatusOK {
		t.Fatal("a refused write must not end the sign-in")
	}
}

func TestHTMXFailureKeepsTheSectionOnScreen(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	res := e.hxGet("/customers/999/name/edit")
	if res.header.Get("HX-Reswap") != "none" || res.doc.Find(`#live[hx-swap-oob]`).Length() != 1 || res.doc.Find("section").Length() != 0 {
		t.Fatalf("reswap %q body %s", res.header.Get("HX-Reswap"), res.body)
	}
	_, form := e.openForm(1000001, "name", true)
	form.Set("name", "Typed Before The Failure")
	// A failed fresh read answers with the form itself, input kept.
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Action: "getById", Times: 1})
	res = e.saveForm(1000001, "name", form, true)
	if res.status != http.StatusBadGateway || res.val("#customerName") != "Typed Before The Failure" {
		t.Fatalf("%d %q", res.status, res.val("#customerName"))
	}
}

func TestApptivoFailureOnSaveKeepsInputAndRetries(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			_, form := e.openForm(id, "name", m.hx)
			e.sim.ResetRequests()
			e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailInternalError, Action: "update", Times: 1})
			form.Set("name", "Northwind Freight LLC")
			res := e.saveForm(id, "name", form, m.hx)
			if res.status != http.StatusBadGateway {
				t.Fatalf("status %d", res.status)
			}
			if len(e.updates()) != 1 {
				t.Fatalf("an update is never retried automatically: %d", len(e.updates()))
			}
			if res.val("#customerName") != "Northwind Freight LLC" || !strings.Contains(res.text(`[data-testid=form-problem]`), "Press Save to try again") {
				t.Errorf("form after failure: %q %q", res.val("#customerName"), res.text(`[data-testid=form-problem]`))
			}
			// Try again with what the form still holds.
			res = e.saveForm(id, "name", formValues(res, "form[data-section-form]"), m.hx)
			if res.status != http.StatusOK || e.stored(id).Name() != "Northwind Freight LLC" {
				t.Fatalf("retry: %d %q", res.status, e.stored(id).Name())
			}
		})
	}
}

func TestSlowApptivoUpdateSaysItMayHaveLanded(t *testing.T) {
	e := newEnv(t, func(s *settings) { s.ApptivoTimeout = 300 * time.Millisecond })
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "name", true)
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailHang, Action: "update", Times: 1})
	form.Set("name", "Northwind Slow LLC")
	res := e.saveForm(id, "name", form, true)
	if res.status != http.StatusBadGateway && res.status != http.StatusGatewayTimeout {
		t.Fatalf("status %d", res.status)
	}
	if !strings.Contains(res.text(`[data-testid=form-problem]`), "may or may not have gone through") || res.val("#customerName") != "Northwind Slow LLC" {
		t.Errorf("problem %q", res.text(`[data-testid=form-problem]`))
	}
}

func TestRateLimitedSave(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	_, form := e.openForm(1000001, "name", true)
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailRateLimited, RetryAfter: 20 * time.Second})
	form.Set("name", "Northwind Rate LLC")
	res := e.saveForm(1000001, "name", form, true)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.text(`[data-testid=form-problem]`), "Try again in 20 seconds") {
		t.Fatalf("%d %q", res.status, res.text(`[data-testid=form-problem]`))
	}
}

func TestExpiredSessionSaveKeepsTypedInput(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			e.signIn()
			id := int64(1000001)
			_, form := e.openForm(id, "name", m.hx)
			form.Set("name", "Typed Before Expiry LLC")
			e.clock.Advance(31 * time.Minute)
			res := e.post(idPath(id, "/name"), form, m.hx)
			want := "/login?next=%2Fcustomers%2F1000001%2Fname%2Fedit"
			if m.hx {
				if res.header.Get("HX-Redirect") != want || strings.Contains(res.body, "Sign in") {
					t.Fatalf("htmx: %d %q", res.status, res.header.Get("HX-Redirect"))
				}
			} else if res.status != http.StatusSeeOther || res.header.Get("Location") != want {
				t.Fatalf("plain: %d %q", res.status, res.header.Get("Location"))
			}
			e.get(want)
			p := e.post("/login", url.Values{"email": {testEmail}, "apiKey": {apptivotest.DemoKeys.APIKey},
				"accessKey": {apptivotest.DemoKeys.AccessKey}, "next": {"/customers/1000001/name/edit"}}, false)
			back := e.follow(p)
			if back.val("#customerName") != "Typed Before Expiry LLC" || back.doc.Find(`[data-testid=restored]`).Length() != 1 {
				t.Fatalf("typed input not restored: %q", back.val("#customerName"))
			}
			if len(e.updates()) != 0 {
				t.Fatal("nothing may be saved without the person pressing Save again")
			}
			res = e.saveForm(id, "name", formValues(back, "form[data-section-form]"), false)
			if e.stored(id).Name() != "Typed Before Expiry LLC" {
				t.Fatalf("save after re-sign-in: %d", res.status)
			}
		})
	}
}

func TestRevokedKeysEndTheSignIn(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	e.sim.RemoveKeyPair(apptivotest.DemoKeys)
	p := e.get("/customers/1000001")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Fatalf("%d %q", p.status, p.header.Get("Location"))
	}
	login := e.follow(p)
	if !strings.Contains(login.text("#live"), "no longer accepts") {
		t.Errorf("live %q", login.text("#live"))
	}
}

func TestDoubleSubmitSendsOneUpdate(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	id := int64(1000001)
	_, form := e.openForm(id, "name", true)
	form.Set("name", "Northwind Twice LLC")
	form.Set("_csrf", e.csrf)
	e.sim.SetLatency(150 * time.Millisecond)
	e.sim.ResetRequests()
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do(http.MethodPost, idPath(id, "/name"), form, true).status
		}()
	}
	wg.Wait()
	if len(e.updates()) != 1 || !reflect.DeepEqual(statuses, []int{200, 200}) {
		t.Fatalf("updates %d statuses %v", len(e.updates()), statuses)
	}
}

func TestAddRowButtonWorksWithoutSaving(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	_, form := e.openForm(1000001, "contact", true)
	e.sim.ResetRequests()
	form.Set("phone.3.number", "+1 650 253 0000")
	form.Set("add", "phone")
	res := e.saveForm(1000001, "contact", form, true)
	if res.status != http.StatusOK || res.doc.Find(`[data-testid=phone-row]`).Length() != 5 || res.val("#phone-3-number") != "+1 650 253 0000" {
		t.Fatalf("add row: %d rows=%d", res.status, res.doc.Find(`[data-testid=phone-row]`).Length())
	}
	if res.doc.Find(`[data-testid=contact-form]`).AttrOr("data-focus", "") != "phone-4-number" {
		t.Error("focus should go to the new row")
	}
	if len(e.sim.Requests()) != 0 {
		t.Errorf("adding a row calls Apptivo %d times", len(e.sim.Requests()))
	}
}

func TestCancelReturnsReadView(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	p, _ := e.openForm(1000001, "contact", true)
	back := e.hxGet(p.doc.Find(`[data-testid=cancel]`).AttrOr("hx-get", ""))
	if back.doc.Find(`#contact-section form`).Length() != 0 || back.doc.Find(`[data-testid=phones]`).Length() != 1 {
		t.Fatal("cancel must bring the read view back")
	}
}

func TestStaleFormTokenKeepsTypedInput(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	_, form := e.openForm(1000001, "name", false)
	form.Set("name", "Typed In Old Tab LLC")
	form.Set("_csrf", "token-from-an-old-sign-in")
	e.sim.ResetRequests()
	res := e.do(http.MethodPost, idPath(1000001, "/name"), form, true, func(r *http.Request) { r.Header.Set("X-CSRF-Token", "token-from-an-old-sign-in") })
	if res.header.Get("HX-Redirect") != "/customers/1000001/name/edit" || len(e.updates()) != 0 {
		t.Fatalf("stale token: %d %q", res.status, res.header.Get("HX-Redirect"))
	}
	back := e.get("/customers/1000001/name/edit")
	if back.val("#customerName") != "Typed In Old Tab LLC" || !strings.Contains(back.text("#live"), "had to be reloaded") {
		t.Fatalf("form not restored: %q / %q", back.val("#customerName"), back.text("#live"))
	}
}

func TestDuplicateNumbersAndAddressesAreCaught(t *testing.T) {
	e := newEnv(t)
	e.signIn()
	_, form := e.openForm(1000001, "contact", true)
	e.sim.ResetRequests()
	form.Set("phone.3.number", "(312) 555-0147") // the first phone, written differently
	form.Set("email.2.address", "OPS@northwind-logistics.example")
	res := e.saveForm(1000001, "contact", form, true)
	if res.status != http.StatusUnprocessableEntity || len(e.sim.Requests()) != 0 {
		t.Fatalf("%d, calls %d", res.status, len(e.sim.Requests()))
	}
	if !strings.Contains(res.text(`[data-testid=phone-3-number-error]`), "already listed") ||
		!strings.Contains(res.text(`[data-testid=email-2-address-error]`), "already listed") {
		t.Fatalf("%q / %q", res.text(`[data-testid=phone-3-number-error]`), res.text(`[data-testid=email-2-address-error]`))
	}
}
