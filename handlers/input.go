package handlers

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// Limits for what a person may type. Apptivo documents none; these keep
// values sane for every screen that shows them.
const (
	maxNameLen  = 200
	maxPhoneLen = 40
	maxEmailLen = 254
	maxLineLen  = 200
	maxCityLen  = 100
	maxStateLen = 100
	maxZipLen   = 20
	// maxRowsOfKind bounds how many rows of one kind a form may post; the
	// body limit bounds the whole form anyway. A record with more entries
	// than this can be read but not saved from the form (tooMany says so).
	maxRowsOfKind = 1000
)

// sectionInput is what one section form posted, and what it means for a
// save. Presenting a form (present.go) is kept apart from deciding a save
// (save.go); both work from these.
type sectionInput interface {
	card() card
	// fingerprint is of the card's sections as the form first showed them.
	fingerprint() string
	// precheck validates what the person changed as the form showed it,
	// before any Apptivo call.
	precheck(r rules) map[string]string
	// edit is what was submitted, with the fingerprints of what the form showed.
	edit(r rules) apptivo.Edit
	// recheck validates the sections about to be written against the fresh
	// record, whatever the browser claimed the form showed.
	recheck(fresh *apptivo.Customer, sections []apptivo.Section, r rules) map[string]string
	// rebase turns the input into the conflict form: sections the person did
	// not touch take the fresh values, and the baseline moves to the fresh
	// record so "Save mine over theirs" goes through.
	rebase(fresh *apptivo.Customer, touched []apptivo.Section, r rules)
	// preview is what Save would change, from the form alone.
	preview(r rules) []apptivo.SectionChange
	// resolving reports whether the form is a conflict view's: its save is
	// a conflict resolution in the history.
	resolving() bool
}

// nameInput is what the name form posted.
type nameInput struct {
	Name        string // as typed
	Original    string // the name as the form first showed it (the browser's word for it)
	Fingerprint string // of the name as the form first showed it
	Resolving   bool   // the form came from a conflict view
}

func bindName(v url.Values) *nameInput {
	return &nameInput{Name: v.Get("name"), Original: v.Get("name_orig"), Fingerprint: v.Get("fingerprint"), Resolving: v.Get("resolving") != ""}
}

func (in *nameInput) resolving() bool        { return in.Resolving }
func (in *contactInput) resolving() bool     { return in.Resolving }
func (in *nameInput) fingerprint() string    { return in.Fingerprint }
func (in *contactInput) fingerprint() string { return in.Fingerprint }

// nameInputOf is the name form of a record, untouched.
func nameInputOf(c *apptivo.Customer) *nameInput {
	return &nameInput{Name: c.Name(), Original: c.Name(), Fingerprint: c.Fingerprint(apptivo.SectionName)}
}

func (in *nameInput) card() card { return cardName }
func (in *nameInput) edit(rules) apptivo.Edit {
	return apptivo.Edit{Name: &apptivo.NameEdit{Value: in.Name, Seen: in.Fingerprint}}
}
func (in *nameInput) rebase(fresh *apptivo.Customer, _ []apptivo.Section, _ rules) {
	in.Original, in.Fingerprint, in.Resolving = fresh.Name(), fresh.Fingerprint(apptivo.SectionName), true
}

// contactInput is what the contact details form posted: every list, row by row.
type contactInput struct {
	Lists       []listInput // one per row kind, in rowKinds order
	Fingerprint string      // one fingerprint per list section, joined by "."
	Add         string      // a row kind's name: add a blank row of it instead of saving
	// Cleared says which values the desk emptied because they no longer fit
	// the person's change (see clearMisfits), for telling them.
	Cleared []string
	// Resolving marks a form that came from a conflict view.
	Resolving bool
}

// listInput is the rows of one kind as posted.
type listInput struct {
	Kind *rowKind
	Rows []rowInput
	// Missing marks a list whose rows did not (fully) arrive: it is treated
	// as not on the form, never as "remove everything".
	Missing bool
	// TooMany marks a list with more rows than the desk takes: its save is
	// refused, never taken for "no changes".
	TooMany bool
}

// rowInput is one row as posted.
type rowInput struct {
	Ref    string   // the entry it edits; "" for a new row
	Values []string // as typed, in the kind's field order
	Was    []string // as the form first showed them; nil for a new row
	Remove bool     // Remove was ticked
	Labels []string // stored display names of picked values, for codes no longer on offer
}

// isNew reports whether the row adds an entry rather than edits one.
func (r rowInput) isNew() bool { return r.Ref == "" }

