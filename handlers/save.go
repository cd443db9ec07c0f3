package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/customerdesk/desk/apptivo"
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

// save is the one save flow: check, read fresh, refuse to overwrite a
// colleague's change, send only what changed. It knows nothing of HTTP.
func (a *app) save(ctx context.Context, client *apptivo.Client, id string, in sectionInput, r rules) saveResult {
	if errs := in.precheck(r); len(errs) > 0 {
		return saveResult{outcome: outcomeInvalid, errors: errs}
	}
	// One save of a customer's section at a time, whoever sends it: the
	// second waits, reads what the first wrote, and so sees it as a
	// colleague's change (or, for a double submit, as nothing left to save).
	unlock, err := a.saves.lock(ctx, id+"\x00"+string(in.card()))
	if err != nil {
		return saveResult{outcome: outcomeBusy}
	}
	defer unlock()

	fresh, err := client.GetCustomer(ctx, id)
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
	updated, err := client.UpdateCustomer(ctx, plan.Update)
	if err != nil {
		return saveResult{outcome: outcomeFailed, err: err, plan: plan}
	}
	return saveResult{outcome: outcomeSaved, fresh: updated, plan: plan, unlike: plan.Unlike(updated)}
}

// sectionWords names a section for a sentence: "customer name", "phone numbers".
func sectionWords(s apptivo.Section) string {
	if k := kindOf(s); k != nil {
		return strings.ToLower(k.legend)
	}
	return "customer name"
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
