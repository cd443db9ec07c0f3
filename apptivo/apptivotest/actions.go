package apptivotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/customerdesk/desk/apptivo"
)

func failure(reason string) failureBody { return failureBody{Status: "FAILURE", Reason: reason} }

func (s *Server) dispatch(req Request, k KeyPair) any {
	action, p := req.Action, req.Params
	// Customers are objectId 3; the reference page's 4 is a known copy error
	// that a client must not reproduce.
	if oid := p.Get("objectId"); oid != "" && oid != "3" {
		return failure(fmt.Sprintf("Invalid objectId %q: customers are objectId 3", oid))
	}
	user := p.Get("userName")
	if user == "" {
		user = k.UserName
	}
	switch action {
	case "getConfigData":
		return configData()
	case "getAll":
		return s.list(p, false)
	case "getAllBySearchText":
		return s.list(p, true)
	case "getById":
		return s.getByID(p)
	case "save":
		return s.save(p, user)
	case "update":
		return s.update(req, user)
	}
	return failure(fmt.Sprintf("Unknown action %q", action))
}

func configData() any {
	type typ struct {
		ID        int    `json:"id"`
		Code      string `json:"code"`
		Name      string `json:"name"`
		IsEnabled string `json:"isEnabled"`
	}
	type status struct {
		StatusID   int    `json:"statusId"`
		StatusName string `json:"statusName"`
	}
	layout := map[string]any{
		"objectId": 3,
		"sections": []any{
			map[string]any{
				"id": "cust_info_section", "label": "Customer Information",
				"attributes": []any{
					map[string]any{"attributeId": "cust_name_attr", "tagName": "customerName", "label": "Customer Name", "type": "input", "isMandatory": "Y"},
					map[string]any{"attributeId": "cust_number_attr", "tagName": "customerNumber", "label": "Customer Number", "type": "input", "isMandatory": "N"},
					map[string]any{"attributeId": "cust_phone_attr", "tagName": "phoneNumbers", "label": "Phone", "type": "phone", "isMandatory": "N"},
					map[string]any{"attributeId": "email_attr", "tagName": "emailAddresses", "label": "Email", "type": "email", "isMandatory": "N"},
				},
			},
			map[string]any{
				"id": "address_section", "label": "Addresses",
				"attributes": []any{
					map[string]any{"attributeId": "address_section_attr_id", "tagName": "address", "label": "Address", "type": "address", "isMandatory": "N"},
				},
			},
		},
	}
	lb, _ := json.Marshal(layout)
	return struct {
		PhoneTypes   []typ    `json:"phoneTypes"`
		EmailTypes   []typ    `json:"emailTypes"`
		AddressTypes []typ    `json:"addressTypes"`
		Statuses     []status `json:"statuses"`
		WebLayout    string   `json:"webLayout"`
	}{
		PhoneTypes: []typ{
			{7001, "PHONE_BUSINESS", "Business", "Y"},
			{7002, "PHONE_MOBILE", "Mobile", "Y"},
			{7003, "PHONE_HOME", "Home", "Y"},
			{7004, "PHONE_FAX", "Fax", "Y"},
			{7005, "PHONE_OTHER", "Other", "Y"},
			{7006, "PHONE_PAGER", "Pager", "N"},
		},
		EmailTypes: []typ{
			{7101, "BUSINESS", "Business", "Y"},
			{7102, "PERSONAL", "Personal", "Y"},
			{7103, "OTHER", "Other", "Y"},
		},
		AddressTypes: []typ{
			{7201, "1", "Billing Address", "Y"},
			{7202, "2", "Shipping Address", "Y"},
			{7203, "3", "Home Address", "Y"},
		},
		Statuses: []status{
			{10000, "Active"},
			{10001, "Inactive"},
			{10002, "On Hold"},
		},
		WebLayout: string(lb),
	}
}

type listAnswer struct {
	Data           []json.RawMessage `json:"data"`
	CountOfRecords int               `json:"countOfRecords"`
}

