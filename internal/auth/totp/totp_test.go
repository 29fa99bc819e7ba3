package totp

import (
	"encoding/base32"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the RFC 6238 / RFC 4226 SHA1 test key "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestRFC6238Vectors(t *testing.T) {
	// RFC 6238 Appendix B, SHA1 column; the RFC gives 8 digits, the
	// 6-digit code is the last 6 of them.
	tests := []struct {
		unix   int64
		step   int64
		eight  string
		expect string
	}{
		{59, 0x1, "94287082", "287082"},
		{1111111109, 0x23523EC, "07081804", "081804"},
		{1111111111, 0x23523ED, "14050471", "050471"},
		{1234567890, 0x273EF07, "89005924", "005924"},
		{2000000000, 0x3F940AA, "69279037", "279037"},
		{20000000000, 0x27BC86AA, "65353130", "353130"},
	}
	for _, tc := range tests {
		at := time.Unix(tc.unix, 0).UTC()
		if tc.expect != tc.eight[2:] {
			t.Fatalf("bad test table row %v", tc)
		}
		got, err := Code(rfcSecret, at)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.expect {
			t.Errorf("Code(t=%d) = %s, want %s", tc.unix, got, tc.expect)
		}
		step, ok := Verify(rfcSecret, tc.expect, at, 0)
		if !ok || step != tc.step {
			t.Errorf("Verify(t=%d) = %d, %v; want %d, true", tc.unix, step, ok, tc.step)
		}
	}
}

func TestRFC4226Vectors(t *testing.T) {
	// RFC 4226 Appendix D: HOTP values for counters 0..9.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := hotp([]byte("12345678901234567890"), uint64(i)); got != w {
			t.Errorf("hotp(%d) = %s, want %s", i, got, w)
		}
		// The same through the public API, at the start of step i.
		if got, _ := Code(rfcSecret, time.Unix(int64(i)*30, 0)); got != w {
			t.Errorf("Code(step %d) = %s, want %s", i, got, w)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	if len(a) != 32 || strings.ContainsAny(a, "=") || strings.ToUpper(a) != a {
		t.Errorf("secret %q: want 32 upper-case base32 characters, no padding", a)
	}
	key, err := decodeSecret(a)
	if err != nil || len(key) != 20 {
		t.Errorf("decode(%q) = %d bytes, %v", a, len(key), err)
	}
	now := time.Now()
	c, err := Code(a, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Verify(a, c, now, 0); !ok {
		t.Error("fresh secret: own code rejected")
	}
}

func TestSecretForms(t *testing.T) {
	at := time.Unix(59, 0)
	lower := strings.ToLower(rfcSecret)
	spaced := rfcSecret[:4] + " " + rfcSecret[4:8] + " " + rfcSecret[8:]
	for _, s := range []string{rfcSecret, strings.TrimRight(rfcSecret, "="), lower, spaced} {
		if c, err := Code(s, at); err != nil || c != "287082" {
			t.Errorf("Code(%q) = %q, %v; want 287082", s, c, err)
		}
	}
}

func TestSkew(t *testing.T) {
	secret, _ := NewSecret()
	now := time.Unix(1_700_000_015, 0) // middle of a step
	cur := now.Unix() / 30
	for _, tc := range []struct {
		offset time.Duration
		ok     bool
	}{
		{-2 * Period, false},
		{-Period, true},
		{0, true},
		{Period, true},
		{2 * Period, false},
	} {
		code, err := Code(secret, now.Add(tc.offset))
		if err != nil {
			t.Fatal(err)
		}
		step, ok := Verify(secret, code, now, 0)
		if ok != tc.ok {
			// A coincidental code collision (1e-6) would make this flaky
			// only for the false cases; check the step too.
			t.Errorf("offset %v: ok = %v, want %v", tc.offset, ok, tc.ok)
		}
		if ok && step != cur+int64(tc.offset/Period) {
			t.Errorf("offset %v: step = %d, want %d", tc.offset, step, cur+int64(tc.offset/Period))
		}
	}
}

func TestReplay(t *testing.T) {
	at := time.Unix(1111111111, 0)
	code, _ := Code(rfcSecret, at)
	step, ok := Verify(rfcSecret, code, at, 0)
	if !ok {
		t.Fatal("first use rejected")
	}
	if _, ok := Verify(rfcSecret, code, at, step); ok {
		t.Error("same code accepted twice")
	}
	// Still rejected 20 s later, while the step is within the skew window.
	if _, ok := Verify(rfcSecret, code, at.Add(20*time.Second), step); ok {
		t.Error("replayed code accepted in the next step")
	}
	// An older code (previous step) is rejected once a newer one was used.
	prev, _ := Code(rfcSecret, at.Add(-Period))
	if _, ok := Verify(rfcSecret, prev, at, step); ok {
		t.Error("code from an earlier step accepted after a later one")
	}
	// The next step's code is accepted and advances the step.
	next, _ := Code(rfcSecret, at.Add(Period))
	if s, ok := Verify(rfcSecret, next, at.Add(Period), step); !ok || s != step+1 {
		t.Errorf("next code: %d, %v; want %d, true", s, ok, step+1)
	}
	// lastStep in the future blocks everything in the window.
	if _, ok := Verify(rfcSecret, next, at, step+1); ok {
		t.Error("code accepted with lastStep at its own step")
	}
}

func TestVerifyCodeForms(t *testing.T) {
	at := time.Unix(59, 0)
	for _, c := range []string{"287082", "287 082", " 287082 ", "28 70 82", "287082\n", "\t287\u00a0082"} {
		if _, ok := Verify(rfcSecret, c, at, 0); !ok {
			t.Errorf("Verify(%q) rejected", c)
		}
	}
	for _, c := range []string{
		"", "28708", "2870820", "94287082", "287083", "28708a", "+87082", "-87082",
		"２８７０８２", // full-width digits
		"287-082", "287082x", "0x1234",
	} {
		if step, ok := Verify(rfcSecret, c, at, 0); ok || step != 0 {
			t.Errorf("Verify(%q) = %d, %v; want 0, false", c, step, ok)
		}
	}
}

func TestBadSecret(t *testing.T) {
	at := time.Unix(59, 0)
	for _, s := range []string{
		"",
		"not base32!",
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1",  // '1' is not in the alphabet
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQG", // impossible length
		"JBSWY3DPEHPK3PXP",                  // valid but only 10 bytes
		"GEZDGNBV=GY3TQOJQGEZDGNBVGY3TQOJQ", // padding in the middle
	} {
		if c, err := Code(s, at); err == nil || !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("Code(%q) = %q, %v; want ErrInvalidSecret", s, c, err)
		}
		if _, ok := Verify(s, "287082", at, 0); ok {
			t.Errorf("Verify with secret %q accepted", s)
		}
	}
}

