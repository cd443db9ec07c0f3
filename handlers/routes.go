// Package handlers is the web side of the desk: one route table, handler
// structs with explicit dependencies, the htmx-aware render and redirect
// helpers, form binding and validation.
package handlers

import (
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/static"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/views"
)

// Config is what the web side is made of: the dependencies main builds and
// the settings it reads (with their defaults, in main's configuration).
type Config struct {
	Apptivo  *apptivo.Client // shared; each request uses a copy with the user's keys
	Sessions *auth.Manager
	Assets   *static.Assets
	Logger   *slog.Logger
	DB       store.DB         // sessions live there too; here: save locks and the change history
	Now      func() time.Time // the history's clock

	Demo           bool
	DemoKeys       *views.DemoKeys // shown on the sign-in page in demo mode
	DefaultRegion  string          // phone numbers without "+" are read in this region
	RequestTimeout time.Duration   // per request, Apptivo calls included
	ConfigTTL      time.Duration   // how long Apptivo's type lists are cached per key pair
	LoginPerMinute int             // sign-in attempts per minute per client address
	BodyLimit      string          // e.g. "256K"
	PageSize       int
	// SnapshotLife is how long a record as read may serve Edit and Cancel
	// without a new read (0: never); SnapshotBytes and
	// SnapshotBytesPerPerson bound what the snapshots hold.
	SnapshotLife           time.Duration
	SnapshotBytes          int
	SnapshotBytesPerPerson int
	// HTTPSOnly says browsers reach the desk over HTTPS even when TLS ends
	// at a proxy (COOKIE_SECURE=1): HSTS is sent.
	HTTPSOnly bool
	// TrustedProxies are the proxies whose X-Forwarded-For is believed; with
	// none, the socket's address is the client (Echo would otherwise trust
	// the header from anyone, and the sign-in rate limit keys on it). List
	// the proxies' own addresses only: see clientIP.
	TrustedProxies []*net.IPNet
	// AuthEmailHeader, when set, names the header in which a company
	// sign-in proxy (one of TrustedProxies) says who the person is.
	AuthEmailHeader string
	// Metrics records requests, saves and undos; nil records nothing.
	Metrics *Metrics
}

// check reports a missing dependency or setting: New takes no defaults of
// its own, so nothing is configured in two places.
func (c Config) check() error {
	switch {
	case c.Apptivo == nil || c.Sessions == nil || c.Assets == nil || c.Logger == nil || c.DB == nil || c.Now == nil:
		return errors.New("handlers: Apptivo, Sessions, Assets, Logger, DB and Now are required")
	case c.DefaultRegion == "" || c.RequestTimeout <= 0 || c.ConfigTTL <= 0 || c.LoginPerMinute <= 0 || c.BodyLimit == "" || c.PageSize <= 0:
		return errors.New("handlers: DefaultRegion, RequestTimeout, ConfigTTL, LoginPerMinute, BodyLimit and PageSize are required")
	case c.SnapshotLife < 0 || c.SnapshotLife > 0 && (c.SnapshotBytes <= 0 || c.SnapshotBytesPerPerson <= 0):
		return errors.New("handlers: SnapshotLife must not be negative, and with snapshots SnapshotBytes and SnapshotBytesPerPerson are required")
	}
	return nil
}

