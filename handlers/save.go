package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/store"
)

// outcome is what a save came to.
type outcome int

const (
	outcomeInvalid   outcome = iota // values to correct: nothing was sent
	outcomeBusy                     // another save of the section held the lock too long
	outcomeConflict                 // a colleague changed a section this save would change
	outcomeFailed                   // Apptivo trouble; see err
	outcomeUnchanged                // nothing to send
	outcomeSaved
	outcomeUnrecorded // saved in Apptivo, but the history could not be written
	// outcomeNoDatabase: the database could not be reached, or the save
	// lost its lock with its connection, before anything was sent.
	outcomeNoDatabase
	// outcomeUndoneAlready: an undo found, under the lock, that the change
	// was undone meanwhile; nothing was sent.
	outcomeUndoneAlready
)

// saveResult is the decision of one save, for present.go to show.
type saveResult struct {
	outcome outcome
	errors  map[string]string // outcomeInvalid: by field
	problem string            // outcomeInvalid: about the whole form
	fresh   *apptivo.Customer // the record now: theirs on a conflict, the saved one after a save
	err     error             // outcomeFailed: what Apptivo did
	plan    *apptivo.Plan     // what was (or would have been) written
	// unlike are the written sections Apptivo's answer holds otherwise
	// than they were sent: saved, but not as the person saw it.
	unlike []apptivo.Section
}

// notice is what a person is told after a save that went through.
func (r saveResult) notice(in sectionInput) string {
	if r.outcome == outcomeUnchanged {
		return "No changes to save."
	}
	msg := "Saved."
	if len(r.unlike) > 0 {
		var names []string
		for _, s := range r.unlike {
			names = append(names, sectionWords(s))
		}
		msg = "Saved, but Apptivo now holds the " + strings.Join(names, " and ") + " otherwise than you sent them: check them below."
	}
	if c, ok := in.(*contactInput); ok {
		for _, note := range c.Cleared {
			msg += " " + note
		}
	}
	return msg
}

// actor is who saves, for the history: never the keys.
type actor struct {
	email, keyPrint, requestID string
}

// saveLockWait is how long a save waits for another save of the same
// customer section before telling the person to try again in a moment.
const saveLockWait = 5 * time.Second

// lockKey names the lock of one customer's card: the same key on every
// desk that shares the store.
func lockKey(id string, k card) string { return "save:" + id + ":" + string(k) }

// save is the one save flow: check, read fresh, refuse to overwrite a
// colleague's change, send only what changed, and record what reached
// Apptivo in the change history. It knows nothing of HTTP.
func (a *app) save(ctx context.Context, client *apptivo.Client, id string, in sectionInput, r rules, who actor) saveResult {
	if errs := in.precheck(r); len(errs) > 0 {
		return saveResult{outcome: outcomeInvalid, errors: errs}
	}
	// One save of a customer's section at a time, whoever sends it and from
	// whichever desk: the second waits, reads what the first wrote, and so
	// sees it as a colleague's change (or, for a double submit, as nothing
	// left to save).
	var res saveResult
	err := a.cfg.DB.WithLock(ctx, lockKey(id, in.card()), saveLockWait, func(h store.Held) error {
		res = a.saveLocked(ctx, client, id, in, r, who, h)
		return nil
	})
	if err != nil {
		return a.lockTrouble(ctx, err, who)
	}
	return res
}

// lockTrouble is a save that could not have its lock: busy when another
// save held it all the wait (or the request ended meanwhile), the database
// out of reach otherwise — a lost database is no reason to ask the person
// to wait for a colleague.
func (a *app) lockTrouble(ctx context.Context, err error, who actor) saveResult {
	if errors.Is(err, store.ErrBusy) || ctx.Err() != nil {
		return saveResult{outcome: outcomeBusy}
	}
	a.cfg.Logger.Error("save lock", "request_id", who.requestID, "error", err.Error())
	return saveResult{outcome: outcomeNoDatabase, err: err}
}

func (a *app) saveLocked(ctx context.Context, client *apptivo.Client, id string, in sectionInput, r rules, who actor, h store.Held) saveResult {
	fresh, err := a.readFresh(ctx, client, id, who.keyPrint)
	if err != nil {
		return saveResult{outcome: outcomeFailed, err: err}
	}
	plan, err := apptivo.BuildUpdate(fresh, in.edit(r))
	var amb *apptivo.AmbiguousRemovalError
	if errors.As(err, &amb) {
		return saveResult{outcome: outcomeInvalid, problem: ambiguousRemoval(amb), fresh: fresh}
	}
	if err != nil {
		return saveResult{outcome: outcomeFailed, err: err}
	}
	// Never write over a colleague's change silently: a section this save
	// would change must still be as the person first saw it.
	if len(plan.Conflicts) > 0 {
		in.rebase(fresh, plan.Touched, r)
		return saveResult{outcome: outcomeConflict, fresh: fresh, plan: plan}
	}
	if plan.Update == nil {
		return saveResult{outcome: outcomeUnchanged, fresh: fresh, plan: plan}
	}
	if errs := in.recheck(fresh, plan.Update.Sections, r); len(errs) > 0 {
		return saveResult{outcome: outcomeInvalid, errors: errs, fresh: fresh}
	}
	return a.send(ctx, client, fresh, plan, who, h, change{resolution: in.resolving()})
}

// change is what a history entry says beyond the update itself.
type change struct {
	undoOf     int64 // the change this one undoes (or redoes)
	resolution bool  // made from a conflict view
}

