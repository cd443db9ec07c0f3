package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/views"
)

// trouble turns an Apptivo failure into a status and words a sales person
// can act on. The technical detail goes to the log, never to the page.
func trouble(err error) (int, string) {
	var ae *apptivo.Error
	if !errors.As(err, &ae) {
		if errors.Is(err, context.DeadlineExceeded) {
			return http.StatusGatewayTimeout, "Apptivo took too long to answer. Nothing was lost; try again in a moment."
		}
		return http.StatusInternalServerError, "Something went wrong on our side. Nothing was lost; try again."
	}
	switch ae.Kind {
	case apptivo.KindBadCredentials:
		return http.StatusUnauthorized, "Apptivo no longer accepts your API key and access key (they may have been regenerated). Please sign in again."
	case apptivo.KindNotFound:
		return http.StatusNotFound, "Apptivo has no customer with this id. It may have been deleted."
	case apptivo.KindRateLimited:
		msg := "Apptivo is limiting how fast we may call it."
		if ae.RetryAfter > 0 {
			msg += fmt.Sprintf(" Try again in %s.", roundUp(ae.RetryAfter))
		} else {
			msg += " Try again in a few seconds."
		}
		return http.StatusTooManyRequests, msg
	case apptivo.KindUnavailable:
		if errors.Is(err, context.DeadlineExceeded) {
			return http.StatusGatewayTimeout, "Apptivo took too long to answer. Try again in a moment."
		}
		return http.StatusBadGateway, "Apptivo is not answering right now. Try again in a moment."
	default:
		return http.StatusBadGateway, "Apptivo sent an answer we could not read. Try again; if it keeps happening, tell the desk team."
	}
}

// noDatabase says why a save or an undo sent nothing when the database
// could not be reached (or the save's lock went with its connection).
const noDatabase = "the desk cannot reach its database right now, so it cannot make sure that nobody else is saving this customer at the same moment."

func roundUp(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 60 {
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}

// apptivoFailure answers a request whose Apptivo call failed and that has no
// form to keep: a full error page, or a small fragment for htmx. Refused keys
// end the sign-in.
func (a *app) apptivoFailure(c echo.Context, err error) error {
	status, msg := trouble(err)
	a.logApptivo(c, err)
	if status == http.StatusUnauthorized {
		return a.endSignIn(c, msg, pageOf(c), "", nil)
	}
	title := "Apptivo trouble"
	if status == http.StatusNotFound {
		title = "Customer not found"
	}
	return a.errorPage(c, views.ErrorPage{Status: status, Title: title, Message: msg})
}

// errorPage answers a failed request: the whole error page for a plain
// request; for htmx, only the live region, with the swap called off
// (HX-Reswap: none), so the section on screen — an open form with what was
// typed, say — stays exactly as it is.
func (a *app) errorPage(c echo.Context, ep views.ErrorPage) error {
	if htmxOf(c.Request()).Partial() {
		c.Response().Header().Set("HX-Reswap", "none")
	}
	return a.respond(c, ep.Status, func(l views.Layout) templ.Component { return views.ErrorView(l, ep) }, ep.Title,
		views.LiveRegion([]views.Message{{Text: ep.Message, Error: true}}, true))
}

// endSignIn ends the sign-in (Apptivo refused its keys) and sends the person
// to the sign-in page with the reason, then back to next. A form being saved
// is kept as a draft for them, to be handed back after signing in again.
func (a *app) endSignIn(c echo.Context, msg, next, draftKey string, form url.Values) error {
	_ = a.cfg.Sessions.EndSignIn(c.Response(), c.Request())
	if form != nil {
		a.keepDraft(c, draftKey, form)
	}
	_ = a.cfg.Sessions.AddFlash(c.Response(), c.Request(), msg)
	return redirect(c, loginURL(next))
}

// keepDraft keeps what was typed into a section form (under draftKey) for the sign-in this browser holds or held, to be put back when the
// same person opens the form again. Whether that may happen is auth's call
// (KeepDraft), made from the session and the form's token, never from what
// else the form says; strangers get nothing kept. It reports whether the
// draft was kept.
func (a *app) keepDraft(c echo.Context, key string, form url.Values) bool {
	draft := url.Values{}
	for k, v := range form {
		if k != "_csrf" {
			draft[k] = v
		}
	}
	return a.cfg.Sessions.KeepDraft(c.Response(), c.Request(), key, formToken(c), draft) == nil
}

func (a *app) logApptivo(c echo.Context, err error) {
	a.cfg.Logger.Warn("apptivo call failed", "request_id", requestID(c), "kind", apptivo.KindOf(err).String(), "error", err.Error())
}

// handleError renders errors no handler dealt with: 404s, refused CSRF,
// rate limits, panics. htmx requests get a fragment, never a whole page.
func (a *app) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Nothing was lost; try again."
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		if m, ok := he.Message.(string); ok && status < 500 {
			msg = m
		}
		if status == http.StatusNotFound && he.Message == "Not Found" {
			msg = "There is no page at this address."
		}
		if status == http.StatusRequestEntityTooLarge {
			msg = "That form was too large to accept."
		}
	}
	title := ""
	if errors.Is(err, auth.ErrUnavailable) {
		// The session store (the database) failed: never shown as a
		// sign-out, and nothing is lost by trying again.
		status, title = http.StatusServiceUnavailable, "Database unavailable"
		msg = "The desk cannot reach its database right now, so it cannot check your sign-in or save anything. Nothing was lost: try again in a moment."
	}
	if status >= 500 {
		a.cfg.Logger.Error("request failed", "request_id", requestID(c), "error", err.Error())
	}
	if title == "" {
		title = http.StatusText(status)
	}
	if status == http.StatusNotFound {
		title = "Page not found"
	}
	if rerr := a.errorPage(c, views.ErrorPage{Status: status, Title: title, Message: msg}); rerr != nil {
		a.cfg.Logger.Error("rendering error page", "request_id", requestID(c), "error", rerr.Error())
		_ = c.String(status, msg)
	}
}

// pageOf is where the person was: the page itself, or for htmx the page the
// fragment belongs to.
func pageOf(c echo.Context) string {
	r := c.Request()
	if htmxOf(r).Request {
		if cur := currentPath(r); cur != "" {
			return cur
		}
	}
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	return routeCustomers
}
