// Command desk serves the customer desk: a portal where sales staff sign in
// with their own Apptivo keys and edit customers' names and contact details.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/handlers"
	"github.com/customerdesk/desk/static"
	"github.com/customerdesk/desk/store"
	"github.com/customerdesk/desk/views"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "desk:", err)
		os.Exit(1)
	}
}

// desk is everything build makes.
type desk struct {
	router  *echo.Echo
	apptivo *apptivo.Client
	metrics *prometheus.Registry // served on METRICS_ADDR (metrics.go)
}

// build makes every dependency of the desk from the configuration and the
// opened database, and the router on top of them.
func build(cfg config, db store.DB, logger *slog.Logger) (*desk, error) {
	registry, metrics, err := newMetrics(db, logger)
	if err != nil {
		return nil, err
	}
	client, err := apptivo.NewClient(apptivo.WithBaseURL(cfg.ApptivoBaseURL), apptivo.WithTimeout(cfg.ApptivoTimeout),
		apptivo.WithObserver(metrics.ObserveApptivo))
	if err != nil {
		return nil, fmt.Errorf("APPTIVO_BASE_URL: %w", err)
	}
	sessions, err := auth.NewManager(auth.Config{
		SessionKey:      cfg.SessionKey,
		IdleTimeout:     cfg.IdleTimeout,
		AbsoluteTimeout: cfg.AbsoluteTimeout,
		SecureAlways:    cfg.SecureCookies,
		Store:           sessionStore{db: db, now: time.Now},
		Logger:          logger,
	})
	if err != nil {
		return nil, fmt.Errorf("session settings: %w", err)
	}
	assets, err := static.Load()
	if err != nil {
		return nil, err
	}
	var demoKeys *views.DemoKeys
	if cfg.Demo {
		demoKeys = &views.DemoKeys{APIKey: apptivotest.DemoKeys.APIKey, AccessKey: apptivotest.DemoKeys.AccessKey}
	}
	router, err := handlers.New(handlers.Config{
		Apptivo: client, Sessions: sessions, Assets: assets, Logger: logger, DB: db, Now: time.Now,
		AuthEmailHeader: cfg.AuthEmailHeader,
		Demo:            cfg.Demo, DemoKeys: demoKeys, DefaultRegion: cfg.DefaultRegion, RequestTimeout: cfg.RequestTimeout,
		ConfigTTL: cfg.ConfigTTL, LoginPerMinute: cfg.LoginPerMinute, BodyLimit: cfg.BodyLimit, PageSize: cfg.PageSize,
		SnapshotLife: cfg.SnapshotLife, SnapshotBytes: cfg.SnapshotBytes, SnapshotBytesPerPerson: cfg.SnapshotBytesPerPerson,
		HTTPSOnly: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxies, Metrics: metrics,
	})
	if err != nil {
		return nil, err
	}
	return &desk{router: router, apptivo: client, metrics: registry}, nil
}

// run starts the desk and blocks until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	var handler slog.Handler = slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel})
	if cfg.LogJSON {
		handler = slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel})
	}
	logger := slog.New(handler)

	if cfg.DatabaseURL == "" { // else nothing is kept on this machine: SESSION_KEY is set
		if err := prepareDataDir(cfg.DataDir); err != nil {
			return err
		}
		if cfg.SessionKey, err = sessionKey(cfg, logger); err != nil {
			return err
		}
	}
	db, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	// Closed last, after the servers have finished their requests: a save
	// in flight still records its history entry.
	defer func() {
		if err := db.Close(); err != nil {
			logger.Warn("closing the database failed", "err", err)
		}
	}()
	stopSweeper := startSweeper(db, cfg, logger)
	defer stopSweeper() // before db.Close

	var servers []*http.Server
	if cfg.Demo {
		sim := apptivotest.New()
		simLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("starting the demo simulator: %w", err)
		}
		simSrv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = simSrv.Serve(simLn) }()
		defer sim.Close()
		servers = append(servers, simSrv)
		cfg.ApptivoBaseURL = "http://" + simLn.Addr().String()
	}
	d, err := build(cfg, db, logger)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           d.router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	servers = append([]*http.Server{srv}, servers...)
	if cfg.MetricsAddr != "" {
		metricsSrv, err := serveMetrics(cfg.MetricsAddr, d.metrics, handler, stdout)
		if err != nil {
			ln.Close()
			return err
		}
		servers = append(servers, metricsSrv)
	}
	mode := "Apptivo at " + cfg.ApptivoBaseURL
	if cfg.Demo {
		mode = "demo mode on the built-in Apptivo simulator; sign in with API key " + apptivotest.DemoKeys.APIKey +
			" and access key " + apptivotest.DemoKeys.AccessKey
	}
	fmt.Fprintf(stdout, "Customer desk on http://%s (%s)\n", ln.Addr(), mode)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	// No new connections from here on (a load balancer's /readyz fails
	// too); requests in flight finish, each within REQUEST_TIMEOUT, so a
	// save that reached Apptivo is answered and recorded.
	logger.Info("shutting down: finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout+5*time.Second)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
