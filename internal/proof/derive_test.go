package proof_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
)

// The derivation checker: given everything one caller saw, how many values
// could a sealed ID number or phone number still be? It assumes the caller
// knows what gridgov shows on purpose — the region, the sex and the age of
// each person (by birth year, so the year) — and adds every digit position any seen text gives away:
// masked forms aligned on the value (441621********1234, 139****7168,
// 4416…1234), runs of its digits in clear, and the birth date written in
// any usual form (1983-05-17, 1983/5/17, 1983年5月17日, 19830517, or its
// year and month).

// minCandidates is the fewest candidates a sealed value may be left with.
const minCandidates = 10_000

// maskedToken is a run of shown digits and characters standing for hidden
// ones.
var maskedToken = regexp.MustCompile(`[0-9Xx]*(?:[*＊•●]|…|\.\.\.)+[0-9Xx]*(?:(?:[*＊•●]|…|\.\.\.)+[0-9Xx]*)*`)

var (
	digitRun  = regexp.MustCompile(`[0-9]+[Xx]?`)
	fullDate  = regexp.MustCompile(`(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})`)
	yearMonth = regexp.MustCompile(`(\d{4})\s*[-/.年]\s*(\d{1,2})`)
)

// clues are the positions of a value the texts reveal.
type clues struct {
	value string
	known []bool
	why   []string // what revealed something, for the failure message
}

func newClues(value string) *clues {
	return &clues{value: strings.ToUpper(value), known: make([]bool, len(value))}
}

// markEach marks the positions of a fixed-width mask that show a character.
func (c *clues) markEach(rs []rune, why string) {
	fresh := false
	for i, r := range rs {
		if (r >= '0' && r <= '9' || r == 'X') && !c.known[i] {
			c.known[i], fresh = true, true
		}
	}
	if fresh && len(c.why) < 8 {
		c.why = append(c.why, why)
	}
}

func (c *clues) mark(from, to int, why string) {
	fresh := false
	for i := from; i < to && i < len(c.known); i++ {
		fresh = fresh || !c.known[i]
		c.known[i] = true
	}
	if fresh && len(c.why) < 8 {
		c.why = append(c.why, why)
	}
}

// read adds what text reveals of the value.
func (c *clues) read(where, text string) {
	v := c.value
	for _, tok := range maskedToken.FindAllString(text, -1) {
		rs := []rune(strings.ToUpper(tok))
		if len(rs) == len(v) && !strings.Contains(tok, "…") && !strings.Contains(tok, "...") {
			// A fixed-width mask: every shown character at its place.
			ok, any := true, false
			for i, r := range rs {
				if r >= '0' && r <= '9' || r == 'X' {
					ok = ok && byte(r) == v[i]
					any = true
				}
			}
			if ok && any {
				c.markEach(rs, where+": "+tok)
			}
			continue
		}
		// Otherwise the digits before the first and after the last mark.
		s := strings.ToUpper(tok)
		shown := func(b byte) bool { return b >= '0' && b <= '9' || b == 'X' } // ASCII: never part of a mask character
		h, t := 0, len(s)
		for h < len(s) && shown(s[h]) {
			h++
		}
		for t > h && shown(s[t-1]) {
			t--
		}
		head, tail := s[:h], s[t:]
		if head == "" && tail == "" {
			continue
		}
		if strings.HasPrefix(v, head) && strings.HasSuffix(v, tail) && len(head)+len(tail) < len(v) {
			c.mark(0, len(head), where+": "+tok)
			c.mark(len(v)-len(tail), len(v), where+": "+tok)
		}
	}
	for _, at := range digitRun.FindAllStringIndex(text, -1) {
		run := strings.ToUpper(text[at[0]:at[1]])
		// Six digits or more, and not part of a decimal (a coordinate) or
		// of a word (a hex id): those runs are other numbers.
		if len(run) < 6 || partOfWord(text, at[0], at[1]) {
			continue
		}
		for i := 0; i+len(run) <= len(v); i++ {
			if v[i:i+len(run)] == run {
				c.mark(i, i+len(run), where+": "+run)
			}
		}
	}
	if len(v) != 18 {
		return
	}
	birth := v[6:14]
	for _, m := range fullDate.FindAllStringSubmatch(text, -1) {
		if fmt.Sprintf("%s%02s%02s", m[1], m[2], m[3]) == birth {
			c.mark(6, 14, where+": "+m[0])
		}
	}
	for _, m := range yearMonth.FindAllStringSubmatch(text, -1) {
		if fmt.Sprintf("%s%02s", m[1], m[2]) == birth[:6] {
			c.mark(6, 12, where+": "+m[0])
		}
	}
}

