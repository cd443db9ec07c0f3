package apptivo

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// ListKind describes one list section of a customer (phone numbers, email
// addresses, addresses): where it lives in the record, how the update call
// names it, and the values a person edits in each entry. Everything the desk
// does with a list — reading it, fingerprinting it, applying an edit — goes
// through its kind, so a new kind of list is one more descriptor.
type ListKind struct {
	Section      Section
	Attribute    string  // the update's attributeName: "phoneNumbers"
	AttributeID  *string // the matching attributeIds entry; nil is sent as null
	Flag         string  // the update's is*Update parameter
	Member       string  // the list in the record: "phoneNumbers"
	RemoveMember string  // where removed entries go: "removePhoneNumbers"
	IDMember     string  // Apptivo's (not unique) entry id: "communicationId"
	Fields       []Field // what a person sees and edits, in form order
	// New lists the members a new entry starts with, as raw JSON.
	New []Member
	// Identity are the members by which Apptivo knows a stored entry (its
	// ids): an entry put back after it was removed goes without them, as a
	// new entry holding everything else it held.
	Identity []string
	// index is the kind's place in listKinds (and in Customer.lists).
	index int
}

// Field is one value of a list entry that a person sees and edits.
type Field struct {
	Key string // the entry member holding the value: "phoneNumber"
	// NameKey, for a value picked from a list of codes, is the member holding
	// the code's display name ("phoneType" for "phoneTypeCode").
	NameKey string
	// Content fields are what a person types; a new row whose content fields
	// are all blank is no entry at all (type pickers come pre-filled).
	Content bool
	// Clears are members that no longer fit once this value changes, and the
	// value they are reset to (a state's code once the state is retyped).
	Clears []Member
}

// Member is one member of a JSON object, its value as raw JSON.
type Member struct {
	Key   string
	Value json.RawMessage
}

func ptr(s string) *string { return &s }

// listKinds are the list sections in Apptivo's reference order.
var listKinds = [...]*ListKind{
	{
		Section: SectionPhones, Attribute: "phoneNumbers", AttributeID: ptr("cust_phone_attr"), Flag: "isPhoneNumberUpdate",
		Member: "phoneNumbers", RemoveMember: "removePhoneNumbers", IDMember: "communicationId",
		Fields:   []Field{{Key: "phoneNumber", Content: true}, {Key: "phoneTypeCode", NameKey: "phoneType"}},
		New:      []Member{{"id", json.RawMessage(`"cust_phone_input"`)}},
		Identity: []string{"communicationId"},
		index:    0,
	},
	{
		Section: SectionEmails, Attribute: "emailAddresses", AttributeID: ptr("email_attr"), Flag: "isEmailAddressUpdate",
		Member: "emailAddresses", RemoveMember: "removeEmailAddresses", IDMember: "communicationId",
		Fields:   []Field{{Key: "emailAddress", Content: true}, {Key: "emailTypeCode", NameKey: "emailType"}},
		New:      []Member{{"id", json.RawMessage(`"cont_email_input"`)}},
		Identity: []string{"communicationId"},
		index:    1,
	},
	{
		// The reference page sends null as the address attribute id.
		Section: SectionAddresses, Attribute: "address", AttributeID: nil, Flag: "isAddressUpdate",
		Member: "addresses", RemoveMember: "removeAddresses", IDMember: "addressId",
		Fields: []Field{
			{Key: "addressTypeCode", NameKey: "addressType"},
			{Key: "addressLine1", Content: true},
			{Key: "addressLine2", Content: true},
			{Key: "city", Content: true},
			// The code of the old state would contradict the new one; Apptivo derives it again.
			{Key: "state", Content: true, Clears: []Member{{"stateCode", json.RawMessage(`""`)}}},
			{Key: "zipCode", Content: true},
			// Apptivo's numeric country id is unknown to us for a new country, and
			// the old state's code does not belong to it: both go. (The state's
			// name is the desk's to clear, in the form, where people see it.)
			{Key: "countryCode", NameKey: "countryName", Clears: []Member{{"countryId", json.RawMessage(`null`)}, {"stateCode", json.RawMessage(`""`)}}},
		},
		New: []Member{
			{"addressAttributeId", json.RawMessage(`"address_section_attr_id"`)},
			{"isAdded", json.RawMessage(`true`)},
		},
		// "id" is the address's own ("address_section_attr_id_<uuid>").
		Identity: []string{"addressId", "id"},
		index:    2,
	},
}

