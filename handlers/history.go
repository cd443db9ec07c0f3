package handlers

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/views"
)

// historyChanged is the event (HX-Trigger) on which a customer's history
// section on screen fetches itself again: after a save, say.
const historyChanged = "desk:history-changed"

// historyPageSize is how many changes a page of a customer's history shows.
const historyPageSize = 10

// activityPageSize is how many changes a page of team activity shows, and
// csvLimit how many a CSV download holds at most.
const (
	activityPageSize = 50
	csvLimit         = 10_000
)

// diffOf reads what a change wrote, as recorded.
func diffOf(ch store.Change) []apptivo.SectionChange {
	var scs []apptivo.SectionChange
	_ = json.Unmarshal(ch.Diff, &scs)
	return scs
}

// sectionsWords names sections for a sentence: "Phone numbers and Addresses".
func sectionsWords(names []string) string {
	var words []string
	for _, n := range names {
		var s apptivo.Section
		if s.UnmarshalText([]byte(n)) != nil {
			continue
		}
		if k := kindOf(s); k != nil {
			words = append(words, k.legend)
		} else {
			words = append(words, "Customer name")
		}
	}
	switch len(words) {
	case 0:
		return "nothing"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// ago says how long ago t was, in words.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return views.Plural(int(d/time.Minute), "minute", "minutes") + " ago"
	case d < 24*time.Hour:
		return views.Plural(int(d/time.Hour), "hour", "hours") + " ago"
	case d < 7*24*time.Hour:
		return views.Plural(int(d/(24*time.Hour)), "day", "days") + " ago"
	}
	return "on " + t.UTC().Format("2 Jan 2006")
}

func fullTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// entries turns changes into what the history shows: who did what when,
// what became of it, every field's before → after, and Undo where it can.
func (a *app) entries(ctx context.Context, changes []store.Change, csrf string) []views.HistoryEntry {
	ids := make([]int64, len(changes))
	for i, ch := range changes {
		ids[i] = ch.ID
	}
	undone, _ := a.cfg.DB.UndoneBy(ctx, ids)
	// Undos and redos mostly point at changes on the same page: those are
	// looked up here, the rest in the store once each.
	known := make(map[int64]store.Change, len(changes))
	for _, ch := range changes {
		known[ch.ID] = ch
	}
	now := a.cfg.Now()
	out := make([]views.HistoryEntry, len(changes))
	for i, ch := range changes {
		e := views.HistoryEntry{ID: ch.ID, Who: ch.Email, Ago: ago(ch.At, now), At: fullTime(ch.At),
			Customer: ch.CustomerName, CustomerURL: customerURL(ch.CustomerID)}
		if e.Customer == "" {
			e.Customer = "Customer " + ch.CustomerID
		}
		what := sectionsWords(ch.Sections)
		redo := a.isRedo(ctx, ch, known)
		switch {
		case ch.Outcome == store.Kept:
			e.Summary = "chose a colleague's version of " + what
		case ch.UndoOf != 0 && redo:
			e.Summary = "redid a change to " + what
		case ch.UndoOf != 0:
			e.Summary = "undid a change to " + what
		case ch.Resolution:
			e.Summary = "saved their version of " + what + " over a colleague's"
		default:
			e.Summary = "changed " + what
		}
		switch ch.Outcome {
		case store.Refused:
			e.Outcome = "Apptivo refused it: " + ch.Reason
		case store.Unknown:
			e.Outcome = "may or may not have been saved"
		}
		for _, sc := range diffOf(ch) {
			e.Lines = append(e.Lines, describe(sc)...)
		}
		if ch.Outcome == store.Kept && len(e.Lines) > 0 {
			e.Lines = append([]views.ChangeLine{{Text: "Their change, not saved:"}}, e.Lines...)
		}
		if by, ok := undone[ch.ID]; ok {
			if u, err := a.change(ctx, by, known); err == nil {
				e.UndoneBy = "Undone by " + u.Email + ", " + ago(u.At, now) + "."
			}
		} else if ch.Outcome == store.Saved && csrf != "" {
			e.UndoURL, e.UndoLabel = undoURL(ch.CustomerID, ch.ID), "Undo"
			if ch.UndoOf != 0 && !redo {
				e.UndoLabel = "Redo" // undoing an undo puts the change back
			}
		}
		out[i] = e
	}
	return out
}

