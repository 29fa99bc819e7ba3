// Package pii holds the personal-information primitives of the registers:
// the citizen ID number of GB 11643, phone numbers, the masked forms shown
// on screen (身份证 region only, phone 3 + 4), and a Vault that seals
// values bound to their row and field and computes keyed blind indexes.
package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/secret"
)

// IDInfo is what a citizen ID number says.
type IDInfo struct {
	Number string    // normalized: 18 characters, upper-case X
	Region string    // the 6-digit administrative division code
	Birth  time.Time // date of birth (UTC midnight)
	Male   bool      // the 17th digit is odd
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// provinces are the province-level codes the first two digits may hold.
var provinces = []string{"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"}

// CheckDigit is the ISO 7064 MOD 11-2 check character of the first 17
// digits of an ID number.
func CheckDigit(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ParseID checks a citizen ID number (GB 11643-1999): 18 characters,
// a real province, a valid birth date not in the future, and the check
// character. Errors name field; they never echo the number.
func ParseID(field, s string) (IDInfo, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	var info IDInfo
	if len(s) == 15 && isDigits(s) {
		return info, apperr.Field(field, "id.old_format")
	}
	if len([]rune(s)) != 18 {
		return info, apperr.Field(field, "id.length")
	}
	if !isDigits(s[:17]) || !(isDigits(s[17:]) || s[17] == 'X') {
		return info, apperr.Field(field, "id.chars")
	}
	if !slices.Contains(provinces, s[:2]) || s[2:6] == "0000" {
		return info, apperr.Field(field, "id.region")
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(time.Now()) {
		return info, apperr.Field(field, "id.birth_date")
	}
	if CheckDigit(s[:17]) != s[17] {
		return info, apperr.Field(field, "id.check_digit")
	}
	return IDInfo{Number: s, Region: s[:6], Birth: birth, Male: (s[16]-'0')%2 == 1}, nil
}

// MakeID makes a valid ID number (for demo data and tests): a region code,
// a birth date, a sequence 0–499 and the sex.
func MakeID(region string, birth time.Time, seq int, male bool) string {
	n := (seq % 500) * 2
	if male {
		n++
	}
	first := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), n)
	return first + string(CheckDigit(first))
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// NormalizePhone accepts a mainland mobile number (with spaces, dashes or
// a +86 prefix) or a landline (0 + area code + number, optional dash and
// extension) and returns its plain digits form.
func NormalizePhone(field, s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')' || r == '（' || r == '）':
		default:
			return "", apperr.Field(field, "phone.invalid")
		}
	}
	d := b.String()
	if strings.HasPrefix(d, "86") && len(d) == 13 {
		d = d[2:]
	}
	switch {
	case len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9':
		return d, nil
	case d != "" && d[0] == '0' && len(d) >= 10 && len(d) <= 16:
		return d, nil
	}
	return "", apperr.Field(field, "phone.invalid")
}

// MaskID shows only the region (the first 6 characters) of an ID number:
// 441602************. Digits 7–14 are the birth date and the last four
// hold the sequence, sex and check character, so a mask keeping them
// beside an age or a birth date would leave a handful of candidates;
// region, sex and age together still leave about 180,000.
func MaskID(id string) string {
	if len(id) < 6 {
		return strings.Repeat("*", len(id))
	}
	return id[:6] + strings.Repeat("*", len(id)-6)
}

// Age is the age someone born on birth (YYYY-MM-DD) reaches in the year of
// now: the current year less the birth year. It moves for everyone on
// 1 January, so a caller who watches it day by day never learns the
// birthday; ok is false when birth is not such a date. The caller passes
// now in China time.
func Age(birth string, now time.Time) (age int, ok bool) {
	b, err := time.Parse("2006-01-02", birth)
	if err != nil {
		return 0, false
	}
	return max(now.Year()-b.Year(), 0), true
}

// MaskPhone shows the first 3 and last 4 digits of a mobile number, the
// area code and last 2 digits of a landline.
func MaskPhone(p string) string {
	switch {
	case len(p) == 11 && p[0] == '1':
		return p[:3] + "****" + p[7:]
	case len(p) >= 10 && p[0] == '0':
		area := 4
		if p[1] == '1' || p[1] == '2' { // 010, 02x: three-digit area codes
			area = 3
		}
		return p[:area] + "****" + p[len(p)-2:]
	case len(p) > 4:
		return strings.Repeat("*", len(p)-4) + p[len(p)-4:]
	}
	return strings.Repeat("*", len(p))
}

// MaskName keeps a name's first character: 张三丰 → 张**.
func MaskName(n string) string {
	rs := []rune(n)
	if len(rs) <= 1 {
		return n
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-1)
}

// MaskAddress hides the door and room of a precise address: every digit
// after the last building marker (号, 栋, 幢, 座, 单元, 号楼) becomes "*",
// so "建设大道56号3栋1502房" reads "建设大道56号3栋****房". With no marker,
// every digit of the last third is hidden.
func MaskAddress(a string) string {
	rs := []rune(a)
	cut := -1
	for i, r := range rs {
		if r == '号' || r == '栋' || r == '幢' || r == '座' || r == '元' || r == '楼' {
			cut = i
		}
	}
	if cut < 0 || cut == len(rs)-1 {
		cut = len(rs) * 2 / 3
	}
	// Markers inside the masked tail (the 号 of 3号房) are kept; digits and
	// Latin letters go.
	for i := cut + 1; i < len(rs); i++ {
		if unicode.IsDigit(rs[i]) || (rs[i] < 128 && unicode.IsLetter(rs[i])) {
			rs[i] = '*'
		}
	}
	return string(rs)
}

// Categories are the sensitive categories of key persons (GB/T 31000 special
// groups plus key youth and key petitioners). Seeing a key person of a
// category needs the permission "pii.sensitive.<code>".
var Categories = []string{"released_prisoner", "community_correction", "mental_disorder", "drug_user", "hiv_risk", "key_youth", "key_petitioner"}

// ValidCategory reports whether code is a sensitive category.
func ValidCategory(code string) bool { return slices.Contains(Categories, code) }

// Vault seals personal values and computes their blind indexes.
type Vault struct{ keys *secret.Keys }

// NewVault makes a vault over the data key.
func NewVault(k *secret.Keys) *Vault { return &Vault{keys: k} }

// Seal encrypts a value with AES-256-GCM bound to its field and row, so a
// value copied to another row or column does not open. "" stays "".
func (v *Vault) Seal(field, recordID, plain string) string {
	if plain == "" {
		return ""
	}
	return v.keys.Seal(plain, "pii:"+field+":"+recordID)
}

// Open decrypts a value sealed for the same field and row.
func (v *Vault) Open(field, recordID, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	return v.keys.Open(sealed, "pii:"+field+":"+recordID)
}

// Blind is the keyed blind index of a normalized value: an HMAC-SHA256
// under a key derived per field, so equal values match (a unique index
// makes one person per ID; exact search works) while the database never
// holds the value, and values of different fields never compare equal.
func (v *Vault) Blind(field, normalized string) string {
	if normalized == "" {
		return ""
	}
	m := hmac.New(sha256.New, v.keys.Derive("pii-blind/"+field))
	m.Write([]byte(normalized))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
