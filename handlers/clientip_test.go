package handlers

import (
	"net"
	"net/http/httptest"
	"testing"
)

func TestClientIPIsTheRightmostAddressNotAProxy(t *testing.T) {
	var proxies []*net.IPNet
	for _, cidr := range []string{"192.0.2.10/32", "192.0.2.11/32", "2001:db8::10/128"} {
		_, n, _ := net.ParseCIDR(cidr)
		proxies = append(proxies, n)
	}
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy in front", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"one proxy", "192.0.2.10:4000", []string{"203.0.113.5"}, "203.0.113.5"},
		{"forged entries left of the client", "192.0.2.10:4000", []string{"1.1.1.1, 203.0.113.5"}, "203.0.113.5"},
		{"two proxies, two header lines", "192.0.2.10:4000", []string{"6.6.6.6, 203.0.113.5", "192.0.2.11"}, "203.0.113.5"},
		{"ipv6 in brackets", "[2001:db8::10]:4000", []string{"[2001:db8::99]"}, "2001:db8::99"},
		{"proxy without header", "192.0.2.10:4000", nil, "192.0.2.10"},
		{"every address a proxy", "192.0.2.10:4000", []string{"192.0.2.11"}, "192.0.2.10"},
		{"forged entry left of proxies only", "192.0.2.10:4000", []string{"192.0.2.11, 192.0.2.10"}, "192.0.2.10"},
		{"not an address", "192.0.2.10:4000", []string{"203.0.113.5, garbage"}, "192.0.2.10"},
		{"address with a port", "192.0.2.10:4000", []string{"203.0.113.5:99"}, "192.0.2.10"},
	}
	extract := clientIP(proxies)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := extract(r); got != tt.want {
				t.Errorf("client = %q, want %q", got, tt.want)
			}
		})
	}
	if got := clientIP(nil)(httptest.NewRequest("GET", "/", nil)); got != "192.0.2.1" {
		t.Errorf("without proxies: %q, want the socket address", got)
	}
}

// The sign-in limit counts an IPv4 client by its address and an IPv6 one by
// its /64. (That the counts are bounded is the store's: see its "sign-ins"
// suite.)
func TestSignInClientKeys(t *testing.T) {
	if clientKey("2001:db8:1:2::1") != clientKey("2001:db8:1:2:ffff::9") || clientKey("2001:db8:1:3::1") == clientKey("2001:db8:1:2::1") {
		t.Error("IPv6 clients are counted by /64")
	}
	if clientKey("192.0.2.7") != "192.0.2.7" {
		t.Error("IPv4 clients are counted by address")
	}
}
