package handlers

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/views"
)

const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries. HSTS goes out over
// direct TLS and whenever the site is declared HTTPS (COOKIE_SECURE=1):
// behind a TLS-terminating proxy r.TLS is nil although browsers use HTTPS.
func securityHeaders(httpsOnly bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if httpsOnly || c.Request().TLS != nil {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			return next(c)
		}
	}
}

// requestLogger logs one structured line per request: the route's path
// only, never a query string or a form, so neither keys nor search text
// land in logs.
func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogLatency: true, LogMethod: true, LogURIPath: true, LogRoutePath: true,
		LogRequestID: true, LogRemoteIP: true, LogError: true, HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.String("route", v.RoutePath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID), slog.String("remote_ip", v.RemoteIP),
				slog.Bool("htmx", htmxOf(c.Request()).Request),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

// requestIDs gives every request an id of the desk's own making: the one its
// log lines and its history entry carry. An X-Request-ID the request came
// with is dropped, not believed — a browser could otherwise name another
// request's id, or a hundred kilobytes, for the history to record.
func requestIDs() echo.MiddlewareFunc {
	generate := middleware.RequestID()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := generate(next)
		return func(c echo.Context) error {
			c.Request().Header.Del(echo.HeaderXRequestID)
			return h(c)
		}
	}
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// crossOriginProtection refuses state-changing requests a browser sent from
// another site (Sec-Fetch-Site, falling back to Origin vs Host).
func crossOriginProtection() echo.MiddlewareFunc {
	p := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := p.Check(c.Request()); err != nil {
				return echo.NewHTTPError(http.StatusForbidden, "This request came from another site and was refused.")
			}
			return next(c)
		}
	}
}

// csrf checks the per-session token from the form field or the htmx header,
// on top of the cross-origin check: two independent locks.
func (a *app) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if a.cfg.Sessions.CheckCSRF(r, formToken(c)) {
			return next(c)
		}
		if err := a.cfg.Sessions.Unavailable(r); err != nil {
			return err // not an expired form: the database is away (handleError)
		}
		// A section form opened before the person signed in again (e.g. in
		// another tab) carries an old token. The request already passed the
		// cross-origin check, so keep what was typed and reopen the form
		// rather than throw the input away.
		if k, ok := savedCard(c); ok {
			if _, signedIn := a.cfg.Sessions.Current(r); signedIn {
				id := c.Param("id")
				if form, err := c.FormParams(); err == nil && a.keepDraft(c, draftKey(id, k), form) {
					_ = a.cfg.Sessions.AddFlash(c.Response(), r, "This form was opened before you last signed in, so it had to be reloaded. Your changes are still in it: check them and press Save.")
					return redirect(c, editURL(id, k))
				}
			}
		}
		return echo.NewHTTPError(http.StatusForbidden, "This form has expired. Reload the page and try again.")
	}
}

// formToken is the CSRF token a request carries: the htmx header, or the
// form field of a plain post.
func formToken(c echo.Context) string {
	if token := c.Request().Header.Get("X-CSRF-Token"); token != "" {
		return token
	}
	return c.FormValue("_csrf")
}

// requireUser lets signed-in requests through with the person's own Apptivo
// client attached; anyone else goes to the sign-in page and comes back here
// afterwards. A save from an expired sign-in keeps what was typed.
func (a *app) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := a.cfg.Sessions.Unavailable(c.Request()); err != nil {
			if k, ok := savedCard(c); ok && !htmxOf(c.Request()).Partial() {
				return a.formWithoutDatabase(c, k, err)
			}
			return err // whether they are signed in is unknown, not "no" (handleError)
		}
		r, ok := a.cfg.Sessions.WithUser(c.Request(), a.cfg.Apptivo)
		if !ok {
			if previewedCard(c) && htmxOf(r).Partial() {
				// The live preview of an open form, asked as the person types
				// after their sign-in ended: going to the sign-in page now would
				// take them away from what they are typing. The form stays as it
				// is (HX-Reswap: none) and they are told; Save keeps what was
				// typed across signing in again.
				return a.errorPage(c, views.ErrorPage{Status: http.StatusUnauthorized, Title: "Signed out",
					Message: "Your sign-in has ended, so what Save will change cannot be shown. What you typed is still here: press Save to keep it while you sign in again."})
			}
			back := pageOf(c)
			if k, ok := savedCard(c); ok {
				// The save of an open form. If it was shown to a sign-in that has
				// since ended, keep what was typed for after signing in again;
				// a stranger's post keeps nothing.
				id := c.Param("id")
				msg := "You are not signed in, so nothing was saved. Sign in, then make your changes again."
				if form, err := c.FormParams(); err == nil && a.keepDraft(c, draftKey(id, k), form) {
					msg = "Your sign-in had expired, so nothing was saved yet. Sign in again: what you typed will be back in the form."
				}
				back = editURL(id, k)
				_ = a.cfg.Sessions.AddFlash(c.Response(), r, msg)
			}
			return redirect(c, loginURL(back))
		}
		if a.cfg.AuthEmailHeader != "" {
			// The company's sign-in proxy vouches for every request, not only
			// the sign-in: one it did not vouch for (it reached the desk some
			// other way, with a copied cookie, or the company has signed the
			// person out) is served as nobody, and ends the sign-in.
			email, ok := a.proxyEmail(r)
			switch {
			case !ok:
				_ = a.cfg.Sessions.SignOut(c.Response(), r)
				a.cfg.Logger.Warn("signed-in request without the company sign-in's word: sign-in ended", "request_id", requestID(c))
				return redirect(c, loginURL(pageOf(c)))
			case !strings.EqualFold(email, auth.UserFrom(r.Context()).Email):
				// The company sign-in now says someone else is at this browser:
				// the old sign-in is not theirs.
				_ = a.cfg.Sessions.SignOut(c.Response(), r)
				_ = a.cfg.Sessions.AddFlash(c.Response(), r, "Your company sign-in changed to "+email+". Sign in to the desk again with your own keys.")
				return redirect(c, loginURL(pageOf(c)))
			}
		}
		c.SetRequest(r)
		return next(c)
	}
}

