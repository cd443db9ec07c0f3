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

// Validate checks the name if the person changed it from what the form
// showed (Original, as the browser sent it back): a typo costs no Apptivo
// call. The save checks again against the fresh record (CheckAgainst), so a
// forged original skips nothing.
func (f NameForm) Validate() map[string]string {
	errs := map[string]string{}
	if !utf8.ValidString(f.Name) {
		errs["name"] = notText
		return errs
	}
	if changed(f.Name, f.Original) {
		checkName(errs, f.Name)
	}
	return errs
}

// CheckAgainst checks the name if it differs from the one Apptivo holds now.
func (f NameForm) CheckAgainst(fresh *apptivo.Customer) map[string]string {
	errs := map[string]string{}
	if changed(f.Name, fresh.Name()) {
		checkName(errs, f.Name)
	}
	return errs
}

func checkName(errs map[string]string, value string) {
	name := strings.TrimSpace(value)
	switch {
	case !utf8.ValidString(name):
		errs["name"] = notText
	case name == "":
		errs["name"] = "Enter the customer's name."
	case utf8.RuneCountInString(name) > maxNameLen:
		errs["name"] = "Use at most " + strconv.Itoa(maxNameLen) + " characters (this has " + strconv.Itoa(utf8.RuneCountInString(name)) + ")."
	case hasControl(name):
		errs["name"] = "Remove the invisible control characters from the name."
	}
}

// notText is the error for input that is not valid UTF-8: saving it would
// silently turn the bad bytes into "�".
const notText = "This contains characters that are not valid text (perhaps pasted from another program). Retype it."

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

// checker validates one form against the type lists and rules in force.
type checker struct {
	cfg       *apptivo.Config
	region    string
	countries *countryList
	errs      map[string]string
}

// before gives, for row i of a kind, the values the row is compared with to
// decide what the person changed (in the order of apptivo's ListKind
// fields), and whether the row edits an existing entry.
type before func(kind string, i int) (values []string, existing bool)

// Validate checks every value a person changed or added, compared with what
// the form showed them (the originals the browser sent back), so a typo
// costs no Apptivo call; stored values that were left alone are never held
// to today's rules. Invalid UTF-8 is refused wherever it is.
func (f ContactForm) Validate(cfg *apptivo.Config, region string, countries *countryList) map[string]string {
	return f.validate(cfg, region, countries, func(kind string, i int) ([]string, bool) {
		var parts []string
		orig := f.original(kind, i)
		if orig == "" || json.Unmarshal([]byte(orig), &parts) != nil {
			return nil, false
		}
		return parts, true
	}, nil)
}

// CheckAgainst checks the rows of the given sections against the fresh
// record: what differs from the entry a row points at is checked, whatever
// the browser claimed the row held before.
func (f ContactForm) CheckAgainst(fresh *apptivo.Customer, sections []apptivo.Section, cfg *apptivo.Config, region string, countries *countryList) map[string]string {
	refs := map[string][]string{}
	for _, s := range apptivo.ContactSections {
		for _, e := range fresh.Entries(s) {
			refs[kindName(s)+"\x00"+e.Ref] = e.Values
		}
	}
	return f.validate(cfg, region, countries, func(kind string, i int) ([]string, bool) {
		v, ok := refs[kind+"\x00"+f.ref(kind, i)]
		return v, ok
	}, sections)
}

func kindName(s apptivo.Section) string {
	switch s {
	case apptivo.SectionPhones:
		return "phone"
	case apptivo.SectionEmails:
		return "email"
	}
	return "address"
}

func (f ContactForm) original(kind string, i int) string {
	switch kind {
	case "phone":
		return f.Phones[i].Original
	case "email":
		return f.Emails[i].Original
	}
	return f.Addresses[i].Original
}

func (f ContactForm) ref(kind string, i int) string {
	switch kind {
	case "phone":
		return f.Phones[i].Ref
	case "email":
		return f.Emails[i].Ref
	}
	return f.Addresses[i].Ref
}

