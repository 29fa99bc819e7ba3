package pii

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/secret"
)

func TestParseID(t *testing.T) {
	future := MakeID("441602", time.Now().AddDate(1, 0, 0), 1, true)
	cases := []struct {
		in, code string
		male     bool
	}{
		{"11010519491231002X", "", false}, // the example of GB 11643-1999
		{"11010519491231002x", "", false}, // a lower-case x is the same
		{" " + MakeID("441602", time.Date(1968, 3, 9, 0, 0, 0, 0, time.UTC), 12, true) + " ", "", true},
		{"110105194912310021", "id.check_digit", false},
		{"110105194902300027", "id.birth_date", false}, // 30 February
		{future, "id.birth_date", false},
		{"991234194912310021", "id.region", false},
		{"110000194912310021", "id.region", false}, // a province code alone is not a region
		{"11010519491231002", "id.length", false},
		{"110105491231002", "id.old_format", false},
		{"1101051949123100Y2", "id.chars", false},
		{"１１０１０５１９４９１２３１００２Ｘ", "id.chars", false}, // full-width digits
	}
	for _, c := range cases {
		info, err := ParseID("id_number", c.in)
		if c.code == "" {
			if err != nil {
				t.Errorf("%q: %v", c.in, err)
			} else if info.Male != c.male || info.Region != strings.TrimSpace(strings.ToUpper(c.in))[:6] {
				t.Errorf("%q: %+v", c.in, info)
			}
			continue
		}
		e := apperr.As(err)
		if e == nil || len(e.Fields) != 1 || e.Fields[0].Code != c.code || e.Fields[0].Field != "id_number" {
			t.Errorf("%q: want %s, got %v", c.in, c.code, err)
		}
		if err != nil && strings.Contains(err.Error(), c.in) {
			t.Errorf("the error echoes the number: %v", err)
		}
	}
}

func TestPhonesAndMasks(t *testing.T) {
	for in, want := range map[string]string{"139 0276 1234": "13902761234", "+86 139-0276-1234": "13902761234", "0762-3381234": "07623381234", "（010）12345678": "01012345678"} {
		if got, err := NormalizePhone("phone", in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"12345", "1290276123", "139O2761234", "23902761234"} {
		if _, err := NormalizePhone("phone", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := MaskID("11010519491231002X"); got != "110105************" {
		t.Errorf("MaskID: %s", got)
	}
	now := time.Date(2026, 5, 17, 0, 0, 0, 0, time.UTC)
	// By birth year: the same on every day of a year, whatever the birthday.
	for birth, want := range map[string]int{"1983-05-17": 43, "1983-05-18": 43, "1983-12-31": 43, "1983-01-01": 43, "2026-05-17": 0} {
		if got, ok := Age(birth, now); !ok || got != want {
			t.Errorf("Age(%s) = %d %v, want %d", birth, got, ok, want)
		}
	}
	if _, ok := Age("", now); ok {
		t.Error("Age of no date is ok")
	}
	if got := MaskPhone("13902761234"); got != "139****1234" {
		t.Errorf("MaskPhone: %s", got)
	}
	if got := MaskPhone("01012345678"); got != "010****78" {
		t.Errorf("MaskPhone landline: %s", got)
	}
	if got := MaskName("张三丰"); got != "张**" {
		t.Errorf("MaskName: %s", got)
	}
	if got := MaskAddress("建设大道56号3栋1502房"); got != "建设大道56号3栋****房" {
		t.Errorf("MaskAddress: %s", got)
	}
}

func TestVaultBindsFieldAndRow(t *testing.T) {
	k, err := secret.Load(filepath.Join(t.TempDir(), "secret.key"), "")
	if err != nil {
		t.Fatal(err)
	}
	v := NewVault(k)
	s := v.Seal("people.id_number", "p1", "11010519491231002X")
	if got, err := v.Open("people.id_number", "p1", s); err != nil || got != "11010519491231002X" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := v.Open("people.id_number", "p2", s); err == nil {
		t.Error("opened on another row")
	}
	if _, err := v.Open("people.phone", "p1", s); err == nil {
		t.Error("opened as another field")
	}
	if v.Blind("people.id_number", "X") != v.Blind("people.id_number", "X") || v.Blind("people.id_number", "X") == v.Blind("people.phone", "X") {
		t.Error("blind index: equal values must match within a field and differ across fields")
	}
	if v.Seal("f", "r", "") != "" || v.Blind("f", "") != "" {
		t.Error("empty values must stay empty")
	}
}

// FuzzParseID: no input panics, and whatever is accepted is a well-formed
// number whose check digit holds.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105194912310021", "110105491231002", "", "X", "４４０１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := ParseID("id_number", s)
		if err != nil {
			return
		}
		if len(info.Number) != 18 || CheckDigit(info.Number[:17]) != info.Number[17] {
			t.Fatalf("accepted %q as %+v", s, info)
		}
	})
}

func TestMaskText(t *testing.T) {
	for in, want := range map[string]string{
		"核查 44160219900101123X 的身份":        "核查 441602************ 的身份",
		"回访13923457168，门牌56号":              "回访139****7168，门牌56号",
		"2026-05-17 入户走访":                  "2026-05-17 入户走访",
		"身份证441602199001011234":            "身份证441602************",
		"座机 0762-3312345 与 07623312345":    "座机 0762****45 与 0762****45",
		"回访 139-2345-7168 或 139 2345 7168": "回访 139****7168 或 139****7168",
	} {
		if got := MaskText(in); got != want {
			t.Errorf("MaskText(%q) = %q, want %q", in, got, want)
		}
	}
}