// maxUndoChain bounds the walk down a chain of undos and redos.
const maxUndoChain = 1000

// isRedo reports whether ch put a change back: it is the second, fourth, …
// link of a chain of undos (change ← undo ← redo ← undo …), counted down
// its UndoOf links. Undoing ch takes the change out again (an undo), as
// undoing the change itself does; undoing an undo is a redo. A chain whose
// older links were pruned is counted as far as it goes. known holds changes
// already read (nil for none); what is read here is added to it.
func (a *app) isRedo(ctx context.Context, ch store.Change, known map[int64]store.Change) bool {
	depth := 0
	for cur := ch; cur.UndoOf != 0 && cur.UndoOf < cur.ID && depth < maxUndoChain; {
		depth++
		older, err := a.change(ctx, cur.UndoOf, known)
		if err != nil {
			break
		}
		cur = older
	}
	return depth > 0 && depth%2 == 0
}

// change is the change id, from known when it is there (known may be nil).
func (a *app) change(ctx context.Context, id int64, known map[int64]store.Change) (store.Change, error) {
	if ch, ok := known[id]; ok {
		return ch, nil
	}
	ch, err := a.cfg.DB.Change(ctx, id)
	if err == nil && known != nil {
		known[id] = ch
	}
	return ch, err
}

// history is a page of a customer's history, older than before (0: newest).
func (a *app) history(ctx context.Context, id string, before int64, csrf string) views.History {
	v := views.History{URL: historyURL(id, before), Loaded: true, CSRFToken: csrf}
	changes, err := a.cfg.DB.Changes(ctx, store.Query{CustomerID: id, Before: before, Limit: historyPageSize + 1})
	if err != nil {
		a.cfg.Logger.Error("reading the history", "customer_id", id, "error", err.Error())
		v.Error = "The history could not be read just now. Try again in a moment."
		return v
	}
	if len(changes) > historyPageSize {
		changes = changes[:historyPageSize]
		v.OlderURL = historyURL(id, changes[len(changes)-1].ID)
	}
	if before != 0 {
		v.NewerURL = historyURL(id, 0)
	}
	v.Entries = a.entries(ctx, changes, csrf)
	return v
}

// deskMeta says who last changed the customer in the desk, and when.
func (a *app) deskMeta(ctx context.Context, m *views.Meta) {
	changes, err := a.cfg.DB.Changes(ctx, store.Query{CustomerID: m.CustomerID, Outcome: store.Saved, Limit: 1})
	if err != nil || len(changes) == 0 {
		return
	}
	ch := changes[0]
	m.DeskChangedBy, m.DeskChangedAgo, m.DeskChangedAt = ch.Email, ago(ch.At, a.cfg.Now()), fullTime(ch.At)
}

// mayReadHistory reports whether the signed-in person may read customer
// id's history: the history holds the customer's contact details, so only
// someone whose own Apptivo keys can read the customer may, whatever the
// desk holds. A read of the customer by them within the snapshots' life
// (the page the history loads after, say) is proof enough; otherwise it
// costs one read with their keys. An error is Apptivo's answer (not found,
// for keys that cannot read the customer), for apptivoFailure.
func (a *app) mayReadHistory(c echo.Context, id string) error {
	if a.snapshots.young(userOf(c).KeyPrint, id) {
		return nil
	}
	_, err := a.readFresh(c.Request().Context(), clientOf(c), id, userOf(c).KeyPrint)
	return err
}

// showHistory answers a customer's history: the section for htmx (which
// loads it after the page), a page of its own otherwise. No Apptivo call
// when the person has just read the customer; one otherwise.
func (a *app) showHistory(c echo.Context) error {
	id := c.Param("id")
	if err := a.mayReadHistory(c, id); err != nil {
		return a.apptivoFailure(c, err)
	}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	v := a.history(c.Request().Context(), id, max(before, 0), a.csrfToken(c))
	name := "Customer " + id
	if len(v.Entries) > 0 {
		name = v.Entries[0].Customer
	}
	return a.respond(c, http.StatusOK, func(l views.Layout) templ.Component {
		return views.HistoryPage(l, name, customerURL(id), v)
	}, "History · "+name, views.HistoryCard(v))
}

