package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/views"
)

// The desk's addresses, spelled once: the route table registers these
// patterns and the functions below fill them in. Nothing else in the desk
// glues a URL together.
const (
	routeHome        = "/"
	routeLogin       = "/login"
	routeLogout      = "/logout"
	routeHealth      = "/healthz" // liveness: the process answers
	routeReady       = "/readyz"  // readiness: and so does the database
	routeCustomers   = "/customers"
	routeCustomer    = routeCustomers + "/:id"
	routeHistory     = routeCustomer + "/history"
	routeUndo        = routeHistory + "/:change/undo"
	routeActivity    = "/activity"
	routeActivityCSV = "/activity.csv"
)

// route is the address of the card's read view (GET) and save (POST).
func (k card) route() string { return routeCustomer + "/" + string(k) }

// editRoute is the address of the card's form.
func (k card) editRoute() string { return k.route() + "/edit" }

// previewRoute is where the card's form asks what Save would change.
func (k card) previewRoute() string { return k.route() + "/preview" }

// saveRouteName names the card's save route; drafts are kept under it.
func (k card) saveRouteName() string { return "customer." + string(k) + ".save" }

func withID(pattern, id string) string { return strings.Replace(pattern, ":id", url.PathEscape(id), 1) }

func customerURL(id string) string        { return withID(routeCustomer, id) }
func sectionURL(id string, k card) string { return withID(k.route(), id) }
func editURL(id string, k card) string    { return withID(k.editRoute(), id) }
func cardAnchor(id string, k card) string { return customerURL(id) + "#" + string(k) + "-section" }
func draftKey(id string, k card) string   { return k.saveRouteName() + ":" + id }

// versionParam names the card's version (see cardVersion) in the Edit and
// Cancel links, so they can be answered from the person's snapshot.
const versionParam = "seen"

// sectionLinks are the card's links; version is the card's as shown.
func sectionLinks(id string, k card, version string) views.SectionLinks {
	atVersion := ""
	if version != "" {
		atVersion = "?" + versionParam + "=" + url.QueryEscape(version)
	}
	return views.SectionLinks{Page: customerURL(id), Read: sectionURL(id, k) + atVersion, Edit: editURL(id, k) + atVersion, Save: sectionURL(id, k),
		Preview: withID(k.previewRoute(), id), Theirs: withID(k.theirsRoute(), id)}
}

// historyURL is a page of a customer's history, older than before (0: newest).
func historyURL(id string, before int64) string {
	u := withID(routeHistory, id)
	if before > 0 {
		u += "?before=" + strconv.FormatInt(before, 10)
	}
	return u
}

// undoURL is where a change of a customer is undone.
func undoURL(id string, change int64) string {
	return strings.Replace(withID(routeUndo, id), ":change", strconv.FormatInt(change, 10), 1)
}

// theirsRoute is where a conflict view's "Use their version" posts.
func (k card) theirsRoute() string { return k.route() + "/theirs" }

// loginURL is the sign-in page, coming back to next afterwards.
func loginURL(next string) string { return routeLogin + "?next=" + url.QueryEscape(safeNext(next)) }

// searchURL is a page of search results.
func searchURL(q string, page int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return routeCustomers
	}
	return routeCustomers + "?" + v.Encode()
}

// links are the addresses every page's frame needs.
var links = views.Links{Customers: routeCustomers, Activity: routeActivity, Login: routeLogin, Logout: routeLogout}

// savedCard tells whether the matched route is a section save, and whose:
// decided from the route table, never from the shape of the path.
func savedCard(c echo.Context) (card, bool) {
	if c.Request().Method != "POST" {
		return "", false
	}
	for _, k := range []card{cardName, cardContact} {
		if c.Path() == k.route() {
			return k, true
		}
	}
	return "", false
}

// previewedCard reports whether the request asks a card's form for what
// Save will change (the live preview).
func previewedCard(c echo.Context) bool {
	for _, k := range []card{cardName, cardContact} {
		if c.Request().Method == http.MethodPost && c.Path() == k.previewRoute() {
			return true
		}
	}
	return false
}
