package views

import (
	"encoding/json"
	"strconv"

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

// FieldID turns a form field name ("phone.2.number") into an element id.
func FieldID(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

// RowName builds the form field name of one row's input: phone.2.number.
func RowName(kind string, i int, field string) string {
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

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }

// Plural counts: "1 field", "3 fields".
func Plural(n int, one, many string) string {
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

// fieldGroups splits a list's fields into the groups a row shows on one
// line each: a run of inline fields shares one.
func fieldGroups(fields []FormField) [][]int {
	var groups [][]int
	for i, f := range fields {
		if f.Inline && i > 0 && fields[i-1].Inline {
			groups[len(groups)-1] = append(groups[len(groups)-1], i)
			continue
		}
		groups = append(groups, []int{i})
	}
	return groups
}

// at is value i of a row's values ("" when the row has fewer).
func at(values []string, i int) string {
	if i < len(values) {
		return values[i]
	}
	return ""
}
