package handlers

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// Limits for what a person may type. Apptivo documents none; these keep
// values sane for every screen that shows them.
const (
	maxNameLen    = 200
	maxPhoneLen   = 40
	maxEmailLen   = 254
	maxLineLen    = 200
	maxCityLen    = 100
	maxStateLen   = 100
	maxZipLen     = 20
	maxRowsOfKind = 200
)

// NameForm is the name editor's input.
type NameForm struct {
	Name        string
	Original    string // the name as first shown: only a changed value is checked
	Fingerprint string
}

func bindNameForm(v url.Values) NameForm {
	return NameForm{Name: v.Get("name"), Original: v.Get("name_orig"), Fingerprint: v.Get("fingerprint")}
}

// Validate returns errors by field name, in words for the person.
func (f NameForm) Validate() map[string]string {
	errs := map[string]string{}
	if !changed(f.Name, f.Original) {
		return errs
	}
	name := strings.TrimSpace(f.Name)
	switch {
	case name == "":
		errs["name"] = "Enter the customer's name."
	case utf8.RuneCountInString(name) > maxNameLen:
		errs["name"] = "Use at most " + strconv.Itoa(maxNameLen) + " characters (this has " + strconv.Itoa(utf8.RuneCountInString(name)) + ")."
	case hasControl(name):
		errs["name"] = "Remove the invisible control characters from the name."
	}
	return errs
}

// ContactForm is the contact details editor's input: every row as typed.
type ContactForm struct {
	Phones      []views.PhoneRow
	Emails      []views.EmailRow
	Addresses   []views.AddressRow
	Fingerprint string // one fingerprint per list section, joined by "."
	Add         string // "phone", "email" or "address": add a blank row instead of saving
	// missing marks kinds whose rows did not (fully) arrive: such a section
	// is treated as not on the form, never as "remove everything".
	missing map[string]bool
}

// rowCount reads a kind's row count; ok is false when it is absent, garbled
// or beyond what the desk accepts.
func rowCount(v url.Values, kind string) (int, bool) {
	n, err := strconv.Atoi(v.Get(kind + ".count"))
	if err != nil || n < 0 || n > maxRowsOfKind {
		return 0, false
	}
	return n, true
}

func field(v url.Values, kind string, i int, name string) string {
	// Single-line inputs: a pasted newline would split the value invisibly.
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(v.Get(kind + "." + strconv.Itoa(i) + "." + name))
}

func bindContactForm(v url.Values) ContactForm {
	f := ContactForm{Fingerprint: v.Get("fingerprint"), Add: v.Get("add"), missing: map[string]bool{}}
	counts := map[string]int{}
	for _, kind := range []string{"phone", "email", "address"} {
		n, ok := rowCount(v, kind)
		counts[kind], f.missing[kind] = n, !ok
	}
	for i := range counts["phone"] {
		f.Phones = append(f.Phones, views.PhoneRow{
			Ref: field(v, "phone", i, "ref"), Number: field(v, "phone", i, "number"), Type: field(v, "phone", i, "type"),
			Original: v.Get("phone." + strconv.Itoa(i) + ".orig"), Remove: field(v, "phone", i, "remove") != "",
		})
	}
	for i := range counts["email"] {
		f.Emails = append(f.Emails, views.EmailRow{
			Ref: field(v, "email", i, "ref"), Address: field(v, "email", i, "address"), Type: field(v, "email", i, "type"),
			Original: v.Get("email." + strconv.Itoa(i) + ".orig"), Remove: field(v, "email", i, "remove") != "",
		})
	}
	for i := range counts["address"] {
		f.Addresses = append(f.Addresses, views.AddressRow{
			Ref: field(v, "address", i, "ref"), Type: field(v, "address", i, "type"),
			Line1: field(v, "address", i, "line1"), Line2: field(v, "address", i, "line2"), City: field(v, "address", i, "city"),
			State: field(v, "address", i, "state"), Zip: field(v, "address", i, "zip"), Country: field(v, "address", i, "country"),
			Original: v.Get("address." + strconv.Itoa(i) + ".orig"), Remove: field(v, "address", i, "remove") != "",
		})
	}
	return f
}

