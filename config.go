package main

import (
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
)

// config is every setting of the desk: the one configuration type, read
// once at start and handed to the constructors main calls. Its defaults are
// in defaultConfig and nowhere else.
type config struct {
	Addr           string
	ApptivoBaseURL string
	ApptivoTimeout time.Duration // cap on one Apptivo call
	Demo           bool
	DataDir        string // the SQLite file and the generated session key live here
	// DatabaseURL, when set, is the PostgreSQL database several desks
	// share (sessions, history, save locks) instead of DataDir's file. It
	// may hold a password: it is never logged nor put in an error.
	DatabaseURL     string
	SessionKey      []byte // from SESSION_KEY; nil means DataDir's session.key (see sessionKey)
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	SecureCookies   bool
	DefaultRegion   string
	RequestTimeout  time.Duration
	LoginPerMinute  int
	LogLevel        slog.Level
	LogJSON         bool
	TrustedProxies  []*net.IPNet
	// AuthEmailHeader names the header in which a company sign-in proxy
	// (one of TrustedProxies) says who the person is; "" for none.
	AuthEmailHeader string
	// HistoryRetention is how long change history is kept; 0 keeps it
	// forever.
	HistoryRetention time.Duration
	// SnapshotLife is how long a record as read serves Edit and Cancel
	// without another Apptivo read; 0 turns the snapshots off.
	SnapshotLife time.Duration
	// MetricsAddr is where /metrics is served, apart from Addr; "" for
	// nowhere.
	MetricsAddr string

	// Not read from the environment; here so every value has one home.
	ConfigTTL  time.Duration // how long Apptivo's type lists are cached per key pair
	BodyLimit  string        // largest request body
	PageSize   int           // search results per page
	SweepEvery time.Duration // how often expired sessions (and history past retention) are deleted
	// What the snapshots may hold, in all and per person: a person's
	// bound keeps a signed-in session's memory under 20 KB.
	SnapshotBytes, SnapshotBytesPerPerson int
}

// defaultConfig is every setting's default.
func defaultConfig() config {
	return config{
		Addr:            "127.0.0.1:8080",
		ApptivoBaseURL:  apptivo.DefaultBaseURL,
		ApptivoTimeout:  30 * time.Second,
		DataDir:         "./data",
		IdleTimeout:     auth.DefaultIdleTimeout,
		AbsoluteTimeout: auth.DefaultAbsoluteTimeout,
		DefaultRegion:   "US",
		RequestTimeout:  45 * time.Second,
		LoginPerMinute:  10,
		LogLevel:        slog.LevelInfo,
		ConfigTTL:       30 * time.Minute,
		BodyLimit:       "256K",
		PageSize:        25,
		SweepEvery:      10 * time.Minute,
		SnapshotLife:    time.Minute,

		SnapshotBytes:          32 << 20,
		SnapshotBytesPerPerson: 16 << 10,
	}
}

