package i18n

import (
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func TestLanguagesHaveTheSameKeys(t *testing.T) {
	zh, en := Messages("zh-CN"), Messages("en")
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %q", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-CN lacks %q", k)
		}
	}
}

// Every error code the Go code can return has a message in both languages.
func TestEveryErrorCodeIsTranslated(t *testing.T) {
	out, err := exec.Command("grep", "-rhoE", `(apperr\.(E|Field)\([^,]*, *"|apperr\.Field\("|\.Add\("[^"]*", *")[a-z_0-9.]+"`,
		"--include=*.go", "..").Output()
	if err != nil {
		t.Skip("grep unavailable:", err)
	}
	code := regexp.MustCompile(`"([a-z_0-9.]+)"$`)
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		m := code.FindStringSubmatch(line)
		if m == nil || strings.HasSuffix(m[1], ".") {
			continue
		}
		n++
		if _, ok := Messages("zh-CN")[m[1]]; !ok {
			t.Errorf("no message for error code %q", m[1])
		}
	}
	if n < 30 {
		t.Fatalf("found only %d error codes: the scan is broken", n)
	}
}

func TestTranslateAndNegotiate(t *testing.T) {
	if got := T("zh-CN", "org.code_format", map[string]any{"kind": "town", "digits": 9}); got != "乡镇（街道）代码须为 9 位数字。" {
		t.Errorf("zh: %q", got)
	}
	if got := T("en", "no.such.key", nil); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "en-US,en;q=0.9,zh-CN;q=0.8")
	if Lang(r) != "en" {
		t.Error("Accept-Language en not chosen")
	}
	r = httptest.NewRequest("GET", "/?lang=zh", nil)
	r.Header.Set("Accept-Language", "en")
	if Lang(r) != "zh-CN" {
		t.Error("?lang= does not win")
	}
	if Lang(httptest.NewRequest("GET", "/", nil)) != "zh-CN" {
		t.Error("default is not zh-CN")
	}
}