// Originals of rows travel in one hidden field each, as a JSON array, so
// any character a stored value holds survives the round trip.
func joinOriginal(parts ...string) string {
	b, _ := json.Marshal(parts)
	return string(b)
}

func phoneOriginal(number, typ string) string { return joinOriginal(number, typ) }
func emailOriginal(addr, typ string) string   { return joinOriginal(addr, typ) }
func addressOriginal(r views.AddressRow) string {
	return joinOriginal(r.Type, r.Line1, r.Line2, r.City, r.State, r.Zip, r.Country)
}

// originalPart returns part i of a row's original, and whether the row has
// one (new rows don't).
func originalPart(orig string, i int) (string, bool) {
	var parts []string
	if orig == "" || json.Unmarshal([]byte(orig), &parts) != nil {
		return "", false
	}
	if i >= len(parts) {
		return "", true
	}
	return parts[i], true
}

// contactFingerprint is the per-section fingerprint the contact form carries.
func contactFingerprint(c *apptivo.Customer) string {
	parts := make([]string, len(apptivo.ContactSections))
	for i, s := range apptivo.ContactSections {
		parts[i] = c.Fingerprint(s)
	}
	return strings.Join(parts, ".")
}

// Baseline is the fingerprint of a list section as the form first showed it
// ("" when the form's fingerprint is malformed: then any change conflicts).
func (f ContactForm) Baseline(s apptivo.Section) string {
	parts := strings.Split(f.Fingerprint, ".")
	for i, cs := range apptivo.ContactSections {
		if cs == s && len(parts) == len(apptivo.ContactSections) {
			return parts[i]
		}
	}
	return ""
}

// Touched lists the list sections the person changed: a row edited (as
// compared with its original), ticked for removal, or a new row filled in.
func (f ContactForm) Touched() []apptivo.Section {
	var out []apptivo.Section
	if !f.missing["phone"] && slices.ContainsFunc(f.Phones, func(r views.PhoneRow) bool {
		return rowTouched(r.Ref, r.Remove, r.Original, r.Number, r.Type)
	}) {
		out = append(out, apptivo.SectionPhones)
	}
	if !f.missing["email"] && slices.ContainsFunc(f.Emails, func(r views.EmailRow) bool {
		return rowTouched(r.Ref, r.Remove, r.Original, r.Address, r.Type)
	}) {
		out = append(out, apptivo.SectionEmails)
	}
	if !f.missing["address"] && slices.ContainsFunc(f.Addresses, func(r views.AddressRow) bool {
		if r.Ref == "" {
			return !blankAll(r.Line1, r.Line2, r.City, r.State, r.Zip)
		}
		return rowTouched(r.Ref, r.Remove, r.Original, r.Type, r.Line1, r.Line2, r.City, r.State, r.Zip, r.Country)
	}) {
		out = append(out, apptivo.SectionAddresses)
	}
	return out
}

// rowTouched compares a row's values with its original, in order; a new
// row counts when its first value (the number or address) is filled in.
func rowTouched(ref string, remove bool, orig string, values ...string) bool {
	if ref == "" {
		return !blankAll(values[0])
	}
	if remove {
		return true
	}
	for i, v := range values {
		o, ok := originalPart(orig, i)
		if !ok || changed(v, o) {
			return true
		}
	}
	return false
}

// checker validates one form against the type lists and rules in force.
type checker struct {
	cfg       *apptivo.Config
	region    string
	countries *countryList
	errs      map[string]string
}

