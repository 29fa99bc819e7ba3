package httpx_test

import (
	"net/http/httptest"
	"testing"

	"github.com/gridgov/gridgov/internal/httpx"
)

func TestClientIP(t *testing.T) {
	trusted, err := httpx.ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.1 ,::1")
	if err != nil || len(trusted) != 3 {
		t.Fatalf("parse: %v %v", trusted, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "1.2.3"} {
		if _, err := httpx.ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, c := range []struct{ peer, xff, want string }{
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5"},                   // untrusted peer: header ignored
		{"192.0.2.1:4000", "198.51.100.1", "198.51.100.1"},                    // trusted peer
		{"192.0.2.1:4000", "6.6.6.6, 198.51.100.1, 10.0.0.7", "198.51.100.1"}, // rightmost untrusted hop
		{"192.0.2.1:4000", "", "192.0.2.1"},                                   // no header
		{"192.0.2.1:4000", "10.0.0.2, 10.0.0.3", "192.0.2.1"},                 // only proxies
		{"192.0.2.1:4000", "junk, 10.0.0.3", "192.0.2.1"},                     // a hop no proxy wrote
		{"[::1]:4000", "2001:db8::7", "2001:db8::7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := httpx.ClientIP(r, trusted); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
