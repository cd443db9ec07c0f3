package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// The section editors' routes: open a form, save it. Deciding a save lives
// in save.go, showing its result in present.go.

func (a *app) csrfToken(c echo.Context) string {
	t, _ := a.cfg.Sessions.CSRFToken(c.Response(), c.Request())
	return t
}

// rulesFor are the checks in force for the signed-in person's firm; with
// nobody signed in (a form shown back while the database is away), the
// built-in type lists.
func (a *app) rulesFor(c echo.Context) rules {
	cfg := apptivo.BuiltinConfig()
	if client := clientOf(c); client != nil {
		cfg = a.configs.get(c.Request().Context(), client, userOf(c).KeyPrint)
	}
	return rules{cfg: cfg, region: a.cfg.DefaultRegion, countries: a.countries}
}

func (a *app) editName(c echo.Context) error {
	return a.edit(c, cardName, func(cust *apptivo.Customer) sectionInput { return nameInputOf(cust) },
		func(v url.Values) sectionInput { return bindName(v) })
}

func (a *app) editContact(c echo.Context) error {
	return a.edit(c, cardContact, func(cust *apptivo.Customer) sectionInput { return contactInputOf(cust, a.rulesFor(c)) },
		func(v url.Values) sectionInput { return bindContact(v) })
}

// edit opens a section's form on the customer as the person just saw it (or
// as Apptivo holds it now), or with the draft the person typed before their
// sign-in ended.
func (a *app) edit(c echo.Context, k card, of func(*apptivo.Customer) sectionInput, bind func(url.Values) sectionInput) error {
	cust, err := a.recentCustomer(c, k, c.QueryParam(versionParam))
	if err != nil {
		return a.apptivoFailure(c, err)
	}
	in := of(cust)
	var st formState
	if stash, ok := a.cfg.Sessions.TakeStash(c.Response(), c.Request(), draftKey(cust.ID(), in.card())); ok {
		in, st.Restored = bind(stash), true
	}
	return a.showForm(c, http.StatusOK, in, st, cust)
}

func (a *app) saveName(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	in := bindName(form)
	if form.Get("op") == "review" {
		return a.showForm(c, http.StatusOK, in, formState{}, nil)
	}
	return a.saveSection(c, in, form)
}

func (a *app) saveContact(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	in := bindContact(form)
	if form.Get("op") == "review" {
		// "Review changes" without JavaScript: the form again, with what Save would change.
		return a.showForm(c, http.StatusOK, in, formState{}, nil)
	}
	if k := kindNamed(in.Add); k != nil && !in.list(k).Missing {
		// "Add phone number" and friends: one more blank row, nothing saved.
		focus := in.addBlank(k, a.rulesFor(c))
		return a.showForm(c, http.StatusOK, in, formState{Focus: focus}, nil)
	}
	return a.saveSection(c, in, form)
}

func (a *app) saveSection(c echo.Context, in sectionInput, form url.Values) error {
	id := c.Param("id")
	var r rules
	if in.card() == cardContact {
		r = a.rulesFor(c) // the type lists: only the contact form needs them, and they may cost a call
	}
	res := a.save(c.Request().Context(), clientOf(c), id, in, r, actorOf(c))
	a.cfg.Metrics.countSave(res)
	if res.outcome == outcomeSaved {
		a.cfg.Logger.Info("customer updated", "request_id", requestID(c), "user", userOf(c).Email,
			"customer_id", id, "attributes", attributeNames(res.plan.Update))
	}
	return a.presentSave(c, id, in, res, form)
}

// preview answers a form's live "what Save will change" as the person
// types: from the form alone, no Apptivo call.
func (a *app) preview(k card) echo.HandlerFunc {
	return func(c echo.Context) error {
		form, err := c.FormParams()
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
		}
		id := c.Param("id")
		if !htmxOf(c.Request()).Partial() {
			return c.Redirect(http.StatusSeeOther, editURL(id, k))
		}
		var in sectionInput = bindName(form)
		var r rules
		if k == cardContact {
			in, r = bindContact(form), a.rulesFor(c)
		}
		return a.respond(c, http.StatusOK, nil, "", views.ChangePreview(string(k), withID(k.previewRoute(), id), changeLines(in.preview(r))))
	}
}