// loadConfig reads the environment over the defaults, with flags of the
// same meaning taking precedence. Any invalid value stops the start with a
// message naming it.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := defaultConfig()
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var errs []error
	bad := func(name string, err error) { errs = append(errs, fmt.Errorf("%s: %w", name, err)) }

	fs := flag.NewFlagSet("desk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", cmp.Or(env("ADDR"), cfg.Addr), "listen address (ADDR)")
	base := fs.String("apptivo-base-url", cmp.Or(env("APPTIVO_BASE_URL"), cfg.ApptivoBaseURL), "Apptivo API host (APPTIVO_BASE_URL)")
	demo := fs.String("demo", cmp.Or(env("APPTIVO_DEMO"), "0"), "1 = run on the built-in Apptivo simulator (APPTIVO_DEMO)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cfg.Addr, cfg.ApptivoBaseURL = *addr, *base
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		bad("ADDR", err)
	}
	var err error
	if cfg.Demo, err = parseBool(*demo); err != nil {
		bad("APPTIVO_DEMO", err)
	}
	dur := func(name string, into *time.Duration, min, max time.Duration) {
		v := env(name)
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err == nil && (d < min || d > max) {
			err = fmt.Errorf("must be between %s and %s", min, max)
		}
		if err != nil {
			bad(name, err)
			return
		}
		*into = d
	}
	dur("SESSION_IDLE_TIMEOUT", &cfg.IdleTimeout, time.Minute, 24*time.Hour)
	dur("SESSION_MAX_AGE", &cfg.AbsoluteTimeout, time.Minute, 7*24*time.Hour)
	if cfg.IdleTimeout > cfg.AbsoluteTimeout {
		bad("SESSION_IDLE_TIMEOUT", errors.New("must not exceed SESSION_MAX_AGE"))
	}
	dur("REQUEST_TIMEOUT", &cfg.RequestTimeout, time.Second, 10*time.Minute)
	dur("APPTIVO_TIMEOUT", &cfg.ApptivoTimeout, time.Second, 10*time.Minute)
	dur("SNAPSHOT_LIFE", &cfg.SnapshotLife, 0, 10*time.Minute)
	if cfg.SecureCookies, err = parseBool(env("COOKIE_SECURE")); err != nil {
		bad("COOKIE_SECURE", err)
	}
	if v := env("DEFAULT_PHONE_REGION"); v != "" {
		cfg.DefaultRegion = strings.ToUpper(v)
		if len(cfg.DefaultRegion) != 2 {
			bad("DEFAULT_PHONE_REGION", errors.New("must be a two-letter country code such as US or GB"))
		}
	}
	if v := env("LOGIN_ATTEMPTS_PER_MINUTE"); v != "" {
		if cfg.LoginPerMinute, err = strconv.Atoi(v); err != nil || cfg.LoginPerMinute < 1 {
			bad("LOGIN_ATTEMPTS_PER_MINUTE", errors.New("must be a whole number of at least 1"))
		}
	}
	cfg.DataDir = cmp.Or(env("DATA_DIR"), cfg.DataDir)
	if strings.ContainsRune(cfg.DataDir, '?') {
		bad("DATA_DIR", errors.New("must be a directory path without '?'"))
	}
	// Without SESSION_KEY the key is DATA_DIR's (see sessionKey): sessions
	// outlive a restart only if the key does.
	if key := env("SESSION_KEY"); key != "" {
		if cfg.SessionKey, err = decodeKey(key); err != nil {
			bad("SESSION_KEY", err)
		}
	}
	if cfg.DatabaseURL = env("DATABASE_URL"); cfg.DatabaseURL != "" {
		if err := checkDatabaseURL(cfg.DatabaseURL); err != nil {
			bad("DATABASE_URL", err)
		}
		// Every desk on the database must read every other's cookies and
		// sealed keys: one key for all, never one made per DATA_DIR.
		if env("SESSION_KEY") == "" {
			bad("SESSION_KEY", errors.New("must be set when DATABASE_URL is: every desk on the database needs the same key (e.g. openssl rand -hex 32)"))
		}
	}
	if v := env("HISTORY_RETENTION"); v != "" && v != "0" {
		d, err := time.ParseDuration(v)
		if err == nil && d != 0 && d < 24*time.Hour {
			err = errors.New("must be 0 (keep forever) or at least 24h, e.g. 2160h for 90 days")
		}
		if err != nil {
			bad("HISTORY_RETENTION", err)
		} else {
			cfg.HistoryRetention = d
		}
	}
	for _, cidr := range strings.FieldsFunc(env("TRUSTED_PROXIES"), func(r rune) bool { return r == ',' || r == ' ' }) {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			bad("TRUSTED_PROXIES", fmt.Errorf("%q is not an address range; write one proxy as 192.0.2.10/32", cidr))
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, n)
	}
	if cfg.AuthEmailHeader = env("AUTH_EMAIL_HEADER"); cfg.AuthEmailHeader != "" {
		switch {
		case len(cfg.TrustedProxies) == 0:
			bad("AUTH_EMAIL_HEADER", errors.New("needs TRUSTED_PROXIES: the header is believed only from the proxies listed there"))
		case !validHeaderName(cfg.AuthEmailHeader):
			bad("AUTH_EMAIL_HEADER", fmt.Errorf("%q is not a header name like X-Forwarded-Email", cfg.AuthEmailHeader))
		}
	}
	if cfg.MetricsAddr = env("METRICS_ADDR"); cfg.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.MetricsAddr); err != nil {
			bad("METRICS_ADDR", err)
		}
	}
	if v := env("LOG_LEVEL"); v != "" {
		if err := cfg.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad("LOG_LEVEL", err)
		}
	}
	switch f := cmp.Or(env("LOG_FORMAT"), "text"); f {
	case "text", "json":
		cfg.LogJSON = f == "json"
	default:
		bad("LOG_FORMAT", errors.New("must be text or json"))
	}
	return cfg, errors.Join(errs...)
}

// checkDatabaseURL accepts a postgres:// or postgresql:// URL naming a
// host. Its errors never repeat the URL, which may hold a password.
func checkDatabaseURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("is not a URL like postgres://desk:PASSWORD@db.example.com:5432/desk")
	case u.Scheme != "postgres" && u.Scheme != "postgresql":
		return errors.New("must start with postgres:// or postgresql://")
	case u.Host == "" && u.Query().Get("host") == "":
		return errors.New("must name the database server, e.g. postgres://desk:PASSWORD@db.example.com:5432/desk")
	}
	return nil
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

// validHeaderName reports whether s can name an HTTP header.
func validHeaderName(s string) bool {
	for _, r := range s {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}
