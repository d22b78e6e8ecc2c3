package app

import (
	"net/http"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/config"
)

// TestClientIPBelievesOnlyTrustedProxies: the address the limits count on,
// for each peer and header a request can come with.
func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	t.Parallel()
	proxies, err := config.ParseProxies("10.0.0.0/8, 192.0.2.7, 2001:db8:f::/48")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		trusted bool // with the proxies above; else none
		peer    string
		xff     []string
		realIP  string
		want    string
	}{
		{"no proxies: a forged X-Forwarded-For", false, "203.0.113.9:5000", []string{"198.51.100.1"}, "", "203.0.113.9"},
		{"no proxies: a forged X-Real-IP", false, "203.0.113.9:5000", nil, "198.51.100.1", "203.0.113.9"},
		{"no proxies: loopback and private peers are not proxies either", false, "127.0.0.1:5000", []string{"198.51.100.1"}, "", "127.0.0.1"},
		{"no proxies: a private peer", false, "10.1.2.3:5000", []string{"198.51.100.1"}, "", "10.1.2.3"},
		{"a trusted proxy's client", true, "10.1.2.3:5000", []string{"198.51.100.1"}, "", "198.51.100.1"},
		{"two trusted proxies", true, "192.0.2.7:5000", []string{"198.51.100.1, 10.4.4.4"}, "", "198.51.100.1"},
		{"a forged entry before the proxy's", true, "10.1.2.3:5000", []string{"192.0.2.200, 198.51.100.1"}, "", "198.51.100.1"},
		{"forged entries in several headers", true, "10.1.2.3:5000", []string{"192.0.2.200", "198.51.100.1"}, "", "198.51.100.1"},
		{"an untrusted peer's header", true, "203.0.113.9:5000", []string{"198.51.100.1"}, "", "203.0.113.9"},
		{"a private peer not listed", true, "172.16.0.1:5000", []string{"198.51.100.1"}, "", "172.16.0.1"},
		{"X-Real-IP even from a trusted proxy", true, "10.1.2.3:5000", nil, "198.51.100.1", "10.1.2.3"},
		{"garbage in the header", true, "10.1.2.3:5000", []string{"not-an-ip"}, "", "10.1.2.3"},
		{"IPv6 proxy and client", true, "[2001:db8:f::1]:5000", []string{"2001:db8:1::5"}, "", "2001:db8:1::5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p = proxies
			if !tc.trusted {
				p = nil
			}
			r, _ := http.NewRequest(http.MethodPost, "/login", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tc.realIP != "" {
				r.Header.Set("X-Real-IP", tc.realIP)
			}
			if got := clientIP(p)(r); got != tc.want {
				t.Fatalf("client %q, want %q", got, tc.want)
			}
		})
	}
}