// skipped reports whether the row takes no part in a save: ticked for
// removal, or new and left blank.
func (r rowInput) skipped(k *rowKind) bool {
	return r.Remove || (r.isNew() && k.list.Blank(r.Values))
}

func (in *contactInput) card() card { return cardContact }

// list returns the input's list of a kind.
func (in *contactInput) list(k *rowKind) *listInput {
	for i := range in.Lists {
		if in.Lists[i].Kind == k {
			return &in.Lists[i]
		}
	}
	return nil
}

// clearMisfits empties values that no longer fit a change the person made —
// the old country's state once the country changed — unless they changed
// them too, so the form shows, the preview lists and the save sends one
// consistent row, and saving again finds nothing left to do.
func (in *contactInput) clearMisfits() {
	for _, l := range in.Lists {
		for i, row := range l.Rows {
			if row.Was == nil || row.skipped(l.Kind) {
				continue
			}
			for fi, f := range l.Kind.fields {
				if len(f.resets) == 0 || !changed(row.Values[fi], row.Was[fi]) {
					continue
				}
				for _, name := range f.resets {
					ri := slices.IndexFunc(l.Kind.fields, func(g rowField) bool { return g.name == name })
					if ri < 0 || changed(row.Values[ri], row.Was[ri]) || strings.TrimSpace(row.Values[ri]) == "" {
						continue
					}
					in.Cleared = append(in.Cleared, "The "+strings.ToLower(l.Kind.fields[ri].label)+" of "+strings.ToLower(l.Kind.item)+" "+
						strconv.Itoa(i+1)+" ("+strings.TrimSpace(row.Values[ri])+") was cleared because its "+strings.ToLower(f.label)+" changed.")
					row.Values[ri] = ""
				}
			}
		}
	}
}

func bindContact(v url.Values) *contactInput {
	in := &contactInput{Fingerprint: v.Get("fingerprint"), Add: v.Get("add"), Resolving: v.Get("resolving") != ""}
	for _, k := range rowKinds {
		l := listInput{Kind: k}
		n, err := strconv.Atoi(v.Get(k.name + ".count"))
		switch {
		case err != nil || n < 0:
			l.Missing, n = true, 0
		case n > maxRowsOfKind:
			l.Missing, l.TooMany, n = true, true, 0
		}
		for i := range n {
			r := rowInput{Ref: v.Get(k.inputName(i, "ref")), Remove: v.Get(k.inputName(i, "remove")) != "", Values: make([]string, len(k.fields))}
			for j, f := range k.fields {
				r.Values[j] = singleLine(v.Get(k.inputName(i, f.name)))
				if was, ok := v[k.inputName(i, "was."+f.name)]; ok && !r.isNew() {
					if r.Was == nil {
						r.Was = make([]string, len(k.fields))
					}
					r.Was[j] = was[0]
				}
			}
			l.Rows = append(l.Rows, r)
		}
		in.Lists = append(in.Lists, l)
	}
	in.clearMisfits()
	return in
}

// singleLine undoes what no single-line input can hold: a pasted line break
// would split the value invisibly.
func singleLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// contactInputOf is the contact form of a record, untouched, with one blank
// row of each kind ready for a new entry.
func contactInputOf(c *apptivo.Customer, r rules) *contactInput {
	in := &contactInput{Fingerprint: contactFingerprint(c)}
	for _, k := range rowKinds {
		l := listInput{Kind: k}
		for _, e := range c.Entries(k.list.Section) {
			l.Rows = append(l.Rows, rowInput{Ref: e.Ref, Values: slices.Clone(e.Values), Was: slices.Clone(e.Values), Labels: e.Names})
		}
		l.Rows = append(l.Rows, k.blankRow(r.cfg, r.region))
		in.Lists = append(in.Lists, l)
	}
	return in
}

// addBlank appends an empty row of a kind; it returns the id of its first input.
func (in *contactInput) addBlank(k *rowKind, r rules) string {
	l := in.list(k)
	if len(l.Rows) < maxRowsOfKind {
		l.Rows = append(l.Rows, k.blankRow(r.cfg, r.region))
	}
	return views.FieldID(k.inputName(len(l.Rows)-1, k.fields[k.firstContent()].name))
}

// contactFingerprint is the per-section fingerprint the contact form carries.
func contactFingerprint(c *apptivo.Customer) string {
	parts := make([]string, len(rowKinds))
	for i, k := range rowKinds {
		parts[i] = c.Fingerprint(k.list.Section)
	}
	return strings.Join(parts, ".")
}