// ListKindOf returns the descriptor of a list section, or nil for the name.
func ListKindOf(s Section) *ListKind { return kindOf(s) }

func kindOf(s Section) *ListKind {
	for _, k := range listKinds {
		if k.Section == s {
			return k
		}
	}
	return nil
}

// Blank reports whether a row's content fields are all empty: a new row
// like that is left out, never added as an empty entry.
func (k *ListKind) Blank(values []string) bool {
	for i, f := range k.Fields {
		if f.Content && i < len(values) && strings.TrimSpace(values[i]) != "" {
			return false
		}
	}
	return true
}

// Edit is what a person submitted on one form, section by section, each with
// the fingerprint of that section as the form first showed it (Seen). A
// section the form did not carry is left out and stays as it is.
type Edit struct {
	Name  *NameEdit
	Lists []ListEdit
}

// NameEdit is the customer name as submitted.
type NameEdit struct {
	Value string
	Seen  string // Fingerprint(SectionName) of the record the form showed
}

// ListEdit is the full, edited contents of one list section: every entry that
// should exist afterwards, in order. An entry of the record that no row
// points at is removed; a row with an empty Ref is new.
type ListEdit struct {
	Section Section
	Rows    []Row
	Seen    string // Fingerprint(Section) of the record the form showed
}

