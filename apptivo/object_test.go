package apptivo

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
)

func loadCustomer(t testing.TB) (*Customer, []byte) {
	t.Helper()
	data, err := os.ReadFile("testdata/customer.json")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.TrimSpace(data)
	c, err := ParseCustomer(data)
	if err != nil {
		t.Fatal(err)
	}
	return c, data
}

func TestCustomerRoundTripIsByteExact(t *testing.T) {
	c, data := loadCustomer(t)
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		t.Fatalf("round trip changed the record:\n got %s\nwant %s", out, data)
	}
	for _, want := range []string{
		`12345678901234567890123`, `9007199254740993`, `1.0e+3`, `2.50`, `"customerCategoryId":null`,
		`"annualRevenue":null`, `Grüße — 株式会社 \u003cb\u003e`, `{"x":"ü"}`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lost %s", want)
		}
	}
}

func TestCustomerAccessors(t *testing.T) {
	c, _ := loadCustomer(t)
	if c.ID() != "1224395" || c.Name() != "Apptivo, Inc." || c.Number() != "60" || c.Status() != "Active" || c.Version() != "3" {
		t.Fatalf("scalars: id=%q name=%q number=%q status=%q version=%q", c.ID(), c.Name(), c.Number(), c.Status(), c.Version())
	}
	phones := c.Phones()
	if len(phones) != 2 || phones[1] != (Phone{Ref: "id:2/0", Number: "+44 20 7946 0958", Type: "Mobile", TypeCode: "PHONE_MOBILE"}) {
		t.Fatalf("phones: %+v", phones)
	}
	emails := c.Emails()
	if len(emails) != 2 || emails[0].Address != "ABC@berijam.com" || emails[1].Ref != "id:7/0" {
		t.Fatalf("emails: %+v", emails)
	}
	addrs := c.Addresses()
	want := Address{Ref: "id:15243737/0", Type: "Billing Address", TypeCode: "1", Line1: "22", Line2: "1", City: "texas",
		State: "Alaska", StateCode: "AK", Zip: "43545", Country: "United States", CountryCode: "US"}
	if len(addrs) != 1 || addrs[0] != want {
		t.Fatalf("addresses: %+v", addrs)
	}
}

func TestMissingAndMalformedSectionsReadAsEmpty(t *testing.T) {
	c, err := ParseCustomer([]byte(`{"customerId":1,"phoneNumbers":null,"emailAddresses":"oops"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Phones()) != 0 || len(c.Emails()) != 0 || len(c.Addresses()) != 0 {
		t.Fatal("expected empty sections")
	}
}

func TestObjectRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `{"a":1} {"b":2}`, `{"a":}`, ``} {
		var o Object
		if err := o.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("%q: expected an error", in)
		}
	}
}

// Issue 7, item 4 turned this test around: duplicate keys travel back as
// received (before, they were collapsed), reading one gives its last value
// (as encoding/json would), and setting one leaves it once, at its first place.
func TestObjectDuplicateKeysTravelBackAsReceived(t *testing.T) {
	var o Object
	if err := o.UnmarshalJSON([]byte(`{"a":1,"b":2,"a":3}`)); err != nil {
		t.Fatal(err)
	}
	out, _ := o.MarshalJSON()
	if string(out) != `{"a":1,"b":2,"a":3}` {
		t.Fatalf("got %s", out)
	}
	if raw, _ := o.Raw("a"); string(raw) != "3" || !reflect.DeepEqual(o.Keys(), []string{"a", "b"}) {
		t.Fatalf("a = %s, keys %v", raw, o.Keys())
	}
	o.Set("a", 4)
	if out, _ := o.MarshalJSON(); string(out) != `{"a":4,"b":2}` {
		t.Fatalf("after Set: %s", out)
	}
}

func TestObjectKeepsWhiteSpaceAndEscapesOfUntouchedMembers(t *testing.T) {
	const in = "{ \"k\\u0041\" : \"x\\u003c\" ,\n \"n\" :[ 1, 2 ] , \"v\":1 }"
	var o Object
	if err := o.UnmarshalJSON([]byte(in)); err != nil {
		t.Fatal(err)
	}
	if out, _ := o.MarshalJSON(); string(out) != in {
		t.Fatalf("round trip: %s", out)
	}
	o.Set("v", "<b>")
	o.Set("new", "&")
	want := "{ \"k\\u0041\" : \"x\\u003c\" ,\n \"n\" :[ 1, 2 ] , \"v\":\"<b>\",\"new\":\"&\" }"
	if out, _ := o.MarshalJSON(); string(out) != want {
		t.Fatalf("after Set:\n got %s\nwant %s", out, want)
	}
	if raw, _ := o.Raw("kA"); string(raw) != `"x\u003c"` {
		t.Fatalf("escaped key: %s", raw)
	}
}

func TestObjectSetKeepsPositionAndDoesNotEscapeHTML(t *testing.T) {
	var o Object
	_ = o.UnmarshalJSON([]byte(`{"a":1,"customerName":"x","z":null}`))
	if err := o.Set("customerName", "<script>alert(1)</script> & Co"); err != nil {
		t.Fatal(err)
	}
	out, _ := o.MarshalJSON()
	if string(out) != `{"a":1,"customerName":"<script>alert(1)</script> & Co","z":null}` {
		t.Fatalf("got %s", out)
	}
}

func TestJSONEqual(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, true},
		{`{"a":9007199254740993}`, `{"a":9007199254740992}`, false},
		{`{"a":null}`, `{}`, false},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, false},
		{`{"a":"ü"}`, `{"a":"\u00fc"}`, true},
		{`{"a":{"b":{"c":12345678901234567890123}}}`, `{"a":{"b":{"c":12345678901234567890123}}}`, true},
	}
	for _, tc := range cases {
		if got := JSONEqual(json.RawMessage(tc.a), json.RawMessage(tc.b)); got != tc.want {
			t.Errorf("JSONEqual(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

func TestCredentialsNeverPrintKeys(t *testing.T) {
	cr := Credentials{APIKey: "api-SECRET-1234", AccessKey: "access-SECRET-9876"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "creds", cr, "nested", struct{ C Credentials }{cr})
	nested, _ := json.Marshal(map[string]any{"c": cr})
	for _, s := range []string{cr.String(), cr.GoString(), sprintf("%v", cr), sprintf("%+v", cr), sprintf("%#v", cr), sprintf("%s", cr),
		sprintf("%d", cr), sprintf("%x", cr), sprintf("%q", cr), logged.String(), string(nested)} {
		if strings.Contains(s, "SECRET") || strings.Contains(s, "9876") {
			t.Errorf("credentials leaked: %s", s)
		}
	}
}

// FuzzObjectRoundTrip: any JSON object survives decode + encode with equal
// content, and a document that is not one object is refused.
func FuzzObjectRoundTrip(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"a":1}`, `{"a":{"b":[1,"}",{"c":"\"]"}]},"d":null}`, `{"k\u00fc":"v\\","n":-1.5e-7,"t":true}`,
		` { "x" : [ ] , "y" : { } } `, `{"a":1,"a":2}`, `{"a":"x"}{"b":1}`, `[1]`, `{"a":12345678901234567890123}`,
	} {
		f.Add([]byte(seed))
	}
	for _, seed := range []string{`null`, ` null `} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var o Object
		err := o.UnmarshalJSON(data)
		var probe map[string]json.RawMessage
		std := json.Unmarshal(data, &probe)
		if std == nil && probe == nil {
			std = errors.New("null is not an object")
		}
		if (err == nil) != (std == nil) {
			t.Fatalf("%q: ours %v, encoding/json %v", data, err, std)
		}
		if err != nil {
			return
		}
		out, err := o.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !JSONEqual(data, out) {
			t.Fatalf("%q became %q", data, out)
		}
	})
}

