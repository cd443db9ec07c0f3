package handlers

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/customerdesk/desk/apptivo"
	"github.com/customerdesk/desk/auth"
	"github.com/customerdesk/desk/static"
	"github.com/customerdesk/desk/views"
)

// Settings are the plain values the desk is configured with. main fills
// them from the environment; tests fill them directly. Build turns them into
// the one production router, so tests exercise exactly what runs.
type Settings struct {
	ApptivoBaseURL  string
	ApptivoTimeout  time.Duration
	SessionKey      []byte // >= 32 bytes
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	SecureCookies   bool // mark cookies Secure even on plain HTTP (behind a TLS proxy)
	DefaultRegion   string
	RequestTimeout  time.Duration
	LoginPerMinute  int
	Demo            bool
	DemoKeys        *views.DemoKeys
	Logger          *slog.Logger
	Now             func() time.Time // session clock; nil means time.Now
	TrustedProxies  []*net.IPNet
	MaxSessions     int // sessions kept at most; 0 means auth's default
}

// Built is the assembled desk.
type Built struct {
	Echo     *echo.Echo
	Sessions *auth.Manager
}

// Build assembles the Apptivo client, the session manager, the assets and
// the router.
func Build(s Settings) (*Built, error) {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	hc := apptivo.DefaultHTTPClient()
	if s.ApptivoTimeout > 0 {
		hc.Timeout = s.ApptivoTimeout
	}
	client, err := apptivo.NewClient(apptivo.WithBaseURL(s.ApptivoBaseURL), apptivo.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("APPTIVO_BASE_URL: %w", err)
	}
	sessions, err := auth.NewManager(auth.Config{
		SessionKey:      s.SessionKey,
		IdleTimeout:     s.IdleTimeout,
		AbsoluteTimeout: s.AbsoluteTimeout,
		SecureAlways:    s.SecureCookies,
		MaxSessions:     s.MaxSessions,
		Now:             s.Now,
		Logger:          s.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("session settings: %w", err)
	}
	assets, err := static.Load()
	if err != nil {
		return nil, err
	}
	loginRate := rate.Limit(0)
	if s.LoginPerMinute > 0 {
		loginRate = rate.Limit(float64(s.LoginPerMinute) / 60)
	}
	e, err := New(Config{
		Apptivo: client, Sessions: sessions, Assets: assets, Logger: s.Logger,
		Demo: s.Demo, DemoKeys: s.DemoKeys, DefaultRegion: s.DefaultRegion,
		RequestTimeout: s.RequestTimeout, LoginRate: loginRate, LoginBurst: s.LoginPerMinute,
		TrustedProxies: s.TrustedProxies, HTTPSOnly: s.SecureCookies,
	})
	if err != nil {
		return nil, err
	}
	return &Built{Echo: e, Sessions: sessions}, nil
}