// Row is one row of a list form.
type Row struct {
	Ref    string   // Entry.Ref of the entry it edits; "" for a new entry
	Values []string // in the order of the kind's Fields
	Names  []string // display names of coded values, same order; "" where none
	// Base, when set, is the entry as it was once stored (undo puts back
	// what a change replaced): a new row starts from it (without its
	// Identity members), so every member the desk does not show comes back
	// too; and where a row sets a value back to Base's, the members that
	// value's change cleared (Field.Clears) get Base's values again rather
	// than being reset.
	Base json.RawMessage
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
		if k := kindOf(s); k != nil {
			query.Set(k.Flag, "true")
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

// Plan is what a save comes to once the fresh record is known.
type Plan struct {
	// Touched are the sections the person changed relative to what the form
	// showed them. Only these can be written.
	Touched []Section
	// Conflicts are touched sections that somebody else changed meanwhile
	// (to something else than the person typed). While there are any,
	// nothing is written.
	Conflicts []Section
	// Update is the call to send: the touched sections whose values still
	// differ from the fresh record. Nil when nothing is left to write.
	Update *Update
	// Changes say what each section of Update was and becomes, in update
	// order: for the history, its undo, and telling people what changed.
	Changes []SectionChange
}

// Unlike lists the sections of the update whose values in c (the record
// Apptivo answered with) differ from what the update wrote.
func (p *Plan) Unlike(c *Customer) []Section {
	var out []Section
	for _, sc := range p.Changes {
		if sc.AfterPrint() != c.Fingerprint(sc.Section) {
			out = append(out, sc.Section)
		}
	}
	return out
}

// AfterPrint is the fingerprint of what the change left in its section (as
// Customer.Fingerprint would give it for a record holding that).
func (sc SectionChange) AfterPrint() string {
	after := make([][]string, len(sc.After))
	for i, v := range sc.After {
		after[i] = v.Values
	}
	return fingerprintOf(sc.Section, after)
}

// AsHeld returns the plan's changes with the After of each section that c
// (the record Apptivo answered the update with) holds otherwise than
// written (unlike: see Unlike) as c holds it: the history then says what Apptivo
// stored, and undoing it right away finds the section as the change left
// it. Each After entry keeps its From when the section holds as many
// entries as were written; otherwise they count as new.
func (p *Plan) AsHeld(c *Customer, unlike []Section) []SectionChange {
	out := slices.Clone(p.Changes)
	for i, sc := range out {
		if !slices.Contains(unlike, sc.Section) {
			continue
		}
		after := []Values{{Values: []string{c.Name()}}}
		if sc.Section != SectionName {
			after = valuesOf(c.Entries(sc.Section))
		}
		from := sc.From
		if len(after) != len(sc.After) {
			from = make([]int, len(after))
			for j := range from {
				from[j] = -1
			}
		}
		out[i].After, out[i].From = after, from
	}
	return out
}

// SectionChange is what one section was before an update and becomes after
// it. The name is one entry of one value.
type SectionChange struct {
	Section Section  `json:"section"`
	Before  []Values `json:"before"`
	After   []Values `json:"after"`
	// From says, for each After entry, which Before entry it is (the same
	// entry of the record, maybe edited), or -1 for a new one. Before
	// entries no After entry comes from are removed.
	From []int `json:"from"`
	// Raw holds, for a list section, each Before entry exactly as it was
	// stored, so an undo can put back what the change cleared or removed
	// (see Row.Base). Nil in history written before it was kept.
	Raw []json.RawMessage `json:"raw,omitempty"`
}

// RawBefore is the stored entry Before[i] was, or nil when not kept.
func (sc SectionChange) RawBefore(i int) json.RawMessage {
	if i < 0 || i >= len(sc.Raw) {
		return nil
	}
	return sc.Raw[i]
}

// Values are one entry's values and display names, in its kind's field order.
type Values struct {
	Values []string `json:"v"`
	Names  []string `json:"n,omitempty"`
}

// BuildUpdate decides a save against a freshly read record.
//
// A section is written only if the person changed it relative to what the
// form showed them (its submitted values differ from what it Saw) and its
// values still differ from the fresh record. If somebody else changed such a
// section meanwhile, it is a conflict and nothing is written; a colleague's
// change to a section the person left alone is simply kept, and a colleague
// who made the very same change leaves nothing to decide.
//
// Decisions, so every caller gets the same answer:
//   - White space around a value is not a change, nor are line breaks
//     (browsers strip them from inputs): a value that is the same text
//     (SameText) keeps its stored bytes. Changed values are stored trimmed.
//   - Order is part of a list section: a reorder is a change (Apptivo treats
//     the first entry as the main one).
//   - A blank new row is ignored, not added.
//   - Entries the person did not change travel back byte for byte, so do all
//     members of the record outside the written sections.
func BuildUpdate(fresh *Customer, e Edit) (*Plan, error) {
	p := &Plan{}
	var write []Section
	decide := func(s Section, mine, seen string) {
		if mine == seen {
			return // untouched: whatever the record holds now stays
		}
		p.Touched = append(p.Touched, s)
		switch now := fresh.Fingerprint(s); {
		case mine == now:
			// Already so (the same change by a colleague, or a save that landed).
		case now != seen:
			p.Conflicts = append(p.Conflicts, s)
		default:
			write = append(write, s)
		}
	}
	if e.Name != nil {
		decide(SectionName, fingerprintOf(SectionName, [][]string{{e.Name.Value}}), e.Name.Seen)
	}
	for _, le := range e.Lists {
		k := kindOf(le.Section)
		if k == nil {
			return nil, fmt.Errorf("apptivo: %v is not a list section", le.Section)
		}
		for _, r := range le.Rows {
			if len(r.Values) != len(k.Fields) || (r.Names != nil && len(r.Names) != len(k.Fields)) {
				return nil, fmt.Errorf("apptivo: a %s row needs %d values", k.Attribute, len(k.Fields))
			}
		}
		decide(le.Section, fingerprintOf(le.Section, k.mine(le.Rows)), le.Seen)
	}
	if len(p.Conflicts) > 0 || len(write) == 0 {
		return p, nil
	}

	next := fresh.obj.Clone()
	u := &Update{CustomerID: fresh.ID()}
	for _, s := range AllSections {
		if !slices.Contains(write, s) {
			continue
		}
		if s == SectionName {
			name := strings.TrimSpace(e.Name.Value)
			if err := next.Set("customerName", name); err != nil {
				return nil, err
			}
			u.Attributes = append(u.Attributes, Attribute{Name: s.String(), ID: ptr("cust_name_attr")})
			p.Changes = append(p.Changes, SectionChange{Section: s,
				Before: []Values{{Values: []string{fresh.Name()}}}, After: []Values{{Values: []string{name}}}, From: []int{0}})
		} else {
			k := kindOf(s)
			for _, le := range e.Lists {
				if le.Section == s {
					from, err := k.apply(&next, fresh.lists[k.index], fresh.odd[k.index], le.Rows)
					if err != nil {
						return nil, err
					}
					p.Changes = append(p.Changes, SectionChange{Section: s,
						Before: valuesOf(fresh.lists[k.index]), After: valuesOf(entriesOf(k, next)), From: from, Raw: rawsOf(fresh.lists[k.index])})
				}
			}
			u.Attributes = append(u.Attributes, Attribute{Name: k.Attribute, ID: k.AttributeID})
		}
		u.Sections = append(u.Sections, s)
	}
	u.Data = next
	p.Update = u
	return p, nil
}

// mine is the comparable content of the submitted rows: what the section
// will hold, blank new rows left out.
func (k *ListKind) mine(rows []Row) [][]string {
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		if r.Ref == "" && k.Blank(r.Values) {
			continue
		}
		out = append(out, r.Values)
	}
	return out
}

// bind finds the fresh entry a row's ref points at, once: two rows claiming
// the same entry get it only for the first.
func bind(fresh []Entry, used []bool, ref string) int {
	if ref == "" {
		return -1
	}
	for i, e := range fresh {
		if !used[i] && e.Ref == ref {
			used[i] = true
			return i
		}
	}
	return -1
}

// apply rebuilds the kind's list in next from the edited rows: existing
// entries, found by ref in the fresh record, are edited in place (keeping
// every member the desk doesn't know) or, when unchanged, passed on byte for
// byte; new ones are built from scratch; entries no row points at go to the
// section's remove list, as received.
func (k *ListKind) apply(next *Object, fresh []Entry, odd []oddElement, rows []Row) (from []int, err error) {
	used := make([]bool, len(fresh))
	binding := make([]int, len(rows))
	for i, r := range rows {
		binding[i] = bind(fresh, used, r.Ref)
	}
	// A new row holding what an entry the person removed holds (the number
	// removed and typed again, to change its type) is that entry, edited:
	// removing it and adding it anew would let Apptivo's matching of the
	// remove list take the new one too.
	for i, r := range rows {
		if binding[i] >= 0 || k.Blank(r.Values) {
			continue
		}
		for j, e := range fresh {
			if !used[j] && k.sameContent(e.Values, r.Values) {
				used[j], binding[i] = true, j
				break
			}
		}
	}
	out := make([]json.RawMessage, 0, len(rows))
	var kept []keptEntry
	for i, r := range rows {
		j := binding[i]
		if j < 0 && k.Blank(r.Values) {
			continue
		}
		var (
			e       Object
			stored  []string
			changed bool
		)
		var base *Entry
		if len(r.Base) > 0 {
			if b, ok := k.entryOf(r.Base); ok {
				base = &b
			}
		}
		if j >= 0 {
			e, stored = fresh[j].obj.Clone(), fresh[j].Values
			kept = append(kept, keptEntry{id: fresh[j].ID, values: r.Values})
		} else {
			stored, changed = make([]string, len(k.Fields)), true
			if base != nil {
				// An entry put back: all it held, as a new entry.
				e, stored = base.obj.Clone(), base.Values
				for _, m := range k.Identity {
					e.Delete(m)
				}
			}
			for _, m := range k.New {
				e.SetRaw(m.Key, m.Value)
			}
			kept = append(kept, keptEntry{values: r.Values})
		}
		for i, f := range k.Fields {
			if SameText(stored[i], r.Values[i]) {
				continue // unchanged (or still empty): the stored bytes stay
			}
			changed = true
			if err := k.set(&e, f, r, i, base); err != nil {
				return nil, err
			}
		}
		from = append(from, j)
		if !changed {
			out = append(out, fresh[j].raw)
			continue
		}
		raw, err := e.MarshalJSON()
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	if err := k.distinct(fresh, used, kept); err != nil {
		return nil, err
	}
	for _, o := range odd {
		at := min(o.at, len(out))
		out = slices.Insert(out, at, o.raw)
	}
	var removed []json.RawMessage
	for i, e := range fresh {
		if !used[i] {
			removed = append(removed, e.raw)
		}
	}
	if len(out) == 0 {
		next.SetRaw(k.Member, json.RawMessage("[]"))
	} else {
		next.SetRaw(k.Member, joinArray(out))
	}
	// The remove list says exactly what this update removes: nothing left
	// over from the record may ride along (ids are not unique, so a stale
	// entry there could take a live one with it). An empty one stays as read.
	if old, ok := next.Raw(k.RemoveMember); len(removed) > 0 || (ok && !isEmptyArray(old)) {
		next.SetRaw(k.RemoveMember, joinArray(removed))
	}
	return from, nil
}

// keptEntry is an entry the update keeps (or adds): its id, if it has one,
// and its values.
type keptEntry struct {
	id     string
	values []string
}

// sameContent reports whether two entries hold the same content values
// (phone number, email address, address lines) as far as a person can tell.
func (k *ListKind) sameContent(a, b []string) bool {
	for i, f := range k.Fields {
		if f.Content && !SameText(a[i], b[i]) {
			return false
		}
	}
	return true
}

// AmbiguousRemovalError refuses an update whose remove list Apptivo could
// not tell from an entry the update keeps: Apptivo matches removals by id
// and value (an id may repeat, and a blank value matches any entry with the
// id), so removing one would remove the other too.
type AmbiguousRemovalError struct {
	Section       Section
	Removed, Kept []string // the two entries' values
}

func (e *AmbiguousRemovalError) Error() string {
	return fmt.Sprintf("apptivo: removing an entry of %s would remove a kept one too", e.Section)
}

// distinct checks that every removed entry stands apart from every kept one
// the way Apptivo matches them (see the simulator's section.same): two
// entries with ids collide when the ids are equal and their content is the
// same or either's is blank; without an id, equal content collides.
func (k *ListKind) distinct(fresh []Entry, used []bool, kept []keptEntry) error {
	for j, r := range fresh {
		if used[j] {
			continue
		}
		for _, c := range kept {
			var collide bool
			if r.ID != "" && c.id != "" {
				collide = r.ID == c.id && (k.Blank(r.Values) || k.Blank(c.values) || k.sameContent(r.Values, c.values))
			} else {
				collide = !k.Blank(r.Values) && k.sameContent(r.Values, c.values)
			}
			if collide {
				return &AmbiguousRemovalError{Section: k.Section, Removed: r.Values, Kept: c.values}
			}
		}
	}
	return nil
}

func entriesOf(k *ListKind, rec Object) []Entry {
	entries, _ := k.read(rec)
	return entries
}

func rawsOf(entries []Entry) []json.RawMessage {
	out := make([]json.RawMessage, len(entries))
	for i, e := range entries {
		out[i] = e.raw
	}
	return out
}

// entryOf reads one stored entry of the kind (a Row.Base).
func (k *ListKind) entryOf(raw json.RawMessage) (Entry, bool) {
	var o Object
	if o.UnmarshalJSON(raw) != nil {
		return Entry{}, false
	}
	return k.entry(o, raw), true
}

func valuesOf(entries []Entry) []Values {
	out := make([]Values, len(entries))
	for i, e := range entries {
		out[i] = Values{Values: e.Values, Names: e.Names}
	}
	return out
}

func isEmptyArray(raw json.RawMessage) bool {
	elems, ok := scanArray(raw)
	return ok && len(elems) == 0
}

// set stores field i of row r in entry e, with its display name and the
// members its change clears — or, when the value is base's (an undo puts it
// back), those members as base held them.
func (k *ListKind) set(e *Object, f Field, r Row, i int, base *Entry) error {
	v := strings.TrimSpace(r.Values[i])
	if err := e.Set(f.Key, v); err != nil {
		return err
	}
	if f.NameKey != "" {
		name := ""
		if r.Names != nil {
			name = strings.TrimSpace(r.Names[i])
		}
		if v == "" {
			name = ""
		}
		if err := e.Set(f.NameKey, name); err != nil {
			return err
		}
	}
	back := base != nil && SameText(base.Values[i], v)
	for _, c := range f.Clears {
		if raw, ok := base.rawIf(back, c.Key); ok {
			e.SetRaw(c.Key, raw)
		} else if e.Has(c.Key) {
			e.SetRaw(c.Key, c.Value)
		}
	}
	return nil
}

// rawIf is member key of the entry when cond holds and it has one.
func (e *Entry) rawIf(cond bool, key string) (json.RawMessage, bool) {
	if !cond || e == nil {
		return nil, false
	}
	return e.obj.Raw(key)
}

// SameText reports whether an edited value is the stored one as far as a
// person can tell: white space around it does not count, and neither do line
// breaks, which browsers strip from single-line inputs before sending them,
// nor a NUL a browser turned into U+FFFD.
func SameText(a, b string) bool {
	return normalText(a) == normalText(b)
}

func normalText(s string) string {
	if strings.ContainsAny(s, "\r\n\x00") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\r', '\n':
				return -1
			case 0:
				// HTML has no NUL: a browser sends a stored one back as U+FFFD.
				return '\uFFFD'
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}
