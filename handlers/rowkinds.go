package handlers

import (
	"strings"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// rowKind is everything the desk knows about one kind of contact row: the
// list it edits in the record (apptivo.ListKind), how its inputs look, how
// its values are checked, and how the read view shows an entry. Binding,
// checking, building the edit, the form and read views, previews and the
// error summary all loop over rowKinds, so a new kind of row (websites, say)
// is one rowKind here plus one apptivo.ListKind for the record.
type rowKind struct {
	name     string // prefix of its inputs: "phone" → phone.0.number
	list     *apptivo.ListKind
	legend   string // "Phone numbers": the fieldset's legend and the read view's heading
	addLabel string // "Add phone number"
	item     string // "Phone": the error summary says "Phone 2: …"
	empty    string // the read view of a list without entries
	readID   string // data-testid of the read view's list
	emptied  string // the error for an existing row whose values were all cleared
	fields   []rowField
	// types are the choices of the kind's type picker.
	types func(cfg *apptivo.Config) []apptivo.Type
	// show is how the read view shows one entry.
	show func(values, names []string) views.ReadItem
}

// rowField is one input of a row, in the order of the list's apptivo fields.
type rowField struct {
	name         string // "number": the input is phone.0.number
	label        string // "Phone number"
	input        string // the input's type ("text", "tel"); "" for a picker
	inputMode    string
	noSpellcheck bool
	inline       bool   // shares a line with the inline fields next to it
	pick         picker // what a picker offers
	summary      string // how the error summary names the field ("type"); "" names the row only
	limit        int    // at most this many characters (text fields)
	// check validates a value the person changed; nil for text, which is
	// checked against limit, and pickers, which must offer the value.
	check func(ck *checker, key, value string)
	// unique, when set, is the key no two rows may share (duplicate is the error).
	unique    func(ck *checker, value string) string
	duplicate string
	badPick   string // the error when a picker's value is not on offer
	// resets are fields of the row that no longer fit once this one changes,
	// and are emptied unless the person changed them too: a state belongs
	// to its country.
	resets []string
}

type picker int

const (
	pickNone picker = iota
	pickType
	pickCountry
)

// rowKinds are the contact rows, in the order of the form and the update.
var rowKinds = []*rowKind{
	{
		name: "phone", list: apptivo.ListKindOf(apptivo.SectionPhones),
		legend: "Phone numbers", addLabel: "Add phone number", item: "Phone", empty: "No phone numbers yet.", readID: "phones",
		emptied: "Enter a phone number, or tick Remove to delete this one.",
		fields: []rowField{
			{name: "number", label: "Phone number", input: "tel", inputMode: "tel", noSpellcheck: true, check: (*checker).phone,
				unique: (*checker).phoneKey, duplicate: "This number is already listed above."},
			{name: "type", label: "Phone type", pick: pickType, summary: "type", badPick: "Choose a phone type."},
		},
		types: func(cfg *apptivo.Config) []apptivo.Type { return cfg.PhoneTypes },
		show: func(v, n []string) views.ReadItem {
			return views.ReadItem{Term: orDash(n[1], v[1]), Lines: []string{v[0]}, Href: telURL(v[0])}
		},
	},
	{
		name: "email", list: apptivo.ListKindOf(apptivo.SectionEmails),
		legend: "Email addresses", addLabel: "Add email address", item: "Email address", empty: "No email addresses yet.", readID: "emails",
		emptied: "Enter an email address, or tick Remove to delete this one.",
		fields: []rowField{
			// type=text with inputmode=email: type=email lets browsers rewrite
			// international addresses (punycode) behind the person's back.
			{name: "address", label: "Email address", input: "text", inputMode: "email", noSpellcheck: true, check: (*checker).email,
				unique: func(_ *checker, v string) string { return strings.ToLower(strings.TrimSpace(v)) }, duplicate: "This address is already listed above."},
			{name: "type", label: "Email type", pick: pickType, summary: "type", badPick: "Choose an email type."},
		},
		types: func(cfg *apptivo.Config) []apptivo.Type { return cfg.EmailTypes },
		show: func(v, n []string) views.ReadItem {
			return views.ReadItem{Term: orDash(n[1], v[1]), Lines: []string{v[0]}, Href: "mailto:" + v[0]}
		},
	},
	{
		name: "address", list: apptivo.ListKindOf(apptivo.SectionAddresses),
		legend: "Addresses", addLabel: "Add address", item: "Address", empty: "No addresses yet.", readID: "addresses",
		emptied: "This address is now empty. Fill it in, or tick Remove to delete it.",
		fields: []rowField{
			{name: "type", label: "Address type", pick: pickType, summary: "type", badPick: "Choose an address type."},
			{name: "line1", label: "Address line 1", input: "text", summary: "Address line 1", limit: maxLineLen},
			{name: "line2", label: "Address line 2", input: "text", summary: "Address line 2", limit: maxLineLen},
			{name: "city", label: "City", input: "text", inline: true, summary: "City", limit: maxCityLen},
			{name: "state", label: "State", input: "text", inline: true, summary: "State", limit: maxStateLen},
			{name: "zip", label: "ZIP code", input: "text", inline: true, summary: "ZIP code", limit: maxZipLen},
			{name: "country", label: "Country", pick: pickCountry, summary: "Country", badPick: "Choose a country from the list.", resets: []string{"state"}},
		},
		types: func(cfg *apptivo.Config) []apptivo.Type { return cfg.AddressTypes },
		show: func(v, n []string) views.ReadItem {
			var lines []string
			for _, l := range []string{v[1], v[2], joinNonEmpty(" ", joinNonEmpty(", ", v[3], v[4]), v[5]), n[6]} {
				if strings.TrimSpace(l) != "" {
					lines = append(lines, l)
				}
			}
			return views.ReadItem{Term: orDash(n[0], v[0]), Lines: lines, Postal: true}
		},
	},
}

// kindNamed finds a row kind by its input prefix.
func kindNamed(name string) *rowKind {
	for _, k := range rowKinds {
		if k.name == name {
			return k
		}
	}
	return nil
}

// kindOf finds the row kind of a list section.
func kindOf(s apptivo.Section) *rowKind {
	for _, k := range rowKinds {
		if k.list.Section == s {
			return k
		}
	}
	return nil
}

// firstContent is the index of the row's first content field (where an
// "emptied" error goes), or 0.
func (k *rowKind) firstContent() int {
	for i, f := range k.list.Fields {
		if f.Content {
			return i
		}
	}
	return 0
}

// inputName is the form field name of one row's input: phone.2.number.
func (k *rowKind) inputName(row int, field string) string { return views.RowName(k.name, row, field) }

// choices are the options a picker field offers.
func (k *rowKind) choices(f rowField, cfg *apptivo.Config, countries *countryList) []views.Option {
	switch f.pick {
	case pickType:
		return typeOptions(k.types(cfg))
	case pickCountry:
		return countries.options
	}
	return nil
}

// names are the display names of a row's picked values (type and country
// names), "" for plain values: what Apptivo stores beside each code.
func (k *rowKind) names(values []string, cfg *apptivo.Config, countries *countryList) []string {
	out := make([]string, len(k.fields))
	for i, f := range k.fields {
		switch f.pick {
		case pickType:
			out[i] = apptivo.TypeName(k.types(cfg), values[i])
		case pickCountry:
			out[i], _ = countries.name(values[i])
		}
	}
	return out
}

// blankRow is a new row with its pickers pre-filled, so adding a number is
// one field to type; left empty, it is ignored.
func (k *rowKind) blankRow(cfg *apptivo.Config, region string) rowInput {
	r := rowInput{Values: make([]string, len(k.fields))}
	for i, f := range k.fields {
		switch f.pick {
		case pickType:
			if t := k.types(cfg); len(t) > 0 {
				r.Values[i] = t[0].Code
			}
		case pickCountry:
			r.Values[i] = region
		}
	}
	return r
}

func typeOptions(types []apptivo.Type) []views.Option {
	out := make([]views.Option, len(types))
	for i, t := range types {
		out[i] = views.Option{Value: t.Code, Label: t.Name}
	}
	return out
}
