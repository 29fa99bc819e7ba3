package pii

import (
	"strings"
	"unicode/utf8"
)

// Withheld replaces what Scrub takes out of a public text.
const Withheld = "[已隐去]"

// Scrub withholds from a text everything that looks like a citizen ID
// number or a phone number, whatever its check digit says, and returns the
// text with each such number replaced by Withheld and how many it replaced.
// It is the last filter of what a public face publishes, so it errs on the
// side of withholding:
//
//   - a run of 15 to 19 digits (ID numbers of 15 or 18 characters, the last
//     one possibly X, and bank card numbers);
//   - a mobile number 1[3-9] and 9 digits, with or without +86 / 0086;
//   - a landline with its area code (0 and 9 to 11 digits) or a local
//     number of 7 or 8 digits (alone, or as 3-4 / 4-4 digits).
//
// Digits may be split by single spaces, dashes, dots or brackets
// ("139 1234 5678", "0762-3312345", "(0762) 3312345"); full-width digits
// count as digits. Dates such as 2026-01-31 and 12-digit event numbers are
// left alone.
func Scrub(text string) (string, int) {
	return replaceNumbers(text, func(string) string { return Withheld })
}

// MaskText masks every number in a free text that Scrub would withhold,
// each by its masked form (an ID number of 15 or 18 characters as MaskID,
// anything else as MaskPhone), so that a reason or note kept for the audit
// log shows which number was meant without holding it.
func MaskText(text string) string {
	out, _ := replaceNumbers(text, func(digits string) string {
		if n := len(digits); n == 15 || n == 18 {
			return MaskID(digits)
		}
		return MaskPhone(digits)
	})
	return out
}

// replaceNumbers replaces each number of text that looks personal by
// replace(its digits) and counts them.
func replaceNumbers(text string, replace func(digits string) string) (string, int) {
	var b strings.Builder
	n := 0
	for {
		start, end, ok := nextRun(text)
		if !ok {
			b.WriteString(text)
			return b.String(), n
		}
		b.WriteString(text[:start])
		out, k := replaceRun(text[start:end], replace)
		b.WriteString(out)
		n += k
		text = text[end:]
	}
}

// digit maps an ASCII or full-width digit to its value.
func digit(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= '０' && r <= '９':
		return byte('0' + r - '０'), true
	}
	return 0, false
}

func separator(r rune) bool {
	return r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '（' || r == '）' || r == '\u00a0' || r == '—'
}

// nextRun finds the next run of digit groups: digits (and a trailing X
// after the last one) joined by single separators. A leading bracket is
// part of the run so that "(0762)" is taken whole.
func nextRun(s string) (start, end int, ok bool) {
	i := 0
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if _, d := digit(r); d {
			break
		}
		i += w
	}
	if i == len(s) {
		return 0, 0, false
	}
	start, end = i, i
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if _, d := digit(r); d {
			i += w
			end = i
			continue
		}
		if (r == 'X' || r == 'x') && end == i {
			i += w
			end = i
			break
		}
		if separator(r) {
			r2, _ := utf8.DecodeRuneInString(s[i+w:])
			if _, d := digit(r2); d || separator(r2) && r2 != r {
				i += w
				continue
			}
		}
		break
	}
	return start, end, true
}

// group is one stretch of digits of a run, with its place in the run.
type group struct {
	digits     string
	start, end int
}

// replaceRun replaces the numbers in one run, taking as many neighbouring
// groups as make a number, the longest first.
func replaceRun(run string, replace func(digits string) string) (string, int) {
	var groups []group
	cur := group{start: -1}
	for i, r := range run {
		d, ok := digit(r)
		if !ok && (r == 'X' || r == 'x') && cur.start >= 0 {
			d, ok = 'X', true
		}
		if ok {
			if cur.start < 0 {
				cur.start = i
			}
			cur.digits += string(d)
			cur.end = i + utf8.RuneLen(r)
			continue
		}
		if cur.start >= 0 {
			groups = append(groups, cur)
			cur = group{start: -1}
		}
	}
	if cur.start >= 0 {
		groups = append(groups, cur)
	}
	var b strings.Builder
	n, at := 0, 0
	for i := 0; i < len(groups); {
		taken := 0
		for j := len(groups); j > i; j-- {
			if looksPersonal(groups[i:j]) {
				taken = j - i
				break
			}
		}
		if taken == 0 {
			i++
			continue
		}
		var digits strings.Builder
		for _, g := range groups[i : i+taken] {
			digits.WriteString(g.digits)
		}
		b.WriteString(run[at:groups[i].start])
		b.WriteString(replace(digits.String()))
		at = groups[i+taken-1].end
		n++
		i += taken
	}
	b.WriteString(run[at:])
	return b.String(), n
}

// looksPersonal reports whether the digit groups, read as one number, look
// like an ID number, a bank card or a phone number.
func looksPersonal(gs []group) bool {
	var all strings.Builder
	for _, g := range gs {
		all.WriteString(g.digits)
	}
	s := all.String()
	if x := strings.IndexByte(s, 'X'); x >= 0 && x != len(s)-1 {
		return false
	}
	n := len(s)
	if n >= 15 && n <= 19 {
		return true
	}
	if strings.HasSuffix(s, "X") {
		return false
	}
	for _, p := range []string{"0086", "86"} {
		if rest, ok := strings.CutPrefix(s, p); ok && mobile(rest) {
			return true
		}
	}
	switch {
	case mobile(s):
		return true
	case s[0] == '0' && n >= 10 && n <= 12: // area code + local number
		return true
	case n >= 7 && n <= 8 && s[0] != '0' && s[0] != '1':
		// A local number alone or split once as 3-4 / 4-4; a date such as
		// 2026-01-31 has three groups and stays.
		return len(gs) == 1 || (len(gs) == 2 && len(gs[1].digits) == 4)
	}
	return false
}

func mobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9'
}
