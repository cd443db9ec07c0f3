package handlers

import (
	"cmp"
	"context"
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

// card is a section of the customer page that one form edits.
type card string

const (
	cardName    card = "name"
	cardContact card = "contact"
)

// component picks the card out of a page model.
func (k card) component(v views.Customer) templ.Component {
	if k == cardName {
		return views.NameCard(v.NameSec)
	}
	return views.ContactCard(v.Contact)
}

// formState is everything about an open section form besides what was typed.
type formState struct {
	Errors   map[string]string // by field name
	Problem  string            // Apptivo trouble
	Conflict *apptivo.Customer // the fresh record, when a colleague got there first
	Restored bool              // typed input came back after a re-sign-in
	// Token is the CSRF token to put in the form instead of the session's:
	// the one it was posted with, when the session cannot be read.
	Token string
	// Saved marks a Problem that came after Apptivo took the change (its
	// history entry could not be written): it is not announced "Not saved".
	Saved bool
	Focus string // element id to focus (a newly added row)
}

// presentSave shows what a save came to: the read view after a save, the
// form (with errors, the conflict or Apptivo's trouble) otherwise. A form
// whose keys stopped working is kept as a draft across the sign-in.
func (a *app) presentSave(c echo.Context, id string, in sectionInput, res saveResult, form url.Values) error {
	switch res.outcome {
	case outcomeSaved, outcomeUnchanged:
		return a.saved(c, in.card(), res.fresh, res.notice(in))
	case outcomeInvalid:
		return a.showForm(c, http.StatusUnprocessableEntity, in, formState{Errors: res.errors, Problem: res.problem}, res.fresh)
	case outcomeConflict:
		return a.showForm(c, http.StatusConflict, in, formState{Conflict: res.fresh}, res.fresh)
	case outcomeBusy:
		return a.showForm(c, http.StatusConflict, in,
			formState{Problem: "Someone else is saving this section right now. Wait a moment, then press Save again."}, nil)
	case outcomeNoDatabase:
		return a.showForm(c, http.StatusServiceUnavailable, in,
			formState{Problem: "Nothing was sent to Apptivo: " + noDatabase + " Your changes are still here; press Save again in a moment."}, nil)
	case outcomeUnrecorded:
		return a.showForm(c, http.StatusInternalServerError, in, formState{Saved: true, Problem: "Apptivo saved your change, but the desk " +
			"could not write it into its change history. Your change is in Apptivo; tell the desk team so the history can be mended."}, res.fresh)
	}
	a.logApptivo(c, res.err)
	status, msg := saveTrouble(res.err)
	switch status {
	case http.StatusUnauthorized:
		return a.endSignIn(c, msg, editURL(id, in.card()), draftKey(id, in.card()), form)
	case http.StatusNotFound:
		return a.apptivoFailure(c, res.err)
	}
	return a.showForm(c, status, in, formState{Problem: msg}, nil)
}

// formWithoutDatabase answers the plain (no JavaScript) post of a section
// form while the database cannot be reached (err): whether the person is
// signed in is unknown, so nothing is saved or sent, but the form comes back
// with what was typed — the browser would otherwise show a bare error page,
// and Back the form as first shown — carrying the token it was posted with,
// so that Save works as soon as the database is back.
func (a *app) formWithoutDatabase(c echo.Context, k card, err error) error {
	form, ferr := c.FormParams()
	if ferr != nil {
		return err
	}
	a.cfg.Logger.Error("request failed", "request_id", requestID(c), "error", err.Error())
	var in sectionInput = bindName(form)
	if k == cardContact {
		in = bindContact(form)
	}
	st := formState{Token: postedToken(form.Get("_csrf")), Problem: "The desk cannot reach its database right now, so nothing was " +
		"sent to Apptivo. What you typed is still here: press Save again in a moment."}
	return a.showForm(c, http.StatusServiceUnavailable, in, st, nil)
}

// postedToken is a form's CSRF token as posted, if it looks like one the
// desk makes (see auth's maskToken); "" otherwise. Only the session can tell
// whether it is right.
func postedToken(t string) string {
	if len(t) > 256 || strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return ""
	}
	return t
}

