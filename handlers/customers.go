package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/views"
)

// maxSearchStart stays inside Apptivo's deep-paging cap.
const maxSearchStart = 5000

func (a *app) search(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	size := a.cfg.PageSize
	page = min(max(page, 1), maxSearchStart/size+1) // bounded before multiplying: no overflow
	start := (page - 1) * size

	v := views.Search{Query: q, Page: page, FirstURL: searchURL(q, 1)}
	status := http.StatusOK
	res, err := clientOf(c).SearchCustomers(c.Request().Context(), q, start, size)
	if err != nil {
		a.logApptivo(c, err)
		var msg string
		status, msg = trouble(err)
		if status == http.StatusUnauthorized {
			return a.endSignIn(c, msg, pageOf(c), "", nil)
		}
		v.Error = "The search could not be run. " + msg
	} else {
		v.Total = res.Total
		v.Pages = max((min(res.Total, maxSearchStart+size)+size-1)/size, 1)
		for _, cust := range res.Customers {
			v.Rows = append(v.Rows, searchRow(cust))
		}
		if len(v.Rows) > 0 {
			v.From, v.To = start+1, start+len(v.Rows)
		}
		if page > 1 {
			v.PrevURL = searchURL(q, page-1)
		}
		if page < v.Pages && len(v.Rows) == size {
			v.NextURL = searchURL(q, page+1)
		}
	}
	title := "Customers"
	if q != "" {
		title = "“" + q + "” · Customers"
	}
	return a.respond(c, status, func(l views.Layout) templ.Component { return views.SearchPage(l, v) }, title, views.SearchResults(v))
}

func searchRow(c *apptivo.Customer) views.SearchRow {
	row := views.SearchRow{ID: c.ID(), URL: customerURL(c.ID()), Name: c.Name(), Number: c.Number()}
	if p := c.Phones(); len(p) > 0 {
		row.Phone = p[0].Number
	}
	if e := c.Emails(); len(e) > 0 {
		row.Email = e[0].Address
	}
	if ad := c.Addresses(); len(ad) > 0 {
		row.City = ad[0].City
	}
	if row.Name == "" {
		row.Name = "(no name)"
	}
	return row
}

// readCustomer loads the customer named in the URL: one Apptivo read, kept
// as the person's snapshot of it.
func (a *app) readCustomer(c echo.Context) (*apptivo.Customer, error) {
	return a.readFresh(c.Request().Context(), clientOf(c), c.Param("id"), userOf(c).KeyPrint)
}

// readFresh reads a customer for person, keeping the record as their snapshot.
func (a *app) readFresh(ctx context.Context, client *apptivo.Client, id, person string) (*apptivo.Customer, error) {
	cust, err := client.GetCustomer(ctx, id)
	if err == nil {
		a.snapshots.put(person, cust)
	}
	return cust, err
}

// recentCustomer is the customer named in the URL as the person last saw
// card k of it (at version), from their snapshot when it is young enough;
// otherwise it reads. Only an htmx swap of the card itself is answered from
// a snapshot: a whole page shows every card, and the version vouches for
// one, so a page is always a fresh read.
func (a *app) recentCustomer(c echo.Context, k card, version string) (*apptivo.Customer, error) {
	if !htmxOf(c.Request()).Partial() {
		return a.readCustomer(c)
	}
	if cust, ok := a.snapshots.get(userOf(c).KeyPrint, c.Param("id"), k, version); ok {
		return cust, nil
	}
	return a.readCustomer(c)
}

func (a *app) showCustomer(c echo.Context) error {
	cust, err := a.readCustomer(c)
	if err != nil {
		return a.apptivoFailure(c, err)
	}
	return a.customerPage(c, http.StatusOK, a.pageVM(c.Request().Context(), cust), nil)
}

// customerPage renders the whole customer page (with any live messages), or,
// for htmx, the given fragment.
func (a *app) customerPage(c echo.Context, status int, v views.Customer, fragment templ.Component, live ...views.Message) error {
	return a.respond(c, status, func(l views.Layout) templ.Component {
		l.Messages = append(l.Messages, live...)
		return views.CustomerPage(l, v)
	}, v.Name, fragment)
}

// sectionView answers with one section's read view (Cancel with htmx lands
// here); without htmx, the whole customer page.
func (a *app) sectionView(k card) echo.HandlerFunc {
	return func(c echo.Context) error {
		cust, err := a.recentCustomer(c, k, c.QueryParam(versionParam))
		if err != nil {
			return a.apptivoFailure(c, err)
		}
		if htmxOf(c.Request()).Partial() {
			// The card alone: the meta line's history lookup would be thrown away.
			return a.customerPage(c, http.StatusOK, views.Customer{}, k.component(customerVM(cust)))
		}
		v := a.pageVM(c.Request().Context(), cust)
		return a.customerPage(c, http.StatusOK, v, k.component(v))
	}
}
