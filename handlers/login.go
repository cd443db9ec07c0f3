package handlers

import (
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/views"
)

func (a *app) loginForm(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if err := a.cfg.Sessions.Unavailable(c.Request()); err != nil {
		return err // signed in or not is unknown: no sign-in form to someone who may be (handleError: 503)
	}
	if _, ok := a.cfg.Sessions.Current(c.Request()); ok {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return a.renderLogin(c, http.StatusOK, views.Login{Next: next})
}

func (a *app) renderLogin(c echo.Context, status int, v views.Login) error {
	v.DemoKeys = a.cfg.DemoKeys
	if a.cfg.AuthEmailHeader != "" {
		// The company's sign-in proxy says who this is; the field only shows it.
		v.EmailFromProxy = true
		if email, ok := a.proxyEmail(c.Request()); ok {
			v.Email = email
		} else if v.Error == "" {
			v.Error = "Your company sign-in did not say who you are. Open the desk through the company sign-in page and try again."
		}
	}
	v.CSRFToken = a.cfg.Sessions.LoginToken(c.Response(), c.Request())
	return a.respond(c, status, func(l views.Layout) templ.Component { return views.LoginPage(l, v) }, "Sign in", nil)
}

// loginCSRF checks the sign-in form's own token (auth.LoginToken). A refused
// one — the form sat open too long, or was shown to another browser — brings
// the form back, renewed, with the email kept; keys are never shown back.
func (a *app) loginCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.cfg.Sessions.CheckLoginToken(c.Request(), c.FormValue("_csrf")) {
			return next(c)
		}
		return a.renderLogin(c, http.StatusForbidden, views.Login{
			Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next")),
			Error: "This sign-in form had expired, so it was renewed. Enter your keys again and press Sign in.",
		})
	}
}

func (a *app) login(c echo.Context) error {
	email := strings.TrimSpace(c.FormValue("email"))
	if a.cfg.AuthEmailHeader != "" {
		proxied, ok := a.proxyEmail(c.Request())
		if !ok {
			return a.renderLogin(c, http.StatusForbidden, views.Login{Next: safeNext(c.FormValue("next"))})
		}
		email = proxied
	}
	creds := apptivo.Credentials{APIKey: strings.TrimSpace(c.FormValue("apiKey")), AccessKey: strings.TrimSpace(c.FormValue("accessKey"))}
	v := views.Login{Email: email, Next: safeNext(c.FormValue("next")), Field: map[string]string{}}

	if email == "" {
		v.Field["email"] = "Enter your email address; it labels the changes you make."
	} else if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		v.Field["email"] = "Enter an email address like name@example.com."
	}
	if creds.APIKey == "" {
		v.Field["apiKey"] = "Enter your Apptivo API key."
	}
	if creds.AccessKey == "" {
		v.Field["accessKey"] = "Enter your Apptivo access key."
	}
	if len(v.Field) > 0 {
		v.Error = "Please fill in the marked fields."
		return a.renderLogin(c, http.StatusUnprocessableEntity, v)
	}

	client := a.cfg.Apptivo.WithCredentials(creds)
	cfg, err := client.CheckCredentials(c.Request().Context())
	if err != nil {
		a.logApptivo(c, err)
		switch apptivo.KindOf(err) {
		case apptivo.KindBadCredentials:
			v.Error = "Apptivo did not accept this API key and access key. Check both (Apptivo: Business Settings → API Access) and try again."
			return a.renderLogin(c, http.StatusUnauthorized, v)
		default:
			status, msg := trouble(err)
			if status == http.StatusNotFound || status == http.StatusUnauthorized {
				status = http.StatusBadGateway
			}
			v.Error = "Your keys could not be checked: " + msg
			return a.renderLogin(c, status, v)
		}
	}
	if err := a.cfg.Sessions.SignIn(c.Response(), c.Request(), auth.User{Email: email, Credentials: creds}); err != nil {
		return err
	}
	a.configs.put(c.Request().Context(), a.cfg.Sessions.KeyPrint(creds), cfg)
	a.cfg.Logger.Info("signed in", "request_id", requestID(c), "user", email)
	return c.Redirect(http.StatusSeeOther, v.Next)
}

func (a *app) logout(c echo.Context) error {
	if u, ok := a.cfg.Sessions.Current(c.Request()); ok {
		a.snapshots.forgetPerson(u.KeyPrint) // what they read goes with them
	}
	if err := a.cfg.Sessions.SignOut(c.Response(), c.Request()); err != nil {
		return err
	}
	_ = a.cfg.Sessions.AddFlash(c.Response(), c.Request(), "You are signed out.")
	return redirect(c, routeLogin)
}

// proxyEmail is the email the company's sign-in proxy put in
// AUTH_EMAIL_HEADER — believed only when the request came straight from one
// of the TRUSTED_PROXIES, and only when it is one plain address in one
// header. Two headers name nobody: one of them was written by the browser
// (a proxy that adds its header rather than replacing it passes the
// browser's on too).
func (a *app) proxyEmail(r *http.Request) (string, bool) {
	if a.cfg.AuthEmailHeader == "" || !a.fromTrustedProxy(r) {
		return "", false
	}
	values := r.Header.Values(a.cfg.AuthEmailHeader)
	if len(values) != 1 {
		return "", false
	}
	email := strings.TrimSpace(values[0])
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email {
		return "", false
	}
	return email, true
}

// safeNext keeps post-sign-in redirects on this site: a local absolute path
// only, never "//host" or a scheme.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return routeCustomers
	}
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" {
		return routeCustomers
	}
	return next
}
