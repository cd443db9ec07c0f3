package handlers

import (
	"slices"
	"strconv"
	"strings"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// describe says in words what one section was and becomes: "Customer name:
// Acme → Acme Corp", "Phone 2: +1 415… → +1 650…", "Email address removed:
// old@acme.example", "Address 1: City San Jose → Santa Clara". The history
// and the change preview both speak through it.
func describe(sc apptivo.SectionChange) []views.ChangeLine {
	if sc.Section == apptivo.SectionName {
		return []views.ChangeLine{{Text: "Customer name: " + shown(first(sc.Before)) + " → " + shown(first(sc.After))}}
	}
	k := kindOf(sc.Section)
	if k == nil {
		return nil
	}
	var lines []views.ChangeLine
	kept := make([]bool, len(sc.Before))
	var order []int
	for i, after := range sc.After {
		j := -1
		if i < len(sc.From) {
			j = sc.From[i]
		}
		if j < 0 || j >= len(sc.Before) {
			lines = append(lines, views.ChangeLine{Text: k.item + " added: " + k.entryText(after)})
			continue
		}
		kept[j] = true
		order = append(order, j)
		before := sc.Before[j]
		for fi, f := range k.fields {
			was, now := k.fieldText(f, fi, before), k.fieldText(f, fi, after)
			if !changed(was, now) {
				continue
			}
			term := ""
			if f.summary != "" {
				term = strings.ToUpper(f.summary[:1]) + f.summary[1:] + " "
			}
			lines = append(lines, views.ChangeLine{Text: k.item + " " + strconv.Itoa(j+1) + ": " + term + shown(was) + " → " + shown(now)})
		}
	}
	for j, before := range sc.Before {
		if !kept[j] {
			lines = append(lines, views.ChangeLine{Text: k.item + " removed: " + k.entryText(before), Removal: true})
		}
	}
	if !slices.IsSorted(order) {
		lines = append(lines, views.ChangeLine{Text: k.legend + ": new order"})
	}
	return lines
}

// fieldText is one field of an entry as a person reads it: a picked code
// by its name.
func (k *rowKind) fieldText(f rowField, i int, v apptivo.Values) string {
	if f.pick != pickNone && i < len(v.Names) && v.Names[i] != "" {
		return v.Names[i]
	}
	if i < len(v.Values) {
		return v.Values[i]
	}
	return ""
}

// entryText is a whole entry on one line, as the read view shows it.
func (k *rowKind) entryText(v apptivo.Values) string {
	values, names := padded(v.Values, len(k.fields)), padded(v.Names, len(k.fields))
	return strings.Join(k.show(values, names).Lines, ", ")
}

func padded(s []string, n int) []string {
	if len(s) >= n {
		return s
	}
	return append(slices.Clone(s), make([]string, n-len(s))...)
}

func first(v []apptivo.Values) string {
	if len(v) == 0 || len(v[0].Values) == 0 {
		return ""
	}
	return v[0].Values[0]
}

// shown is a value for a sentence: trimmed, "(empty)" when there is none.
func shown(v string) string {
	if v = strings.TrimSpace(v); v == "" {
		return "(empty)"
	}
	return v
}

// preview is what Save would change, from the form alone: what it first
// showed (the originals it carries) against what is typed now. It costs no
// Apptivo call; the save itself still reads fresh and checks for conflicts.
func (in *nameInput) preview(rules) []apptivo.SectionChange {
	if !changed(in.Name, in.Original) {
		return nil
	}
	return []apptivo.SectionChange{{Section: apptivo.SectionName,
		Before: []apptivo.Values{{Values: []string{in.Original}}}, After: []apptivo.Values{{Values: []string{in.Name}}}, From: []int{0}}}
}

func (in *contactInput) preview(r rules) []apptivo.SectionChange {
	var out []apptivo.SectionChange
	for _, l := range in.Lists {
		if l.Missing {
			continue
		}
		k := l.Kind
		sc := apptivo.SectionChange{Section: k.list.Section}
		for _, row := range l.Rows {
			if row.Was == nil {
				continue
			}
			sc.Before = append(sc.Before, apptivo.Values{Values: row.Was, Names: k.names(row.Was, r.cfg, r.countries)})
		}
		seen := 0
		for _, row := range l.Rows {
			from := -1
			if row.Was != nil {
				from, seen = seen, seen+1
			}
			if row.skipped(k) {
				continue
			}
			sc.After = append(sc.After, apptivo.Values{Values: row.Values, Names: k.names(row.Values, r.cfg, r.countries)})
			sc.From = append(sc.From, from)
		}
		if len(describe(sc)) > 0 {
			out = append(out, sc)
		}
	}
	return out
}

// changeLines puts the lines of several sections together.
func changeLines(changes []apptivo.SectionChange) []views.ChangeLine {
	var lines []views.ChangeLine
	for _, sc := range changes {
		lines = append(lines, describe(sc)...)
	}
	return lines
}
