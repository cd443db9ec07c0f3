package apptivo

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Edit is what a user changed on one form. A nil Name or Contact means that
// part was not on the form and stays as it is.
type Edit struct {
	Name    *string
	Contact *ContactEdit
}

// ContactEdit is the full, edited contents of the three list sections: every
// entry that should exist afterwards, in order. An existing entry that is not
// listed is removed; an entry with an empty Ref is new.
type ContactEdit struct {
	Phones    []PhoneInput
	Emails    []EmailInput
	Addresses []AddressInput
	// Skip lists sections the person did not touch: they stay exactly as in
	// the fresh record, whatever the lists above hold.
	Skip []Section
}

func (ce *ContactEdit) skips(s Section) bool {
	for _, x := range ce.Skip {
		if x == s {
			return true
		}
	}
	return false
}

// PhoneInput is one phone row of a form.
type PhoneInput struct {
	Ref      string // Phone.Ref of the entry it edits; "" for a new entry
	Number   string
	TypeCode string
	TypeName string
}

// EmailInput is one email row of a form.
type EmailInput struct {
	Ref      string
	Address  string
	TypeCode string
	TypeName string
}

// AddressInput is one address row of a form.
type AddressInput struct {
	Ref         string
	TypeCode    string
	TypeName    string
	Line1       string
	Line2       string
	City        string
	State       string
	Zip         string
	CountryCode string
	CountryName string
}

// Attribute is one entry of the update's attributeName/attributeIds lists.
type Attribute struct {
	Name string
	ID   *string // nil is sent as JSON null (the reference page does so for addresses)
}

// Update holds exactly the parameters of one customers?a=update call.
type Update struct {
	CustomerID string
	Data       Object // the whole fresh record with the changed sections replaced
	Attributes []Attribute
	Sections   []Section // the changed sections, in the reference's order
}

// attributeIDs are the ids Apptivo's reference page pairs with each section.
var attributeIDs = map[Section]*string{
	SectionName:      ptr("cust_name_attr"),
	SectionPhones:    ptr("cust_phone_attr"),
	SectionEmails:    ptr("email_attr"),
	SectionAddresses: nil,
}

func ptr(s string) *string { return &s }

// updateFlags are the is*Update parameters a list section needs.
var updateFlags = map[Section]string{
	SectionPhones:    "isPhoneNumberUpdate",
	SectionEmails:    "isEmailAddressUpdate",
	SectionAddresses: "isAddressUpdate",
}

// Has reports whether the update touches the section.
func (u *Update) Has(s Section) bool {
	for _, x := range u.Sections {
		if x == s {
			return true
		}
	}
	return false
}

// Params splits the call's parameters as Apptivo's own clients do: the
// selectors and flags in the query string, the data in the form body.
// Credentials are added by the client, never here.
func (u *Update) Params() (query, body url.Values, err error) {
	query = url.Values{
		"a":          {"update"},
		"objectId":   {customersObjectID},
		"customerId": {u.CustomerID},
	}
	names := make([]string, len(u.Attributes))
	ids := make([]*string, len(u.Attributes))
	for i, a := range u.Attributes {
		names[i], ids[i] = a.Name, a.ID
	}
	for _, s := range u.Sections {
		if flag, ok := updateFlags[s]; ok {
			query.Set(flag, "true")
		}
	}
	data, err := u.Data.MarshalJSON()
	if err != nil {
		return nil, nil, err
	}
	nameJSON, err := encodeJSON(names)
	if err != nil {
		return nil, nil, err
	}
	idJSON, err := encodeJSON(ids)
	if err != nil {
		return nil, nil, err
	}
	body = url.Values{
		"customerData":  {string(data)},
		"attributeName": {string(nameJSON)},
		"attributeIds":  {string(idJSON)},
	}
	return query, body, nil
}