// partOfWord reports whether text[from:to] touches a letter or a decimal
// point.
func partOfWord(text string, from, to int) bool {
	word := func(b byte) bool { return b == '.' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	return from > 0 && word(text[from-1]) || to < len(text) && word(text[to])
}

// idCandidates counts the ID numbers that fit the clues and what is shown
// on purpose (region, sex, birth year), born by day now.
func (c *clues) idCandidates(now time.Time) int {
	v := c.value
	fits := func(s string, from int) bool {
		for i := range s {
			if c.known[from+i] && s[i] != v[from+i] {
				return false
			}
		}
		return true
	}
	var dates []string
	for d := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC); !d.After(now); d = d.AddDate(0, 0, 1) {
		// The age shown is by birth year: it gives the year away.
		if d.Format("2006") == v[6:10] && fits(d.Format("20060102"), 6) {
			dates = append(dates, d.Format("20060102"))
		}
	}
	// Sequence digits 15–17: the last one's parity is the sex, shown.
	var seqs []string
	for n := range 1000 {
		s := fmt.Sprintf("%03d", n)
		if (s[2]-'0')%2 == (v[16]-'0')%2 && fits(s, 14) {
			seqs = append(seqs, s)
		}
	}
	if !c.known[17] {
		return len(dates) * len(seqs) // the check character follows from the rest
	}
	n := 0
	for _, d := range dates {
		for _, s := range seqs {
			if pii.CheckDigit(v[:6]+d+s) == v[17] {
				n++
			}
		}
	}
	return n
}

// phoneCandidates counts the mobile numbers that fit the clues: 1, then 3–9,
// then nine free digits.
func (c *clues) phoneCandidates() int {
	n := 1
	for i := 1; i < len(c.value); i++ {
		switch {
		case c.known[i]:
		case i == 1:
			n *= 7
		default:
			n *= 10
		}
	}
	return n
}

// derive reads every text and returns the candidates left for value (an ID
// number of 18 characters or a mobile of 11) and what gave it away.
func derive(value string, texts map[string]string, now time.Time) (int, []string) {
	c := newClues(value)
	for where, text := range texts {
		c.read(where, text)
	}
	if len(value) == 18 {
		return c.idCandidates(now), c.why
	}
	return c.phoneCandidates(), c.why
}

// TestDerivationChecker shows that the checker catches the masks gridgov
// used to show, and lets the ones it shows now pass.
func TestDerivationChecker(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	id := pii.MakeID("441621", time.Date(1983, 5, 17, 0, 0, 0, 0, time.UTC), 137, true)
	phone := "13923457168"
	oldMask := id[:6] + "********" + id[14:]
	for _, c := range []struct {
		name  string
		value string
		texts []string
		ok    bool
	}{
		{"old ID mask beside the birth date", id, []string{`{"id_number_masked":"` + oldMask + `","birth_date":"1983-05-17"}`}, false},
		{"old ID mask alone, with the age", id, []string{oldMask}, false},
		{"old ID mask, birth date on another page", id, []string{oldMask, "出生日期 1983年5月17日"}, false},
		{"region only", id, []string{`{"id_number_masked":"` + pii.MaskID(id) + `","age":43,"sex":"male"}`}, true},
		{"region only beside the birth date", id, []string{pii.MaskID(id), "1983/05/17"}, false},
		{"region only beside the compact birth date", id, []string{pii.MaskID(id), "born 19830517"}, false},
		{"region only beside the birth month", id, []string{pii.MaskID(id), "1983-05"}, true},
		{"the number in clear", id, []string{"核对 " + id}, false},
		{"the first 17 in clear", id, []string{id[:17]}, false},
		{"an ellipsis mask with the last four", id, []string{id[:4] + "…" + id[14:]}, false},
		{"phone 3 + 4", phone, []string{pii.MaskPhone(phone)}, true},
		{"phone 3 + 4 twice", phone, []string{pii.MaskPhone(phone), "电话 " + pii.MaskPhone(phone)}, true},
		{"phone 3 + 4 and first 7", phone, []string{pii.MaskPhone(phone), phone[:7] + "****"}, false},
		{"phone 3 + 4 and the middle in clear", phone, []string{pii.MaskPhone(phone), "中间" + phone[3:9]}, false},
		{"a coordinate holding some of the phone's digits", phone, []string{pii.MaskPhone(phone), "114." + phone[3:9]}, true},
		{"phone in clear", phone, []string{phone}, false},
		{"another person's masks", id, []string{"441621************", "442000********1234", "1990-01-01"}, true},
	} {
		texts := map[string]string{}
		for i, s := range c.texts {
			texts[strconv.Itoa(i)] = s
		}
		n, why := derive(c.value, texts, now)
		if got := n >= minCandidates; got != c.ok {
			t.Errorf("%s: %d candidates (%v); want safe = %v", c.name, n, why, c.ok)
		}
	}
	// The shown mask, sex and age leave about 180,000 ID numbers.
	if n, _ := derive(id, map[string]string{"page": pii.MaskID(id)}, now); n < 150_000 || n > 200_000 {
		t.Errorf("region, sex and age leave %d candidates", n)
	}
}