// canonicalCustomerPath makes /customers/01000001 and /customers/1000001
// the same customer everywhere — the save lock, drafts, conflict checks —
// by spelling the id one way before routing: a GET is redirected to the
// canonical address, anything else is served under it.
func canonicalCustomerPath(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		rest, ok := strings.CutPrefix(r.URL.Path, routeCustomers+"/")
		if !ok {
			return next(c)
		}
		id, tail, _ := strings.Cut(rest, "/")
		canon := canonicalID(id)
		if canon == id || strings.Trim(id, "0123456789") != "" {
			return next(c)
		}
		path := routeCustomers + "/" + canon
		if tail != "" || strings.HasSuffix(rest, "/") {
			path += "/" + tail
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			to := path
			if r.URL.RawQuery != "" {
				to += "?" + r.URL.RawQuery
			}
			return c.Redirect(http.StatusMovedPermanently, to)
		}
		r.URL.Path, r.URL.RawPath = path, ""
		return next(c)
	}
}

// canonicalID spells a customer id one way: without leading zeros ("0"
// for an id of zeros only; "" stays "").
func canonicalID(id string) string {
	if canon := strings.TrimLeft(id, "0"); canon != "" || id == "" {
		return canon
	}
	return "0"
}

// currentPath is the local path of the page an htmx request came from.
func currentPath(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("HX-Current-URL"))
	if err != nil || u.Path == "" || u.Host != r.Host {
		return ""
	}
	return u.RequestURI()
}

func userOf(c echo.Context) *auth.User { return auth.UserFrom(c.Request().Context()) }

func clientOf(c echo.Context) *apptivo.Client { return auth.ClientFrom(c.Request().Context()) }

// actorOf is the signed-in person of a request, as the history records
// them: the email in lower case (so the person filter finds it however its
// capitals were typed at sign-in or sent by the company sign-in proxy), the
// key pair's print, the request's id.
func actorOf(c echo.Context) actor {
	u := userOf(c)
	return actor{email: strings.ToLower(u.Email), keyPrint: u.KeyPrint, requestID: requestID(c)}
}

// signInLimit slows down key guessing: LoginPerMinute attempts a minute per
// client, a burst of as many at once, counted in the database so that the
// limit holds for the service whichever desk answers. An IPv6 client is one
// /64 (a home or office gets a whole one, so a fresh address per attempt
// must not mean a fresh allowance). The store keeps at most
// maxSignInClients clients at once, so a flood of addresses costs no more
// than that. With the database away the attempt is refused (503), never
// let through uncounted.
func (a *app) signInLimit(next echo.HandlerFunc) echo.HandlerFunc {
	limit := store.Limit{Every: time.Minute / time.Duration(a.cfg.LoginPerMinute), Burst: a.cfg.LoginPerMinute, Clients: maxSignInClients}
	return func(c echo.Context) error {
		ok, err := a.cfg.DB.AllowSignIn(c.Request().Context(), clientKey(c.RealIP()), limit)
		if err != nil {
			a.cfg.Logger.Error("sign-in limit", "request_id", requestID(c), "error", err.Error())
			return a.renderLogin(c, http.StatusServiceUnavailable, views.Login{
				Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next")),
				Error: "The desk cannot reach its database right now, so nobody can sign in. Try again in a moment.",
			})
		}
		if !ok {
			return echo.NewHTTPError(http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute, then try again.")
		}
		return next(c)
	}
}

// maxSignInClients bounds the clients whose sign-in attempts are counted at
// once (see store.SignInLimits).
const maxSignInClients = 10_000

// clientKey is what the sign-in limit counts by: an IPv4 address, or the
// /64 an IPv6 address belongs to.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
