package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Unit is the unit of a time limit.
type Unit int

// The units of a time limit. Minutes and Hours are natural (clock) time;
// WorkHours and WorkDays count only working time of the calendar.
const (
	Minutes   Unit = iota + 1 // "m": clock minutes
	Hours                     // "h": clock hours
	WorkHours                 // "wh": working hours
	WorkDays                  // "wd": working days
)

var unitSuffix = [...]string{Minutes: "m", Hours: "h", WorkHours: "wh", WorkDays: "wd"}

// String returns the unit's suffix in the written form of a limit: "m", "h",
// "wh" or "wd".
func (u Unit) String() string {
	if !u.valid() {
		return "Unit(" + strconv.Itoa(int(u)) + ")"
	}
	return unitSuffix[u]
}

// Natural reports whether u counts clock time (Minutes, Hours) rather than
// working time.
func (u Unit) Natural() bool { return u == Minutes || u == Hours }

func (u Unit) valid() bool { return u >= Minutes && u <= WorkDays }

// MaxAmount is the largest amount of a limit (100000 working days is about
// 400 years); it keeps every limit's duration inside time.Duration.
const MaxAmount = 100000

// ErrInvalidLimit is wrapped by every error about a limit's text or value.
var ErrInvalidLimit = errors.New("calendar: invalid time limit")

// Limit is a time limit such as 4 working hours. Its written form is the
// amount followed by the unit's suffix: "30m", "2h", "4wh", "5wd". In JSON a
// Limit is that string.
type Limit struct {
	Amount int
	Unit   Unit
}

// ParseLimit parses the written form of a limit: a positive whole amount
// without sign, spaces or leading zeros, at most MaxAmount, followed by "m",
// "h", "wh" or "wd". Errors name the text.
func ParseLimit(s string) (Limit, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	digits, suffix := s[:i], s[i:]
	bad := func(reason string) (Limit, error) {
		return Limit{}, fmt.Errorf("%w %q: %s", ErrInvalidLimit, s, reason)
	}
	if digits == "" {
		if strings.HasPrefix(s, "-") {
			return bad("the amount must be positive")
		}
		return bad(`want a whole amount and a unit, such as "30m", "2h", "4wh" or "5wd"`)
	}
	var u Unit
	for cand := Minutes; cand <= WorkDays; cand++ {
		if suffix == unitSuffix[cand] {
			u = cand
		}
	}
	if u == 0 {
		return bad(`the unit must be "m", "h", "wh" or "wd"`)
	}
	n, err := strconv.Atoi(digits)
	switch {
	case err != nil || n > MaxAmount:
		return bad("the amount is larger than " + strconv.Itoa(MaxAmount))
	case n == 0:
		return bad("the amount must be positive")
	case digits[0] == '0':
		return bad("the amount must not have leading zeros")
	}
	return Limit{Amount: n, Unit: u}, nil
}

// String returns the written form of the limit, such as "4wh"; ParseLimit
// reads it back.
func (l Limit) String() string {
	return strconv.Itoa(l.Amount) + l.Unit.String()
}

// Validate reports whether the limit has a known unit and an amount from 1 to
// MaxAmount.
func (l Limit) Validate() error {
	switch {
	case !l.Unit.valid():
		return fmt.Errorf("%w %q: unknown unit", ErrInvalidLimit, l.String())
	case l.Amount < 1:
		return fmt.Errorf("%w %q: the amount must be positive", ErrInvalidLimit, l.String())
	case l.Amount > MaxAmount:
		return fmt.Errorf("%w %q: the amount is larger than %d", ErrInvalidLimit, l.String(), MaxAmount)
	}
	return nil
}

// MarshalText writes the limit's written form; an invalid limit is an error.
func (l Limit) MarshalText() ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a limit's written form (see ParseLimit).
func (l *Limit) UnmarshalText(b []byte) error {
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// amount returns l.Amount clamped to [0, MaxAmount].
func (l Limit) amount() time.Duration {
	return time.Duration(min(max(l.Amount, 0), MaxAmount))
}
