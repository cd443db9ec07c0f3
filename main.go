// Command desk serves the customer desk: a portal where sales staff sign in
// with their own Apptivo keys and edit customers' names and contact details.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/apptivo/apptivotest"
	"github.com/customerdesk/desk/handlers"
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

// config is every setting, read once at start.
type config struct {
	Addr            string
	ApptivoBaseURL  string
	ApptivoTimeout  time.Duration
	Demo            bool
	SessionKey      []byte
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	SecureCookies   bool
	DefaultRegion   string
	RequestTimeout  time.Duration
	LoginPerMinute  int
	LogLevel        slog.Level
	LogJSON         bool
	TrustedProxies  []*net.IPNet
}

// loadConfig reads the environment, with flags of the same meaning taking
// precedence. Any invalid value stops the start with a message naming it.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("desk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("ADDR", "127.0.0.1:8080"), "listen address (ADDR)")
	base := fs.String("apptivo-base-url", env("APPTIVO_BASE_URL", apptivo.DefaultBaseURL), "Apptivo API host (APPTIVO_BASE_URL)")
	demo := fs.String("demo", env("APPTIVO_DEMO", "0"), "1 = run on the built-in Apptivo simulator (APPTIVO_DEMO)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	var cfg config
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }

	cfg.Addr = *addr
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		bad("ADDR", err)
	}
	cfg.ApptivoBaseURL = *base
	var err error
	if cfg.Demo, err = parseBool(*demo); err != nil {
		bad("APPTIVO_DEMO", err)
	}
	dur := func(name, def string, min, max time.Duration) time.Duration {
		d, err := time.ParseDuration(env(name, def))
		if err == nil && (d < min || d > max) {
			err = fmt.Errorf("must be between %s and %s", min, max)
		}
		if err != nil {
			bad(name, err)
		}
		return d
	}
	cfg.IdleTimeout = dur("SESSION_IDLE_TIMEOUT", "30m", time.Minute, 24*time.Hour)
	cfg.AbsoluteTimeout = dur("SESSION_MAX_AGE", "8h", time.Minute, 7*24*time.Hour)
	if cfg.IdleTimeout > cfg.AbsoluteTimeout {
		bad("SESSION_IDLE_TIMEOUT", errors.New("must not exceed SESSION_MAX_AGE"))
	}
	cfg.RequestTimeout = dur("REQUEST_TIMEOUT", "45s", time.Second, 10*time.Minute)
	cfg.ApptivoTimeout = dur("APPTIVO_TIMEOUT", "30s", time.Second, 10*time.Minute)
	if cfg.SecureCookies, err = parseBool(env("COOKIE_SECURE", "0")); err != nil {
		bad("COOKIE_SECURE", err)
	}
	cfg.DefaultRegion = strings.ToUpper(env("DEFAULT_PHONE_REGION", "US"))
	if len(cfg.DefaultRegion) != 2 {
		bad("DEFAULT_PHONE_REGION", errors.New("must be a two-letter country code such as US or GB"))
	}
	if cfg.LoginPerMinute, err = strconv.Atoi(env("LOGIN_ATTEMPTS_PER_MINUTE", "10")); err != nil || cfg.LoginPerMinute < 1 {
		bad("LOGIN_ATTEMPTS_PER_MINUTE", errors.New("must be a whole number of at least 1"))
	}
	if key := env("SESSION_KEY", ""); key != "" {
		if cfg.SessionKey, err = decodeKey(key); err != nil {
			bad("SESSION_KEY", err)
		}
	} else {
		// Sessions live in memory, so a key made at start loses nothing.
		cfg.SessionKey = make([]byte, 32)
		_, _ = rand.Read(cfg.SessionKey)
	}
	for _, cidr := range strings.FieldsFunc(env("TRUSTED_PROXIES", ""), func(r rune) bool { return r == ',' || r == ' ' }) {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			bad("TRUSTED_PROXIES", fmt.Errorf("%q is not an address range; write one proxy as 192.0.2.10/32", cidr))
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, n)
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		bad("LOG_LEVEL", err)
	}
	switch f := env("LOG_FORMAT", "text"); f {
	case "text", "json":
		cfg.LogJSON = f == "json"
	default:
		bad("LOG_FORMAT", errors.New("must be text or json"))
	}
	return cfg, errors.Join(errs...)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not 0 or 1", s)
}

// decodeKey accepts a hex or base64 key of at least 32 bytes. Its value never
// appears in an error.
func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) >= 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) >= 32 {
			return b, nil
		}
	}
	return nil, errors.New("must be at least 32 random bytes, hex or base64 encoded (e.g. openssl rand -hex 32)")
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

	settings := handlers.Settings{
		ApptivoBaseURL: cfg.ApptivoBaseURL, ApptivoTimeout: cfg.ApptivoTimeout,
		SessionKey: cfg.SessionKey, IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout,
		SecureCookies: cfg.SecureCookies, DefaultRegion: cfg.DefaultRegion, RequestTimeout: cfg.RequestTimeout,
		LoginPerMinute: cfg.LoginPerMinute, Logger: logger, TrustedProxies: cfg.TrustedProxies,
	}
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
		settings.ApptivoBaseURL = "http://" + simLn.Addr().String()
		settings.Demo = true
		settings.DemoKeys = &views.DemoKeys{APIKey: apptivotest.DemoKeys.APIKey, AccessKey: apptivotest.DemoKeys.AccessKey}
	}
	built, err := handlers.Build(settings)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR: %w", err)
	}
	srv := &http.Server{
		Handler:           built.Echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	servers = append([]*http.Server{srv}, servers...)
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
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
