package apptivo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Object is a JSON object that keeps every member exactly as received: the
// key order, each key's and value's raw bytes, the white space between them,
// and duplicate keys. Apptivo applies only the attributes an update names, but
// it expects the rest of the record back as context, so anything the desk does
// not edit must travel back untouched — numbers beyond 2^53, nulls, nested
// custom attributes, escapes and all. Only members set through Set/SetRaw are
// written anew; everything else is spliced back from the bytes received.
//
// Raw values are never modified in place, so copies of an Object may share them.
type Object struct {
	members []member
	// tail is what followed the last value (or the opening brace of an empty
	// object), through the closing brace; nil for an Object built from scratch.
	tail []byte
}

type member struct {
	key string
	// lead is everything between the previous value (or the opening brace)
	// and this value, as received: separators, white space, the key in its
	// original spelling, the colon. nil for a member added by SetRaw.
	lead  []byte
	value json.RawMessage
}

// UnmarshalJSON reads the object member by member, without decoding values,
// checking as it goes that the whole document is valid JSON: one pass.
func (o *Object) UnmarshalJSON(data []byte) error { return o.read(data, true) }

// scan reads an object from data, which must be valid JSON (a part of a
// document read whole before).
func (o *Object) scan(data []byte) error { return o.read(data, false) }

var errInvalidJSON = errors.New("apptivo: invalid JSON")

// read splits data into members; with check, it also validates every value
// (as json.Valid would), so an answer is looked at once.
func (o *Object) read(data []byte, check bool) error {
	end := scanValue
	if check {
		end = func(data []byte, i int) int { return validValue(data, i, 2) } // inside the object
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		if check && !json.Valid(data) {
			return errInvalidJSON
		}
		return errors.New("apptivo: expected a JSON object")
	}
	// Members gather on the stack and are copied out once, at their exact
	// number: growing the slice by appending would allocate about twice.
	var local [32]member
	members := local[:0]
	from := i + 1 // where the next member's lead starts
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		if check && data[i] != '"' {
			return errInvalidJSON
		}
		e := end(data, i) // the key, a string
		if e < 0 {
			return errInvalidJSON
		}
		key, err := unquote(data[i:e])
		if err != nil {
			return err
		}
		if c := skipSpace(data, e); check && (c >= len(data) || data[c] != ':') {
			return errInvalidJSON
		}
		i = skipSpace(data, skipSpace(data, e)+1) // past the colon
		if check && i >= len(data) {
			return errInvalidJSON
		}
		e = end(data, i)
		if e < 0 {
			return errInvalidJSON
		}
		members = append(members, member{key: key, lead: data[from:i:i], value: json.RawMessage(data[i:e:e])})
		from = e
		i = skipSpace(data, e)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
			if check && (i >= len(data) || data[i] == '}') {
				return errInvalidJSON // a trailing comma
			}
		} else if check && (i >= len(data) || data[i] != '}') {
			return errInvalidJSON
		}
	}
	if i >= len(data) {
		if check {
			return errInvalidJSON
		}
		return errors.New("apptivo: unterminated JSON object")
	}
	o.members = slices.Clone(members)
	o.tail = data[from : i+1 : i+1]
	if i = skipSpace(data, i+1); i != len(data) {
		if check {
			return errInvalidJSON
		}
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

// maxDepth is encoding/json's nesting limit, kept so the desk accepts
// exactly the documents json.Valid does.
const maxDepth = 10000

// validValue returns the end of the JSON value starting at i, or -1 when it
// is not valid JSON. It accepts exactly what json.Valid accepts (invalid
// UTF-8 in strings included), and is several times faster.
func validValue(data []byte, i, depth int) int {
	if i >= len(data) {
		return -1
	}
	switch c := data[i]; {
	case c == '"':
		return validString(data, i)
	case c == '{' || c == '[':
		if depth > maxDepth {
			return -1
		}
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == close {
			return i + 1
		}
		for {
			if c == '{' {
				if i >= len(data) || data[i] != '"' {
					return -1
				}
				if i = validString(data, i); i < 0 {
					return -1
				}
				if i = skipSpace(data, i); i >= len(data) || data[i] != ':' {
					return -1
				}
				i = skipSpace(data, i+1)
			}
			if i = validValue(data, i, depth+1); i < 0 {
				return -1
			}
			switch i = skipSpace(data, i); {
			case i >= len(data):
				return -1
			case data[i] == close:
				return i + 1
			case data[i] != ',':
				return -1
			}
			i = skipSpace(data, i+1)
		}
	case c == 't':
		return literal(data, i, "true")
	case c == 'f':
		return literal(data, i, "false")
	case c == 'n':
		return literal(data, i, "null")
	default:
		return validNumber(data, i)
	}
}

func literal(data []byte, i int, word string) int {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

func validString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if j++; j >= len(data) {
				return -1
			}
			switch data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(data)-j < 5 {
					return -1
				}
				for _, h := range data[j+1 : j+5] {
					if !isHex(h) {
						return -1
					}
				}
				j += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// validNumber checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(data []byte, i int) int {
	digits := func(i int) int {
		j := i
		for j < len(data) && '0' <= data[j] && data[j] <= '9' {
			j++
		}
		return j
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return -1
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

// scanArray splits a (valid) JSON array into its elements' raw bytes; ok is
// false when raw is not an array.
func scanArray(raw []byte) (elems []json.RawMessage, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return nil, false
	}
	for i = skipSpace(raw, i+1); i < len(raw) && raw[i] != ']'; {
		end := scanValue(raw, i)
		elems = append(elems, json.RawMessage(raw[i:end:end]))
		if i = skipSpace(raw, end); i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
	}
	return elems, true
}

// joinArray writes elements as a JSON array, each element's bytes as given.
func joinArray(elems []json.RawMessage) json.RawMessage {
	n := 2
	for _, e := range elems {
		n += len(e) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e...)
	}
	return append(b, ']')
}

// unquote decodes a JSON string, taking the fast path when it has no escapes.
func unquote(raw []byte) (string, error) {
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("apptivo: object key is not a string")
	}
	return s, nil
}