// showForm renders a section open for editing: the card alone for htmx (with
// the live region updated out of band), the whole page otherwise.
func (a *app) showForm(c echo.Context, status int, in sectionInput, st formState, cust *apptivo.Customer) error {
	id := c.Param("id")
	var v views.Customer
	if !htmxOf(c.Request()).Partial() {
		if cust == nil && userOf(c) != nil {
			// A plain post needs the whole page around the form.
			cust, _ = a.recentCustomer(c, in.card(), versionOf(in.fingerprint()))
		}
		if cust != nil {
			v = a.pageVM(c.Request().Context(), cust)
		} else {
			v = views.Customer{ID: id, Name: "Customer " + id}
		}
	}
	a.place(c, &v, id, in, st)
	var live []views.Message
	switch {
	case st.Conflict != nil:
		live = append(live, views.Message{Text: "Not saved: someone else changed this meanwhile. Compare and choose.", Error: true})
	case len(st.Errors) > 0:
		live = append(live, views.Message{Text: "Not saved: " + views.Plural(len(st.Errors), "field needs", "fields need") + " attention.", Error: true})
	case st.Problem != "" && st.Saved:
		live = append(live, views.Message{Text: st.Problem, Error: true})
	case st.Problem != "":
		live = append(live, views.Message{Text: "Not saved. " + st.Problem, Error: true})
	}
	parts := []templ.Component{in.card().component(v), views.LiveRegion(live, true)}
	if st.Conflict != nil && htmxOf(c.Request()).Partial() {
		// The meta line should name whoever saved meanwhile (a whole page
		// already shows it: v is made from the same record).
		meta := customerVM(st.Conflict).Meta
		a.deskMeta(c.Request().Context(), &meta)
		parts = append(parts, views.MetaLine(meta, true))
	}
	return a.customerPage(c, status, v, fragments(parts...), live...)
}

// place puts the section, open for editing in state st, into the page.
func (a *app) place(c echo.Context, v *views.Customer, id string, in sectionInput, st formState) {
	csrf := st.Token
	if csrf == "" {
		csrf = a.csrfToken(c)
	}
	switch in := in.(type) {
	case *nameInput:
		form := &views.NameForm{
			Resolving: in.Resolving, Links: sectionLinks(id, cardName, versionOf(in.Fingerprint)), CSRFToken: csrf, Preview: changeLines(in.preview(rules{})), Fingerprint: in.Fingerprint, Name: in.Name, Original: in.Original,
			Errors: st.Errors, ErrorLinks: errorLinks(st.Errors), Problem: st.Problem, Restored: st.Restored,
		}
		if fresh := st.Conflict; fresh != nil {
			form.Conflict = &views.NameConflict{TheirName: fresh.Name(), By: fresh.LastUpdatedBy(), At: fresh.LastUpdateDate()}
		}
		v.NameSec = views.NameSection{CustomerID: id, Links: sectionLinks(id, cardName, versionOf(in.Fingerprint)), Name: in.Name, Form: form}
	case *contactInput:
		r := a.rulesFor(c)
		form := &views.ContactForm{
			Resolving: in.Resolving, Links: sectionLinks(id, cardContact, versionOf(in.Fingerprint)), CSRFToken: csrf, Preview: changeLines(in.preview(r)), Fingerprint: in.Fingerprint,
			Errors: st.Errors, ErrorLinks: errorLinks(st.Errors), Problem: st.Problem, Restored: st.Restored, Focus: st.Focus,
		}
		for _, l := range in.Lists {
			form.Lists = append(form.Lists, listFormVM(l, r))
		}
		if fresh := st.Conflict; fresh != nil {
			form.Conflict = &views.ContactConflict{Theirs: contactVM(fresh), By: fresh.LastUpdatedBy(), At: fresh.LastUpdateDate()}
		}
		v.Contact = views.ContactSection{CustomerID: id, Links: sectionLinks(id, cardContact, versionOf(in.Fingerprint)), Form: form}
	}
}

// listFormVM is one list of the contact form as the view shows it.
func listFormVM(l listInput, r rules) views.ListForm {
	k := l.Kind
	out := views.ListForm{Kind: k.name, Legend: k.legend, AddLabel: k.addLabel}
	for _, f := range k.fields {
		out.Fields = append(out.Fields, views.FormField{Name: f.name, Label: f.label, Input: f.input, InputMode: f.inputMode,
			NoSpellcheck: f.noSpellcheck, Inline: f.inline, Options: k.choices(f, r.cfg, r.countries)})
	}
	for _, row := range l.Rows {
		out.Rows = append(out.Rows, views.FormRow{Ref: row.Ref, Values: row.Values, Was: row.Was, Remove: row.Remove, Labels: row.Labels})
	}
	return out
}