// send sends the update and records it in the history, in the same held
// lock (with PostgreSQL, the same transaction): nobody is told "Saved" for
// a change the history does not hold. Right before the update it makes sure
// the lock is still held — with PostgreSQL it can go with its connection,
// and another desk may then have saved over the fresh read — and sends
// nothing otherwise.
func (a *app) send(ctx context.Context, client *apptivo.Client, fresh *apptivo.Customer, plan *apptivo.Plan, who actor, h store.Held, c change) saveResult {
	if err := h.Confirm(ctx); err != nil {
		a.cfg.Logger.Error("save lock lost before the update: nothing sent", "request_id", who.requestID, "customer_id", fresh.ID(), "error", err.Error())
		return saveResult{outcome: outcomeNoDatabase, err: err}
	}
	updated, err := client.UpdateCustomer(ctx, plan.Update)
	entry := store.Change{
		At: a.cfg.Now(), Email: who.email, KeyPrint: who.keyPrint, CustomerID: fresh.ID(), CustomerName: fresh.Name(),
		RequestID: who.requestID, UndoOf: c.undoOf, Resolution: c.resolution, Outcome: store.Saved,
	}
	for _, s := range plan.Update.Sections {
		entry.Sections = append(entry.Sections, s.String())
	}
	entry.Diff, _ = json.Marshal(plan.Changes) // what was sent: all the desk knows when no answer says otherwise
	var res saveResult
	if err != nil {
		entry.Outcome, entry.Reason = failedOutcome(err)
		res = saveResult{outcome: outcomeFailed, err: err, plan: plan}
		if entry.Outcome == store.Unknown {
			// The write may have landed: the snapshot read before it may
			// no longer be what Apptivo holds.
			a.snapshots.forget(who.keyPrint, fresh.ID())
		}
	} else {
		// The answer becomes the snapshot only when it is the whole record;
		// a part of one would open the other card's form empty.
		if updated.Covers(fresh) {
			a.snapshots.put(who.keyPrint, updated)
		} else {
			a.snapshots.forget(who.keyPrint, fresh.ID())
		}
		entry.CustomerName = updated.Name()
		// What Apptivo stored, where it stored it otherwise than sent.
		unlike := plan.Unlike(updated)
		entry.Diff, _ = json.Marshal(plan.AsHeld(updated, unlike))
		res = saveResult{outcome: outcomeSaved, fresh: updated, plan: plan, unlike: unlike}
	}
	// The history is written even when the request's time ran out: the
	// update reached Apptivo either way.
	recordCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if _, err = h.AddChange(recordCtx, entry); err != nil {
		a.cfg.Logger.Error("recording a change", "request_id", who.requestID, "customer_id", fresh.ID(), "error", err.Error())
		if res.outcome == outcomeSaved {
			res = saveResult{outcome: outcomeUnrecorded, fresh: updated, plan: plan}
		}
	}
	return res
}

// failedOutcome is how the history records an update that did not go through:
// refused when Apptivo saw it and said no, unknown when it may have landed.
func failedOutcome(err error) (store.Outcome, string) {
	var ae *apptivo.Error
	if !errors.As(err, &ae) {
		return store.Unknown, ""
	}
	switch {
	case ae.Refused || ae.Kind == apptivo.KindRateLimited || ae.Kind == apptivo.KindBadCredentials:
		reason := ae.Reason
		if reason == "" {
			reason = ae.Kind.String()
		}
		return store.Refused, reason
	}
	return store.Unknown, ""
}

// ambiguousRemoval explains a removal the desk refused to send.
func ambiguousRemoval(e *apptivo.AmbiguousRemovalError) string {
	k := kindOf(e.Section)
	item := strings.ToLower(k.item)
	removed, kept := k.entryText(apptivo.Values{Values: e.Removed}), k.entryText(apptivo.Values{Values: e.Kept})
	return "Nothing was sent: removing the " + item + " “" + shown(removed) + "” would also remove “" + shown(kept) +
		"”, which you keep, because Apptivo tells them apart only by an id they share. Remove both, or correct them in Apptivo itself."
}

func attributeNames(u *apptivo.Update) string {
	names := make([]string, len(u.Attributes))
	for i, at := range u.Attributes {
		names[i] = at.Name
	}
	return strings.Join(names, ",")
}

// saveTrouble words an Apptivo failure during a save for the person, with
// the form still open: a refusal quotes Apptivo, an unanswered update may
// have landed, anything else can simply be tried again.
func saveTrouble(err error) (status int, msg string) {
	status, msg = trouble(err)
	var ae *apptivo.Error
	errors.As(err, &ae)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusNotFound:
	case ae != nil && ae.Action == "update" && ae.Refused && ae.Kind == apptivo.KindUnexpected:
		// Apptivo looked at the change and refused it: say why, in its words.
		msg = "Apptivo did not accept the change and said: “" + ae.Reason + "”. Your changes are still here; correct them or try again."
	case ae != nil && ae.Action == "update" && ae.Kind != apptivo.KindRateLimited:
		// The write may have landed even though no answer came back.
		msg = "Apptivo did not confirm the save, so it may or may not have gone through. " +
			"Press Save to try again: if it did go through, you will see “No changes to save”."
	default:
		msg += " Your changes are still here; press Save to try again."
	}
	return status, msg
}

// sectionWords names a section for a sentence: "customer name", "phone numbers".
func sectionWords(s apptivo.Section) string {
	if k := kindOf(s); k != nil {
		return strings.ToLower(k.legend)
	}
	return "customer name"
}
