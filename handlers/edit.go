package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// formState is everything about an open section form besides what was typed.
type formState struct {
	Errors   map[string]string // by field name
	Problem  string            // Apptivo trouble
	Conflict *apptivo.Customer // the fresh record, when a colleague got there first
	Restored bool              // typed input came back after a re-sign-in
	Focus    string            // element id to focus (a newly added row)
}

// sectionEditor is one of the two editors (name, contact details): the save
// flow below is the same for both.
type sectionEditor interface {
	key() string // "name" or "contact"
	// precheck validates what the person changed as the form showed it,
	// before any Apptivo call.
	precheck() map[string]string
	// edit is what was submitted, with the fingerprints of what the form showed.
	edit() apptivo.Edit
	// recheck validates the sections about to be written against the fresh
	// record, whatever the browser claimed the form showed.
	recheck(fresh *apptivo.Customer, sections []apptivo.Section) map[string]string
	// rebase prepares the conflict view: sections the person did not touch
	// show the fresh values, and every baseline moves to the fresh record so
	// "Save mine over theirs" goes through.
	rebase(fresh *apptivo.Customer, touched []apptivo.Section)
	// place puts the section, open for editing in state st, into the page.
	place(v *views.Customer, st formState)
}

// card picks the section's card out of a page model.
func card(key string, v views.Customer) templ.Component {
	if key == "name" {
		return views.NameCard(v.NameSec)
	}
	return views.ContactCard(v.Contact)
}

func sectionPath(id, key string) string { return "/customers/" + id + "/" + key }

// --- the name editor ---

type nameEditor struct {
	id, csrf, owner string
	f               NameForm
}

func (e *nameEditor) key() string                 { return "name" }
func (e *nameEditor) precheck() map[string]string { return e.f.Validate() }
func (e *nameEditor) edit() apptivo.Edit {
	return apptivo.Edit{Name: &apptivo.NameEdit{Value: e.f.Name, Seen: e.f.Fingerprint}}
}
func (e *nameEditor) recheck(fresh *apptivo.Customer, _ []apptivo.Section) map[string]string {
	return e.f.CheckAgainst(fresh)
}
func (e *nameEditor) rebase(fresh *apptivo.Customer, _ []apptivo.Section) {
	e.f.Fingerprint = fresh.Fingerprint(apptivo.SectionName)
}
func (e *nameEditor) place(v *views.Customer, st formState) {
	form := &views.NameForm{
		CustomerID: e.id, CSRFToken: e.csrf, Owner: e.owner, Fingerprint: e.f.Fingerprint, Name: e.f.Name, Original: e.f.Original,
		Errors: st.Errors, Problem: st.Problem, Restored: st.Restored,
	}
	if fresh := st.Conflict; fresh != nil {
		form.Conflict = &views.NameConflict{TheirName: fresh.Name(), By: fresh.LastUpdatedBy(), At: fresh.LastUpdateDate()}
	}
	v.NameSec = views.NameSection{CustomerID: e.id, Name: e.f.Name, Form: form}
}

// --- the contact details editor ---

type contactEditor struct {
	a               *app
	id, csrf, owner string
	cfg             *apptivo.Config
	f               ContactForm
}

