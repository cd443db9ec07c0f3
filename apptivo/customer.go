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
type Customer struct {
	obj Object
}

// ParseCustomer reads a customer record from JSON.
func ParseCustomer(data []byte) (*Customer, error) {
	var c Customer
	if err := c.obj.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &c, nil
}

// MarshalJSON writes the record back exactly as received (plus any edits).
func (c *Customer) MarshalJSON() ([]byte, error) { return c.obj.MarshalJSON() }

// UnmarshalJSON lets a Customer sit inside other decoded structures.
func (c *Customer) UnmarshalJSON(data []byte) error { return c.obj.UnmarshalJSON(data) }

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

// Phone is one phone number of a customer.
type Phone struct {
	Ref      string // identifies the entry within the record; see entryRef
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

// Field names Apptivo uses inside the list sections.
const (
	fieldPhones    = "phoneNumbers"
	fieldEmails    = "emailAddresses"
	fieldAddresses = "addresses"
)

func (c *Customer) Phones() []Phone {
	entries := c.entries(fieldPhones)
	out := make([]Phone, len(entries))
	for i, e := range entries {
		out[i] = phoneFrom(e, i)
	}
	return out
}

func (c *Customer) Emails() []Email {
	entries := c.entries(fieldEmails)
	out := make([]Email, len(entries))
	for i, e := range entries {
		out[i] = emailFrom(e, i)
	}
	return out
}

func (c *Customer) Addresses() []Address {
	entries := c.entries(fieldAddresses)
	out := make([]Address, len(entries))
	for i, e := range entries {
		out[i] = addressFrom(e, i)
	}
	return out
}

func phoneFrom(e Object, i int) Phone {
	return Phone{
		Ref:      entryRef(e, "communicationId", i),
		Number:   e.String("phoneNumber"),
		Type:     e.String("phoneType"),
		TypeCode: e.String("phoneTypeCode"),
	}
}

func emailFrom(e Object, i int) Email {
	return Email{
		Ref:      entryRef(e, "communicationId", i),
		Address:  e.String("emailAddress"),
		Type:     e.String("emailType"),
		TypeCode: e.String("emailTypeCode"),
	}
}

func addressFrom(e Object, i int) Address {
	return Address{
		Ref:         entryRef(e, "addressId", i),
		Type:        e.String("addressType"),
		TypeCode:    e.String("addressTypeCode"),
		Line1:       e.String("addressLine1"),
		Line2:       e.String("addressLine2"),
		City:        e.String("city"),
		State:       e.String("state"),
		StateCode:   e.String("stateCode"),
		Zip:         e.String("zipCode"),
		Country:     e.String("countryName"),
		CountryCode: e.String("countryCode"),
	}
}

// entryRef names an entry so an edit can point back at it: by Apptivo's own
// id when it has one (stable across reads), else by position ("#2"), which
// is stable as long as the section did not change — and the desk refuses to
// write over a section that changed without the user's say-so.
func entryRef(e Object, idField string, i int) string {
	if id := e.String(idField); id != "" {
		return "id:" + id
	}
	return "#" + strconv.Itoa(i)
}

// entries decodes a list section into its entry objects; a missing, null or
// malformed section reads as empty.
func (c *Customer) entries(field string) []Object {
	raw, ok := c.obj.Raw(field)
	if !ok {
		return nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil
	}
	out := make([]Object, 0, len(list))
	for _, item := range list {
		var o Object
		if o.UnmarshalJSON(item) != nil {
			continue
		}
		out = append(out, o)
	}
	return out
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
	switch s {
	case SectionName:
		return "customerName"
	case SectionPhones:
		return "phoneNumbers"
	case SectionEmails:
		return "emailAddresses"
	case SectionAddresses:
		return "address"
	}
	return fmt.Sprintf("Section(%d)", int(s))
}

// Fingerprint summarises the values of the given sections (not Apptivo's
// internal ids), so the desk can tell whether somebody changed what a user
// is editing between page load and save.
func (c *Customer) Fingerprint(sections ...Section) string {
	h := sha256.New()
	for _, s := range sections {
		fmt.Fprintf(h, "%d:", int(s))
		_ = json.NewEncoder(h).Encode(c.sectionValues(s))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// sectionValues is the comparable content of a section: what a person sees
// and edits, in order. Reordering therefore counts as a change (Apptivo
// shows the first entry as the main one).
func (c *Customer) sectionValues(s Section) [][]string {
	switch s {
	case SectionName:
		return [][]string{{c.Name()}}
	case SectionPhones:
		var v [][]string
		for _, p := range c.Phones() {
			v = append(v, []string{p.Number, p.TypeCode})
		}
		return v
	case SectionEmails:
		var v [][]string
		for _, e := range c.Emails() {
			v = append(v, []string{e.Address, e.TypeCode})
		}
		return v
	case SectionAddresses:
		var v [][]string
		for _, a := range c.Addresses() {
			v = append(v, []string{a.TypeCode, a.Line1, a.Line2, a.City, a.State, a.Zip, a.CountryCode})
		}
		return v
	}
	return nil
}

// sectionEqual compares one section of two records by value.
func sectionEqual(a, b *Customer, s Section) bool {
	va, vb := a.sectionValues(s), b.sectionValues(s)
	if len(va) != len(vb) {
		return false
	}
	for i := range va {
		if strings.Join(va[i], "\x00") != strings.Join(vb[i], "\x00") {
			return false
		}
	}
	return true
}

// decodeCustomerAnswer accepts the shapes Apptivo answers with: a bare record,
// or one wrapped in "customer", "data" or "responseObject".
func decodeCustomerAnswer(body []byte) (*Customer, error) {
	var probe Object
	if err := probe.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	for _, wrapper := range []string{"customer", "data", "responseObject"} {
		raw, ok := probe.Raw(wrapper)
		if ok && len(bytes.TrimSpace(raw)) > 0 && bytes.TrimSpace(raw)[0] == '{' {
			c, err := ParseCustomer(raw)
			if err == nil && c.ID() == "" {
				return nil, errNoCustomer
			}
			return c, err
		}
	}
	c := &Customer{obj: probe}
	if c.ID() == "" {
		return nil, errNoCustomer
	}
	return c, nil
}

var errNoCustomer = errors.New("answer holds no customer record")
