package handlers

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"github.com/customerdesk/desk/apptivo"
)

// snapshots keeps, for a short while, each customer record as it was last
// read for a person, so opening a form (Edit) and closing it (Cancel) need
// not wait for Apptivo. Correctness never rests on it: a save always reads
// the record fresh and refuses to write over a change it did not see, so a
// stale snapshot can only lead to a conflict view, never to a lost edit.
//
// A snapshot serves a request only when the request names the card's
// version it was made from (see cardVersion): the Edit link of a read view
// and the Cancel link of a form carry the version of what the person was
// looking at. So a form never opens on older values than the card showed —
// not after a save on another desk behind the same load balancer, nor after
// a save in another tab — it costs one read instead.
//
// Snapshots hold the record's bytes (no keys: they are keyed by the key
// pair's print), and are bounded in bytes for the process and per person;
// the oldest go first.
type snapshots struct {
	life                time.Duration // 0: keep none
	maxBytes, perPerson int
	now                 func() time.Time

	mu     sync.Mutex
	byKey  map[snapshotKey]*list.Element // Value: *snapshot
	order  *list.List                    // front: most recently read
	bytes  int
	people map[string]*personSnapshots
}

type snapshotKey struct{ person, customer string }

type snapshot struct {
	key  snapshotKey
	body []byte // the record, as Apptivo sent it
	at   time.Time
	size int // what it counts against the bounds
}

// personSnapshots is one person's share, oldest first.
type personSnapshots struct {
	bytes int
	elems []*list.Element
}

// snapshotOverhead is what a snapshot costs beyond its bytes: the map entry,
// the list element, the key strings' headers, the slice.
const snapshotOverhead = 256

func newSnapshots(life time.Duration, maxBytes, perPerson int, now func() time.Time) *snapshots {
	return &snapshots{life: life, maxBytes: maxBytes, perPerson: perPerson, now: now,
		byKey: map[snapshotKey]*list.Element{}, order: list.New(), people: map[string]*personSnapshots{}}
}

// put keeps the record as read just now for person (replacing any older one).
func (s *snapshots) put(person string, c *apptivo.Customer) {
	if s == nil || s.life <= 0 || person == "" || c == nil || c.ID() == "" {
		return
	}
	body, err := c.MarshalJSON()
	if err != nil {
		return
	}
	// Count what is truly held (a record as read marshals to a buffer of
	// its exact size).
	key := snapshotKey{person, c.ID()}
	size := cap(body) + len(key.person) + len(key.customer) + snapshotOverhead
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(key)
	if size > s.perPerson || size > s.maxBytes {
		return // too big to keep: Edit will read
	}
	now := s.now()
	s.expireLocked(now)
	p := s.people[person]
	if p == nil {
		p = &personSnapshots{}
		s.people[person] = p
	}
	for p.bytes+size > s.perPerson {
		s.dropLocked(p.elems[0])
	}
	for s.bytes+size > s.maxBytes {
		s.dropLocked(s.order.Back())
	}
	p = s.people[person] // dropLocked removes an emptied share
	if p == nil {
		p = &personSnapshots{}
		s.people[person] = p
	}
	el := s.order.PushFront(&snapshot{key: key, body: body, at: now, size: size})
	s.byKey[key] = el
	p.elems = append(p.elems, el)
	p.bytes += size
	s.bytes += size
}

// get returns person's snapshot of customer if it is still young and its
// card k is at version; otherwise nothing, and the caller reads.
func (s *snapshots) get(person, customer string, k card, version string) (*apptivo.Customer, bool) {
	if s == nil || s.life <= 0 || version == "" {
		return nil, false
	}
	s.mu.Lock()
	el, ok := s.byKey[snapshotKey{person, customer}]
	var body []byte
	if ok {
		sn := el.Value.(*snapshot)
		if s.now().Sub(sn.at) >= s.life {
			s.dropLocked(el)
			ok = false
		} else {
			body = sn.body
		}
	}
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	c, err := apptivo.ParseCustomer(body)
	if err != nil || cardVersion(c, k) != version {
		return nil, false
	}
	return c, true
}

// young reports whether person read customer (or saved it) within the
// snapshots' life: proof enough that their keys can read it.
func (s *snapshots) young(person, customer string) bool {
	if s == nil || s.life <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byKey[snapshotKey{person, customer}]
	return ok && s.now().Sub(el.Value.(*snapshot).at) < s.life
}

// forget drops person's snapshot of customer: after a save whose outcome is
// unknown, the desk no longer knows what Apptivo holds.
func (s *snapshots) forget(person, customer string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeLocked(snapshotKey{person, customer})
}

// forgetPerson drops every snapshot of person (on signing out).
func (s *snapshots) forgetPerson(person string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.people[person]; p != nil {
		for len(p.elems) > 0 {
			s.dropLocked(p.elems[0])
		}
	}
}

// usage is the bytes held and the snapshots kept.
func (s *snapshots) usage() (bytes, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, s.order.Len()
}

func (s *snapshots) removeLocked(key snapshotKey) {
	if el, ok := s.byKey[key]; ok {
		s.dropLocked(el)
	}
}

// expireLocked drops the snapshots past their life, oldest first.
func (s *snapshots) expireLocked(now time.Time) {
	for el := s.order.Back(); el != nil && now.Sub(el.Value.(*snapshot).at) >= s.life; el = s.order.Back() {
		s.dropLocked(el)
	}
}

func (s *snapshots) dropLocked(el *list.Element) {
	sn := el.Value.(*snapshot)
	s.order.Remove(el)
	delete(s.byKey, sn.key)
	s.bytes -= sn.size
	p := s.people[sn.key.person]
	for i, e := range p.elems {
		if e == el {
			p.elems = append(p.elems[:i], p.elems[i+1:]...)
			break
		}
	}
	if p.bytes -= sn.size; len(p.elems) == 0 {
		delete(s.people, sn.key.person)
	}
}

// cardVersion names what card k of a record shows: it changes whenever the
// card's values do. Links carry it so a snapshot is used only when it holds
// what the person was looking at.
func cardVersion(c *apptivo.Customer, k card) string {
	if k == cardName {
		return versionOf(c.Fingerprint(apptivo.SectionName))
	}
	return versionOf(contactFingerprint(c))
}

// versionOf shortens a card's fingerprint for a URL.
func versionOf(fingerprint string) string {
	if fingerprint == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(fingerprint))
	return hex.EncodeToString(sum[:8])
}
