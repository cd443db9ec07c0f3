package apptivotest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/customerdesk/desk/apptivo/apptivotest"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t   *testing.T
	sim *apptivotest.Server
	ts  *httptest.Server
	clk *fakeClock
}

func start(t *testing.T, opts ...apptivotest.Option) *env {
	t.Helper()
	clk := &fakeClock{t: t0}
	sim := apptivotest.New(append([]apptivotest.Option{apptivotest.WithClock(clk.Now)}, opts...)...)
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	return &env{t: t, sim: sim, ts: ts, clk: clk}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func withKeys(v url.Values, k apptivotest.KeyPair) url.Values {
	v.Set("apiKey", k.APIKey)
	v.Set("accessKey", k.AccessKey)
	return v
}

func (e *env) do(req *http.Request) resp {
	e.t.Helper()
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

// get sends everything in the query string, as Apptivo's reference page does.
func (e *env) get(q url.Values) resp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+apptivotest.Path+"?"+q.Encode(), nil)
	return e.do(req)
}

// post sends q in the URL and form in the body, as the portal's client does.
func (e *env) post(q, form url.Values) resp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+apptivotest.Path+"?"+q.Encode(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	return m
}

func (r resp) ok(t *testing.T) map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	m := decode(t, r.body)
	if m["status"] == "FAILURE" {
		t.Fatalf("unexpected FAILURE: %s", r.body)
	}
	return m
}

func (r resp) failure(t *testing.T) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	m := decode(t, r.body)
	if m["status"] != "FAILURE" {
		t.Fatalf("want FAILURE, got %s", r.body)
	}
	reason, _ := m["reason"].(string)
	return reason
}

func (e *env) getByID(id int64) map[string]any {
	e.t.Helper()
	return e.get(withKeys(vals("a", "getById", "customerId", fmt.Sprint(id)), apptivotest.DemoKeys)).ok(e.t)
}