func (e *contactEditor) key() string           { return "contact" }
func (e *contactEditor) defaults() rowDefaults { return defaultsFor(e.cfg, e.a.cfg.DefaultRegion) }
func (e *contactEditor) edit() apptivo.Edit    { return e.f.Edit(e.cfg, e.a.countries) }
func (e *contactEditor) precheck() map[string]string {
	return e.f.Validate(e.cfg, e.a.cfg.DefaultRegion, e.a.countries)
}
func (e *contactEditor) recheck(fresh *apptivo.Customer, sections []apptivo.Section) map[string]string {
	return e.f.CheckAgainst(fresh, sections, e.cfg, e.a.cfg.DefaultRegion, e.a.countries)
}
func (e *contactEditor) rebase(fresh *apptivo.Customer, touched []apptivo.Section) {
	now := contactFormOf(fresh, e.defaults())
	is := func(s apptivo.Section) bool { return slices.Contains(touched, s) }
	if !is(apptivo.SectionPhones) {
		e.f.Phones = now.Phones
	}
	if !is(apptivo.SectionEmails) {
		e.f.Emails = now.Emails
	}
	if !is(apptivo.SectionAddresses) {
		e.f.Addresses = now.Addresses
	}
	e.f.Fingerprint = now.Fingerprint
	clear(e.f.missing) // the conflict form carries every list again
}
func (e *contactEditor) place(v *views.Customer, st formState) {
	form := &views.ContactForm{
		CustomerID: e.id, CSRFToken: e.csrf, Owner: e.owner, Fingerprint: e.f.Fingerprint,
		Phones: e.f.Phones, Emails: e.f.Emails, Addresses: e.f.Addresses,
		PhoneTypes: typeOptions(e.cfg.PhoneTypes), EmailTypes: typeOptions(e.cfg.EmailTypes),
		AddressTypes: typeOptions(e.cfg.AddressTypes), Countries: e.a.countries.options,
		Errors: st.Errors, Problem: st.Problem, Restored: st.Restored, Focus: st.Focus,
	}
	if fresh := st.Conflict; fresh != nil {
		form.Conflict = &views.ContactConflict{Theirs: contactVM(fresh), By: fresh.LastUpdatedBy(), At: fresh.LastUpdateDate()}
	}
	v.Contact = views.ContactSection{CustomerID: e.id, Form: form}
}

func typeOptions(types []apptivo.Type) []views.Option {
	out := make([]views.Option, len(types))
	for i, t := range types {
		out[i] = views.Option{Value: t.Code, Label: t.Name}
	}
	return out
}

// contactFormOf fills the editor from a record, with one blank row of each
// kind ready for a new entry.
func contactFormOf(c *apptivo.Customer, d rowDefaults) ContactForm {
	f := ContactForm{Fingerprint: contactFingerprint(c)}
	for _, p := range c.Phones() {
		f.Phones = append(f.Phones, views.PhoneRow{Ref: p.Ref, Number: p.Number, Type: p.TypeCode, TypeLabel: p.Type,
			Original: phoneOriginal(p.Number, p.TypeCode)})
	}
	for _, e := range c.Emails() {
		f.Emails = append(f.Emails, views.EmailRow{Ref: e.Ref, Address: e.Address, Type: e.TypeCode, TypeLabel: e.Type,
			Original: emailOriginal(e.Address, e.TypeCode)})
	}
	for _, ad := range c.Addresses() {
		row := views.AddressRow{Ref: ad.Ref, Type: ad.TypeCode, TypeLabel: ad.Type, Line1: ad.Line1, Line2: ad.Line2,
			City: ad.City, State: ad.State, Zip: ad.Zip, Country: ad.CountryCode, CountryLabel: ad.Country}
		row.Original = addressOriginal(row)
		f.Addresses = append(f.Addresses, row)
	}
	for _, kind := range []string{"phone", "email", "address"} {
		f.addBlank(kind, d)
	}
	return f
}

// rowDefaults pre-fill a new row's pickers, so adding a number is one field
// to type; a new row left empty is still ignored.
type rowDefaults struct{ phoneType, emailType, addressType, country string }

func defaultsFor(cfg *apptivo.Config, region string) rowDefaults {
	first := func(types []apptivo.Type) string {
		if len(types) == 0 {
			return ""
		}
		return types[0].Code
	}
	return rowDefaults{first(cfg.PhoneTypes), first(cfg.EmailTypes), first(cfg.AddressTypes), region}
}

// addBlank appends an empty row of a kind; it returns the id of its first input.
func (f *ContactForm) addBlank(kind string, d rowDefaults) string {
	switch kind {
	case "phone":
		if len(f.Phones) < maxRowsOfKind {
			f.Phones = append(f.Phones, views.PhoneRow{Type: d.phoneType})
		}
		return "phone-" + itoa(len(f.Phones)-1) + "-number"
	case "email":
		if len(f.Emails) < maxRowsOfKind {
			f.Emails = append(f.Emails, views.EmailRow{Type: d.emailType})
		}
		return "email-" + itoa(len(f.Emails)-1) + "-address"
	case "address":
		if len(f.Addresses) < maxRowsOfKind {
			f.Addresses = append(f.Addresses, views.AddressRow{Type: d.addressType, Country: d.country})
		}
		return "address-" + itoa(len(f.Addresses)-1) + "-line1"
	}
	return ""
}