func TestBeforeEpoch(t *testing.T) {
	if _, err := Code(rfcSecret, time.Unix(-1, 0)); !errors.Is(err, ErrInvalidTime) {
		t.Errorf("Code(before epoch) err = %v, want ErrInvalidTime", err)
	}
	if _, ok := Verify(rfcSecret, "755224", time.Unix(-1, 0), 0); ok {
		t.Error("Verify before epoch accepted")
	}
	// At step 0 the window is steps 0 and 1 only (no negative steps).
	if s, ok := Verify(rfcSecret, "755224", time.Unix(0, 0), -1); !ok || s != 0 {
		t.Errorf("Verify(step 0) = %d, %v; want 0, true", s, ok)
	}
}

func TestURI(t *testing.T) {
	tests := []struct {
		issuer, account, secret, want string
	}{
		{"GridGov", "alice@example.com", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
			"otpauth://totp/GridGov:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=GridGov&algorithm=SHA1&digits=6&period=30"},
		{"Grid Gov: 网格", "张 三/1?&=#", "ABC",
			"otpauth://totp/Grid%20Gov%3A%20%E7%BD%91%E6%A0%BC:%E5%BC%A0%20%E4%B8%89%2F1%3F%26%3D%23?secret=ABC&issuer=Grid%20Gov%3A%20%E7%BD%91%E6%A0%BC&algorithm=SHA1&digits=6&period=30"},
		{"", "bob", "ABC", "otpauth://totp/bob?secret=ABC&algorithm=SHA1&digits=6&period=30"},
	}
	for _, tc := range tests {
		got := URI(tc.issuer, tc.account, tc.secret)
		if got != tc.want {
			t.Errorf("URI(%q, %q) =\n %s\nwant\n %s", tc.issuer, tc.account, got, tc.want)
		}
		// It must parse back to the same values.
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", got, err)
		}
		if u.Scheme != "otpauth" || u.Host != "totp" {
			t.Errorf("scheme/host = %q/%q", u.Scheme, u.Host)
		}
		label := tc.account
		if tc.issuer != "" {
			label = tc.issuer + ":" + tc.account
		}
		if p := strings.TrimPrefix(u.Path, "/"); p != label {
			t.Errorf("label = %q, want %q", p, label)
		}
		q := u.Query()
		if q.Get("secret") != tc.secret || q.Get("issuer") != tc.issuer {
			t.Errorf("query = %v", q)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	secret, _ := NewSecret()
	now := time.Now()
	code, _ := Code(secret, now)
	for b.Loop() {
		Verify(secret, code, now, 0)
	}
}