// MarshalJSON writes the members in their original order with their original
// bytes; only members set since the object was read are written anew.
func (o Object) MarshalJSON() ([]byte, error) {
	// Room for exactly what is written back as received; members set anew
	// may need a little more (escapes in a key).
	n := 2
	for _, m := range o.members {
		n += len(m.lead) + len(m.value)
		if len(m.value) == 0 {
			n += len("null")
		}
		if m.lead == nil {
			n += len(m.key) + 4 // a comma, quotes and a colon
		}
	}
	b := make([]byte, 0, n+len(o.tail))
	b = append(b, '{')
	for i, m := range o.members {
		if m.lead != nil {
			b = append(b, m.lead...)
		} else {
			if i > 0 {
				b = append(b, ',')
			}
			k, err := encodeJSON(m.key)
			if err != nil {
				return nil, err
			}
			b = append(append(b, k...), ':')
		}
		if len(m.value) == 0 {
			b = append(b, "null"...)
		} else {
			b = append(b, m.value...)
		}
	}
	if o.tail != nil {
		b = append(b, o.tail...)
	} else {
		b = append(b, '}')
	}
	return b, nil
}

// Clone returns a copy whose members can be set without touching the
// original (raw values are shared: they are never modified in place).
func (o Object) Clone() Object {
	return Object{members: slices.Clone(o.members), tail: o.tail}
}

// Keys lists the member names in their original order, each once.
func (o Object) Keys() []string {
	keys := make([]string, 0, len(o.members))
	for _, m := range o.members {
		if !slices.Contains(keys, m.key) {
			keys = append(keys, m.key)
		}
	}
	return keys
}

// last returns the index of the last member named key, or -1. A duplicated
// key means its last value, as encoding/json (and Apptivo's Java) read it.
func (o Object) last(key string) int {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return i
		}
	}
	return -1
}

// Raw returns a member's raw JSON value (the last one, for a duplicated key).
func (o Object) Raw(key string) (json.RawMessage, bool) {
	if i := o.last(key); i >= 0 {
		return o.members[i].value, true
	}
	return nil, false
}

// Has reports whether the member exists (even with a null value).
func (o Object) Has(key string) bool { return o.last(key) >= 0 }

// SetRaw replaces a member's value in place, or appends it when new. A
// duplicated key is set once, at its first position: an edited member must
// be unambiguous to whoever reads it.
func (o *Object) SetRaw(key string, value json.RawMessage) {
	first := -1
	for i := 0; i < len(o.members); i++ {
		if o.members[i].key != key {
			continue
		}
		if first < 0 {
			first = i
			o.members[i].value = value
			continue
		}
		// A later duplicate: its lead starts with the separating comma, so
		// dropping it leaves the bytes around it well-formed.
		o.members = slices.Delete(o.members, i, i+1)
		i--
	}
	if first < 0 {
		o.members = append(o.members, member{key: key, value: value})
	}
}

// Delete removes every member named key; the bytes around it stay
// well-formed (a later member's lead starts with its separating comma, and
// when the first member goes, the next one is written anew).
func (o *Object) Delete(key string) {
	for i := 0; i < len(o.members); i++ {
		if o.members[i].key != key {
			continue
		}
		if i == 0 && len(o.members) > 1 {
			o.members[1].lead = nil
		}
		o.members = slices.Delete(o.members, i, i+1)
		i--
	}
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
	keys := o.Keys()
	if len(keys) != len(other.Keys()) {
		return false
	}
	for _, k := range keys {
		a, _ := o.Raw(k)
		b, ok := other.Raw(k)
		if !ok || !JSONEqual(a, b) {
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
		text, _ := unquote(raw)
		return text
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