// Validate checks every row a person changed or added; stored values that
// were left alone are never held to today's rules.
func (f ContactForm) Validate(cfg *apptivo.Config, region string, countries *countryList) map[string]string {
	ck := &checker{cfg: cfg, region: region, countries: countries, errs: map[string]string{}}
	// Values already listed higher up; a changed or new row may not repeat one.
	seenPhones, seenEmails := map[string]bool{}, map[string]bool{}
	for i, r := range f.Phones {
		if r.Remove || (r.Ref == "" && blankAll(r.Number)) {
			continue
		}
		name := "phone." + strconv.Itoa(i) + "."
		origNum, existing := originalPart(r.Original, 0)
		origType, _ := originalPart(r.Original, 1)
		if !existing || changed(r.Number, origNum) {
			ck.phone(name+"number", r.Number, existing)
			ck.unique(seenPhones, ck.phoneKey(r.Number), name+"number", "This number is already listed above.")
		} else {
			seenPhones[ck.phoneKey(r.Number)] = true
		}
		if !existing || r.Type != origType {
			ck.oneOf(name+"type", r.Type, cfg.PhoneTypes, "Choose a phone type.")
		}
	}
	for i, r := range f.Emails {
		if r.Remove || (r.Ref == "" && blankAll(r.Address)) {
			continue
		}
		name := "email." + strconv.Itoa(i) + "."
		origAddr, existing := originalPart(r.Original, 0)
		origType, _ := originalPart(r.Original, 1)
		if !existing || changed(r.Address, origAddr) {
			ck.email(name+"address", r.Address, existing)
			ck.unique(seenEmails, strings.ToLower(strings.TrimSpace(r.Address)), name+"address", "This address is already listed above.")
		} else {
			seenEmails[strings.ToLower(strings.TrimSpace(r.Address))] = true
		}
		if !existing || r.Type != origType {
			ck.oneOf(name+"type", r.Type, cfg.EmailTypes, "Choose an email type.")
		}
	}
	for i, r := range f.Addresses {
		if r.Remove || (r.Ref == "" && blankAll(r.Line1, r.Line2, r.City, r.State, r.Zip)) {
			continue
		}
		name := "address." + strconv.Itoa(i) + "."
		_, existing := originalPart(r.Original, 0)
		part := func(j int) string { p, _ := originalPart(r.Original, j); return p }
		if !existing || r.Type != part(0) {
			ck.oneOf(name+"type", r.Type, cfg.AddressTypes, "Choose an address type.")
		}
		for _, fl := range []struct {
			key, value, label string
			j, limit          int
		}{
			{"line1", r.Line1, "Address line 1", 1, maxLineLen},
			{"line2", r.Line2, "Address line 2", 2, maxLineLen},
			{"city", r.City, "City", 3, maxCityLen},
			{"state", r.State, "State", 4, maxStateLen},
			{"zip", r.Zip, "ZIP code", 5, maxZipLen},
		} {
			if existing && !changed(fl.value, part(fl.j)) {
				continue
			}
			ck.text(name+fl.key, fl.value, fl.label, fl.limit)
		}
		if existing && blankAll(r.Line1, r.Line2, r.City, r.State, r.Zip) {
			ck.errs[name+"line1"] = "This address is now empty. Fill it in, or tick Remove to delete it."
		}
		if !existing || r.Country != part(6) {
			if _, ok := countries.name(r.Country); !ok {
				ck.errs[name+"country"] = "Choose a country from the list."
			}
		}
	}
	return ck.errs
}

func (ck *checker) phone(name, value string, existing bool) {
	v := strings.TrimSpace(value)
	switch {
	case v == "" && existing:
		ck.errs[name] = "Enter a phone number, or tick Remove to delete this one."
		return
	case v == "":
		return
	case utf8.RuneCountInString(v) > maxPhoneLen:
		ck.errs[name] = "Use at most " + strconv.Itoa(maxPhoneLen) + " characters."
		return
	}
	num, err := phonenumbers.Parse(v, ck.region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		ck.errs[name] = "This is not a valid phone number. Use the international form for numbers outside " +
			regionLabel(ck.region) + ", e.g. +44 20 7946 0958."
	}
}