func ids(t *testing.T, m map[string]any) []int64 {
	t.Helper()
	data, ok := m["data"].([]any)
	if !ok {
		t.Fatalf("no data array in %v", m)
	}
	out := []int64{}
	for _, d := range data {
		n, err := d.(map[string]any)["customerId"].(json.Number).Int64()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func count(t *testing.T, m map[string]any) int64 {
	t.Helper()
	n, err := m["countOfRecords"].(json.Number).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// update posts an update the way the contract describes: ids and flags in the
// URL, data and credentials in the body.
func (e *env) update(id int64, data any, names []string, attrIDs []any, extra url.Values) resp {
	e.t.Helper()
	q := vals("a", "update", "objectId", "3", "customerId", fmt.Sprint(id))
	for _, n := range names {
		switch n {
		case "phoneNumbers":
			q.Set("isPhoneNumberUpdate", "true")
		case "emailAddresses":
			q.Set("isEmailAddressUpdate", "true")
		case "address":
			q.Set("isAddressUpdate", "true")
		}
	}
	for k, v := range extra {
		q[k] = v
	}
	form := withKeys(url.Values{}, apptivotest.DemoKeys)
	form.Set("customerData", mustJSON(e.t, data))
	form.Set("attributeName", mustJSON(e.t, names))
	form.Set("attributeIds", mustJSON(e.t, attrIDs))
	return e.post(q, form)
}

func list(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, e := range m[key].([]any) {
		out = append(out, e.(map[string]any))
	}
	return out
}

func TestBadKeys(t *testing.T) {
	other := apptivotest.KeyPair{APIKey: "firm-b-api", AccessKey: "firm-b-access", UserName: "Firm B"}
	e := start(t, apptivotest.WithKeyPairs(other))
	const want = `{"status":"FAILURE","reason":"Invalid API Key or Access Key"}`
	for name, q := range map[string]url.Values{
		"none":          vals("a", "getAll"),
		"demo keys":     withKeys(vals("a", "getAll"), apptivotest.DemoKeys),
		"wrong access":  vals("a", "getAll", "apiKey", other.APIKey, "accessKey", "nope"),
		"swapped":       vals("a", "getAll", "apiKey", other.AccessKey, "accessKey", other.APIKey),
		"only api key":  vals("a", "getAll", "apiKey", other.APIKey),
		"unknown a too": vals("a", "bogus"),
	} {
		r := e.get(q)
		if r.status != 200 || string(r.body) != want || r.header.Get("Content-Type") != "application/json;charset=UTF-8" {
			t.Errorf("%s: %d %q %q", name, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	e.get(withKeys(vals("a", "getAll"), other)).ok(t)

	e.sim.AddKeyPair(apptivotest.DemoKeys)
	e.get(withKeys(vals("a", "getAll"), apptivotest.DemoKeys)).ok(t)
	e.sim.RemoveKeyPair(apptivotest.DemoKeys)
	if got := e.get(withKeys(vals("a", "getAll"), apptivotest.DemoKeys)).failure(t); got != "Invalid API Key or Access Key" {
		t.Errorf("after RemoveKeyPair: %q", got)
	}
}

func TestTransport(t *testing.T) {
	e := start(t)
	k := apptivotest.DemoKeys

	// Everything in the query string (GET).
	if m := e.get(withKeys(vals("a", "getById", "customerId", "1224395"), k)).ok(t); m["customerName"] != "Apptivo, Inc." {
		t.Errorf("GET getById: %v", m["customerName"])
	}
	// Action in the URL, keys and data in the body (POST).
	if m := e.post(vals("a", "getById", "customerId", "1224395"), withKeys(url.Values{}, k)).ok(t); m["customerName"] != "Apptivo, Inc." {
		t.Errorf("POST getById: %v", m["customerName"])
	}
	// Body wins over query on conflicts, for the action too.
	m := e.post(vals("a", "getAll", "customerId", "1000001"),
		withKeys(vals("a", "getById", "customerId", fmt.Sprint(apptivotest.IDTestCustomer)), k)).ok(t)
	if m["customerName"] != "TestCustomer" {
		t.Errorf("merge: got %v", m["customerName"])
	}

	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/app/dao/v6/contacts?"+withKeys(vals("a", "getAll"), k).Encode(), nil)
	if r := e.do(req); r.status != http.StatusNotFound {
		t.Errorf("other path: %d", r.status)
	}
	req, _ = http.NewRequest(http.MethodPut, e.ts.URL+apptivotest.Path+"?"+withKeys(vals("a", "getAll"), k).Encode(), nil)
	if r := e.do(req); r.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", r.status)
	}
	if got := e.get(withKeys(vals("a", "frobnicate"), k)).failure(t); !strings.HasPrefix(got, "Unknown action") {
		t.Errorf("unknown action: %q", got)
	}
	if got := e.get(withKeys(vals("a", "getAll", "objectId", "4"), k)).failure(t); !strings.Contains(got, "objectId") {
		t.Errorf("objectId 4: %q", got)
	}
}

func TestConfigData(t *testing.T) {
	e := start(t)
	m := e.get(withKeys(vals("a", "getConfigData"), apptivotest.DemoKeys)).ok(t)
	var enabled []string
	var pager string
	for _, p := range list(m, "phoneTypes") {
		if p["isEnabled"] == "Y" {
			enabled = append(enabled, p["name"].(string)+"/"+p["code"].(string))
		}
		if p["code"] == "PHONE_PAGER" {
			pager = p["isEnabled"].(string)
		}
		if _, ok := p["id"].(json.Number); !ok {
			t.Errorf("phone type id %v", p["id"])
		}
	}
	if want := []string{"Business/PHONE_BUSINESS", "Mobile/PHONE_MOBILE", "Home/PHONE_HOME", "Fax/PHONE_FAX", "Other/PHONE_OTHER"}; !slices.Equal(enabled, want) || pager != "N" {
		t.Errorf("phone types %v, pager %q", enabled, pager)
	}
	if len(list(m, "emailTypes")) != 3 || list(m, "emailTypes")[1]["code"] != "PERSONAL" {
		t.Errorf("email types %v", m["emailTypes"])
	}
	if a := list(m, "addressTypes"); len(a) != 3 || a[0]["name"] != "Billing Address" || a[0]["code"] != "1" || a[2]["code"] != "3" {
		t.Errorf("address types %v", a)
	}
	if s := list(m, "statuses"); s[0]["statusName"] != "Active" || s[0]["statusId"] != json.Number("10000") {
		t.Errorf("statuses %v", s)
	}
	layout, ok := m["webLayout"].(string)
	if !ok {
		t.Fatalf("webLayout is %T", m["webLayout"])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(layout), &doc); err != nil || doc["sections"] == nil {
		t.Errorf("webLayout does not decode: %v %v", err, layout)
	}
}

func TestSeed(t *testing.T) {
	e := start(t)
	all := e.sim.CustomerIDs()
	if len(all) < 12 || len(all) > 15 {
		t.Fatalf("%d seed customers", len(all))
	}
	for _, id := range []int64{apptivotest.IDApptivoInc, apptivotest.IDTestCustomer, apptivotest.IDScriptName, apptivotest.IDUnicode,
		apptivotest.IDBigInt, apptivotest.IDEmpty, apptivotest.IDLegacyValues, apptivotest.IDLongValues} {
		if !slices.Contains(all, id) {
			t.Errorf("id %d not seeded", id)
		}
	}

	ref := e.getByID(apptivotest.IDApptivoInc)
	addr := list(ref, "addresses")[0]
	if ref["customerNumber"] != "60" || ref["version"] != json.Number("1") || ref["paymentTermId"] != json.Number("98234") ||
		addr["id"] != "address_section_attr_id_f6dd7f7c-0add-4fef-aeea-5bd3541718af" || addr["addressId"] != json.Number("15243737") ||
		len(ref["customAttributes"].([]any)) != 3 {
		t.Errorf("reference record 1 differs: %v", ref)
	}
	if v, ok := ref["affiliateLogoId"]; !ok || v != nil {
		t.Errorf("affiliateLogoId %v %v", v, ok)
	}
	ref2 := e.getByID(apptivotest.IDTestCustomer)
	if ref2["customerName"] != "TestCustomer" || ref2["defaultBillingCurrency"] != "INR" ||
		list(ref2, "removeEmailAddresses")[0]["emailAddress"] != "apptivoTest1@berijam.com" {
		t.Errorf("reference record 2 differs: %v", ref2)
	}

	if m := e.getByID(apptivotest.IDScriptName); m["customerName"] != "<script>alert(1)</script> Ltd" {
		t.Errorf("script name %q", m["customerName"])
	}
	raw, _ := e.sim.Customer(apptivotest.IDScriptName)
	if !bytes.Contains(raw, []byte("<script>alert(1)</script> Ltd")) {
		t.Errorf("markup is escaped in storage: %s", raw)
	}
	if m := e.getByID(apptivotest.IDUnicode); m["customerName"] != "Müller & Söhne GmbH" || !strings.Contains(m["description"].(string), "🔧") {
		t.Errorf("unicode %v", m["customerName"])
	}
	long := list(e.getByID(apptivotest.IDLongValues), "addresses")[0]["addressLine1"].(string)
	if utf8.RuneCountInString(long) != 200 {
		t.Errorf("long addressLine1 has %d characters", utf8.RuneCountInString(long))
	}
	empty := e.getByID(apptivotest.IDEmpty)
	for _, k := range []string{"phoneNumbers", "emailAddresses", "addresses"} {
		if l, ok := empty[k].([]any); !ok || len(l) != 0 {
			t.Errorf("empty customer %s = %v", k, empty[k])
		}
	}
	legacy := e.getByID(apptivotest.IDLegacyValues)
	if list(legacy, "phoneNumbers")[0]["phoneNumber"] != "ext. 12 ask for Bob" || list(legacy, "emailAddresses")[0]["emailAddress"] != "sales at example dot com" {
		t.Errorf("legacy values %v", legacy)
	}
	for _, id := range all {
		m := e.getByID(id)
		for _, k := range []string{"customerName", "customerNumber", "statusName", "statusId", "assigneeObjectRefName", "lastUpdatedByName", "creationDate", "lastUpdateDate", "version", "phoneNumbers", "emailAddresses", "addresses", "customAttributes"} {
			if _, ok := m[k]; !ok {
				t.Errorf("customer %d lacks %s", id, k)
			}
		}
	}

	if e := start(t, apptivotest.WithoutSeed()); len(e.sim.CustomerIDs()) != 0 {
		t.Errorf("WithoutSeed has customers")
	}
}

func TestGetByID(t *testing.T) {
	e := start(t)
	k := apptivotest.DemoKeys
	r := e.get(withKeys(vals("a", "getById", "customerId", "1000001"), k))
	m := r.ok(t)
	if _, wrapped := m["customer"]; wrapped || m["customerName"] != "Northwind Logistics LLC" {
		t.Errorf("want the bare record, got %s", r.body)
	}
	stored, _ := e.sim.Customer(1000001)
	if !bytes.Equal(r.body, stored) {
		t.Errorf("getById body differs from stored record")
	}
	for _, id := range []string{"424242", "abc", "", "12.5"} {
		reason := e.get(withKeys(vals("a", "getById", "customerId", id), k)).failure(t)
		if id == "424242" && reason != "Customer not found" {
			t.Errorf("unknown id: %q", reason)
		}
	}
}

func TestGetAllOrderAndPaging(t *testing.T) {
	e := start(t)
	k := apptivotest.DemoKeys
	want := e.sim.CustomerIDs()
	m := e.get(withKeys(vals("a", "getAll"), k)).ok(t)
	if got := ids(t, m); !slices.Equal(got, want) || count(t, m) != int64(len(want)) {
		t.Fatalf("getAll %v (count %d), want %v", got, count(t, m), want)
	}
	var names []string
	for _, d := range list(m, "data") {
		names = append(names, strings.ToLower(d["customerName"].(string)))
	}
	if !slices.IsSorted(names) {
		t.Errorf("not in name order: %q", names)
	}
	m = e.post(vals("a", "getAll", "startIndex", "10", "numRecords", "3"), withKeys(url.Values{}, k)).ok(t)
	if got := ids(t, m); !slices.Equal(got, want[10:13]) || count(t, m) != int64(len(want)) {
		t.Errorf("page: %v, want %v", got, want[10:13])
	}
	m = e.get(withKeys(vals("a", "getAll", "startIndex", "100"), k)).ok(t)
	if len(ids(t, m)) != 0 || count(t, m) != int64(len(want)) {
		t.Errorf("past the end: %s", m)
	}
	e.get(withKeys(vals("a", "getAll", "startIndex", "x"), k)).failure(t)

	// Caps and defaults need more customers than the seed has.
	big := start(t, apptivotest.WithoutSeed())
	for i := range 120 {
		if _, err := big.sim.Put(json.RawMessage(fmt.Sprintf(`{"customerId":%d,"customerName":"Customer %03d"}`, 5000+i, 119-i))); err != nil {
			t.Fatal(err)
		}
	}
	m = big.get(withKeys(vals("a", "getAll"), k)).ok(t)
	if got := ids(t, m); len(got) != 25 || got[0] != 5119 || count(t, m) != 120 {
		t.Errorf("default page: %d records from %d, count %d", len(got), got[0], count(t, m))
	}
	m = big.get(withKeys(vals("a", "getAll", "numRecords", "1000"), k)).ok(t)
	if len(ids(t, m)) != 100 {
		t.Errorf("cap: %d records", len(ids(t, m)))
	}
	if _, err := big.sim.Put(json.RawMessage(`{"customerName":"no id"}`)); err == nil {
		t.Errorf("Put without customerId accepted")
	}
}

func TestSearch(t *testing.T) {
	e := start(t)
	k := apptivotest.DemoKeys
	for _, c := range []struct {
		text string
		want []int64
	}{
		{"MÜLLER", []int64{apptivotest.IDUnicode}},
		{"株式会社", []int64{1000005}},
		{"<script>", []int64{apptivotest.IDScriptName}},
		{"+44 20 7946 0958", []int64{1000003}},
		{"2079460958", []int64{1000003}},
		{"020 7946 0958", []int64{1000003}},
		{"BERIJAM.com", []int64{apptivotest.IDApptivoInc, apptivotest.IDTestCustomer}},
		{"tokyo", []int64{1000005}},
		{"texas", []int64{apptivotest.IDApptivoInc, apptivotest.IDTestCustomer}},
		{"ask for bob", []int64{apptivotest.IDLegacyValues}},
		{`{"customerName":"apptivo"}`, []int64{apptivotest.IDApptivoInc}},
		{`{"customerName":"texas"}`, []int64{}},
		{`{"customerNumber":"1011"}`, []int64{apptivotest.IDLegacyValues}},
		{"no such customer anywhere", []int64{}},
	} {
		m := e.get(withKeys(vals("a", "getAllBySearchText", "objectId", "3", "searchText", c.text), k)).ok(t)
		got := ids(t, m)
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) || count(t, m) != int64(len(c.want)) {
			t.Errorf("search %q: %v (count %d), want %v", c.text, got, count(t, m), c.want)
		}
	}
	m := e.get(withKeys(vals("a", "getAllBySearchText", "objectId", "3", "searchText", ""), k)).ok(t)
	if !slices.Equal(ids(t, m), e.sim.CustomerIDs()) {
		t.Errorf("empty search: %v", ids(t, m))
	}
	m = e.post(vals("a", "getAllBySearchText", "objectId", "3"), withKeys(vals("searchText", "ltd", "startIndex", "1", "numRecords", "2"), k)).ok(t)
	if got := ids(t, m); len(got) != 2 || count(t, m) < 4 {
		t.Errorf("search paging: %v count %d", got, count(t, m))
	}
}

func TestSave(t *testing.T) {
	e := start(t)
	data := map[string]any{
		"customerName":   "Fresh Start Ltd",
		"description":    "new",
		"phoneNumbers":   []any{map[string]any{"phoneNumber": "+44 20 7946 0000", "phoneType": "Business", "phoneTypeCode": "PHONE_BUSINESS"}},
		"emailAddresses": []any{},
		"addresses":      []any{map[string]any{"addressType": "Billing Address", "addressTypeCode": "1", "addressLine1": "1 High St", "city": "Leeds", "isAdded": true}},
	}
	form := withKeys(vals("customerData", mustJSON(t, data)), apptivotest.DemoKeys)
	m := e.post(vals("a", "save", "objectId", "3"), form).ok(t)
	c := m["customer"].(map[string]any)
	id, _ := c["customerId"].(json.Number).Int64()
	if id <= apptivotest.IDTestCustomer || c["id"] != fmt.Sprint(id) || c["version"] != json.Number("1") ||
		c["creationDate"] != "2025-03-14 15:09:26" || c["lastUpdatedByName"] != "Demo User" || c["customerNumber"] != "1014" {
		t.Errorf("saved %v", c)
	}
	if p := list(c, "phoneNumbers")[0]; p["communicationId"] != json.Number("1") {
		t.Errorf("phone %v", p)
	}
	if a := list(c, "addresses")[0]; a["isAdded"] != false || !strings.HasPrefix(a["id"].(string), "address_section_attr_id_") || a["addressId"] == nil {
		t.Errorf("address %v", a)
	}
	if got := e.getByID(id); got["customerName"] != "Fresh Start Ltd" {
		t.Errorf("getById after save: %v", got)
	}
	e.post(vals("a", "save"), withKeys(vals("customerData", `[1]`), apptivotest.DemoKeys)).failure(t)
	e.post(vals("a", "save"), withKeys(vals("customerData", `{"customerName":""}`), apptivotest.DemoKeys)).failure(t)
}

func TestUpdateAppliesOnlyNamedAttributes(t *testing.T) {
	e := start(t)
	before := e.getByID(apptivotest.IDApptivoInc)
	data := e.getByID(apptivotest.IDApptivoInc)
	data["customerName"] = "Apptivo, Inc. (renamed)"
	data["description"] = "should be ignored"
	data["customerNumber"] = "999"
	data["phoneNumbers"] = []any{}
	data["lastUpdatedByName"] = "forged"
	data["version"] = 77

	after := e.update(apptivotest.IDApptivoInc, data, []string{"customerName"}, []any{"cust_name_attr"}, nil).ok(t)["customer"].(map[string]any)
	if after["customerName"] != "Apptivo, Inc. (renamed)" || after["version"] != json.Number("2") ||
		after["lastUpdateDate"] != "2025-03-14 15:09:26" || after["lastUpdatedByName"] != "Demo User" {
		t.Errorf("update stamp/name: %v", after)
	}
	for key, v := range before {
		switch key {
		case "customerName", "version", "lastUpdateDate", "lastUpdatedByName":
			continue
		}
		if !reflect.DeepEqual(after[key], v) {
			t.Errorf("%s changed: %v -> %v", key, v, after[key])
		}
	}
	if len(after) != len(before) {
		t.Errorf("field count %d -> %d", len(before), len(after))
	}
	if stored := e.getByID(apptivotest.IDApptivoInc); !reflect.DeepEqual(stored, after) {
		t.Errorf("answer differs from stored record")
	}

	e.clk.Advance(time.Hour)
	after = e.update(apptivotest.IDApptivoInc, data, []string{"customerName"}, []any{"cust_name_attr"}, vals("userName", "jane@firm.example")).ok(t)["customer"].(map[string]any)
	if after["version"] != json.Number("3") || after["lastUpdatedByName"] != "jane@firm.example" || after["lastUpdateDate"] != "2025-03-14 16:09:26" {
		t.Errorf("second update: %v %v %v", after["version"], after["lastUpdatedByName"], after["lastUpdateDate"])
	}
}

func TestUpdateSections(t *testing.T) {
	e := start(t)
	const id = 1000001
	rec := e.getByID(id)
	phones, emails, addrs := list(rec, "phoneNumbers"), list(rec, "emailAddresses"), list(rec, "addresses")

	phones[1]["phoneNumber"] = "+1 773-555-0999" // edited in place
	newPhone := map[string]any{"phoneNumber": "+1 312-555-0000", "phoneType": "Home", "phoneTypeCode": "PHONE_HOME", "id": "cust_phone_input"}
	rec["phoneNumbers"] = []any{phones[0], phones[1], phones[2], newPhone} // stale client left the removed one in
	rec["removePhoneNumbers"] = []any{phones[2]}
	rec["emailAddresses"] = []any{emails[0], map[string]any{"emailAddress": "new@northwind-logistics.example", "emailType": "Business", "emailTypeCode": "BUSINESS"}}
	rec["removeEmailAddresses"] = []any{map[string]any{"emailAddress": "BILLING@northwind-logistics.example"}}
	newAddr := map[string]any{"addressType": "Home Address", "addressTypeCode": "3", "addressLine1": "9 Elm St", "city": "Evanston", "stateCode": "IL", "countryCode": "US", "zipCode": "60201", "isAdded": true}
	rec["addresses"] = []any{addrs[0], newAddr}
	rec["removeAddresses"] = []any{addrs[1]}
	rec["description"] = "ignored"

	c := e.update(id, rec, []string{"phoneNumbers", "emailAddresses", "address"}, []any{"cust_phone_attr", "email_attr", nil}, nil).ok(t)["customer"].(map[string]any)

	var got []string
	for _, p := range list(c, "phoneNumbers") {
		got = append(got, fmt.Sprint(p["phoneNumber"], "#", p["communicationId"]))
	}
	if want := []string{"+1 312-555-0147#1", "+1 773-555-0999#2", "+1 312-555-0000#4"}; !slices.Equal(got, want) {
		t.Errorf("phones %q, want %q", got, want)
	}
	got = nil
	for _, m := range list(c, "emailAddresses") {
		got = append(got, fmt.Sprint(m["emailAddress"], "#", m["communicationId"], "#", m["id"]))
	}
	if want := []string{"ops@northwind-logistics.example#1#cont_email_input", "new@northwind-logistics.example#3#cont_email_input"}; !slices.Equal(got, want) {
		t.Errorf("emails %q, want %q", got, want)
	}
	a := list(c, "addresses")
	if len(a) != 2 || a[0]["addressId"] != addrs[0]["addressId"] {
		t.Fatalf("addresses %v", a)
	}
	newID, _ := a[1]["addressId"].(json.Number).Int64()
	if newID <= 31000012 || a[1]["isAdded"] != false || a[1]["addressAttributeId"] != "address_section_attr_id" ||
		!strings.HasPrefix(a[1]["id"].(string), "address_section_attr_id_") || a[1]["city"] != "Evanston" {
		t.Errorf("new address %v", a[1])
	}
	for _, k := range []string{"removePhoneNumbers", "removeEmailAddresses", "removeAddresses"} {
		if l, ok := c[k].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %v", k, c[k])
		}
	}
	if c["description"] != "Regional freight forwarder; prefers invoices by email." || c["version"] != json.Number("8") {
		t.Errorf("description %v version %v", c["description"], c["version"])
	}

	// Apptivo's own second example, sent verbatim: the remove list names the
	// old email under the same communicationId as its replacement.
	raw, _ := e.sim.Customer(apptivotest.IDTestCustomer)
	ref := decode(t, raw)
	c = e.update(apptivotest.IDTestCustomer, ref, []string{"phoneNumbers", "emailAddresses", "address"}, []any{"cust_phone_attr", "email_attr", nil}, nil).ok(t)["customer"].(map[string]any)
	if em := list(c, "emailAddresses"); len(em) != 1 || em[0]["emailAddress"] != "apptivoTest2@berijam.com" || len(c["removeEmailAddresses"].([]any)) != 0 {
		t.Errorf("reference example: emails %v remove %v", em, c["removeEmailAddresses"])
	}

	// The first phone on the empty customer.
	empty := e.getByID(apptivotest.IDEmpty)
	empty["phoneNumbers"] = []any{map[string]any{"phoneNumber": "+81 3-1234-5678", "phoneType": "Business", "phoneTypeCode": "PHONE_BUSINESS"}}
	c = e.update(apptivotest.IDEmpty, empty, []string{"phoneNumbers"}, []any{"cust_phone_attr"}, nil).ok(t)["customer"].(map[string]any)
	if p := list(c, "phoneNumbers"); len(p) != 1 || p[0]["communicationId"] != json.Number("1") || p[0]["id"] != "cust_phone_input" {
		t.Errorf("first phone %v", p)
	}
}

func TestUpdateRejectsInconsistentRequests(t *testing.T) {
	e := start(t)
	const id = 1000001
	rec := e.getByID(id)
	good := func() (url.Values, url.Values) {
		q := vals("a", "update", "objectId", "3", "customerId", fmt.Sprint(id), "isPhoneNumberUpdate", "true")
		form := withKeys(url.Values{}, apptivotest.DemoKeys)
		form.Set("customerData", mustJSON(t, rec))
		form.Set("attributeName", `["customerName","phoneNumbers"]`)
		form.Set("attributeIds", `["cust_name_attr","cust_phone_attr"]`)
		return q, form
	}
	for _, c := range []struct {
		name   string
		change func(q, form url.Values)
		reason string
	}{
		{"unknown attribute", func(q, f url.Values) {
			f.Set("attributeName", `["customerName","description"]`)
		}, `"description"`},
		{"attributeName not JSON", func(q, f url.Values) { f.Set("attributeName", `customerName`) }, "attributeName"},
		{"attributeName missing", func(q, f url.Values) { f.Del("attributeName") }, "attributeName"},
		{"plural attributeNames", func(q, f url.Values) {
			f.Set("attributeNames", f.Get("attributeName"))
			f.Del("attributeName")
		}, "attributeNames"},
		{"empty attributeName", func(q, f url.Values) {
			f.Set("attributeName", `[]`)
			f.Set("attributeIds", `[]`)
			q.Del("isPhoneNumberUpdate")
		}, "attributeName"},
		{"ids too short", func(q, f url.Values) { f.Set("attributeIds", `["cust_name_attr"]`) }, "attributeIds"},
		{"ids not array", func(q, f url.Values) { f.Set("attributeIds", `"cust_name_attr"`) }, "attributeIds"},
		{"id is a number", func(q, f url.Values) { f.Set("attributeIds", `["cust_name_attr",7]`) }, "attributeIds[1]"},
		{"flag missing", func(q, f url.Values) { q.Del("isPhoneNumberUpdate") }, "isPhoneNumberUpdate"},
		{"flag false", func(q, f url.Values) { q.Set("isPhoneNumberUpdate", "false") }, "isPhoneNumberUpdate"},
		{"flag without section", func(q, f url.Values) { q.Set("isAddressUpdate", "true") }, "isAddressUpdate"},
		{"customerData not object", func(q, f url.Values) { f.Set("customerData", `["x"]`) }, "customerData"},
		{"customerData invalid", func(q, f url.Values) { f.Set("customerData", `{"customerName":`) }, "customerData"},
		{"phones null", func(q, f url.Values) {
			r := maps(rec)
			r["phoneNumbers"] = nil
			f.Set("customerData", mustJSON(t, r))
		}, "phoneNumbers"},
		{"empty name", func(q, f url.Values) {
			r := maps(rec)
			r["customerName"] = " "
			f.Set("customerData", mustJSON(t, r))
		}, "customerName"},
		{"other customer's data", func(q, f url.Values) { q.Set("customerId", fmt.Sprint(apptivotest.IDApptivoInc)) }, "customerId"},
		{"unknown customer", func(q, f url.Values) {
			q.Set("customerId", "424242")
			r := maps(rec)
			delete(r, "customerId")
			f.Set("customerData", mustJSON(t, r))
		}, "Customer not found"},
		{"bad customerId", func(q, f url.Values) { q.Set("customerId", "x") }, "customerId"},
	} {
		q, form := good()
		c.change(q, form)
		if got := e.post(q, form).failure(t); !strings.Contains(got, c.reason) {
			t.Errorf("%s: reason %q does not mention %q", c.name, got, c.reason)
		}
	}
	if v := e.getByID(id)["version"]; v != rec["version"] {
		t.Errorf("rejected updates changed version %v -> %v", rec["version"], v)
	}
	q, form := good()
	e.post(q, form).ok(t)
}

func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func TestBigIntegersSurviveUpdate(t *testing.T) {
	e := start(t)
	texts := []string{
		`"customAttributeValue":12345678901234567890123`,
		`"input_1528893649501_117_839291528893649501_645":12345678901234567890123`,
		`"customAttributeValue":9007199254740993`,
		`"customAttributeValue":1.50`,
		`"attributeValue":6.02e23`,
		`"attributeId":-9223372036854775808`,
		`"annualRevenue":98765432109876543210`,
		`"customAttributeValue":null`,
	}
	raw, _ := e.sim.Customer(apptivotest.IDBigInt)
	for _, s := range texts {
		if !bytes.Contains(raw, []byte(s)) {
			t.Fatalf("seed lacks %s", s)
		}
	}
	rec := e.getByID(apptivotest.IDBigInt)
	rec["customerName"] = "Quantum Ledger Systems, Inc."
	rec["customAttributes"] = []any{map[string]any{"customAttributeValue": 1.2345678901234568e22}} // what a float64 client would send
	rec["annualRevenue"] = 9.876543210987654e19
	e.update(apptivotest.IDBigInt, rec, []string{"customerName"}, []any{"cust_name_attr"}, nil).ok(t)

	body := e.get(withKeys(vals("a", "getById", "customerId", fmt.Sprint(apptivotest.IDBigInt)), apptivotest.DemoKeys)).body
	for _, s := range texts {
		if !bytes.Contains(body, []byte(s)) {
			t.Errorf("after update the answer lacks %s", s)
		}
	}
	if !bytes.Contains(body, []byte(`"customerName":"Quantum Ledger Systems, Inc."`)) {
		t.Errorf("name not updated")
	}
}

func TestModify(t *testing.T) {
	e := start(t)
	err := e.sim.Modify(apptivotest.IDApptivoInc, "Jane Admin", func(rec map[string]any) {
		if _, ok := rec["customerId"].(json.Number); !ok {
			t.Errorf("customerId is %T", rec["customerId"])
		}
		rec["description"] = "changed behind the portal's back"
		rec["customerId"] = json.Number("1")
	})
	if err != nil {
		t.Fatal(err)
	}
	m := e.getByID(apptivotest.IDApptivoInc)
	if m["description"] != "changed behind the portal's back" || m["version"] != json.Number("2") ||
		m["lastUpdatedByName"] != "Jane Admin" || m["lastUpdateDate"] != "2025-03-14 15:09:26" || m["customerId"] != json.Number("1224395") {
		t.Errorf("after Modify: %v", m)
	}
	if err := e.sim.Modify(424242, "x", func(map[string]any) {}); err == nil {
		t.Errorf("Modify of unknown customer succeeded")
	}
}

func TestRequestLog(t *testing.T) {
	e := start(t)
	e.get(withKeys(vals("a", "getAll", "numRecords", "5"), apptivotest.DemoKeys))
	e.sim.ResetRequests()
	e.clk.Advance(time.Second)
	e.get(withKeys(vals("a", "getAll", "numRecords", "5"), apptivotest.DemoKeys))
	e.post(vals("a", "getById", "customerId", "1000001"), withKeys(vals("customerId", "1000002"), apptivotest.DemoKeys))
	e.get(vals("a", "getAll")) // bad keys are logged too
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Times: 1})
	e.get(withKeys(vals("a", "getConfigData"), apptivotest.DemoKeys)) // and forced failures

	reqs := e.sim.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests logged", len(reqs))
	}
	if r := reqs[0]; r.Action != "getAll" || r.Method != http.MethodGet || r.Params.Get("numRecords") != "5" ||
		r.Params.Get("apiKey") != apptivotest.DemoKeys.APIKey || !r.At.Equal(t0.Add(time.Second)) {
		t.Errorf("first request %+v", r)
	}
	if r := reqs[1]; r.Action != "getById" || r.Method != http.MethodPost || r.Params.Get("customerId") != "1000002" ||
		r.Query.Get("customerId") != "1000001" || r.Query.Has("apiKey") || r.Params.Get("accessKey") != apptivotest.DemoKeys.AccessKey {
		t.Errorf("second request %+v", r)
	}
	if reqs[2].Params.Has("apiKey") || reqs[3].Action != "getConfigData" {
		t.Errorf("later requests %+v", reqs[2:])
	}
	if got := e.sim.RequestsFor("getAll"); len(got) != 2 {
		t.Errorf("RequestsFor(getAll) = %d", len(got))
	}
	reqs[0].Params.Set("numRecords", "99")
	if e.sim.Requests()[0].Params.Get("numRecords") != "5" {
		t.Errorf("Requests does not return copies")
	}
	e.sim.ResetRequests()
	if len(e.sim.Requests()) != 0 {
		t.Errorf("ResetRequests kept entries")
	}
}