func (s *Server) list(p url.Values, search bool) any {
	start, err := intParam(p, "startIndex", 0)
	if err != nil || start < 0 {
		return failure(fmt.Sprintf("Invalid startIndex %q", p.Get("startIndex")))
	}
	num, err := intParam(p, "numRecords", 25)
	if err != nil || num < 0 {
		return failure(fmt.Sprintf("Invalid numRecords %q", p.Get("numRecords")))
	}
	if num == 0 {
		num = 25
	}
	num = min(num, 100)
	match := func(*record) bool { return true }
	if search {
		match = searchMatcher(p.Get("searchText"))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ans := listAnswer{Data: []json.RawMessage{}}
	for _, r := range s.sortedLocked() {
		if !match(r) {
			continue
		}
		if ans.CountOfRecords >= start && len(ans.Data) < num {
			ans.Data = append(ans.Data, slices.Clone(r.raw))
		}
		ans.CountOfRecords++
	}
	return ans
}

func intParam(p url.Values, name string, def int) (int, error) {
	v := strings.TrimSpace(p.Get(name))
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// searchMatcher mirrors Apptivo's quick search: plain text looks at name,
// number, phones, emails and cities; a JSON object restricts to its fields.
func searchMatcher(text string) func(*record) bool {
	text = strings.TrimSpace(text)
	if text == "" {
		return func(*record) bool { return true }
	}
	if strings.HasPrefix(text, "{") {
		if v, err := decodeAny(text); err == nil {
			if obj, ok := v.(map[string]any); ok {
				return func(r *record) bool {
					for k, want := range obj {
						if !fieldMatches(r.m, k, scalarText(want)) {
							return false
						}
					}
					return true
				}
			}
		}
	}
	return func(r *record) bool {
		if containsFold(scalarText(r.m["customerName"]), text) ||
			containsFold(scalarText(r.m["customerNumber"]), text) {
			return true
		}
		return fieldMatches(r.m, "phoneNumbers", text) ||
			fieldMatches(r.m, "emailAddresses", text) ||
			fieldMatches(r.m, "city", text)
	}
}

func fieldMatches(m map[string]any, field, want string) bool {
	switch field {
	case "phoneNumber", "phoneNumbers":
		for _, e := range entries(m["phoneNumbers"]) {
			if phoneMatches(scalarText(e["phoneNumber"]), want) {
				return true
			}
		}
		return field == "phoneNumber" && phoneMatches(scalarText(m["phoneNumber"]), want)
	case "emailAddress", "emailAddresses":
		for _, e := range entries(m["emailAddresses"]) {
			if containsFold(scalarText(e["emailAddress"]), want) {
				return true
			}
		}
		return false
	case "city":
		for _, e := range entries(m["addresses"]) {
			if containsFold(scalarText(e["city"]), want) {
				return true
			}
		}
		return false
	}
	return valueContains(m[field], want)
}

func valueContains(v any, want string) bool {
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			if valueContains(e, want) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, e := range t {
			if valueContains(e, want) {
				return true
			}
		}
		return false
	case nil:
		return want == ""
	}
	return containsFold(scalarText(v), want)
}

func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return string(t)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

func containsFold(hay, needle string) bool {
	return strings.Contains(strings.ToLower(hay), strings.ToLower(needle))
}

// phoneMatches also compares digits only, because people type +44 20 7946 0958
// as 02079460958 or 442079460958.
func phoneMatches(phone, needle string) bool {
	if containsFold(phone, needle) {
		return true
	}
	nd := digitsOnly(needle)
	if nd == "" || strings.Trim(needle, "0123456789+-(). /") != "" {
		return false
	}
	pd := digitsOnly(phone)
	return strings.Contains(pd, nd) || strings.Contains(pd, strings.TrimLeft(nd, "0"))
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func entries(v any) []map[string]any {
	list, _ := v.([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func customerIDParam(p url.Values) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(p.Get("customerId")), 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) getByID(p url.Values) any {
	id, ok := customerIDParam(p)
	if !ok {
		return failure(fmt.Sprintf("Invalid customerId %q", p.Get("customerId")))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return failure("Customer not found")
	}
	// Apptivo answers getById with the bare record, unlike save/update.
	return slices.Clone(r.raw)
}

type customerAnswer struct {
	Customer json.RawMessage `json:"customer"`
}

// section describes one list attribute of a customer and how update treats it.
type section struct {
	attr, flag, field, remove, idKey, inputID string
}

func sections() []section {
	return []section{
		{attr: "phoneNumbers", flag: "isPhoneNumberUpdate", field: "phoneNumbers", remove: "removePhoneNumbers", idKey: "communicationId", inputID: "cust_phone_input"},
		{attr: "emailAddresses", flag: "isEmailAddressUpdate", field: "emailAddresses", remove: "removeEmailAddresses", idKey: "communicationId", inputID: "cont_email_input"},
		{attr: "address", flag: "isAddressUpdate", field: "addresses", remove: "removeAddresses", idKey: "addressId"},
	}
}

// value is what identifies an entry that has no id yet.
func (sec section) value(e map[string]any) string {
	switch sec.field {
	case "phoneNumbers":
		return strings.TrimSpace(scalarText(e["phoneNumber"]))
	case "emailAddresses":
		return strings.ToLower(strings.TrimSpace(scalarText(e["emailAddress"])))
	}
	var parts []string
	for _, k := range []string{"addressTypeCode", "addressLine1", "addressLine2", "city", "state", "zipCode", "countryCode"} {
		parts = append(parts, strings.ToLower(strings.TrimSpace(scalarText(e[k]))))
	}
	if strings.Join(parts, "") == "" {
		return ""
	}
	return strings.Join(parts, "\x00")
}

func entryID(e map[string]any, key string) (int64, bool) {
	id, ok := intValue(e[key])
	return id, ok && id > 0
}

// same reports whether remove-list entry r names entry e. Equal ids match
// unless both carry different values: Apptivo's own example removes
// apptivoTest1@ and keeps apptivoTest2@ under the same communicationId.
func (sec section) same(e, r map[string]any) bool {
	ve, vr := sec.value(e), sec.value(r)
	ie, okE := entryID(e, sec.idKey)
	ir, okR := entryID(r, sec.idKey)
	if okE && okR {
		return ie == ir && (ve == "" || vr == "" || ve == vr)
	}
	return ve != "" && ve == vr
}

// objectList reads a JSON array of objects; null/missing is allowed only
// where optional is true.
func objectList(data map[string]any, key string, optional bool) ([]map[string]any, error) {
	v, present := data[key]
	if !present || v == nil {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("customerData.%s must be a JSON array", key)
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("customerData.%s must be a JSON array", key)
	}
	out := make([]map[string]any, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("customerData.%s[%d] must be a JSON object", key, i)
		}
		out = append(out, m)
	}
	return out, nil
}

// applySectionLocked writes the section from data onto rec, dropping entries
// named in the remove list and giving new entries ids as Apptivo does on save.
// It returns the indexes (into list) of the entries kept, and for each entry
// given an id the members it gained.
func (s *Server) applySectionLocked(rec map[string]any, sec section, list, remove []map[string]any) (kept []int, gained map[int][]string) {
	keptEntries := make([]any, 0, len(list))
	var fresh []int
	for i, e := range list {
		if slices.ContainsFunc(remove, func(r map[string]any) bool { return sec.same(e, r) }) {
			continue
		}
		keptEntries = append(keptEntries, e)
		kept = append(kept, i)
		if _, ok := entryID(e, sec.idKey); !ok {
			fresh = append(fresh, i)
		}
	}
	gained = map[int][]string{}
	if len(fresh) > 0 {
		// Never reuse an id the record (or, for addresses, the firm) has seen.
		groups := [][]map[string]any{entries(rec[sec.field]), entries(rec[sec.remove]), list, remove}
		var next int64
		if sec.idKey == "addressId" {
			next = s.maxAddressIDLocked()
		}
		for _, group := range groups {
			for _, e := range group {
				if id, ok := entryID(e, sec.idKey); ok {
					next = max(next, id)
				}
			}
		}
		for _, i := range fresh {
			e := list[i]
			next++
			e[sec.idKey] = json.Number(strconv.FormatInt(next, 10))
			gained[i] = []string{sec.idKey}
			if sec.idKey == "addressId" {
				e["id"] = "address_section_attr_id_" + newUUID()
				e["addressAttributeId"] = "address_section_attr_id"
				e["isAdded"] = false
				gained[i] = append(gained[i], "id", "addressAttributeId", "isAdded")
			} else if _, ok := e["id"]; !ok {
				e["id"] = sec.inputID
				gained[i] = append(gained[i], "id")
			}
		}
	}
	rec[sec.field] = keptEntries
	rec[sec.remove] = []any{}
	return kept, gained
}

// rawSection is the section as it is stored after an update: each kept
// entry exactly as the client sent it, plus the ids it gained. Storing the
// client's bytes lets tests see any byte a client changed in an entry it
// had no reason to touch.
func rawSection(list []map[string]any, raws []json.RawMessage, kept []int, gained map[int][]string) (json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(kept))
	for _, i := range kept {
		keys, ok := gained[i]
		if !ok {
			out = append(out, raws[i])
			continue
		}
		var o apptivo.Object
		if err := o.UnmarshalJSON(raws[i]); err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := o.Set(k, list[i][k]); err != nil {
				return nil, err
			}
		}
		raw, err := o.MarshalJSON()
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, raw := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(raw)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// maxAddressIDLocked: address ids are firm-wide in Apptivo, not per customer.
func (s *Server) maxAddressIDLocked() int64 {
	var m int64
	for _, r := range s.records {
		for _, key := range []string{"addresses", "removeAddresses"} {
			for _, e := range entries(r.m[key]) {
				if id, ok := entryID(e, "addressId"); ok {
					m = max(m, id)
				}
			}
		}
	}
	return m
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) save(p url.Values, user string) any {
	data, err := decodeObject([]byte(p.Get("customerData")))
	if err != nil {
		return failure("customerData must be a JSON object: " + err.Error())
	}
	if name, _ := data["customerName"].(string); strings.TrimSpace(name) == "" {
		return failure("customerData.customerName is required")
	}
	lists := map[string][2][]map[string]any{}
	for _, sec := range sections() {
		list, err := objectList(data, sec.field, true)
		if err != nil {
			return failure(err.Error())
		}
		remove, err := objectList(data, sec.remove, true)
		if err != nil {
			return failure(err.Error())
		}
		lists[sec.field] = [2][]map[string]any{list, remove}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var id, number int64
	for _, r := range s.records {
		id = max(id, r.id)
		if n, ok := intValue(r.m["customerNumber"]); ok {
			number = max(number, n)
		}
	}
	id++
	data["customerId"] = json.Number(strconv.FormatInt(id, 10))
	data["id"] = strconv.FormatInt(id, 10)
	data["objectId"] = json.Number("3")
	if strings.TrimSpace(scalarText(data["customerNumber"])) == "" {
		data["customerNumber"] = strconv.FormatInt(number+1, 10)
	}
	if _, ok := data["statusName"]; !ok {
		data["statusName"], data["statusId"] = "Active", json.Number("10000")
	}
	for _, sec := range sections() {
		l := lists[sec.field]
		_, _ = s.applySectionLocked(data, sec, l[0], l[1])
	}
	now := s.now().Format(dateLayout)
	data["version"] = json.Number("1")
	data["creationDate"], data["lastUpdateDate"] = now, now
	data["createdByName"], data["lastUpdatedByName"] = user, user
	r, err := newRecord(data)
	if err != nil {
		return failure("apptivotest: " + err.Error())
	}
	s.records[id] = r
	return customerAnswer{Customer: slices.Clone(r.raw)}
}

// update applies only the attributes named in attributeName, as Apptivo does;
// the rest of customerData is context and is ignored. Inconsistent parameters
// are rejected rather than guessed at, so client bugs show up in tests.
func (s *Server) update(req Request, user string) any {
	p := req.Params
	id, ok := customerIDParam(p)
	if !ok {
		return failure(fmt.Sprintf("Invalid customerId %q", p.Get("customerId")))
	}
	if _, ok := p["attributeName"]; !ok {
		if _, plural := p["attributeNames"]; plural {
			return failure("attributeName is required (customers use the singular parameter name, got attributeNames)")
		}
		return failure("attributeName is required")
	}
	var names []string
	if v, err := decodeAny(p.Get("attributeName")); err != nil {
		return failure("attributeName must be a JSON array of strings")
	} else if list, ok := v.([]any); !ok || len(list) == 0 {
		return failure("attributeName must be a non-empty JSON array of strings")
	} else {
		for _, e := range list {
			name, ok := e.(string)
			if !ok {
				return failure("attributeName must be a JSON array of strings")
			}
			if slices.Contains(names, name) {
				return failure(fmt.Sprintf("attributeName lists %q twice", name))
			}
			names = append(names, name)
		}
	}
	for _, name := range names {
		known := name == "customerName" || slices.ContainsFunc(sections(), func(sec section) bool { return sec.attr == name })
		if !known {
			return failure(fmt.Sprintf("Unsupported attributeName %q", name))
		}
	}
	if v, err := decodeAny(p.Get("attributeIds")); err != nil {
		return failure("attributeIds must be a JSON array")
	} else if list, ok := v.([]any); !ok {
		return failure("attributeIds must be a JSON array")
	} else if len(list) != len(names) {
		return failure(fmt.Sprintf("attributeIds has %d elements but attributeName has %d", len(list), len(names)))
	} else {
		for i, e := range list {
			if _, ok := e.(string); !ok && e != nil {
				return failure(fmt.Sprintf("attributeIds[%d] must be a string or null", i))
			}
		}
	}
	for _, sec := range sections() {
		raw := p.Get(sec.flag)
		var set bool
		switch strings.ToLower(raw) {
		case "", "false":
		case "true":
			set = true
		default:
			return failure(fmt.Sprintf("%s must be true or false, got %q", sec.flag, raw))
		}
		listed := slices.Contains(names, sec.attr)
		if listed && !set {
			return failure(fmt.Sprintf("attributeName lists %s but %s is not true", sec.attr, sec.flag))
		}
		if set && !listed {
			return failure(fmt.Sprintf("%s=true but attributeName does not list %s", sec.flag, sec.attr))
		}
	}

	data, err := decodeObject([]byte(p.Get("customerData")))
	if err != nil {
		return failure("customerData must be a JSON object: " + err.Error())
	}
	if v, present := data["customerId"]; present {
		if got, ok := intValue(v); !ok || got != id {
			return failure(fmt.Sprintf("customerData.customerId %v does not match customerId %d", v, id))
		}
	}
	var newName string
	type change struct {
		sec          section
		list, remove []map[string]any
		raws         []json.RawMessage
	}
	var changes []change
	for _, name := range names {
		if name == "customerName" {
			n, _ := data["customerName"].(string)
			if strings.TrimSpace(n) == "" {
				return failure("customerData.customerName must be a non-empty string")
			}
			newName = n
			continue
		}
		for _, sec := range sections() {
			if sec.attr != name {
				continue
			}
			list, err := objectList(data, sec.field, false)
			if err != nil {
				return failure(err.Error())
			}
			remove, err := objectList(data, sec.remove, true)
			if err != nil {
				return failure(err.Error())
			}
			raws, err := rawList(p.Get("customerData"), sec.field)
			if err != nil || len(raws) != len(list) {
				return failure("customerData." + sec.field + " could not be read")
			}
			changes = append(changes, change{sec, list, remove, raws})
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.records[id]
	if !ok {
		return failure("Customer not found")
	}
	// Only the named attributes change; every other member keeps its bytes.
	var rec apptivo.Object
	if err := rec.UnmarshalJSON(old.raw); err != nil {
		return failure("apptivotest: " + err.Error())
	}
	m, err := decodeObject(old.raw)
	if err != nil {
		return failure("apptivotest: " + err.Error())
	}
	if newName != "" {
		_ = rec.Set("customerName", newName)
	}
	for _, c := range changes {
		kept, gained := s.applySectionLocked(m, c.sec, c.list, c.remove)
		raw, err := rawSection(c.list, c.raws, kept, gained)
		if err != nil {
			return failure("apptivotest: " + err.Error())
		}
		rec.SetRaw(c.sec.field, raw)
		rec.SetRaw(c.sec.remove, json.RawMessage("[]"))
	}
	r, err := s.restamp(rec, m, user)
	if err != nil {
		return failure("apptivotest: " + err.Error())
	}
	s.records[id] = r
	s.applied = append(s.applied, Applied{Request: req, Before: old.raw, After: r.raw})
	return customerAnswer{Customer: slices.Clone(r.raw)}
}

// rawList returns the elements of a list member of a JSON object, each as
// its exact bytes.
func rawList(object, field string) ([]json.RawMessage, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal([]byte(object), &members); err != nil {
		return nil, err
	}
	var list []json.RawMessage
	err := json.Unmarshal(members[field], &list)
	return list, err
}