// New builds the Echo instance with its middleware and every route.
func New(cfg Config) (*echo.Echo, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientIP(cfg.TrustedProxies)
	warnWideProxyRanges(cfg.Logger, cfg.TrustedProxies)

	app := &app{cfg: cfg, configs: newConfigCache(cfg.ConfigTTL, cfg.DB, cfg.Logger, cfg.Now), countries: newCountryList(),
		snapshots: newSnapshots(cfg.SnapshotLife, cfg.SnapshotBytes, cfg.SnapshotBytesPerPerson, cfg.Now)}
	e.HTTPErrorHandler = app.handleError
	if cfg.Metrics != nil {
		e.Pre(cfg.Metrics.observeRequests(e)) // first, to time everything
	}
	// Security headers first of all, so that answers made before routing (the
	// canonical-id redirect, a body too large) carry them too.
	e.Pre(securityHeaders(cfg.HTTPSOnly))
	e.Pre(canonicalCustomerPath)

	e.Use(requestIDs())
	e.Use(requestLogger(cfg.Logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			cfg.Logger.Error("panic", "request_id", requestID(c), "error", err.Error(), "stack", string(stack))
			return err
		},
	}))
	// Pages and fragments go out gzipped (a page is several times smaller);
	// the static files carry their own, made once at start-up. CSRF tokens
	// are masked anew in every answer, so compressing a page that reflects
	// a search can't leak them (BREACH).
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level: gzip.BestSpeed, MinLength: 1024,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, static.Prefix) || p == "/favicon.ico" || p == routeHealth ||
				!static.AcceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding))
		},
	}))
	e.Use(middleware.BodyLimit(cfg.BodyLimit))
	e.Use(middleware.ContextTimeout(cfg.RequestTimeout))
	e.Use(crossOriginProtection())

	e.GET(routeHealth, func(c echo.Context) error { return c.String(http.StatusOK, "ok") }).Name = "healthz"
	// Metrics are served on their own listener (METRICS_ADDR), never here.
	e.GET("/metrics", func(echo.Context) error { return echo.ErrNotFound }).Name = "metrics.elsewhere"
	e.GET(routeReady, app.ready).Name = "readyz"
	e.GET(static.Prefix+"*", echo.WrapHandler(cfg.Assets.Handler())).Name = "static"
	e.GET("/favicon.ico", func(c echo.Context) error {
		cfg.Assets.Serve(c.Response(), c.Request(), static.Favicon)
		return nil
	}).Name = "favicon"

	e.GET(routeHome, func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, routeCustomers) }).Name = "home"
	e.GET(routeLogin, app.loginForm).Name = "login"
	e.POST(routeLogin, app.login, app.loginCSRF, app.signInLimit).Name = "login.post"
	e.POST(routeLogout, app.logout, app.csrf).Name = "logout"

	signedIn := e.Group("", app.requireUser)
	signedIn.GET(routeCustomers, app.search).Name = "customers"
	signedIn.GET(routeCustomer, app.showCustomer).Name = "customer"
	signedIn.GET(routeHistory, app.showHistory).Name = "customer.history"
	signedIn.POST(routeUndo, app.undo, app.csrf).Name = "customer.history.undo"
	signedIn.GET(routeActivity, app.activity).Name = "activity"
	signedIn.GET(routeActivityCSV, app.activityCSV).Name = "activity.csv"
	for _, k := range []struct {
		card       card
		edit, save echo.HandlerFunc
	}{{cardName, app.editName, app.saveName}, {cardContact, app.editContact, app.saveContact}} {
		signedIn.GET(k.card.route(), app.sectionView(k.card)).Name = "customer." + string(k.card)
		signedIn.GET(k.card.editRoute(), k.edit).Name = "customer." + string(k.card) + ".edit"
		signedIn.POST(k.card.route(), k.save, app.csrf).Name = k.card.saveRouteName()
		signedIn.POST(k.card.previewRoute(), app.preview(k.card), app.csrf).Name = "customer." + string(k.card) + ".preview"
		signedIn.POST(k.card.theirsRoute(), app.theirs(k.card), app.csrf).Name = "customer." + string(k.card) + ".theirs"
	}
	return e, nil
}

// readyTimeout bounds /readyz's question to the database.
const readyTimeout = time.Second

// ready answers a load balancer: 200 while the database answers within
// readyTimeout, 503 otherwise (the process itself is /healthz).
func (a *app) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := a.cfg.DB.Ping(ctx); err != nil {
		a.cfg.Logger.Warn("readiness: the database does not answer", "error", err.Error())
		return c.String(http.StatusServiceUnavailable, "the database does not answer")
	}
	return c.String(http.StatusOK, "ok")
}

// app holds the handlers' shared dependencies.
type app struct {
	cfg       Config
	configs   *configCache
	countries *countryList
	snapshots *snapshots
}
