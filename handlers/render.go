package handlers

import (
	"bytes"
	"context"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/static"
	"github.com/customerdesk/desk/views"
)

// layout collects what every full page needs. Flash messages are read out
// of the session here, before rendering, so nothing writes cookies mid-page.
func (a *app) layout(c echo.Context, title string) views.Layout {
	r, w := c.Request(), c.Response()
	token, _ := a.cfg.Sessions.CSRFToken(w, r)
	l := views.Layout{
		Title:     title,
		Links:     links,
		Demo:      a.cfg.Demo,
		CSRFToken: token,
		Assets: views.Assets{
			HTMX: a.cfg.Assets.URL(static.HTMXFile),
			CSS:  a.cfg.Assets.URL("app.css"),
			JS:   a.cfg.Assets.URL("app.js"),
			Icon: a.cfg.Assets.URL(static.Favicon),
		},
	}
	if u := userOf(c); u != nil {
		l.UserEmail = u.Email
	}
	for _, f := range a.cfg.Sessions.TakeFlashes(w, r) {
		l.Messages = append(l.Messages, views.Message{Text: f})
	}
	return l
}

// respond is the one place that decides "fragment or full page": htmx
// partial requests get the fragment, everything else (plain requests,
// history restores) the full page. Both are rendered into a buffer first,
// then status and headers are set, then the bytes are written.
func (a *app) respond(c echo.Context, status int, page func(views.Layout) templ.Component, title string, fragment templ.Component) error {
	var comp templ.Component
	if htmxOf(c.Request()).Partial() && fragment != nil {
		comp = fragment
	} else {
		comp = page(a.layout(c, title))
	}
	var buf bytes.Buffer
	// Rendering is quick and local; an error page is often rendered after the
	// request's deadline context was already cancelled.
	if err := comp.Render(context.WithoutCancel(c.Request().Context()), &buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Add("Vary", "HX-Request")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// fragments joins a main fragment with out-of-band pieces (live region, meta line).
func fragments(parts ...templ.Component) templ.Component {
	return templ.Join(parts...)
}