// --- handlers ---

func (a *app) csrfToken(c echo.Context) string {
	t, _ := a.cfg.Sessions.CSRFToken(c.Response(), c.Request())
	return t
}

func (a *app) editName(c echo.Context) error {
	cust, err := a.readCustomer(c)
	if err != nil {
		return a.apptivoFailure(c, err)
	}
	ed := &nameEditor{id: cust.ID(), csrf: a.csrfToken(c), owner: userOf(c).Email,
		f: NameForm{Name: cust.Name(), Original: cust.Name(), Fingerprint: cust.Fingerprint(apptivo.SectionName)}}
	var st formState
	if stash, ok := a.cfg.Sessions.TakeStash(c.Response(), c.Request(), sectionPath(cust.ID(), "name")); ok {
		ed.f, st.Restored = bindNameForm(stash), true
	}
	return a.showForm(c, http.StatusOK, ed, st, cust)
}

func (a *app) editContact(c echo.Context) error {
	cust, err := a.readCustomer(c)
	if err != nil {
		return a.apptivoFailure(c, err)
	}
	ed := &contactEditor{a: a, id: cust.ID(), csrf: a.csrfToken(c), owner: userOf(c).Email, cfg: a.configs.get(c.Request().Context(), clientOf(c))}
	ed.f = contactFormOf(cust, ed.defaults())
	var st formState
	if stash, ok := a.cfg.Sessions.TakeStash(c.Response(), c.Request(), sectionPath(cust.ID(), "contact")); ok {
		ed.f, st.Restored = bindContactForm(stash), true
	}
	return a.showForm(c, http.StatusOK, ed, st, cust)
}

func (a *app) saveName(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	ed := &nameEditor{id: c.Param("id"), csrf: a.csrfToken(c), owner: userOf(c).Email, f: bindNameForm(form)}
	return a.save(c, ed, form)
}

func (a *app) saveContact(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	ed := &contactEditor{a: a, id: c.Param("id"), csrf: a.csrfToken(c), owner: userOf(c).Email,
		cfg: a.configs.get(c.Request().Context(), clientOf(c)), f: bindContactForm(form)}
	if ed.f.Add != "" {
		// "Add phone number" and friends: one more blank row, nothing saved.
		focus := ed.f.addBlank(ed.f.Add, ed.defaults())
		return a.showForm(c, http.StatusOK, ed, formState{Focus: focus}, nil)
	}
	return a.save(c, ed, form)
}

// save is the one save flow: validate, read fresh, refuse to overwrite a
// colleague's change, send only what changed, show the result.
func (a *app) save(c echo.Context, ed sectionEditor, form url.Values) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	var st formState

	if errs := ed.precheck(); len(errs) > 0 {
		st.Errors = errs
		return a.showForm(c, http.StatusUnprocessableEntity, ed, st, nil)
	}

	// One save of a customer's section at a time, whoever sends it: the
	// second waits, reads what the first wrote, and so sees it as a
	// colleague's change (or, for a double submit, as nothing left to save).
	unlock, err := a.saves.lock(ctx, id+"\x00"+ed.key())
	if err != nil {
		st.Problem = "Another save of this section is still running. Wait a moment, then press Save again."
		return a.showForm(c, http.StatusConflict, ed, st, nil)
	}
	defer unlock()

	client := clientOf(c)
	fresh, err := client.GetCustomer(ctx, id)
	if err != nil {
		return a.saveFailed(c, ed, st, err, form)
	}
	plan, err := apptivo.BuildUpdate(fresh, ed.edit())
	if err != nil {
		return err
	}
	// Never write over a colleague's change silently: a section this save
	// would change must still be as the person first saw it.
	if len(plan.Conflicts) > 0 {
		ed.rebase(fresh, plan.Touched)
		st.Conflict = fresh
		return a.showForm(c, http.StatusConflict, ed, st, fresh)
	}
	if plan.Update == nil {
		return a.saved(c, ed, fresh, "No changes to save.")
	}
	if errs := ed.recheck(fresh, plan.Update.Sections); len(errs) > 0 {
		st.Errors = errs
		return a.showForm(c, http.StatusUnprocessableEntity, ed, st, fresh)
	}
	updated, err := client.UpdateCustomer(ctx, plan.Update)
	if err != nil {
		return a.saveFailed(c, ed, st, err, form)
	}
	a.cfg.Logger.Info("customer updated", "request_id", requestID(c), "user", userOf(c).Email,
		"customer_id", id, "attributes", attributeNames(plan.Update))
	return a.saved(c, ed, updated, "Saved."+resetNotice(plan.Resets))
}

