package apptivo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Object is a JSON object that keeps every member exactly as received: the
// key order, and each value's raw bytes. Apptivo applies only the attributes
// an update names, but it expects the rest of the record back as context, so
// anything the desk does not edit must travel back untouched — numbers beyond
// 2^53, nulls, nested custom attributes and all.
type Object struct {
	members []member
}

type member struct {
	key   string
	value json.RawMessage
}

// UnmarshalJSON reads the object member by member, without decoding values.
// The document is validated first, so the scan below only has to find where
// each key and value starts and ends.
func (o *Object) UnmarshalJSON(data []byte) error {
	if !json.Valid(data) {
		return errors.New("apptivo: invalid JSON")
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errors.New("apptivo: expected a JSON object")
	}
	o.members = o.members[:0]
	seen := map[string]int{}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		end := scanValue(data, i) // the key, a string
		key, err := unquote(data[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(data, skipSpace(data, end)+1) // past the colon
		end = scanValue(data, i)
		raw := json.RawMessage(data[i:end:end])
		// A duplicate key keeps its first position and its last value, which is
		// what encoding/json itself would have decoded.
		if at, dup := seen[key]; dup {
			o.members[at].value = raw
		} else {
			seen[key] = len(o.members)
			o.members = append(o.members, member{key: key, value: raw})
		}
		i = skipSpace(data, end)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	if i = skipSpace(data, i+1); i != len(data) {
		return errors.New("apptivo: trailing data after JSON object")
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanValue returns the end of the (valid) JSON value starting at i.
func scanValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(data)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = scanValue(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	default: // number, true, false, null
		j := i
		for j < len(data) && !strings.ContainsRune(",}] \t\n\r", rune(data[j])) {
			j++
		}
		return j
	}
}

// unquote decodes a JSON string, taking the fast path when it has no escapes.
func unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("apptivo: object key is not a string")
	}
	return s, nil
}

// MarshalJSON writes the members in their original order with their original bytes.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o.members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		if len(m.value) == 0 {
			b.WriteString("null")
		} else {
			b.Write(m.value)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Clone returns a deep copy, so edits to the copy never reach the original.
func (o Object) Clone() Object {
	c := Object{members: make([]member, len(o.members))}
	for i, m := range o.members {
		c.members[i] = member{key: m.key, value: append(json.RawMessage(nil), m.value...)}
	}
	return c
}

// Keys lists the member names in their original order.
func (o Object) Keys() []string {
	keys := make([]string, len(o.members))
	for i, m := range o.members {
		keys[i] = m.key
	}
	return keys
}

// Raw returns a member's raw JSON value.
func (o Object) Raw(key string) (json.RawMessage, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// Has reports whether the member exists (even with a null value).
func (o Object) Has(key string) bool {
	_, ok := o.Raw(key)
	return ok
}

// SetRaw replaces a member's value in place, or appends it when new.
func (o *Object) SetRaw(key string, value json.RawMessage) {
	for i := range o.members {
		if o.members[i].key == key {
			o.members[i].value = value
			return
		}
	}
	o.members = append(o.members, member{key: key, value: value})
}

// Set encodes v (without HTML escaping, so "<" in a name stays "<") and stores it.
func (o *Object) Set(key string, v any) error {
	raw, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("apptivo: encoding %s: %w", key, err)
	}
	o.SetRaw(key, raw)
	return nil
}

// String returns a string member. Numbers are returned in their textual form,
// since Apptivo is not consistent about quoting ids; null or missing gives "".
func (o Object) String(key string) string {
	raw, ok := o.Raw(key)
	if !ok {
		return ""
	}
	return rawText(raw)
}

// Equal reports whether two objects hold the same members with equal JSON
// values, ignoring member order and number spelling differences only where
// the text is identical (numbers are compared by their text, never as floats).
func (o Object) Equal(other Object) bool {
	if len(o.members) != len(other.members) {
		return false
	}
	for _, m := range o.members {
		v, ok := other.Raw(m.key)
		if !ok || !JSONEqual(m.value, v) {
			return false
		}
	}
	return true
}

// rawText turns a raw JSON scalar into text: strings unquoted, numbers and
// booleans as written, null/objects/arrays as "".
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	case '{', '[', 'n':
		return ""
	default:
		return string(raw)
	}
}

// encodeJSON marshals without HTML escaping and without the trailing newline.
func encodeJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimRight(b.Bytes(), "\n")), nil
}

// JSONEqual compares two JSON documents structurally: object member order is
// ignored, numbers are compared by their exact text (so 2^53+1 never equals
// 2^53), and everything else must match.
func JSONEqual(a, b json.RawMessage) bool {
	va, errA := decodeExact(a)
	vb, errB := decodeExact(b)
	if errA != nil || errB != nil {
		return bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b))
	}
	return exactEqual(va, vb)
}

func decodeExact(raw json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func exactEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !exactEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !exactEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		return ok && x == y
	default:
		return a == b
	}
}