func TestFailureModes(t *testing.T) {
	e := start(t)
	q := withKeys(vals("a", "getAll"), apptivotest.DemoKeys)
	for _, c := range []struct {
		mode        apptivotest.FailureMode
		status      int
		contentType string
		body        string
	}{
		{apptivotest.FailInternalError, 500, "text/html", "<html>"},
		{apptivotest.FailRateLimited, 429, "application/json", `{"status":"FAILURE","reason":"Rate limit exceeded"}`},
		{apptivotest.FailGarbageHTML, 200, "text/html", "<!DOCTYPE html>"},
		{apptivotest.FailEmptyBody, 200, "application/json", ""},
		{apptivotest.FailStatusFailure, 200, "application/json", `{"status":"FAILURE","reason":"Internal Server Error"}`},
	} {
		e.sim.Fail(apptivotest.Failure{Mode: c.mode, Times: 1})
		r := e.get(q)
		if r.status != c.status || !strings.HasPrefix(r.header.Get("Content-Type"), c.contentType) ||
			(c.body == "" && len(r.body) != 0) || !strings.HasPrefix(string(r.body), c.body) {
			t.Errorf("mode %d: %d %q %q", c.mode, r.status, r.header.Get("Content-Type"), r.body)
		}
		if c.mode == apptivotest.FailRateLimited && r.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
		e.get(q).ok(t) // Times: 1 is used up
	}
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailRateLimited, Times: 1, RetryAfter: 2500 * time.Millisecond})
	if r := e.get(q); r.header.Get("Retry-After") != "3" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
}