// undo puts back what a change replaced — if what it wrote is still there.
// Otherwise it shows what undoing now would change, and waits for the
// person to say "anyway". An undo is a change of its own, pointing at the
// one it undid; undoing it is a redo.
func (a *app) undo(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	changeID, _ := strconv.ParseInt(c.Param("change"), 10, 64)
	// Every answer shows the customer's history: only to keys that can
	// read the customer (and the undo itself reads it with them anyway).
	if err := a.mayReadHistory(c, id); err != nil {
		return a.apptivoFailure(c, err)
	}
	ch, err := a.cfg.DB.Change(ctx, changeID)
	if err != nil || ch.CustomerID != id {
		return echo.NewHTTPError(http.StatusNotFound, "There is no such change of this customer.")
	}
	scs := diffOf(ch)
	if ch.Outcome != store.Saved || len(scs) == 0 {
		return a.undoAnswer(c, id, cardName, http.StatusConflict, "This change was not saved, so there is nothing to undo.", nil)
	}
	undoneAlready := func() bool {
		undone, _ := a.cfg.DB.UndoneBy(ctx, []int64{ch.ID})
		return undone[ch.ID] != 0
	}
	k := cardName
	if scs[0].Section != apptivo.SectionName {
		k = cardContact
	}
	if undoneAlready() {
		return a.undoAnswer(c, id, k, http.StatusConflict, "This change was undone already.", nil)
	}
	redo := ch.UndoOf != 0 && !a.isRedo(ctx, ch, nil) // undoing an undo
	anyway := c.FormValue("anyway")
	who := actorOf(c)
	client := clientOf(c)
	var res saveResult
	var conflict *views.UndoConflict
	err = a.cfg.DB.WithLock(ctx, lockKey(id, k), saveLockWait, func(h store.Held) error {
		// Asked again under the lock: someone pressing Undo on the same
		// change at the same moment may have undone it while this waited.
		if undoneAlready() {
			res = saveResult{outcome: outcomeUndoneAlready}
			return nil
		}
		fresh, err := a.readFresh(ctx, client, id, who.keyPrint)
		if err != nil {
			res = saveResult{outcome: outcomeFailed, err: err}
			return nil
		}
		now := undoFingerprint(fresh, scs)
		still := now == afterFingerprint(scs)
		if !still && anyway != now {
			// Changed again since (or again since the person looked): show
			// what undoing now would do, write nothing.
			conflict = &views.UndoConflict{Lines: changeLines(undoPreview(fresh, scs)), Fingerprint: now}
			res = saveResult{outcome: outcomeConflict, fresh: fresh}
			return nil
		}
		plan, err := apptivo.BuildUpdate(fresh, undoEdit(fresh, scs, still))
		var amb *apptivo.AmbiguousRemovalError
		switch {
		case errors.As(err, &amb):
			res = saveResult{outcome: outcomeInvalid, problem: ambiguousRemoval(amb)}
		case err != nil:
			res = saveResult{outcome: outcomeFailed, err: err}
		case plan.Update == nil:
			res = saveResult{outcome: outcomeUnchanged, fresh: fresh}
		default:
			res = a.send(ctx, client, fresh, plan, who, h, change{undoOf: ch.ID})
		}
		return nil
	})
	if err != nil {
		res = a.lockTrouble(ctx, err, who)
	}
	if res.outcome == outcomeUndoneAlready {
		return a.undoAnswer(c, id, k, http.StatusConflict, "This change was undone already.", nil)
	}
	a.cfg.Metrics.countUndo(redo, res)
	switch res.outcome {
	case outcomeBusy:
		return a.undoAnswer(c, id, k, http.StatusConflict, "Someone else is saving this customer right now. Wait a moment, then try again.", nil)
	case outcomeNoDatabase:
		return a.undoAnswer(c, id, k, http.StatusServiceUnavailable, "Nothing was undone: "+noDatabase+" Try again in a moment.", nil)
	}
	verb := "Undone."
	if redo {
		verb = "Redone."
	}
	switch res.outcome {
	case outcomeSaved:
		return a.undoAnswer(c, id, k, http.StatusOK, verb, res.fresh)
	case outcomeUnchanged:
		return a.undoAnswer(c, id, k, http.StatusOK, "Nothing to undo: the customer already holds what was there before.", nil)
	case outcomeConflict:
		return a.undoConflict(c, id, ch.ID, conflict)
	case outcomeInvalid:
		return a.undoAnswer(c, id, k, http.StatusUnprocessableEntity, res.problem, nil)
	case outcomeUnrecorded:
		return a.undoAnswer(c, id, k, http.StatusInternalServerError, "Apptivo took the undo, but the desk could not write it into its history. Tell the desk team.", res.fresh)
	}
	a.logApptivo(c, res.err)
	status, msg := saveTrouble(res.err)
	if status == http.StatusUnauthorized {
		return a.endSignIn(c, msg, customerURL(id), "", nil)
	}
	return a.undoAnswer(c, id, k, status, msg, nil)
}

