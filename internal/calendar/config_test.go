package calendar

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConfigJSON(t *testing.T) {
	in := `{"work_hours":[{"start":"08:30","end":"12:00"},{"start":"14:00","end":"24:00"}],` +
		`"holidays":["2026-10-01"],"workdays":["2026-10-10"]}`
	var cfg Config
	if err := json.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Location != nil || len(cfg.WorkHours) != 2 || cfg.WorkHours[1] != (Span{840, 1440}) ||
		cfg.Holidays[0] != (Date{2026, 10, 1}) || cfg.Workdays[0] != (Date{2026, 10, 10}) {
		t.Fatalf("Unmarshal = %+v", cfg)
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("Marshal = %s, want %s", out, in)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The effective configuration names its location and reads back the same.
	out, err = json.Marshal(c.Config())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), `{"location":"Asia/Shanghai","work_hours":`) {
		t.Errorf("Marshal(effective) = %s", out)
	}
	var back Config
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.Location.String() != "Asia/Shanghai" || len(back.WorkHours) != 2 || len(back.Holidays) != 1 {
		t.Errorf("round trip = %+v", back)
	}
	// The zero Config is an empty object.
	if out, _ := json.Marshal(Config{}); string(out) != `{}` {
		t.Errorf("Marshal(Config{}) = %s", out)
	}
}

func TestConfigJSONErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"work_hours":[{"start":"8:30","end":"12:00"}]}`, ""},
		{`{"work_hours":[{"start":"25:00","end":"26:00"}]}`, `"25:00"`},
		{`{"work_hours":[{"start":"08:60","end":"12:00"}]}`, `"08:60"`},
		{`{"work_hours":[{"start":"24:01","end":"12:00"}]}`, `"24:01"`},
		{`{"work_hours":[{"start":"0830","end":"12:00"}]}`, `"0830"`},
		{`{"work_hours":[{"start":"08:30"}]}`, `""`},
		{`{"work_hours":[{"start":"08:3a","end":"12:00"}]}`, `"08:3a"`},
		{`{"work_hours":[{"start":8,"end":12}]}`, "invalid work span"},
		{`{"holidays":["2026-10-32"]}`, `"2026-10-32"`},
		{`{"holidays":[20261001]}`, "cannot unmarshal"},
		{`{"location":"Mars/Olympus_Mons"}`, `"Mars/Olympus_Mons"`},
		{`{"location":"UTC"}`, ""},
		{`[]`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		var cfg Config
		err := json.Unmarshal([]byte(tt.in), &cfg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one containing %s", tt.in, err, tt.want)
		}
	}
	// Well-formed but unusable: caught by New.
	var cfg Config
	if err := json.Unmarshal([]byte(`{"holidays":["2026-10-01"],"workdays":["2026-10-01"]}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "2026-10-01") {
		t.Errorf("New: %v", err)
	}
}

func TestSpan(t *testing.T) {
	s := Span{8*60 + 30, 12 * 60}
	if s.String() != "08:30-12:00" || s.Duration().Hours() != 3.5 {
		t.Errorf("%v %v", s, s.Duration())
	}
	if _, err := json.Marshal(Span{-5, 60}); err == nil {
		t.Error("Marshal of a span outside the day: no error")
	}
	if got := (Span{0, 1441}).String(); got != "00:00-(1441 minutes)" {
		t.Errorf("String of a bad span = %q", got)
	}
	var n Span
	if err := json.Unmarshal([]byte(`null`), &n); err != nil || n != (Span{}) {
		t.Errorf("null: %v %v", n, err)
	}
}
