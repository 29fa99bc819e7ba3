package config

import "testing"

// The public URL comes from configuration only: GRIDGOV_PUBLIC_URL, else the
// listen address; anything but an http(s) URL is refused at start.
func TestPublicBaseURL(t *testing.T) {
	cases := []struct {
		addr, public, want string
		ok                 bool
	}{
		{"127.0.0.1:8080", "", "http://127.0.0.1:8080", true},
		{":9000", "", "http://127.0.0.1:9000", true},
		{"127.0.0.1:8080", "https://zz.example.gov.cn/", "https://zz.example.gov.cn", true},
		{"127.0.0.1:8080", "https://example.gov.cn/gridgov", "https://example.gov.cn/gridgov", true},
		{"127.0.0.1:8080", "zz.example.gov.cn", "", false},
		{"127.0.0.1:8080", "ftp://zz.example.gov.cn", "", false},
		{"127.0.0.1:8080", "https://zz.example.gov.cn/?a=b", "", false},
	}
	for _, c := range cases {
		got, err := Config{Addr: c.addr, PublicURL: c.public}.PublicBaseURL()
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("addr %q public %q: %q, %v", c.addr, c.public, got, err)
		}
	}
}