// undoAnswer shows the history after an undo (or why there was none): in
// place with the card it changed (k) for htmx, on the customer page
// otherwise. The other card is left alone: it may hold an open form.
func (a *app) undoAnswer(c echo.Context, id string, k card, status int, msg string, cust *apptivo.Customer) error {
	failed := status >= 400
	if !htmxOf(c.Request()).Partial() {
		_ = a.cfg.Sessions.AddFlash(c.Response(), c.Request(), msg)
		return c.Redirect(http.StatusSeeOther, customerURL(id)+"#history-section")
	}
	v := a.history(c.Request().Context(), id, 0, a.csrfToken(c))
	if !failed {
		v.Notice = msg
	}
	parts := []templ.Component{views.HistoryCard(v), views.LiveRegion([]views.Message{{Text: msg, Error: failed}}, true)}
	if cust != nil {
		page := a.pageVM(c.Request().Context(), cust)
		page.NameSec.OOB, page.Contact.OOB = true, true
		parts = append(parts, k.component(page), views.MetaLine(page.Meta, true), views.CustomerTitle(page.Name, true))
	}
	return a.respond(c, status, nil, "", fragments(parts...))
}

// undoConflict shows, on the change, what undoing it now would change: on
// the history's first page when the change is there, otherwise on the page
// that starts with it.
func (a *app) undoConflict(c echo.Context, id string, changeID int64, conflict *views.UndoConflict) error {
	csrf := a.csrfToken(c)
	v := a.history(c.Request().Context(), id, 0, csrf)
	if !slices.ContainsFunc(v.Entries, func(e views.HistoryEntry) bool { return e.ID == changeID }) {
		v = a.history(c.Request().Context(), id, changeID+1, csrf)
	}
	for i := range v.Entries {
		if v.Entries[i].ID == changeID {
			v.Entries[i].Conflict = conflict
		}
	}
	msg := "Not undone: this customer changed again since. Check what undoing now would change."
	if !htmxOf(c.Request()).Partial() {
		return a.respond(c, http.StatusConflict, func(l views.Layout) templ.Component {
			l.Messages = append(l.Messages, views.Message{Text: msg, Error: true})
			return views.HistoryPage(l, "Customer "+id, customerURL(id), v)
		}, "History", nil)
	}
	return a.respond(c, http.StatusConflict, nil, "", fragments(views.HistoryCard(v),
		views.LiveRegion([]views.Message{{Text: msg, Error: true}}, true)))
}

// afterFingerprint is the fingerprint of what a change wrote, section by section.
func afterFingerprint(scs []apptivo.SectionChange) string {
	parts := make([]string, len(scs))
	for i, sc := range scs {
		parts[i] = sc.AfterPrint()
	}
	return strings.Join(parts, ".")
}

// undoFingerprint is the fingerprint of the same sections as they are now.
func undoFingerprint(fresh *apptivo.Customer, scs []apptivo.SectionChange) string {
	parts := make([]string, len(scs))
	for i, sc := range scs {
		parts[i] = fresh.Fingerprint(sc.Section)
	}
	return strings.Join(parts, ".")
}

