package config

import (
	"strings"
	"testing"
)

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

func TestPhotoQuotaAndMetricsToken(t *testing.T) {
	for v, want := range map[string]int64{"": 0, "1": 1 << 20, "200": 200 << 20} {
		if got, err := (Config{PhotoQuotaMB: v}).PhotoQuota(); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", v, got, err, want)
		}
	}
	for _, v := range []string{"0", "-5", "2GB", "1048577"} {
		if _, err := (Config{PhotoQuotaMB: v}).PhotoQuota(); err == nil || !strings.Contains(err.Error(), "GRIDGOV_PHOTO_QUOTA_MB") {
			t.Errorf("%q accepted: %v", v, err)
		}
	}
	if err := (Config{MetricsToken: "short"}).CheckMetrics(); err == nil {
		t.Error("a 5-character metrics token accepted")
	}
	if err := (Config{MetricsToken: "0123456789abcdef"}).CheckMetrics(); err != nil {
		t.Error(err)
	}
	var b strings.Builder
	Config{MetricsToken: "0123456789abcdef-secret"}.Dump(&b)
	if strings.Contains(b.String(), "0123456789abcdef") || !strings.Contains(b.String(), "GRIDGOV_METRICS_TOKEN=****cret") {
		t.Errorf("dump shows the metrics token:\n%s", b.String())
	}
}
