package handlers

import (
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// clientIP is the address the sign-in limit and the logs see. Without
// trusted proxies it is the socket's peer. With them, X-Forwarded-For is read
// from the right (each proxy appends the peer it got the request from): the
// first address that is not a listed proxy is the client. Where no such
// address exists — every one is listed, or an entry a listed proxy would never
// write is not an address — the socket's peer is used, so nothing a client
// wrote can win. (Echo's ExtractIPFromXFFHeader returns the leftmost,
// client-written entry when every address is trusted.)
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	isProxy := func(ip net.IP) bool { return inRanges(trusted, ip) }
	return func(r *http.Request) string {
		direct := directIP(r)
		if ip := net.ParseIP(direct); ip == nil || !isProxy(ip) {
			return direct
		}
		hops := strings.Split(strings.Join(r.Header.Values(echo.HeaderXForwardedFor), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(hops[i]), "["), "]")
			ip := net.ParseIP(hop)
			if ip == nil {
				break
			}
			if !isProxy(ip) {
				return ip.String()
			}
		}
		return direct
	}
}

func directIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// warnWideProxyRanges logs each listed range that holds more than a handful
// of machines: anyone inside a listed range can put any client address in
// X-Forwarded-For, and so escape the sign-in limit.
func warnWideProxyRanges(log *slog.Logger, trusted []*net.IPNet) {
	const maxHostBits = 4 // 16 addresses: a pool of proxies, not a network of people
	for _, n := range trusted {
		ones, bits := n.Mask.Size()
		if bits-ones > maxHostBits {
			log.Warn("TRUSTED_PROXIES lists a wide range: every machine in it may claim any client address, "+
				"and so escape the sign-in limit. List only the proxies' own addresses.", "range", n.String())
		}
	}
}

func inRanges(ranges []*net.IPNet, ip net.IP) bool {
	for _, n := range ranges {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether the request came straight from one of the
// trusted proxies (its socket peer is one).
func (a *app) fromTrustedProxy(r *http.Request) bool {
	ip := net.ParseIP(directIP(r))
	return ip != nil && inRanges(a.cfg.TrustedProxies, ip)
}
