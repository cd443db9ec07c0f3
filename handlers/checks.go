package handlers

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/customerdesk/desk/apptivo"
)

// rules are what a form is checked against: the type lists of the person's
// Apptivo firm, the phone region, the country list.
type rules struct {
	cfg       *apptivo.Config
	region    string
	countries *countryList
}

// notText is the error for input that is not valid UTF-8: saving it would
// silently turn the bad bytes into "�".
const notText = "This contains characters that are not valid text (perhaps pasted from another program). Retype it."

// precheck checks the name if the person changed it from what the form
// showed (Original, as the browser sent it back): a typo costs no Apptivo
// call. The save checks again against the fresh record (recheck), so a
// forged original skips nothing.
func (in *nameInput) precheck(rules) map[string]string {
	errs := map[string]string{}
	if !utf8.ValidString(in.Name) {
		errs["name"] = notText
	} else if changed(in.Name, in.Original) {
		checkName(errs, in.Name)
	}
	return errs
}

// recheck checks the name if it differs from the one Apptivo holds now.
func (in *nameInput) recheck(fresh *apptivo.Customer, _ []apptivo.Section, _ rules) map[string]string {
	errs := map[string]string{}
	if changed(in.Name, fresh.Name()) {
		checkName(errs, in.Name)
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

// before gives the values a row is compared with to decide what the person
// changed, and whether the row edits an existing entry.
type before func(l *listInput, i int) (values []string, existing bool)

// precheck checks every value a person changed or added, compared with what
// the form showed them (the originals the browser sent back), so a typo
// costs no Apptivo call; stored values that were left alone are never held
// to today's rules. Invalid UTF-8 is refused wherever it is.
func (in *contactInput) precheck(r rules) map[string]string {
	for _, l := range in.Lists {
		if l.TooMany {
			// Keyed to the list's add button, which the summary links to.
			return map[string]string{"add-" + l.Kind.name: l.Kind.legend + ": this form holds more than " +
				strconv.Itoa(maxRowsOfKind) + ", which the desk cannot save at once. Change them in Apptivo itself."}
		}
	}
	return in.check(r, nil, func(l *listInput, i int) ([]string, bool) {
		row := l.Rows[i]
		return row.Was, row.Was != nil
	})
}

// recheck checks the rows of the given sections against the fresh record:
// what differs from the entry a row points at is checked, whatever the
// browser claimed the row held before.
func (in *contactInput) recheck(fresh *apptivo.Customer, sections []apptivo.Section, r rules) map[string]string {
	// A ref binds once, as in the update: a second row naming the same
	// entry becomes a new entry, so it is checked as one.
	claimed := map[*rowKind]map[string]bool{}
	return in.check(r, sections, func(l *listInput, i int) ([]string, bool) {
		row := l.Rows[i]
		if row.isNew() || claimed[l.Kind][row.Ref] {
			return nil, false
		}
		for _, e := range fresh.Entries(l.Kind.list.Section) {
			if e.Ref == row.Ref {
				if claimed[l.Kind] == nil {
					claimed[l.Kind] = map[string]bool{}
				}
				claimed[l.Kind][row.Ref] = true
				return e.Values, true
			}
		}
		return nil, false
	})
}

// check validates the rows of the given sections (all when nil).
func (in *contactInput) check(r rules, sections []apptivo.Section, base before) map[string]string {
	ck := &checker{rules: r, errs: map[string]string{}}
	for li := range in.Lists {
		l := &in.Lists[li]
		if l.Missing || (sections != nil && !slices.Contains(sections, l.Kind.list.Section)) {
			continue
		}
		// Values already listed higher up; a changed or new row may not repeat one.
		seen := map[string]bool{}
		for i, row := range l.Rows {
			if !ck.utf8(l.Kind, i, row.Values) || row.skipped(l.Kind) {
				continue
			}
			was, existing := base(l, i)
			ck.row(l.Kind, i, row.Values, was, existing, seen)
		}
	}
	return ck.errs
}

// checker validates one form against the rules in force.
type checker struct {
	rules
	errs map[string]string
}

// utf8 flags every value of a row that is not valid UTF-8, and reports
// whether all were.
func (ck *checker) utf8(k *rowKind, i int, values []string) bool {
	ok := true
	for j, f := range k.fields {
		if !utf8.ValidString(values[j]) {
			ck.errs[k.inputName(i, f.name)] = notText
			ok = false
		}
	}
	return ok
}

// row checks the values of one row that differ from was (all of them for a
// new row).
func (ck *checker) row(k *rowKind, i int, values, was []string, existing bool, seen map[string]bool) {
	if existing && k.list.Blank(values) {
		ck.errs[k.inputName(i, k.fields[k.firstContent()].name)] = k.emptied
	}
	for j, f := range k.fields {
		key := k.inputName(i, f.name)
		v := values[j]
		old := ""
		if j < len(was) {
			old = was[j]
		}
		if f.pick != pickNone {
			// A code is changed only by choosing another one.
			if !existing || v != old {
				ck.pick(k, f, key, v)
			}
			continue
		}
		if existing && !changed(v, old) {
			if f.unique != nil {
				seen[f.unique(ck, v)] = true
			}
			continue
		}
		switch {
		case ck.errs[key] != "":
		case f.check != nil:
			f.check(ck, key, v)
		default:
			ck.text(key, v, f.label, f.limit)
		}
		if f.unique != nil {
			u := f.unique(ck, v)
			if seen[u] && ck.errs[key] == "" {
				ck.errs[key] = f.duplicate
			}
			seen[u] = true
		}
	}
}

func (ck *checker) pick(k *rowKind, f rowField, key, v string) {
	switch f.pick {
	case pickType:
		if apptivo.TypeName(k.types(ck.cfg), v) == "" {
			ck.errs[key] = f.badPick
		}
	case pickCountry:
		if _, ok := ck.countries.name(v); !ok {
			ck.errs[key] = f.badPick
		}
	}
}

func (ck *checker) phone(name, value string) {
	v := strings.TrimSpace(value)
	switch {
	case v == "":
		return // an emptied row is reported once, by row
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

func (ck *checker) email(name, value string) {
	v := strings.TrimSpace(value)
	if v == "" {
		return // an emptied row is reported once, by row
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

func (ck *checker) text(name, value, label string, limit int) {
	v := strings.TrimSpace(value)
	switch {
	case utf8.RuneCountInString(v) > limit:
		ck.errs[name] = label + ": use at most " + strconv.Itoa(limit) + " characters."
	case hasControl(v):
		ck.errs[name] = label + ": remove the invisible control characters."
	}
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