// saved shows the section's read view after a save (or a save with nothing
// to send): swapped in place for htmx, post/redirect/get otherwise.
func (a *app) saved(c echo.Context, k card, cust *apptivo.Customer, notice string) error {
	if !htmxOf(c.Request()).Partial() {
		_ = a.cfg.Sessions.AddFlash(c.Response(), c.Request(), notice)
		return c.Redirect(http.StatusSeeOther, cardAnchor(cust.ID(), k))
	}
	v := a.pageVM(c.Request().Context(), cust)
	v.NameSec.Notice, v.Contact.Notice = notice, notice
	parts := []templ.Component{k.component(v), views.MetaLine(v.Meta, true), views.LiveRegion([]views.Message{{Text: notice}}, true)}
	// The history section, where it is on screen, fetches itself again.
	c.Response().Header().Set("HX-Trigger", historyChanged)
	if k == cardName {
		parts = append(parts, views.CustomerTitle(v.Name, true))
	}
	return a.respond(c, http.StatusOK, nil, "", fragments(parts...))
}

// pageVM is the customer page in read mode with what the desk knows of it:
// who last changed it here, and its history (which loads after the page).
func (a *app) pageVM(ctx context.Context, c *apptivo.Customer) views.Customer {
	v := customerVM(c)
	a.deskMeta(ctx, &v.Meta)
	v.History = views.History{URL: historyURL(c.ID(), 0)}
	return v
}

// customerVM is the customer page in read mode.
func customerVM(c *apptivo.Customer) views.Customer {
	name := c.Name()
	if strings.TrimSpace(name) == "" {
		name = "(no name)"
	}
	return views.Customer{
		ID:   c.ID(),
		Name: name,
		Meta: views.Meta{
			CustomerID:    c.ID(),
			Number:        c.Number(),
			Status:        c.Status(),
			LastUpdatedBy: c.LastUpdatedBy(),
			LastUpdatedAt: c.LastUpdateDate(),
		},
		NameSec: views.NameSection{CustomerID: c.ID(), Links: sectionLinks(c.ID(), cardName, cardVersion(c, cardName)), Name: c.Name()},
		Contact: contactVM(c),
	}
}

// contactVM is the contact details read view: every list, entry by entry.
func contactVM(c *apptivo.Customer) views.ContactSection {
	v := views.ContactSection{CustomerID: c.ID(), Links: sectionLinks(c.ID(), cardContact, cardVersion(c, cardContact))}
	for _, k := range rowKinds {
		l := views.ListView{Heading: k.legend, Empty: k.empty, TestID: k.readID}
		for _, e := range c.Entries(k.list.Section) {
			l.Items = append(l.Items, k.show(e.Values, e.Names))
		}
		v.Lists = append(v.Lists, l)
	}
	return v
}

// errorLinks lists a form's errors in the order the fields appear, each
// prefixed with where it is ("Phone 4: …", "Address 1, City: …").
func errorLinks(errs map[string]string) []views.ErrorLink {
	type keyed struct {
		kind, row, field int
		link             views.ErrorLink
	}
	var all []keyed
	for name, msg := range errs {
		k := keyed{kind: -1, link: views.ErrorLink{ID: views.FieldID(name), Text: msg}}
		if name == "name" {
			k.link.ID = "customerName"
		}
		parts := strings.Split(name, ".")
		if rk := kindNamed(parts[0]); rk != nil && len(parts) == 3 {
			row, _ := strconv.Atoi(parts[1])
			fi := slices.IndexFunc(rk.fields, func(f rowField) bool { return f.name == parts[2] })
			k.kind, k.row, k.field = slices.Index(rowKinds, rk), row, fi
			where := rk.item + " " + strconv.Itoa(row+1)
			if fi >= 0 && rk.fields[fi].summary != "" {
				where += ", " + rk.fields[fi].summary
			}
			k.link.Text = where + ": " + msg
		}
		all = append(all, k)
	}
	slices.SortFunc(all, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.row, b.row), cmp.Compare(a.field, b.field))
	})
	out := make([]views.ErrorLink, len(all))
	for i, k := range all {
		out[i] = k.link
	}
	return out
}

func orDash(name, code string) string {
	if name != "" {
		return name
	}
	if code != "" {
		return code
	}
	return "—"
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// telURL builds a tel: link from the dialable characters of a number, or ""
// when there is nothing to dial.
func telURL(number string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(number) {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return "tel:" + b.String()
}
