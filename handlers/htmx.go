package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// HTMX is what htmx 4 told us about a request. Parsed in one place so no
// handler reads HX-* headers by hand.
type HTMX struct {
	Request        bool   // HX-Request: true
	HistoryRestore bool   // back/forward re-fetch: wants a full page
	Full           bool   // HX-Request-Type: full (targets body or uses hx-select)
	Target         string // HX-Target, "tag#id"
	Source         string // HX-Source, "tag#id"
}

func htmxOf(r *http.Request) HTMX {
	return HTMX{
		Request:        r.Header.Get("HX-Request") == "true",
		HistoryRestore: r.Header.Get("HX-History-Restore-Request") == "true",
		Full:           r.Header.Get("HX-Request-Type") == "full",
		Target:         r.Header.Get("HX-Target"),
		Source:         r.Header.Get("HX-Source"),
	}
}

// Partial reports whether the answer should be a fragment rather than a
// full page. History restores and full-type requests want the whole page.
func (h HTMX) Partial() bool {
	return h.Request && !h.HistoryRestore && !h.Full
}

// redirect sends the browser elsewhere: a 303 for plain requests, HX-Redirect
// for htmx (so a sign-in page never lands inside a fragment).
func redirect(c echo.Context, to string) error {
	if htmxOf(c.Request()).Request {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}