// BuildUpdate applies an edit onto a freshly read record and returns the
// update call that carries it, listing only the sections whose values
// actually changed. ok is false when nothing changed: then no call is due.
//
// Decisions, so every caller gets the same answer:
//   - Leading/trailing white space is not a change, nor are line breaks
//     (browsers strip them from inputs): when a field is the same text
//     (SameText), the stored value is kept byte for byte. Changed values are
//     stored trimmed.
//   - Order is part of a list section: a reorder is a change (Apptivo treats
//     the first entry as the main one).
//   - A blank new row is ignored, not added.
func BuildUpdate(fresh *Customer, edit Edit) (u *Update, ok bool, err error) {
	next := &Customer{obj: fresh.obj.Clone()}

	if edit.Name != nil {
		if name, changed := merged(fresh.Name(), *edit.Name); changed {
			if err := next.obj.Set("customerName", name); err != nil {
				return nil, false, err
			}
		}
	}
	if ce := edit.Contact; ce != nil {
		for _, step := range []struct {
			section Section
			apply   func() error
		}{
			{SectionPhones, func() error { return applyPhones(next, fresh, ce.Phones) }},
			{SectionEmails, func() error { return applyEmails(next, fresh, ce.Emails) }},
			{SectionAddresses, func() error { return applyAddresses(next, fresh, ce.Addresses) }},
		} {
			if ce.skips(step.section) {
				continue
			}
			if err := step.apply(); err != nil {
				return nil, false, err
			}
		}
	}

	u = &Update{CustomerID: fresh.ID()}
	for _, s := range AllSections {
		if sectionEqual(fresh, next, s) {
			continue
		}
		u.Sections = append(u.Sections, s)
		u.Attributes = append(u.Attributes, Attribute{Name: s.String(), ID: attributeIDs[s]})
	}
	if len(u.Sections) == 0 {
		return nil, false, nil
	}
	// A section that is not changing goes back as it was read: undo any
	// id-only or formatting edits made to it above.
	for _, s := range ContactSections {
		if !u.Has(s) {
			field := listField(s)
			if raw, ok := fresh.obj.Raw(field); ok {
				next.obj.SetRaw(field, raw)
			}
			if raw, ok := fresh.obj.Raw(removeField(s)); ok {
				next.obj.SetRaw(removeField(s), raw)
			}
		}
	}
	u.Data = next.obj
	return u, true, nil
}

func listField(s Section) string {
	switch s {
	case SectionPhones:
		return fieldPhones
	case SectionEmails:
		return fieldEmails
	default:
		return fieldAddresses
	}
}

func removeField(s Section) string {
	switch s {
	case SectionPhones:
		return "removePhoneNumbers"
	case SectionEmails:
		return "removeEmailAddresses"
	default:
		return "removeAddresses"
	}
}

// SameText reports whether an edited value is the stored one as far as a
// person can tell: white space around it does not count, and neither do line
// breaks, which browsers strip from single-line inputs before sending them.
func SameText(a, b string) bool {
	return normalText(a) == normalText(b)
}

func normalText(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}

// merged decides the value to store for one field: the stored value, byte
// for byte, when the edit is the same text (SameText), else the trimmed edit.
func merged(stored, edited string) (string, bool) {
	if SameText(stored, edited) {
		return stored, false
	}
	return strings.TrimSpace(edited), true
}

// setField writes one field of an entry when its value changed.
func setField(e *Object, key, edited string) (bool, error) {
	v, changed := merged(e.String(key), edited)
	if !changed && e.Has(key) {
		return false, nil
	}
	if !changed && v == "" {
		// Absent and still empty: don't invent the member.
		return false, nil
	}
	return changed, e.Set(key, v)
}

// listEdit rebuilds one list section from the edited rows: existing entries
// are found by Ref in the fresh record and edited in place (keeping every
// member the desk doesn't know), new ones are built from scratch, and
// entries left out go to the section's remove list.
type listEdit struct {
	section  Section
	idField  string
	existing []Object
	used     []bool
}

func newListEdit(fresh *Customer, s Section, idField string) *listEdit {
	entries := fresh.entries(listField(s))
	return &listEdit{section: s, idField: idField, existing: entries, used: make([]bool, len(entries))}
}

// find returns a copy of the fresh entry a row points at, if any.
func (l *listEdit) find(ref string) (Object, bool) {
	if ref == "" {
		return Object{}, false
	}
	for i, e := range l.existing {
		if !l.used[i] && entryRef(e, l.idField, i) == ref {
			l.used[i] = true
			return e.Clone(), true
		}
	}
	return Object{}, false
}

