package password

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func codes(vs []Violation) []string {
	var cs []string
	for _, v := range vs {
		cs = append(cs, v.Code)
	}
	return cs
}

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		pw, user string
		want     []string
	}{
		// Acceptable.
		{"Tr0ub4dor&3-xyz", "alice", nil},
		{"correct Horse battery 9", "alice", nil},
		{"密码Horse battery", "alice", nil},    // lower, upper, symbol (Han counts as symbol)
		{"Zhongguo-Hao-2024x", "alice", nil}, // common word inside but not a common password
		{"Abc#9184726351", "bob", nil},       // "abc" is too short a base to count
		{"ExactlyTwelv3", "", nil},
		{"ExactlyTwel3", "", nil}, // 12 characters

		// Single violations.
		{"Sh0rt!pw", "", []string{CodeTooShort}},
		{"ExactlyTw3!", "", []string{CodeTooShort}}, // 11 characters
		{"密码密码密码密码Aa1", "", []string{CodeTooShort}}, // 11 runes, 27 bytes
		{"alllowercaseletters", "", []string{CodeTooFewClasses}},
		{"lowercase and 1234", "", []string{}},
		{"lowercase123456", "", []string{CodeTooFewClasses}},
		{"密码密码密码密码密码密码密码", "", []string{CodeTooFewClasses}},
		{"Aa1" + strings.Repeat("x", 126), "", []string{CodeTooLong}},
		{"Aa1!" + strings.Repeat("密", 42), "", []string{CodeTooLong}}, // 42 runes but 130 bytes
		{"Password123!", "", []string{CodeCommon}},
		{"Admin@1234567", "", []string{CodeCommon}},
		{"P@ssw0rd2024!", "", []string{CodeCommon}},
		{"Passw0rd!Passw0rd!", "", nil},
		{"Woaini1314!!!", "", []string{CodeCommon}},
		{"1qaz2wsx3edcRFV", "", nil},
		{"Monkey#83920174", "", []string{CodeCommon}},
		{"Xiaoming.Li.88", "xiaoming", []string{CodeContainsUsername}},
		{"my-XIAOMING-pw-88", "XiaoMing", []string{CodeContainsUsername}},
		{"Kitten-13800138000", "13800138000", []string{CodeContainsUsername}},
		{"Zhang.Wei.1990!", "zhang.wei@example.com", []string{CodeContainsUsername}},
		{"Zhang.Wei.1990!", "li", nil}, // user names under 3 characters are not checked
		{"Zhang.Wei.1990!", "  ", nil},

		// Several violations, in the documented order.
		{"123456", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"5201314", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"woaini1314", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"qwe123", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"a123456", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"88888888", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"1qaz2wsx", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"P@ssw0rd", "", []string{CodeTooShort, CodeCommon}},
		{"Admin@123", "", []string{CodeTooShort, CodeCommon}},
		{"Passw0rd!", "", []string{CodeTooShort, CodeCommon}},
		{"zxcvbnm", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"abc123456", "", []string{CodeTooShort, CodeTooFewClasses, CodeCommon}},
		{"", "", []string{CodeTooShort, CodeTooFewClasses}},
		{"alice", "alice", []string{CodeTooShort, CodeTooFewClasses, CodeContainsUsername}},
		{"administrator1", "administrator", []string{CodeTooFewClasses, CodeCommon, CodeContainsUsername}},
		{strings.Repeat("a", 200), "", []string{CodeTooLong, CodeTooFewClasses}},
	}
	for _, tc := range tests {
		got := codes(DefaultPolicy.Check(tc.pw, tc.user))
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Check(%q, %q) = %q, want %q", tc.pw, tc.user, got, tc.want)
		}
	}
}

func TestPolicyParams(t *testing.T) {
	p := Policy{MinLength: 10, MinClasses: 4}
	vs := p.Check("short", "")
	want := []Violation{
		{Code: CodeTooShort, Params: map[string]any{"min": 10}},
		{Code: CodeTooFewClasses, Params: map[string]any{"min": 4}},
	}
	if !reflect.DeepEqual(vs, want) {
		t.Errorf("Check = %#v, want %#v", vs, want)
	}
	vs = p.Check(strings.Repeat("Aa1!", 40), "")
	want = []Violation{{Code: CodeTooLong, Params: map[string]any{"max": 128}}}
	if !reflect.DeepEqual(vs, want) {
		t.Errorf("Check = %#v, want %#v", vs, want)
	}
	for _, v := range DefaultPolicy.Check("password", "password") {
		if v.Params == nil {
			t.Errorf("%s: Params is nil, want a (possibly empty) map", v.Code)
		}
	}
}

func TestZeroPolicy(t *testing.T) {
	var p Policy
	if vs := p.Check("x", ""); vs != nil {
		t.Errorf("zero Policy.Check(x) = %v, want nil", vs)
	}
	if got := codes(p.Check("password", "")); !slices.Equal(got, []string{CodeCommon}) {
		t.Errorf("zero Policy.Check(password) = %v, want common", got)
	}
}

func TestClasses(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", ClassLower},
		{"ABC", ClassUpper},
		{"123", ClassDigit},
		{"!@# ", ClassSymbol},
		{"密码", ClassSymbol},
		{"パスワード", ClassSymbol},
		{"éß", ClassLower},
		{"ÉÄ", ClassUpper},
		{"ǅ", ClassUpper},   // title case
		{"１２３", ClassDigit}, // full-width digits
		{"aB3!", ClassLower | ClassUpper | ClassDigit | ClassSymbol},
		{"密码Abc123", ClassLower | ClassUpper | ClassDigit | ClassSymbol},
		{"\xff", ClassSymbol}, // invalid UTF-8
	}
	for _, tc := range tests {
		if got := Classes(tc.s); got != tc.want {
			t.Errorf("Classes(%q) = %04b, want %04b", tc.s, got, tc.want)
		}
	}
}

func TestCommonList(t *testing.T) {
	if n := len(commonSet); n < 300 {
		t.Errorf("common list has %d entries, want at least 300", n)
	}
	for _, pw := range []string{
		"123456", "5201314", "woaini1314", "qwe123", "a123456", "88888888",
		"1qaz2wsx", "P@ssw0rd", "Admin@123", "Passw0rd!", "zxcvbnm", "abc123456",
		"PASSWORD", "iloveyou", "Password123!", "admin@1234567",
	} {
		if !IsCommon(pw) {
			t.Errorf("IsCommon(%q) = false", pw)
		}
	}
	for _, pw := range []string{"", "!!!", "123", "Tr0ub4dor&3-xyz", "abc#9184726351", "passwordx"} {
		if IsCommon(pw) {
			t.Errorf("IsCommon(%q) = true", pw)
		}
	}
	for e := range commonSet {
		if e != strings.TrimSpace(e) || e == "" {
			t.Errorf("bad list entry %q", e)
		}
	}
}