// baseline is the fingerprint of a list section as the form first showed it
// ("" when the form's fingerprint is malformed: then any change conflicts).
func (in *contactInput) baseline(k *rowKind) string {
	parts := strings.Split(in.Fingerprint, ".")
	if len(parts) != len(rowKinds) {
		return ""
	}
	return parts[slices.Index(rowKinds, k)]
}

// edit turns the form into the diff's input: one list per kind whose rows
// fully arrived, removed rows left out, type and country names looked up,
// with the fingerprint of what the form showed.
func (in *contactInput) edit(r rules) apptivo.Edit {
	var e apptivo.Edit
	for _, l := range in.Lists {
		if l.Missing {
			continue
		}
		le := apptivo.ListEdit{Section: l.Kind.list.Section, Seen: in.baseline(l.Kind)}
		for _, row := range l.Rows {
			if !row.Remove {
				le.Rows = append(le.Rows, apptivo.Row{Ref: row.Ref, Values: row.Values, Names: l.Kind.names(row.Values, r.cfg, r.countries)})
			}
		}
		e.Lists = append(e.Lists, le)
	}
	return e
}

// rebase keeps the person's rows of the sections they touched and shows the
// fresh ones elsewhere; every list is on the conflict form again.
func (in *contactInput) rebase(fresh *apptivo.Customer, touched []apptivo.Section, r rules) {
	now := contactInputOf(fresh, r)
	for i, l := range in.Lists {
		if l.Missing || !slices.Contains(touched, l.Kind.list.Section) {
			in.Lists[i] = now.Lists[i]
			continue
		}
		in.Lists[i].Rows = rebind(in.Lists[i].Rows, fresh.Entries(l.Kind.list.Section))
	}
	in.Fingerprint, in.Resolving = now.Fingerprint, true
}

// rebind points the person's rows at the fresh entries they stand for, now
// that the conflict view makes the fresh record their baseline. Refs name
// entries of the record the form was first read from; after a colleague's
// change the same ref may name another entry (ids repeat, positions move).
// In turn:
//  1. rows the person left as they were keep an entry with their id that
//     still holds exactly that (so an untouched twin keeps its own entry);
//  2. edited or removed rows keep such an entry likewise;
//  3. a row left over keeps the one remaining entry with its id, changed
//     by the colleague too; among several, it cannot tell which.
//
// An edited row left without an entry becomes new ("mine over theirs"
// replaces the colleague's version); a removal left without one is dropped,
// for its entry is gone or was changed beyond telling — and unbound entries
// are removed anyway when "mine" is saved.
func rebind(rows []rowInput, fresh []apptivo.Entry) []rowInput {
	used := make([]bool, len(fresh))
	bound := make([]bool, len(rows))
	claim := func(i int, ok func(e apptivo.Entry) bool) {
		r := &rows[i]
		id := apptivo.IDOfRef(r.Ref)
		for j, e := range fresh {
			if !used[j] && e.ID == id && ok(e) {
				used[j], bound[i] = true, true
				r.Ref, r.Was = e.Ref, slices.Clone(e.Values)
				return
			}
		}
	}
	untouched := func(r rowInput) bool { return !r.Remove && sameValues(r.Values, r.Was) }
	for pass := range 3 {
		for i := range rows {
			r := rows[i]
			if r.isNew() || bound[i] || (pass == 0 && !untouched(r)) {
				continue
			}
			switch pass {
			case 0, 1:
				claim(i, func(e apptivo.Entry) bool { return sameValues(e.Values, r.Was) })
			case 2:
				id := apptivo.IDOfRef(r.Ref)
				left := 0
				for j, e := range fresh {
					if !used[j] && e.ID == id && id != "" {
						left++
					}
				}
				if left == 1 {
					claim(i, func(apptivo.Entry) bool { return true })
				}
			}
		}
	}
	out := rows[:0]
	for i, r := range rows {
		switch {
		case r.isNew() || bound[i]:
		case r.Remove:
			continue
		default:
			r.Ref, r.Was, r.Labels = "", nil, nil
		}
		out = append(out, r)
	}
	return out
}

func sameValues(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if changed(a[i], b[i]) {
			return false
		}
	}
	return true
}

// changed is the desk's one rule for "did the person edit this value";
// apptivo.SameText defines it for the diff too.
func changed(now, orig string) bool {
	return !apptivo.SameText(now, orig)
}