func (l *listEdit) store(next *Customer, entries []Object) error {
	var removed []Object
	for i, e := range l.existing {
		if !l.used[i] {
			removed = append(removed, e)
		}
	}
	if err := next.obj.Set(listField(l.section), objectsJSON(entries)); err != nil {
		return err
	}
	if len(removed) > 0 || next.obj.Has(removeField(l.section)) {
		return next.obj.Set(removeField(l.section), objectsJSON(removed))
	}
	return nil
}

// objectsJSON keeps a list of Objects marshalling as a JSON array (never null).
type objectsJSON []Object

func (o objectsJSON) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal([]Object(o))
}

func applyPhones(next, fresh *Customer, rows []PhoneInput) error {
	l := newListEdit(fresh, SectionPhones, "communicationId")
	var out []Object
	for _, r := range rows {
		e, existed := l.find(r.Ref)
		if !existed && blank(r.Number) {
			continue
		}
		if !existed {
			e = newEntry("id", "cust_phone_input")
		}
		if _, err := setField(&e, "phoneNumber", r.Number); err != nil {
			return err
		}
		if err := setType(&e, "phoneTypeCode", "phoneType", r.TypeCode, r.TypeName); err != nil {
			return err
		}
		out = append(out, e)
	}
	return l.store(next, out)
}

func applyEmails(next, fresh *Customer, rows []EmailInput) error {
	l := newListEdit(fresh, SectionEmails, "communicationId")
	var out []Object
	for _, r := range rows {
		e, existed := l.find(r.Ref)
		if !existed && blank(r.Address) {
			continue
		}
		if !existed {
			e = newEntry("id", "cont_email_input")
		}
		if _, err := setField(&e, "emailAddress", r.Address); err != nil {
			return err
		}
		if err := setType(&e, "emailTypeCode", "emailType", r.TypeCode, r.TypeName); err != nil {
			return err
		}
		out = append(out, e)
	}
	return l.store(next, out)
}

func applyAddresses(next, fresh *Customer, rows []AddressInput) error {
	l := newListEdit(fresh, SectionAddresses, "addressId")
	var out []Object
	for _, r := range rows {
		e, existed := l.find(r.Ref)
		if !existed && blank(r.Line1, r.Line2, r.City, r.State, r.Zip) {
			continue
		}
		if !existed {
			e = newEntry("addressAttributeId", "address_section_attr_id")
			if err := e.Set("isAdded", true); err != nil {
				return err
			}
		}
		for _, f := range []struct{ key, value string }{
			{"addressLine1", r.Line1}, {"addressLine2", r.Line2}, {"city", r.City}, {"zipCode", r.Zip},
		} {
			if _, err := setField(&e, f.key, f.value); err != nil {
				return err
			}
		}
		stateChanged, err := setField(&e, "state", r.State)
		if err != nil {
			return err
		}
		if stateChanged && e.Has("stateCode") {
			// The old code would contradict the new state; Apptivo derives it again.
			if err := e.Set("stateCode", ""); err != nil {
				return err
			}
		}
		countryChanged, err := setField(&e, "countryCode", r.CountryCode)
		if err != nil {
			return err
		}
		if countryChanged || !existed {
			if err := e.Set("countryName", strings.TrimSpace(r.CountryName)); err != nil {
				return err
			}
			// Apptivo's numeric country id is unknown to us for a new country;
			// a stale one would contradict countryCode, so it goes.
			if e.Has("countryId") {
				e.SetRaw("countryId", json.RawMessage("null"))
			}
		}
		if err := setType(&e, "addressTypeCode", "addressType", r.TypeCode, r.TypeName); err != nil {
			return err
		}
		out = append(out, e)
	}
	return l.store(next, out)
}

// setType changes an entry's type code and its display name together.
func setType(e *Object, codeKey, nameKey, code, name string) error {
	if SameText(e.String(codeKey), code) {
		return nil // unchanged (or both empty): the stored name stays too
	}
	if err := e.Set(codeKey, strings.TrimSpace(code)); err != nil {
		return err
	}
	return e.Set(nameKey, strings.TrimSpace(name))
}

func newEntry(idKey, idValue string) Object {
	var e Object
	e.SetRaw(idKey, json.RawMessage(`"`+idValue+`"`))
	return e
}

func blank(values ...string) bool {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}