// undoEdit writes back what a change replaced. When the sections still hold
// what the change wrote, each entry it kept is found where the change put it
// (so its bytes and hidden members stay); otherwise ("anyway") an entry is
// kept only where one holds exactly those values, and the rest are new.
func undoEdit(fresh *apptivo.Customer, scs []apptivo.SectionChange, still bool) apptivo.Edit {
	var e apptivo.Edit
	for _, sc := range scs {
		if sc.Section == apptivo.SectionName {
			before := ""
			if len(sc.Before) > 0 && len(sc.Before[0].Values) > 0 {
				before = sc.Before[0].Values[0]
			}
			e.Name = &apptivo.NameEdit{Value: before, Seen: fresh.Fingerprint(apptivo.SectionName)}
			continue
		}
		entries := fresh.Entries(sc.Section)
		used := make([]bool, len(entries))
		le := apptivo.ListEdit{Section: sc.Section, Seen: fresh.Fingerprint(sc.Section)}
		for j, b := range sc.Before {
			// Base: the entry as it was stored, so what the change cleared
			// (a state's code, a country's id) or removed whole comes back.
			row := apptivo.Row{Values: b.Values, Names: b.Names, Base: sc.RawBefore(j)}
			at := -1
			for i, from := range sc.From {
				if from == j {
					at = i
				}
			}
			switch {
			case still && at >= 0 && at < len(entries):
				row.Ref, used[at] = entries[at].Ref, true
			case !still && at >= 0 && at < len(sc.After):
				for i, en := range entries {
					if !used[i] && slices.Equal(en.Values, sc.After[at].Values) {
						row.Ref, used[i] = en.Ref, true
						break
					}
				}
			}
			le.Rows = append(le.Rows, row)
		}
		e.Lists = append(e.Lists, le)
	}
	return e
}

// undoPreview is what undoing would change from the record as it is now.
func undoPreview(fresh *apptivo.Customer, scs []apptivo.SectionChange) []apptivo.SectionChange {
	plan, err := apptivo.BuildUpdate(fresh, undoEdit(fresh, scs, false))
	if err != nil {
		return nil
	}
	return plan.Changes
}

// theirs records that the person, shown a conflict, kept the colleague's
// version ("Use their version"): a conflict resolution in the history with
// nothing sent to Apptivo; then the section's read view.
func (a *app) theirs(k card) echo.HandlerFunc {
	return func(c echo.Context) error {
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
		}
		id := c.Param("id")
		var in sectionInput = bindName(form)
		var r rules
		if k == cardContact {
			in, r = bindContact(form), a.rulesFor(c)
		}
		who := actorOf(c)
		mine := in.preview(r)
		entry := store.Change{At: a.cfg.Now(), Email: who.email, KeyPrint: who.keyPrint, CustomerID: id, RequestID: who.requestID,
			Outcome: store.Kept, Resolution: true}
		for _, sc := range mine {
			entry.Sections = append(entry.Sections, sc.Section.String())
		}
		entry.Diff, _ = json.Marshal(mine)
		cust, err := a.readCustomer(c)
		if err != nil {
			return a.apptivoFailure(c, err)
		}
		entry.CustomerName = cust.Name()
		if _, err := a.cfg.DB.AddChange(c.Request().Context(), entry); err != nil {
			a.cfg.Logger.Error("recording a change", "request_id", requestID(c), "customer_id", id, "error", err.Error())
		}
		return a.saved(c, k, cust, "Kept their version.")
	}
}

// activityQuery reads the activity filters; a filter that can't be read is
// said in words.
//
// Team activity lists only the changes made with the person's own Apptivo
// key pair (by its keyed print): Apptivo grants access by the key pair,
// issued per firm, so those are changes of customers the person's keys can
// read — the whole team's when they share their firm's keys. A change made
// with other keys (another firm's, or keys since regenerated) is about a
// customer the desk cannot vouch they may see; their own history shows it
// to whoever's keys can read that customer (mayReadHistory). A display
// name or the firm's configuration would not do: every firm on Apptivo's
// defaults has the same getConfigData, and so has every key pair of the
// simulator.
func activityQuery(c echo.Context) (store.Query, views.Activity, string) {
	v := views.Activity{Person: strings.TrimSpace(c.QueryParam("person")), Customer: strings.TrimSpace(c.QueryParam("customer")),
		From: strings.TrimSpace(c.QueryParam("from")), To: strings.TrimSpace(c.QueryParam("to"))}
	q := store.Query{KeyPrint: userOf(c).KeyPrint, Email: strings.ToLower(v.Person), CustomerID: canonicalID(v.Customer)}
	var problems []string
	if v.Customer != "" && strings.Trim(v.Customer, "0123456789") != "" {
		problems = append(problems, "a customer id is a number")
	}
	if v.From != "" {
		if t, err := time.Parse("2006-01-02", v.From); err != nil {
			problems = append(problems, "“From” is not a date like 2026-11-30")
		} else {
			q.From = t
		}
	}
	if v.To != "" {
		if t, err := time.Parse("2006-01-02", v.To); err != nil {
			problems = append(problems, "“To” is not a date like 2026-11-30")
		} else {
			q.To = t.Add(24 * time.Hour) // the whole day
		}
	}
	msg := ""
	if len(problems) > 0 {
		msg = "Check the filters: " + strings.Join(problems, "; ") + "."
	}
	return q, v, msg
}

