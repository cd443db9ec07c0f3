package handlers

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/store"
)

// Metrics are the desk's own Prometheus series. main makes them on its
// registry and serves that on METRICS_ADDR only, never on the desk's port.
// No label ever holds what a person typed or a URL: route names, status
// classes, Apptivo actions and outcomes, pool names, all from small fixed
// sets. A nil *Metrics measures nothing.
//
//	desk_http_request_duration_seconds{route,status}   histogram: every request, by route name ("unmatched" for none) and status class ("2xx")
//	desk_apptivo_call_duration_seconds{action,outcome} histogram: every HTTP attempt to Apptivo, by action ("getById") and outcome ("ok", "unavailable", …)
//	desk_saves_total{outcome}                           counter: section saves by outcome (see saveOutcome)
//	desk_undos_total{kind,outcome}                      counter: undos and redos from the history, by the same outcomes
//	desk_sessions                                       gauge: session records kept (live sign-ins and ended ones in their grace window)
//	desk_signed_in_sessions                             gauge: live sign-ins
//	desk_db_pool_*{pool}                                the database's connection pools (store.Pools)
type Metrics struct {
	requests *prometheus.HistogramVec
	apptivo  *prometheus.HistogramVec
	saves    *prometheus.CounterVec
	undos    *prometheus.CounterVec
}

// sessionCountTimeout bounds the session count a scrape makes.
const sessionCountTimeout = 2 * time.Second

// durationBuckets suit both a page (milliseconds) and a slow Apptivo (up to
// its 30 s timeout and the 45 s request timeout).
func durationBuckets() []float64 {
	return []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60}
}

// MetricsSources are what a scrape reads besides what the desk counted.
type MetricsSources struct {
	// Sessions counts the session records kept (auth's store: with the
	// database, a COUNT query, bounded by a short timeout at each scrape).
	Sessions func(ctx context.Context) (int, error)
	// SignedIn counts the live sign-ins among them; nil leaves the series out.
	SignedIn func(ctx context.Context) (int, error)
	// Pools are the database's connection pools; nil for none.
	Pools store.Pools
}

// NewMetrics makes the desk's series and registers them with reg, with
// those read from src when scraped.
func NewMetrics(reg prometheus.Registerer, src MetricsSources, logger *slog.Logger) (*Metrics, error) {
	if src.Sessions == nil {
		return nil, errors.New("handlers: MetricsSources.Sessions is required")
	}
	m := &Metrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "desk_http_request_duration_seconds",
			Help:    "Time to answer a request to the desk, by route name (\"unmatched\" when no route matched) and status class.",
			Buckets: durationBuckets(),
		}, []string{"route", "status"}),
		apptivo: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "desk_apptivo_call_duration_seconds",
			Help:    "Time of one HTTP attempt to Apptivo, by action and outcome (\"ok\", \"refused\" or the kind of error: apptivo.Outcome).",
			Buckets: durationBuckets(),
		}, []string{"action", "outcome"}),
		saves: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "desk_saves_total",
			Help: "Section saves by outcome: saved, conflict, refused or unknown (an update Apptivo refused, or whose landing is unknown), " +
				"failed (Apptivo trouble before anything was sent), no_change, invalid, busy, unrecorded (saved, the history not written), " +
				"no_database (the database was away, or the save lost its lock: nothing sent).",
		}, []string{"outcome"}),
		undos: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "desk_undos_total",
			Help: "Undos and redos from the change history (kind), by the outcomes of desk_saves_total.",
		}, []string{"kind", "outcome"}),
	}
	// Every outcome from the start, so that a first one shows as a rise from 0.
	for _, o := range []string{"saved", "conflict", "refused", "unknown", "failed", "no_change", "invalid", "busy", "unrecorded", "no_database"} {
		m.saves.WithLabelValues(o)
		m.undos.WithLabelValues("undo", o)
		m.undos.WithLabelValues("redo", o)
	}
	// count is a gauge read from the database at each scrape: NaN, and a
	// warning, when it does not answer in time.
	count := func(name, help, what string, fn func(context.Context) (int, error)) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help + " NaN when the database did not answer."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), sessionCountTimeout)
			defer cancel()
			n, err := fn(ctx)
			if err != nil {
				logger.Warn("metrics: counting "+what, "error", err.Error())
				return math.NaN()
			}
			return float64(n)
		})
	}
	cs := []prometheus.Collector{m.requests, m.apptivo, m.saves, m.undos,
		count("desk_sessions", "Session records the desk keeps: live sign-ins, and ended ones remembered for their grace window.", "sessions", src.Sessions)}
	if src.SignedIn != nil {
		cs = append(cs, count("desk_signed_in_sessions", "Live sign-ins: sessions signed in whose idle and absolute limits have not passed.", "sign-ins", src.SignedIn))
	}
	if src.Pools != nil {
		cs = append(cs, newPoolCollector(src.Pools))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveApptivo records one HTTP attempt to Apptivo: an apptivo.Observer
// (main passes it to apptivo.WithObserver).
func (m *Metrics) ObserveApptivo(action, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.apptivo.WithLabelValues(action, outcome).Observe(d.Seconds())
}

// observeRequests observes every request's duration by route name and status
// class. It runs before routing (as Pre middleware), so answers made
// before routing (the canonical-id redirect) are counted too, as
// "unmatched", and reads the route after the chain ran.
// Errors are handled here, so the status is the one sent.
func (m *Metrics) observeRequests(e *echo.Echo) echo.MiddlewareFunc {
	// Read on the first request, when every route is registered.
	names := sync.OnceValue(func() map[string]string { return routeNames(e) })
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			route, ok := names()[c.Request().Method+" "+c.Path()]
			if !ok {
				route = "unmatched"
			}
			m.requests.WithLabelValues(route, statusClass(c.Response().Status)).Observe(time.Since(start).Seconds())
			return nil
		}
	}
}

