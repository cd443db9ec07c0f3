package views

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// csrfHeaders is the JSON for hx-headers:inherited on <body>, so every htmx
// request carries the token (htmx 4 does not inherit without ":inherited").
func csrfHeaders(token string) string {
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

// invalid marks the input with the given id invalid when errs has an entry
// under key, and ties it to its error text (rendered by Field as id-error).
func invalid(key, id string, errs map[string]string) templ.Attributes {
	if errs[key] == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-invalid": "true", "aria-describedby": id + "-error"}
}

// fieldID turns a form field name ("phone.2.number") into an element id.
func fieldID(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

// rowName builds the form field name of one row's input.
func rowName(kind string, i int, field string) string {
	return kind + "." + strconv.Itoa(i) + "." + field
}

// withCurrent makes sure a select offers the stored value even when Apptivo's
// config no longer lists it, so an untouched row never changes by itself.
func withCurrent(opts []Option, current, label string) []Option {
	if current == "" {
		return opts
	}
	for _, o := range opts {
		if o.Value == current {
			return opts
		}
	}
	if label == "" {
		label = current
	}
	return append([]Option{{Value: current, Label: label}}, opts...)
}

func itoa(i int) string { return strconv.Itoa(i) }

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// conflictSentence says who saved what when, in one sentence.
func conflictSentence(by, at string) string {
	if by == "" {
		by = "Somebody"
	}
	if at == "" {
		return by + " saved a change meanwhile."
	}
	return by + " saved a change at " + at + "."
}

// commRow is a phone or email row as the shared row markup needs it.
type commRow struct {
	ValueField, ValueLabel, InputType, InputMode, TypeText string
	Ref, Original, Value, Type, TypeLabel                  string
	Remove                                                 bool
	Types                                                  []Option
}

func phoneRows(f ContactForm) []commRow {
	rows := make([]commRow, len(f.Phones))
	for i, r := range f.Phones {
		rows[i] = commRow{ValueField: "number", ValueLabel: "Phone number", InputType: "tel", InputMode: "tel", TypeText: "Phone type",
			Ref: r.Ref, Original: r.Original, Value: r.Number, Type: r.Type, TypeLabel: r.TypeLabel, Remove: r.Remove, Types: f.PhoneTypes}
	}
	return rows
}

func emailRows(f ContactForm) []commRow {
	rows := make([]commRow, len(f.Emails))
	for i, r := range f.Emails {
		// type=text with inputmode=email: type=email lets browsers rewrite
		// international addresses (punycode) behind the person's back.
		rows[i] = commRow{ValueField: "address", ValueLabel: "Email address", InputType: "text", InputMode: "email", TypeText: "Email type",
			Ref: r.Ref, Original: r.Original, Value: r.Address, Type: r.Type, TypeLabel: r.TypeLabel, Remove: r.Remove, Types: f.EmailTypes}
	}
	return rows
}

// nameFieldID maps the name form's error key to its input's id.
func nameFieldID(string) string { return "customerName" }

// errLink is one line of a form's error summary: a link to the field.
type errLink struct{ ID, Text string }

// errorLinks lists a form's errors in the order the fields appear, each
// prefixed with where it is ("Phone number 4: ...").
func errorLinks(errs map[string]string, idOf func(string) string) []errLink {
	type keyed struct {
		kind, row, field int
		link             errLink
	}
	kinds := map[string]int{"phone": 0, "email": 1, "address": 2}
	fields := []string{"number", "address", "type", "line1", "line2", "city", "state", "zip", "country"}
	labels := map[string]string{"number": "Phone number", "type": "type", "line1": "Address line 1", "line2": "Address line 2",
		"city": "City", "state": "State", "zip": "ZIP code", "country": "Country"}
	var all []keyed
	for name, msg := range errs {
		parts := strings.Split(name, ".")
		k := keyed{kind: -1, link: errLink{ID: idOf(name), Text: msg}}
		if len(parts) == 3 {
			row, _ := strconv.Atoi(parts[1])
			k.kind, k.row, k.field = kinds[parts[0]], row, slices.Index(fields, parts[2])
			where := map[string]string{"phone": "Phone ", "email": "Email address ", "address": "Address "}[parts[0]] + strconv.Itoa(row+1)
			if parts[0] == "address" || parts[2] == "type" {
				where += ", " + labels[parts[2]]
			}
			k.link.Text = where + ": " + msg
		}
		all = append(all, k)
	}
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.row, b.row), cmp.Compare(a.field, b.field))
	})
	out := make([]errLink, len(all))
	for i, k := range all {
		out[i] = k.link
	}
	return out
}
