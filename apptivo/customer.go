package apptivo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Customer is one Apptivo customer record as received. It keeps the whole
// record (see Object) and offers typed views of the parts the desk edits.
// The list sections are split into entries once, when the record is read.
type Customer struct {
	obj   Object
	lists [len(listKinds)][]Entry
	// odd are the elements of each list that are not objects (a null, a
	// legacy string): nobody edits them, and they stay where they were.
	odd [len(listKinds)][]oddElement
}

// oddElement is a list element that is not an object, and its place.
type oddElement struct {
	at  int
	raw json.RawMessage
}

// ParseCustomer reads a customer record from JSON.
func ParseCustomer(data []byte) (*Customer, error) {
	var c Customer
	if err := c.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &c, nil
}

// MarshalJSON writes the record back exactly as received (plus any edits).
func (c *Customer) MarshalJSON() ([]byte, error) { return c.obj.MarshalJSON() }

// UnmarshalJSON lets a Customer sit inside other decoded structures.
func (c *Customer) UnmarshalJSON(data []byte) error {
	if err := c.obj.UnmarshalJSON(data); err != nil {
		return err
	}
	c.readLists()
	return nil
}

// customerOf wraps an already scanned record.
func customerOf(o Object) *Customer {
	c := &Customer{obj: o}
	c.readLists()
	return c
}

func (c *Customer) readLists() {
	for i, k := range listKinds {
		c.lists[i], c.odd[i] = k.read(c.obj)
	}
}

// Covers reports whether c holds every member other holds (by name): an
// update's answer that does is the whole record, not a part of it.
func (c *Customer) Covers(other *Customer) bool {
	for _, m := range other.obj.members {
		if !c.obj.Has(m.key) {
			return false
		}
	}
	return true
}

// Record returns a copy of the whole record.
func (c *Customer) Record() Object { return c.obj.Clone() }

// ID is the numeric customer id in its textual form ("1224395"); kept as text
// so an id beyond 2^53 can never be rounded.
func (c *Customer) ID() string {
	if id := c.obj.String("customerId"); id != "" {
		return id
	}
	return c.obj.String("id")
}

func (c *Customer) Name() string           { return c.obj.String("customerName") }
func (c *Customer) Number() string         { return c.obj.String("customerNumber") }
func (c *Customer) Status() string         { return c.obj.String("statusName") }
func (c *Customer) LastUpdatedBy() string  { return c.obj.String("lastUpdatedByName") }
func (c *Customer) LastUpdateDate() string { return c.obj.String("lastUpdateDate") }
func (c *Customer) Version() string        { return c.obj.String("version") }

// Entries returns the entries of a list section, in order.
func (c *Customer) Entries(s Section) []Entry {
	if k := kindOf(s); k != nil {
		return c.lists[k.index]
	}
	return nil
}

// Entry is one entry of a list section (a phone number, an email address, an
// address) as read.
type Entry struct {
	// Ref points an edited row back at this very entry; see refOf.
	Ref string
	// ID is Apptivo's id of the entry ("" when it has none). Not unique.
	ID string
	// Values holds the entry's values in the order of its kind's Fields;
	// Names the display names of coded values ("Business" for
	// PHONE_BUSINESS), "" for plain ones.
	Values []string
	Names  []string
	obj    Object
	raw    json.RawMessage
}

// Get returns a member of the entry as text (see Object.String).
func (e Entry) Get(key string) string { return e.obj.String(key) }

// Phone is one phone number of a customer.
type Phone struct {
	Ref      string // identifies the entry within the record; see refOf
	Number   string
	Type     string // display name, e.g. "Business"
	TypeCode string // e.g. "PHONE_BUSINESS"
}

// Email is one email address of a customer.
type Email struct {
	Ref      string
	Address  string
	Type     string
	TypeCode string
}

// Address is one postal address of a customer.
type Address struct {
	Ref         string
	Type        string
	TypeCode    string
	Line1       string
	Line2       string
	City        string
	State       string
	StateCode   string
	Zip         string
	Country     string
	CountryCode string
}

// Phones, Emails and Addresses are typed views of the list sections.
func (c *Customer) Phones() []Phone {
	return entriesAs(c, SectionPhones, func(e Entry) Phone {
		return Phone{Ref: e.Ref, Number: e.Values[0], TypeCode: e.Values[1], Type: e.Names[1]}
	})
}

func (c *Customer) Emails() []Email {
	return entriesAs(c, SectionEmails, func(e Entry) Email {
		return Email{Ref: e.Ref, Address: e.Values[0], TypeCode: e.Values[1], Type: e.Names[1]}
	})
}

func (c *Customer) Addresses() []Address {
	return entriesAs(c, SectionAddresses, func(e Entry) Address {
		v := e.Values
		return Address{Ref: e.Ref, TypeCode: v[0], Type: e.Names[0], Line1: v[1], Line2: v[2], City: v[3],
			State: v[4], StateCode: e.Get("stateCode"), Zip: v[5], CountryCode: v[6], Country: e.Names[6]}
	})
}

func entriesAs[T any](c *Customer, s Section, as func(Entry) T) []T {
	entries := c.Entries(s)
	out := make([]T, len(entries))
	for i, e := range entries {
		out[i] = as(e)
	}
	return out
}