func TestFailHang(t *testing.T) {
	e := start(t)
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailHang})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.ts.URL+apptivotest.Path+"?"+withKeys(vals("a", "getAll"), apptivotest.DemoKeys).Encode(), nil)
	begin := time.Now()
	if _, err := e.ts.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}
	if time.Since(begin) > time.Second {
		t.Errorf("hang did not respect the context")
	}

	// Close releases a hanging request that has no deadline.
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+apptivotest.Path+"?a=getAll", strings.NewReader(withKeys(url.Values{}, apptivotest.DemoKeys).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := e.ts.Client().Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	for len(e.sim.Requests()) < 2 {
		time.Sleep(time.Millisecond)
	}
	e.sim.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("released hang produced an answer")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not release the hanging request")
	}
}

func TestFailResetConnection(t *testing.T) {
	e := start(t)
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailResetConnection, Times: 1})
	// A fresh connection, so Go's transport has no reason to retry silently.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if res, err := client.Get(e.ts.URL + apptivotest.Path + "?" + withKeys(vals("a", "getAll"), apptivotest.DemoKeys).Encode()); err == nil {
		res.Body.Close()
		t.Errorf("reset connection answered %d", res.StatusCode)
	}
	e.get(withKeys(vals("a", "getAll"), apptivotest.DemoKeys)).ok(t)
}