// routeNames maps "METHOD pattern" to each route's name. The patterns of
// Echo's not-found routes (a group's catch-all) have no entry: a request
// they answer is "unmatched".
func routeNames(e *echo.Echo) map[string]string {
	names := map[string]string{}
	for _, r := range e.Routes() {
		if r.Method != echo.RouteNotFound && r.Name != "" {
			names[r.Method+" "+r.Path] = r.Name
		}
	}
	return names
}

// statusClass is "2xx" for 200 and so on.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// countSave counts one save by its outcome.
func (m *Metrics) countSave(res saveResult) {
	if m == nil {
		return
	}
	m.saves.WithLabelValues(saveOutcome(res)).Inc()
}

// countUndo counts one undo (or, undoing an undo, a redo) by its outcome.
func (m *Metrics) countUndo(redo bool, res saveResult) {
	if m == nil {
		return
	}
	kind := "undo"
	if redo {
		kind = "redo"
	}
	m.undos.WithLabelValues(kind, saveOutcome(res)).Inc()
}

// saveOutcome is a save's outcome label. A failed update is refused or
// unknown as the change history records it (failedOutcome), so these counts
// match the history's; Apptivo trouble before the update (the fresh read)
// sent nothing: failed.
func saveOutcome(res saveResult) string {
	switch res.outcome {
	case outcomeSaved:
		return "saved"
	case outcomeConflict:
		return "conflict"
	case outcomeUnchanged:
		return "no_change"
	case outcomeInvalid:
		return "invalid"
	case outcomeBusy:
		return "busy"
	case outcomeUnrecorded:
		return "unrecorded"
	case outcomeNoDatabase:
		return "no_database"
	}
	var ae *apptivo.Error
	if errors.As(res.err, &ae) && ae.Action == "update" {
		o, _ := failedOutcome(res.err)
		return string(o)
	}
	return "failed"
}

// poolCollector reads a store's connection pools when scraped.
type poolCollector struct {
	pools                      store.Pools
	maxOpen, open, inUse, idle *prometheus.Desc
	waits, waitSeconds         *prometheus.Desc
}

func newPoolCollector(p store.Pools) *poolCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("desk_db_pool_"+name, help, []string{"pool"}, nil)
	}
	return &poolCollector{
		pools:       p,
		maxOpen:     desc("max_connections", "Most connections the pool may open (0: no limit)."),
		open:        desc("open_connections", "Connections open, in use or idle."),
		inUse:       desc("in_use_connections", "Connections lent out."),
		idle:        desc("idle_connections", "Connections waiting in the pool."),
		waits:       desc("waits_total", "Times a request for a connection had to wait."),
		waitSeconds: desc("wait_seconds_total", "Time spent waiting for a connection."),
	}
}

// Describe implements prometheus.Collector.
func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{p.maxOpen, p.open, p.inUse, p.idle, p.waits, p.waitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range p.pools.PoolStats() {
		ch <- prometheus.MustNewConstMetric(p.maxOpen, prometheus.GaugeValue, float64(s.MaxOpen), s.Pool)
		ch <- prometheus.MustNewConstMetric(p.open, prometheus.GaugeValue, float64(s.Open), s.Pool)
		ch <- prometheus.MustNewConstMetric(p.inUse, prometheus.GaugeValue, float64(s.InUse), s.Pool)
		ch <- prometheus.MustNewConstMetric(p.idle, prometheus.GaugeValue, float64(s.Idle), s.Pool)
		ch <- prometheus.MustNewConstMetric(p.waits, prometheus.CounterValue, float64(s.Waits), s.Pool)
		ch <- prometheus.MustNewConstMetric(p.waitSeconds, prometheus.CounterValue, s.WaitTime.Seconds(), s.Pool)
	}
}