// activityURL is a page of the activity (or its CSV) with the same filters.
func activityURL(path string, v views.Activity, before int64) string {
	q := url.Values{}
	for k, val := range map[string]string{"person": v.Person, "customer": v.Customer, "from": v.From, "to": v.To} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// activity is the team's recent changes across customers, filterable by
// person, customer and date range, a page at a time. No Apptivo call.
func (a *app) activity(c echo.Context) error {
	q, v, problem := activityQuery(c)
	v.CSVURL = activityURL(routeActivityCSV, v, 0)
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	status := http.StatusOK
	if problem != "" {
		v.Error, status = problem, http.StatusUnprocessableEntity
	} else {
		q.Before, q.Limit = max(before, 0), activityPageSize+1
		changes, err := a.cfg.DB.Changes(c.Request().Context(), q)
		if err != nil {
			a.cfg.Logger.Error("reading the activity", "error", err.Error())
			v.Error, status = "The activity could not be read just now. Try again in a moment.", http.StatusServiceUnavailable
		}
		if len(changes) > activityPageSize {
			changes = changes[:activityPageSize]
			v.OlderURL = activityURL(routeActivity, v, changes[len(changes)-1].ID)
		}
		if before > 0 {
			v.NewerURL = activityURL(routeActivity, v, 0)
		}
		v.Entries = a.entries(c.Request().Context(), changes, "")
	}
	return a.respond(c, status, func(l views.Layout) templ.Component { return views.ActivityPage(l, v) }, "Team activity", nil)
}

// activityCSV is the filtered activity as CSV, for sales operations: one
// row per change, every field's before → after in one cell.
func (a *app) activityCSV(c echo.Context) error {
	q, _, problem := activityQuery(c)
	if problem != "" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, problem)
	}
	ctx := c.Request().Context()
	var all []store.Change
	// Page by page until a page comes back empty: the store answers at most
	// store.MaxLimit a page, so a short page is no sign of the end.
	for len(all) < csvLimit {
		q.Limit = min(store.MaxLimit, csvLimit-len(all))
		page, err := a.cfg.DB.Changes(ctx, q)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		q.Before = page[len(page)-1].ID
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="desk-activity.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"change", "time (UTC)", "person", "key fingerprint", "customer id", "customer name", "sections", "outcome", "reason", "changes", "undoes change", "request id"})
	for _, ch := range all {
		var lines []string
		for _, sc := range diffOf(ch) {
			for _, l := range describe(sc) {
				lines = append(lines, l.Text)
			}
		}
		undoOf := ""
		if ch.UndoOf != 0 {
			undoOf = strconv.FormatInt(ch.UndoOf, 10)
		}
		_ = w.Write(csvSafe(strconv.FormatInt(ch.ID, 10), ch.At.UTC().Format(time.RFC3339), ch.Email, ch.KeyPrint, ch.CustomerID,
			ch.CustomerName, strings.Join(ch.Sections, " "), string(ch.Outcome), ch.Reason, strings.Join(lines, "\n"), undoOf, ch.RequestID))
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a spreadsheet from taking a cell for a formula (a customer
// named "=HYPERLINK(…)" stays text).
func csvSafe(cells ...string) []string {
	for i, s := range cells {
		if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			cells[i] = "'" + s
		}
	}
	return cells
}