// resetNotice tells the person about values the desk emptied because they
// no longer fitted their change.
func resetNotice(resets []apptivo.Reset) string {
	var b strings.Builder
	for _, r := range resets {
		if r.Key == "state" {
			b.WriteString(" The state of address " + itoa(r.Row+1) + " (" + r.Was + ") was cleared because its country changed.")
		}
	}
	return b.String()
}

func attributeNames(u *apptivo.Update) string {
	names := make([]string, len(u.Attributes))
	for i, at := range u.Attributes {
		names[i] = at.Name
	}
	return strings.Join(names, ",")
}

// saveFailed keeps the form and what was typed, and says what happened.
func (a *app) saveFailed(c echo.Context, ed sectionEditor, st formState, err error, form url.Values) error {
	a.logApptivo(c, err)
	status, msg := trouble(err)
	var ae *apptivo.Error
	errors.As(err, &ae)
	switch {
	case status == http.StatusUnauthorized:
		path := sectionPath(c.Param("id"), ed.key())
		return a.endSignIn(c, msg, path+"/edit", path, form)
	case status == http.StatusNotFound:
		return a.apptivoFailure(c, err)
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
	st.Problem = msg
	return a.showForm(c, status, ed, st, nil)
}

// showForm renders a section open for editing: the card alone for htmx (with
// the live region updated out of band), the whole page otherwise.
func (a *app) showForm(c echo.Context, status int, ed sectionEditor, st formState, cust *apptivo.Customer) error {
	var v views.Customer
	if !htmxOf(c.Request()).Partial() {
		if cust == nil {
			// A plain post needs the whole page around the form.
			cust, _ = a.readCustomer(c)
		}
		if cust != nil {
			v = customerVM(cust)
		} else {
			v = views.Customer{ID: c.Param("id"), Name: "Customer " + c.Param("id")}
		}
	}
	ed.place(&v, st)
	var live []views.Message
	switch {
	case st.Conflict != nil:
		live = append(live, views.Message{Text: "Not saved: someone else changed this meanwhile. Compare and choose.", Error: true})
	case len(st.Errors) > 0:
		live = append(live, views.Message{Text: "Not saved: " + plural(len(st.Errors), "field needs", "fields need") + " attention.", Error: true})
	case st.Problem != "":
		live = append(live, views.Message{Text: "Not saved. " + st.Problem, Error: true})
	}
	parts := []templ.Component{card(ed.key(), v), views.LiveRegion(live, true)}
	if st.Conflict != nil {
		// The meta line should name whoever saved meanwhile.
		parts = append(parts, views.MetaLine(customerVM(st.Conflict).Meta, true))
	}
	return a.customerPage(c, status, v, fragments(parts...), live...)
}

// saved shows the section's read view after a save (or a save with nothing
// to send): swapped in place for htmx, post/redirect/get otherwise.
func (a *app) saved(c echo.Context, ed sectionEditor, cust *apptivo.Customer, notice string) error {
	if !htmxOf(c.Request()).Partial() {
		_ = a.cfg.Sessions.AddFlash(c.Response(), c.Request(), notice)
		return c.Redirect(http.StatusSeeOther, "/customers/"+cust.ID()+"#"+ed.key()+"-section")
	}
	v := customerVM(cust)
	v.NameSec.Notice, v.Contact.Notice = notice, notice
	parts := []templ.Component{card(ed.key(), v), views.MetaLine(v.Meta, true), views.LiveRegion([]views.Message{{Text: notice}}, true)}
	if ed.key() == "name" {
		parts = append(parts, views.CustomerTitle(v.Name, true))
	}
	return a.respond(c, http.StatusOK, nil, "", fragments(parts...))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

func itoa(i int) string { return strconv.Itoa(i) }