func TestFailureTimesAndMatching(t *testing.T) {
	e := start(t)
	k := apptivotest.DemoKeys
	byID := withKeys(vals("a", "getById", "customerId", "1000001"), k)
	all := withKeys(vals("a", "getAll"), k)

	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailStatusFailure, Action: "getById", Times: 2})
	e.get(all).ok(t)
	e.get(byID).failure(t)
	e.get(byID).failure(t)
	e.get(byID).ok(t)

	// First matching failure wins; FailNone lets calls through while counting.
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailNone, Times: 1})
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailEmptyBody, Times: 1})
	e.sim.Fail(apptivotest.Failure{Mode: apptivotest.FailInternalError})
	e.get(all).ok(t)
	if r := e.get(all); r.status != 200 || len(r.body) != 0 {
		t.Errorf("second call: %d %q", r.status, r.body)
	}
	for range 3 {
		if r := e.get(all); r.status != 500 {
			t.Errorf("persistent failure: %d", r.status)
		}
	}
	e.sim.ClearFailures()
	e.get(all).ok(t)
}

func TestRateLimit(t *testing.T) {
	e := start(t)
	other := apptivotest.KeyPair{APIKey: "b-api", AccessKey: "b-access", UserName: "B"}
	e.sim.AddKeyPair(other)
	e.sim.SetRateLimit(2, time.Minute)
	q := withKeys(vals("a", "getAll", "numRecords", "1"), apptivotest.DemoKeys)

	e.get(q).ok(t)
	e.clk.Advance(10 * time.Second)
	e.get(q).ok(t)
	r := e.get(q)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "50" ||
		string(r.body) != `{"status":"FAILURE","reason":"Rate limit exceeded"}` {
		t.Errorf("over the limit: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	e.get(withKeys(vals("a", "getAll"), other)).ok(t) // per key pair
	if got := e.get(vals("a", "getAll")).failure(t); !strings.Contains(got, "Key") {
		t.Errorf("bad keys while limited: %q", got)
	}
	e.clk.Advance(50 * time.Second) // the first slot frees
	e.get(q).ok(t)
	if r := e.get(q); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "10" {
		t.Errorf("second window: %d %q", r.status, r.header.Get("Retry-After"))
	}
	e.sim.SetRateLimit(0, 0)
	e.get(q).ok(t)
}

func TestLatency(t *testing.T) {
	e := start(t)
	q := withKeys(vals("a", "getAll", "numRecords", "1"), apptivotest.DemoKeys)
	e.sim.SetLatency(30 * time.Millisecond)
	begin := time.Now()
	e.get(q).ok(t)
	if d := time.Since(begin); d < 30*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}

	e.sim.SetLatency(10 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.ts.URL+apptivotest.Path+"?"+q.Encode(), nil)
	begin = time.Now()
	if _, err := e.ts.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want deadline exceeded, got %v", err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("latency ignored the context: %v", d)
	}
	e.sim.SetLatency(0)
}

