package apptivotest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/customerdesk/desk/apptivo"
)

// record is one stored customer. raw is the source of truth handed out to
// callers; m is its decoded form for searching and must never be mutated
// (updates build a new record), which is what makes sharing it under the lock safe.
type record struct {
	id      int64
	sortKey string
	raw     json.RawMessage
	m       map[string]any
}

func newRecord(m map[string]any) (*record, error) {
	raw, err := encodeJSON(m)
	if err != nil {
		return nil, err
	}
	return newRecordRaw(m, raw)
}

// newRecordRaw stores raw as the record's bytes; m must be its decoded form.
func newRecordRaw(m map[string]any, raw json.RawMessage) (*record, error) {
	id, ok := intValue(m["customerId"])
	if !ok {
		return nil, errors.New("record has no numeric customerId")
	}
	name, _ := m["customerName"].(string)
	return &record{id: id, sortKey: strings.ToLower(name), raw: raw, m: m}, nil
}

// decodeObject decodes with UseNumber because records carry integers beyond
// 2^53 that float64 would silently corrupt.
func decodeObject(b []byte) (map[string]any, error) {
	v, err := decodeAny(string(b))
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

func decodeAny(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// intValue reads an integer id from a JSON number (or a numeric string, which
// some Apptivo fields use).
func intValue(v any) (int64, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = string(t)
	case string:
		s = t
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

// sortedLocked returns records in listing order: name case-insensitively, then id.
func (s *Server) sortedLocked() []*record {
	out := make([]*record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *record) int {
		return cmp.Or(cmp.Compare(a.sortKey, b.sortKey), cmp.Compare(a.id, b.id))
	})
	return out
}

// Customer returns the stored record as JSON, for assertions on what a
// client's write actually did.
func (s *Server) Customer(id int64) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(r.raw), true
}

// CustomerIDs lists ids in the order getAll returns them.
func (s *Server) CustomerIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int64
	for _, r := range s.sortedLocked() {
		ids = append(ids, r.id)
	}
	return ids
}

// Put stores rec as is, byte for byte (replacing any customer with the same
// customerId), so tests can set up exact shapes — and exact bytes — the seed
// lacks.
func (s *Server) Put(rec json.RawMessage) (int64, error) {
	m, err := decodeObject(rec)
	if err != nil {
		return 0, fmt.Errorf("apptivotest: Put: %w", err)
	}
	r, err := newRecordRaw(m, slices.Clone(bytes.TrimSpace(rec)))
	if err != nil {
		return 0, fmt.Errorf("apptivotest: Put: %w", err)
	}
	if r.id <= 0 {
		return 0, fmt.Errorf("apptivotest: Put: customerId %d is not positive", r.id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[r.id] = r
	return r.id, nil
}

// Modify changes a customer as someone else in the firm would, to exercise the
// portal's lost-update protection. fn gets a private decoded copy (numbers are
// json.Number) and runs with the simulator locked, so it must not call the
// Server. The version is bumped and lastUpdateDate/lastUpdatedByName set
// afterwards; customerId cannot be changed. Members fn leaves alone keep
// their bytes.
func (s *Server) Modify(id int64, by string, fn func(rec map[string]any)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.records[id]
	if !ok {
		return fmt.Errorf("apptivotest: Modify: customer %d not found", id)
	}
	before, err := decodeObject(old.raw)
	if err != nil {
		return fmt.Errorf("apptivotest: Modify: %w", err)
	}
	m, _ := decodeObject(old.raw)
	fn(m)
	m["customerId"] = old.m["customerId"]
	var rec apptivo.Object
	if err := rec.UnmarshalJSON(old.raw); err != nil {
		return fmt.Errorf("apptivotest: Modify: %w", err)
	}
	for k, v := range m {
		if !reflect.DeepEqual(before[k], v) {
			if err := rec.Set(k, v); err != nil {
				return fmt.Errorf("apptivotest: Modify: %w", err)
			}
		}
	}
	for k := range before {
		if _, kept := m[k]; !kept {
			rec.Delete(k)
		}
	}
	r, err := s.restamp(rec, m, by)
	if err != nil {
		return fmt.Errorf("apptivotest: Modify: %w", err)
	}
	s.records[id] = r
	return nil
}

// restamp records a change made to rec (whose decoded form is m) the way
// Apptivo does, and returns the record to store.
func (s *Server) restamp(rec apptivo.Object, m map[string]any, by string) (*record, error) {
	s.stamp(m, by)
	for _, k := range []string{"version", "lastUpdateDate", "lastUpdatedByName"} {
		if err := rec.Set(k, m[k]); err != nil {
			return nil, err
		}
	}
	raw, err := rec.MarshalJSON()
	if err != nil {
		return nil, err
	}
	m, err = decodeObject(raw)
	if err != nil {
		return nil, err
	}
	return newRecordRaw(m, raw)
}

// stamp records a change the way Apptivo does: new version, time and author.
func (s *Server) stamp(m map[string]any, by string) {
	v, ok := intValue(m["version"])
	if !ok {
		v = 0
	}
	m["version"] = json.Number(strconv.FormatInt(v+1, 10))
	m["lastUpdateDate"] = s.now().Format(dateLayout)
	m["lastUpdatedByName"] = by
}

const dateLayout = "2006-01-02 15:04:05"