// validate checks the rows of the given sections (all when nil).
func (f ContactForm) validate(cfg *apptivo.Config, region string, countries *countryList, base before, sections []apptivo.Section) map[string]string {
	ck := &checker{cfg: cfg, region: region, countries: countries, errs: map[string]string{}}
	in := func(s apptivo.Section) bool { return sections == nil || slices.Contains(sections, s) }
	// Values already listed higher up; a changed or new row may not repeat one.
	seenPhones, seenEmails := map[string]bool{}, map[string]bool{}
	for i, r := range f.Phones {
		if !in(apptivo.SectionPhones) {
			break
		}
		name := "phone." + strconv.Itoa(i) + "."
		if !ck.utf8(name, "number", r.Number, "type", r.Type) || r.Remove || (r.Ref == "" && blankAll(r.Number)) {
			continue
		}
		orig, existing := base("phone", i)
		origNum, origType := part(orig, 0), part(orig, 1)
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
		if !in(apptivo.SectionEmails) {
			break
		}
		name := "email." + strconv.Itoa(i) + "."
		if !ck.utf8(name, "address", r.Address, "type", r.Type) || r.Remove || (r.Ref == "" && blankAll(r.Address)) {
			continue
		}
		orig, existing := base("email", i)
		origAddr, origType := part(orig, 0), part(orig, 1)
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
		if !in(apptivo.SectionAddresses) {
			break
		}
		name := "address." + strconv.Itoa(i) + "."
		if !ck.utf8(name, "type", r.Type, "line1", r.Line1, "line2", r.Line2, "city", r.City, "state", r.State, "zip", r.Zip, "country", r.Country) ||
			r.Remove || (r.Ref == "" && blankAll(r.Line1, r.Line2, r.City, r.State, r.Zip)) {
			continue
		}
		orig, existing := base("address", i)
		if !existing || r.Type != part(orig, 0) {
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
			if existing && !changed(fl.value, part(orig, fl.j)) {
				continue
			}
			ck.text(name+fl.key, fl.value, fl.label, fl.limit)
		}
		if existing && blankAll(r.Line1, r.Line2, r.City, r.State, r.Zip) {
			ck.errs[name+"line1"] = "This address is now empty. Fill it in, or tick Remove to delete it."
		}
		if !existing || r.Country != part(orig, 6) {
			if _, ok := countries.name(r.Country); !ok {
				ck.errs[name+"country"] = "Choose a country from the list."
			}
		}
	}
	return ck.errs
}

// part is value i of a row's baseline ("" beyond its end).
func part(values []string, i int) string {
	if i < len(values) {
		return values[i]
	}
	return ""
}

// utf8 flags every field of a row whose input is not valid UTF-8 and
// reports whether all were; fields come as name, value pairs.
func (ck *checker) utf8(row string, fields ...string) bool {
	ok := true
	for i := 0; i+1 < len(fields); i += 2 {
		if !utf8.ValidString(fields[i+1]) {
			ck.errs[row+fields[i]] = notText
			ok = false
		}
	}
	return ok
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

// Edit turns the form into the diff's input: one list per section whose
// rows fully arrived, removed rows left out, type and country names looked
// up, with the fingerprint of what the form showed.
func (f ContactForm) Edit(cfg *apptivo.Config, countries *countryList) apptivo.Edit {
	var e apptivo.Edit
	add := func(kind string, s apptivo.Section, rows []apptivo.Row) {
		if !f.missing[kind] {
			e.Lists = append(e.Lists, apptivo.ListEdit{Section: s, Rows: rows, Seen: f.Baseline(s)})
		}
	}
	var phones, emails, addresses []apptivo.Row
	for _, r := range f.Phones {
		if !r.Remove {
			phones = append(phones, apptivo.Row{Ref: r.Ref, Values: []string{r.Number, r.Type},
				Names: []string{"", apptivo.TypeName(cfg.PhoneTypes, r.Type)}})
		}
	}
	for _, r := range f.Emails {
		if !r.Remove {
			emails = append(emails, apptivo.Row{Ref: r.Ref, Values: []string{r.Address, r.Type},
				Names: []string{"", apptivo.TypeName(cfg.EmailTypes, r.Type)}})
		}
	}
	for _, r := range f.Addresses {
		if !r.Remove {
			country, _ := countries.name(r.Country)
			addresses = append(addresses, apptivo.Row{Ref: r.Ref,
				Values: []string{r.Type, r.Line1, r.Line2, r.City, r.State, r.Zip, r.Country},
				Names:  []string{apptivo.TypeName(cfg.AddressTypes, r.Type), "", "", "", "", "", country}})
		}
	}
	add("phone", apptivo.SectionPhones, phones)
	add("email", apptivo.SectionEmails, emails)
	add("address", apptivo.SectionAddresses, addresses)
	return e
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