// read splits the kind's list out of a record; a missing, null or malformed
// list reads as empty, and an element that is not an object is set aside
// (odd), to travel back untouched.
func (k *ListKind) read(rec Object) (entries []Entry, odd []oddElement) {
	raw, ok := rec.Raw(k.Member)
	if !ok {
		return nil, nil
	}
	elems, ok := scanArray(raw)
	if !ok {
		return nil, nil
	}
	out := make([]Entry, 0, len(elems))
	seen := map[string]int{}
	for at, el := range elems {
		var o Object
		if len(el) == 0 || el[0] != '{' || o.scan(el) != nil {
			odd = append(odd, oddElement{at: at, raw: el})
			continue
		}
		e := k.entry(o, el)
		e.Ref = refOf(e.ID, len(out), seen)
		out = append(out, e)
	}
	return out, odd
}

// entry reads one entry of the kind (without its Ref) from its object o and
// its bytes raw.
func (k *ListKind) entry(o Object, raw json.RawMessage) Entry {
	e := Entry{obj: o, raw: raw, Values: make([]string, len(k.Fields)), Names: make([]string, len(k.Fields))}
	for i, f := range k.Fields {
		e.Values[i] = o.String(f.Key)
		if f.NameKey != "" {
			e.Names[i] = o.String(f.NameKey)
		}
	}
	e.ID = o.String(k.IDMember)
	return e
}

// refOf names an entry so an edited row can point back at exactly it.
// Apptivo's ids are not unique within a customer (its own reference sample
// has two emails with communicationId 1), so an id is qualified by its
// occurrence: "id:1/0" is the first entry with id 1, "id:1/1" the second.
// An entry without an id is named by its position ("#2"). Both stay true as
// long as the section holds what the person saw, and the desk never writes a
// section a colleague changed meanwhile without the person's say-so.
func refOf(id string, pos int, seen map[string]int) string {
	// (IDOfRef undoes this.)
	if id == "" {
		return "#" + strconv.Itoa(pos)
	}
	n := seen[id]
	seen[id] = n + 1
	return "id:" + id + "/" + strconv.Itoa(n)
}

// IDOfRef is the Apptivo id a ref names ("" for a ref by position).
func IDOfRef(ref string) string {
	id, ok := strings.CutPrefix(ref, "id:")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[:i]
	}
	return id
}

// Section is one editable part of a customer, as Apptivo's update names it.
type Section int

const (
	SectionName Section = iota
	SectionPhones
	SectionEmails
	SectionAddresses
)

// AllSections is the order Apptivo's reference page lists them in.
var AllSections = []Section{SectionName, SectionPhones, SectionEmails, SectionAddresses}

// ContactSections are the sections the "Contact details" form edits.
var ContactSections = []Section{SectionPhones, SectionEmails, SectionAddresses}

// String returns the attribute name of the section as the update call wants it.
func (s Section) String() string {
	if s == SectionName {
		return "customerName"
	}
	if k := kindOf(s); k != nil {
		return k.Attribute
	}
	return fmt.Sprintf("Section(%d)", int(s))
}

// MarshalText writes a section as its attribute name, the spelling that
// stays stable in stored history.
func (s Section) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a section from its attribute name.
func (s *Section) UnmarshalText(b []byte) error {
	for _, x := range AllSections {
		if x.String() == string(b) {
			*s = x
			return nil
		}
	}
	return fmt.Errorf("apptivo: no section %q", b)
}

// Fingerprint summarises the values of the given sections as a person sees
// them (not Apptivo's internal ids, and not white space around a value), so
// the desk can tell whether somebody changed what a user is editing between
// page load and save.
func (c *Customer) Fingerprint(sections ...Section) string {
	h := sha256.New()
	for _, s := range sections {
		fmt.Fprintf(h, "%d:", int(s))
		writeValues(h, c.sectionValues(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintOf is the fingerprint of one section holding values.
func fingerprintOf(s Section, values [][]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:", int(s))
	writeValues(h, values)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// writeValues feeds normalised values into a hash, unambiguously.
func writeValues(h interface{ Write([]byte) (int, error) }, values [][]string) {
	var b []byte
	for _, row := range values {
		b = append(b[:0], '[')
		for _, v := range row {
			b = strconv.AppendQuote(b, normalText(v))
		}
		b = append(b, ']')
		_, _ = h.Write(b)
	}
}

// sectionValues is the comparable content of a section: what a person sees
// and edits, in order. Reordering therefore counts as a change (Apptivo
// shows the first entry as the main one).
func (c *Customer) sectionValues(s Section) [][]string {
	if s == SectionName {
		return [][]string{{c.Name()}}
	}
	entries := c.Entries(s)
	v := make([][]string, len(entries))
	for i, e := range entries {
		v[i] = e.Values
	}
	return v
}

// decodeCustomerAnswer accepts the shapes Apptivo answers with: a bare record,
// or one wrapped in "customer", "data" or "responseObject".
// The answer was validated whole when it was read.
func decodeCustomerAnswer(probe Object) (*Customer, error) {
	for _, wrapper := range []string{"customer", "data", "responseObject"} {
		raw, ok := probe.Raw(wrapper)
		if ok && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{' {
			var inner Object
			if err := inner.scan(raw); err != nil {
				return nil, err
			}
			c := customerOf(inner)
			if c.ID() == "" {
				return nil, errNoCustomer
			}
			return c, nil
		}
	}
	c := customerOf(probe)
	if c.ID() == "" {
		return nil, errNoCustomer
	}
	return c, nil
}

var errNoCustomer = errors.New("answer holds no customer record")