func TestConcurrentUse(t *testing.T) {
	e := start(t)
	// Goroutines must not call t.Fatal, so they check answers by hand.
	call := func(form url.Values) string {
		res, err := http.PostForm(e.ts.URL+apptivotest.Path, withKeys(form, apptivotest.DemoKeys))
		if err != nil {
			return err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || bytes.Contains(b, []byte(`"FAILURE"`)) {
			return fmt.Sprintf("%d %s", res.StatusCode, b)
		}
		return ""
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				upd := vals("a", "update", "customerId", fmt.Sprint(apptivotest.IDEmpty), "attributeName", `["customerName"]`,
					"attributeIds", `["cust_name_attr"]`, "customerData", fmt.Sprintf(`{"customerName":"Quiet Holdings %d-%d"}`, g, i))
				if msg := call(upd); msg != "" {
					t.Error(msg)
				}
				if msg := call(vals("a", "getAllBySearchText", "searchText", "quiet")); msg != "" {
					t.Error(msg)
				}
				_ = e.sim.Requests()
				_ = e.sim.CustomerIDs()
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if err := e.sim.Modify(apptivotest.IDEmpty, "Other", func(rec map[string]any) { rec["description"] = "busy" }); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if v := e.getByID(apptivotest.IDEmpty)["version"]; v != json.Number("101") {
		t.Errorf("version after 100 writes: %v", v)
	}
}

// The simulator keeps bytes as a byte-exact client would need to see them:
// Put stores a record as given, reads hand it out unchanged, and an update
// changes only the named attributes, storing the entries of a named list
// exactly as the client sent them. A client that re-encodes what it should
// pass through is caught by comparing bytes.
func TestBytesAreKeptThroughPutReadAndUpdate(t *testing.T) {
	e := start(t)
	const rec = "{ \"customerId\" : 3000001, \"customerName\":\"Bytes <&>\", \"note\" : \"a\\u003cb\" , \"dup\":1,\"dup\":2,\n" +
		" \"phoneNumbers\" : [ {\"phoneNumber\":\"1\",\"communicationId\":1, \"x\":\"\\u0026\"} ], \"version\":1 }"
	id, err := e.sim.Put(json.RawMessage(rec))
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := e.sim.Customer(id); string(raw) != rec {
		t.Fatalf("Put changed the bytes: %s", raw)
	}
	r := e.post(vals("a", "getById", "customerId", "3000001"), withKeys(url.Values{}, apptivotest.DemoKeys))
	if string(r.body) != rec {
		t.Fatalf("getById changed the bytes: %s", r.body)
	}
	sentPhones := `[{"phoneNumber":"1","communicationId":1, "x":"\u0026"},{ "phoneNumber" : "2", "y":"<\u003e" }]`
	q := vals("a", "update", "objectId", "3", "customerId", "3000001", "isPhoneNumberUpdate", "true")
	form := withKeys(url.Values{}, apptivotest.DemoKeys)
	form.Set("customerData", `{"customerId":3000001,"customerName":"ignored","phoneNumbers":`+sentPhones+`}`)
	form.Set("attributeName", `["phoneNumbers"]`)
	form.Set("attributeIds", `["cust_phone_attr"]`)
	e.post(q, form).ok(t)
	raw, _ := e.sim.Customer(id)
	for _, kept := range []string{"{ \"customerId\" : 3000001, \"customerName\":\"Bytes <&>\", \"note\" : \"a\\u003cb\" , \"dup\":1,\"dup\":2,\n \"phoneNumbers\" : ",
		`{"phoneNumber":"1","communicationId":1, "x":"\u0026"}`, `{ "phoneNumber" : "2", "y":"<\u003e","communicationId":2,"id":"cust_phone_input" }`} {
		if !strings.Contains(string(raw), kept) {
			t.Errorf("lost %s in %s", kept, raw)
		}
	}
}
