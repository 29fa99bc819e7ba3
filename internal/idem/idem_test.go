package idem_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/gridgov/gridgov/internal/idem"
)

func TestFingerprintIgnoresOrderAndLayout(t *testing.T) {
	t.Parallel()
	a, _ := url.ParseQuery("b=2&a=1&c=x&c=y")
	b, _ := url.ParseQuery("c=x&a=1&b=2&c=y")
	if idem.Fingerprint(a) != idem.Fingerprint(b) {
		t.Fatal("form fields in another order")
	}
	c, _ := url.ParseQuery("c=y&a=1&b=2&c=x")
	if idem.Fingerprint(a) == idem.Fingerprint(c) {
		t.Fatal("the order of one field's values is part of the request")
	}
	type report struct {
		Z     string            `json:"z"`
		A     float64           `json:"a"`
		Attrs map[string]string `json:"attrs"`
	}
	var x, y report
	json.Unmarshal([]byte(`{"z":"s","a":1.50,"attrs":{"q":"1","p":"2"}}`), &x)
	json.Unmarshal([]byte("{\n \"attrs\": {\"p\": \"2\", \"q\": \"1\"},\n \"a\": 1.5, \"z\": \"s\"\n}"), &y)
	if idem.Fingerprint(x) != idem.Fingerprint(y) {
		t.Fatal("JSON in another order or layout")
	}
	y.A = 1.25
	if idem.Fingerprint(x) == idem.Fingerprint(y) {
		t.Fatal("another value, same fingerprint")
	}
}