// The one-pass reader accepts exactly the documents encoding/json does, so
// reading an answer once loses none of json.Valid's strictness.
func FuzzReadMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, ` { "a" : 1 } `, `{"a":[1,2,{"b":null}],"c":"\u00e9\n"}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a"}`,
		`{"a":01}`, `{"a":-0.5e+10}`, `{"a":1.}`, `{"a":.5}`, `{"a":tru}`, `{"a":"\x"}`, `{"a":"\u12"}`,
		"{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", `{"a":[1,]}`, `{"a":[,1]}`, `{"a":{}}x`, `[1]`, `"s"`, `{"a":1}}`,
		`{"a":[[[[[]]]]]}`, `{"a":-}`, `{"a":1e}`, `{"a":"x"`, `{"a"  :  "b" , "c":[ ]}`, `{,}`, `{"a":1,"a":2}`,
		"{\"a\":1}\n", "\t{}\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var o Object
		err := o.UnmarshalJSON(data)
		var m map[string]json.RawMessage
		want := json.Unmarshal(data, &m) == nil && m != nil
		if (err == nil) != want {
			t.Fatalf("%q: read says %v, encoding/json says valid object %v", data, err, want)
		}
		if err == nil {
			back, _ := o.MarshalJSON()
			if !bytes.Equal(back, bytes.TrimSpace(data)) && !bytes.Equal(back, data) {
				t.Fatalf("%q: written back as %q", data, back)
			}
		}
		if e := validValue(data, skipSpace(data, 0), 1); len(data) > 0 && skipSpace(data, 0) < len(data) {
			whole := e >= 0 && skipSpace(data, e) == len(data)
			if whole != json.Valid(data) {
				t.Fatalf("%q: validValue %v, json.Valid %v", data, whole, json.Valid(data))
			}
		}
	})
}

// Nesting deeper than encoding/json allows is refused as it refuses it.
func TestReadDepthLimit(t *testing.T) {
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		doc := []byte(`{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`)
		var o Object
		if got, want := o.UnmarshalJSON(doc) == nil, json.Valid(doc); got != want {
			t.Errorf("depth %d: read accepts %v, json.Valid %v", depth, got, want)
		}
	}
}

// Delete takes a member out, duplicates and all, and the rest of the bytes
// stay as they were and well-formed.
func TestDeleteKeepsTheRestAsItWas(t *testing.T) {
	for _, tc := range []struct{ in, key, want string }{
		{`{"a": 1, "b": 2, "c": 3}`, "b", `{"a": 1, "c": 3}`},
		{`{"a": 1, "b": 2}`, "a", `{"b":2}`},
		{`{"a": 1, "b": 2, "a": 3}`, "a", `{"b":2}`},
		{`{ "a" : 1 }`, "a", `{ }`},
		{`{"a": 1}`, "x", `{"a": 1}`},
	} {
		var o Object
		if err := o.UnmarshalJSON([]byte(tc.in)); err != nil {
			t.Fatal(err)
		}
		o.Delete(tc.key)
		got, err := o.MarshalJSON()
		if err != nil || string(got) != tc.want || !json.Valid(got) {
			t.Errorf("%s less %s: %s, %v; want %s", tc.in, tc.key, got, err, tc.want)
		}
	}
}
