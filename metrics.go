package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/handlers"
	"github.com/customerdesk/desk/store"
)

// newMetrics makes the desk's one registry (never Prometheus's global
// default): the Go runtime and process collectors and the desk's own series
// (handlers.Metrics), which read the session count and, when the database
// has them, its connection pools from db.
func newMetrics(db store.DB, logger *slog.Logger) (*prometheus.Registry, *handlers.Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	src := handlers.MetricsSources{
		Sessions: sessionStore{db: db, now: time.Now}.Len,
		SignedIn: func(ctx context.Context) (int, error) {
			return db.CountSignedIn(ctx, time.Now().Add(auth.DefaultGrace))
		},
	}
	if p, ok := db.(store.Pools); ok {
		src.Pools = p
	} else {
		logger.Info("metrics: this database shows no connection pools", "database", fmt.Sprintf("%T", db))
	}
	m, err := handlers.NewMetrics(reg, src, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	return reg, m, nil
}

// serveMetrics serves reg at /metrics on addr (METRICS_ADDR), a listener of
// its own: nothing else is there, and the desk's own port never serves it.
func serveMetrics(addr string, reg *prometheus.Registry, logs slog.Handler, stdout io.Writer) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR: %w", err)
	}
	errLog := slog.NewLogLogger(logs, slog.LevelWarn)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: errLog, ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second,
	}))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          errLog,
	}
	fmt.Fprintf(stdout, "Metrics on http://%s/metrics\n", ln.Addr())
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}