// unique flags field when key was seen in an earlier row (and the field has
// no other error yet), then records key.
func (ck *checker) unique(seen map[string]bool, key, field, msg string) {
	if seen[key] && ck.errs[field] == "" {
		ck.errs[field] = msg
	}
	seen[key] = true
}

// phoneKey identifies a number however it is written: E.164 when it parses,
// its digits otherwise.
func (ck *checker) phoneKey(number string) string {
	if num, err := phonenumbers.Parse(number, ck.region); err == nil {
		return phonenumbers.Format(num, phonenumbers.E164)
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, number)
}

func regionLabel(region string) string {
	if region == "US" {
		return "the US"
	}
	return region
}

func (ck *checker) email(name, value string, existing bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		if existing {
			ck.errs[name] = "Enter an email address, or tick Remove to delete this one."
		}
		return
	}
	if len(v) > maxEmailLen {
		ck.errs[name] = "Use at most " + strconv.Itoa(maxEmailLen) + " characters."
		return
	}
	addr, err := mail.ParseAddress(v)
	// One plain address only: no display name, no "<...>", no list.
	if err != nil || addr.Name != "" || addr.Address != v || !strings.Contains(v[strings.LastIndex(v, "@")+1:], ".") {
		ck.errs[name] = "Enter one email address like name@example.com."
	}
}

func (ck *checker) oneOf(name, value string, types []apptivo.Type, msg string) {
	if apptivo.TypeName(types, value) == "" {
		ck.errs[name] = msg
	}
}

func (ck *checker) text(name, value, label string, limit int) {
	v := strings.TrimSpace(value)
	switch {
	case utf8.RuneCountInString(v) > limit:
		ck.errs[name] = label + ": use at most " + strconv.Itoa(limit) + " characters."
	case hasControl(v):
		ck.errs[name] = label + ": remove the invisible control characters."
	}
}

// Edit turns the form into the diff's input: removed rows left out, blank
// new rows dropped, type and country names looked up.
func (f ContactForm) Edit(cfg *apptivo.Config, countries *countryList) *apptivo.ContactEdit {
	ce := &apptivo.ContactEdit{}
	touched := f.Touched()
	for _, s := range apptivo.ContactSections {
		if !slices.Contains(touched, s) {
			ce.Skip = append(ce.Skip, s)
		}
	}
	for _, r := range f.Phones {
		if r.Remove || (r.Ref == "" && blankAll(r.Number)) {
			continue
		}
		ce.Phones = append(ce.Phones, apptivo.PhoneInput{Ref: r.Ref, Number: r.Number, TypeCode: r.Type, TypeName: apptivo.TypeName(cfg.PhoneTypes, r.Type)})
	}
	for _, r := range f.Emails {
		if r.Remove || (r.Ref == "" && blankAll(r.Address)) {
			continue
		}
		ce.Emails = append(ce.Emails, apptivo.EmailInput{Ref: r.Ref, Address: r.Address, TypeCode: r.Type, TypeName: apptivo.TypeName(cfg.EmailTypes, r.Type)})
	}
	for _, r := range f.Addresses {
		if r.Remove || (r.Ref == "" && blankAll(r.Line1, r.Line2, r.City, r.State, r.Zip)) {
			continue
		}
		country, _ := countries.name(r.Country)
		ce.Addresses = append(ce.Addresses, apptivo.AddressInput{
			Ref: r.Ref, TypeCode: r.Type, TypeName: apptivo.TypeName(cfg.AddressTypes, r.Type),
			Line1: r.Line1, Line2: r.Line2, City: r.City, State: r.State, Zip: r.Zip,
			CountryCode: r.Country, CountryName: country,
		})
	}
	return ce
}

// changed is the desk's one rule for "did the person edit this value";
// apptivo.SameText defines it for the diff too.
func changed(now, orig string) bool {
	return !apptivo.SameText(now, orig)
}

func blankAll(values ...string) bool {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
