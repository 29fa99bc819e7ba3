package password

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Violation codes returned by [Policy.Check]. They are stable identifiers
// meant for API responses and translation keys.
const (
	// CodeTooShort: fewer than Params["min"] characters (Unicode code points).
	CodeTooShort = "password.too_short"
	// CodeTooLong: more than Params["max"] bytes of UTF-8 (see MaxBytes).
	CodeTooLong = "password.too_long"
	// CodeTooFewClasses: fewer than Params["min"] character classes.
	CodeTooFewClasses = "password.too_few_classes"
	// CodeCommon: the password is, or is derived from, a common password.
	CodeCommon = "password.common"
	// CodeContainsUsername: the password contains the user name.
	CodeContainsUsername = "password.contains_username"
)

// MaxBytes is the maximum accepted password length in bytes of UTF-8.
const MaxBytes = 128

// Violation is one reason a password is rejected. Code is one of the Code*
// constants; Params holds the values a message needs (e.g. "min").
type Violation struct {
	Code   string
	Params map[string]any
}

// Policy describes the password rules checked by [Policy.Check].
// A zero MinLength or MinClasses disables that rule; the length cap
// ([MaxBytes]), the common-password list and the user-name rule always apply.
type Policy struct {
	// MinLength is the minimum number of characters (Unicode code points,
	// so "密码" is 2 characters although it is 6 bytes).
	MinLength int
	// MinClasses is the minimum number of distinct character classes; see
	// [Classes] for how characters are classified.
	MinClasses int
}

// DefaultPolicy requires at least 12 characters from at least 3 classes.
var DefaultPolicy = Policy{MinLength: 12, MinClasses: 3}

// Character classes counted by [Classes].
const (
	ClassLower  = 1 << iota // lower-case letters (unicode.IsLower), e.g. a, é, ß
	ClassUpper              // upper- and title-case letters, e.g. A, É
	ClassDigit              // decimal digits (unicode.IsDigit), incl. full-width ０-９
	ClassSymbol             // everything else, see Classes
)

// Classes returns the set of character classes (a bitmask of Class*
// constants) present in s. Letters with case count as lower or upper,
// decimal digits as digits, and every other character (punctuation,
// symbols, spaces, and letters without case such as Chinese characters,
// Japanese kana or Arabic letters) counts as ClassSymbol. So "密码Abc123"
// has all four classes, while a password made only of Chinese characters
// has one.
func Classes(s string) int {
	var c int
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			c |= ClassLower
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			c |= ClassUpper
		case unicode.IsDigit(r):
			c |= ClassDigit
		default:
			c |= ClassSymbol
		}
	}
	return c
}

// minBaseLen is the shortest letters-only prefix that IsCommon looks up
// after stripping trailing digits and symbols, so that "abc#9184726351"
// is not condemned for starting with a three-letter word.
const minBaseLen = 4

// minUsernameLen is the shortest user name (in code points) that the
// contains-username rule looks for; shorter names such as "li" would
// reject too many unrelated passwords.
const minUsernameLen = 3

// Check returns the rules plain breaks, in a fixed order (too_short,
// too_long, too_few_classes, common, contains_username), or nil if it is
// acceptable. username may be empty.
//
// The common-password rule compares case-insensitively against an embedded
// list of common passwords, first the whole password, then the password with
// trailing symbols removed, then with all trailing digits and symbols
// removed (the latter only if at least 4 characters remain). So
// "Password123!" (→ "password"), "Woaini1314!" (→ "woaini1314") and
// "Admin@1234567" (→ "admin") are all rejected as common-derived: appending
// digits and punctuation to a dictionary word is the first thing
// guessing tools try.
//
// The user-name rule rejects passwords that contain the user name
// (case-insensitively) when it is at least 3 characters long; for a user
// name of the form local@domain the local part is checked as well.
func (p Policy) Check(plain, username string) []Violation {
	var vs []Violation
	if p.MinLength > 0 && utf8.RuneCountInString(plain) < p.MinLength {
		vs = append(vs, Violation{Code: CodeTooShort, Params: map[string]any{"min": p.MinLength}})
	}
	if len(plain) > MaxBytes {
		vs = append(vs, Violation{Code: CodeTooLong, Params: map[string]any{"max": MaxBytes}})
	}
	if p.MinClasses > 0 && popcount(Classes(plain)) < p.MinClasses {
		vs = append(vs, Violation{Code: CodeTooFewClasses, Params: map[string]any{"min": p.MinClasses}})
	}
	if IsCommon(plain) {
		vs = append(vs, Violation{Code: CodeCommon, Params: map[string]any{}})
	}
	if containsUsername(strings.ToLower(plain), username) {
		vs = append(vs, Violation{Code: CodeContainsUsername, Params: map[string]any{}})
	}
	return vs
}

// IsCommon reports whether plain is on the embedded common-password list or
// derived from an entry by appending digits and symbols, using the rule
// described at [Policy.Check].
func IsCommon(plain string) bool {
	lower := strings.ToLower(plain)
	if _, ok := commonSet[lower]; ok {
		return true
	}
	isSymbol := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	noSym := strings.TrimRightFunc(lower, isSymbol)
	if noSym != "" {
		if _, ok := commonSet[noSym]; ok {
			return true
		}
	}
	base := strings.TrimRightFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) })
	if utf8.RuneCountInString(base) >= minBaseLen {
		if _, ok := commonSet[base]; ok {
			return true
		}
	}
	return false
}

func containsUsername(lowerPlain, username string) bool {
	u := strings.ToLower(strings.TrimSpace(username))
	cands := []string{u}
	if local, _, ok := strings.Cut(u, "@"); ok {
		cands = append(cands, local)
	}
	for _, c := range cands {
		if utf8.RuneCountInString(c) >= minUsernameLen && strings.Contains(lowerPlain, c) {
			return true
		}
	}
	return false
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

//go:embed common.txt
var commonText string

// commonSet holds the lower-cased entries of common.txt.
var commonSet = func() map[string]struct{} {
	m := make(map[string]struct{}, 512)
	for _, line := range strings.Split(commonText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
}()
