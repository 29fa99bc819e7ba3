// Package workcal keeps the work calendar's years: the holidays and swapped
// workdays of each year, loaded by the system administrator from the State
// Council's notice (a page and `gridgov calendar import`), with every
// earlier version kept. It owns calendar_years. casework counts its
// deadlines on the years loaded here (Days); a year with none counts
// weekends alone, and Missing says which years should be loaded by now.
package workcal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
)

// Perm is the permission that loads a year and reads the history: the
// system administrator's casework configuration (see docs/calendar.md).
const Perm = authz.EventConfig

// Service loads and lists the years.
type Service struct {
	db    *db.DB
	audit *audit.Log
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log) *Service {
	return &Service{db: d, audit: log, Now: time.Now}
}

// Record is one load of a year: the version in force is a year's highest.
type Record struct {
	Year     int    `json:"year"`
	Version  int    `json:"version"`
	Holidays int    `json:"holidays"`
	Workdays int    `json:"workdays"`
	Source   string `json:"source"`
	Note     string `json:"note"`
	LoadedBy string `json:"loaded_by"`
	LoadedAt int64  `json:"loaded_at"` // Unix milliseconds
}

// YearDays is a version of a year with its days.
type YearDays struct {
	Record
	Days []calendar.Day `json:"days"`
}

// LoadInput is a year's file to load: its text in the plain format
// (calendar.ParseYear), the file's name, a note (the notice it follows, or
// why it is reloaded) and, when not 0, the year the file must be of.
type LoadInput struct {
	Year   int    `json:"year,omitempty"`
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Limits of the load's free text, in characters.
const (
	maxSource = 200
	maxNote   = 500
)

const versionCols = "year, version, holidays, workdays, source, note, loaded_by, loaded_at"

// Load checks a year's file and stores it as the year's next version, in
// one transaction with its audit row: all of it or nothing. Problems of the
// file come back per line (field "text", codes calendar.line.*).
func (s *Service) Load(ctx context.Context, in LoadInput) (Record, error) {
	var f apperr.Fields
	in.Source, in.Note = strings.TrimSpace(in.Source), strings.TrimSpace(in.Note)
	checkText(&f, "source", in.Source, maxSource)
	checkText(&f, "note", in.Note, maxNote)
	y, err := calendar.ParseYear(in.Text)
	var pe calendar.ParseError
	switch {
	case errors.As(err, &pe):
		for _, le := range pe {
			f.Add("text", "calendar.line."+le.Code, "line", le.Line, "value", le.Text, "max", calendar.MaxYearFile)
		}
	case err != nil:
		return Record{}, apperr.Wrap(err, "parse year")
	case in.Year != 0 && y.Year != in.Year:
		f.Add("year", "calendar.year_mismatch", "year", in.Year, "file_year", y.Year)
	}
	if err := f.Err(); err != nil {
		return Record{}, err
	}
	p := authz.From(ctx)
	if p == nil {
		return Record{}, apperr.E(apperr.Unauthenticated, "auth.unauthenticated")
	}
	v := Record{Year: y.Year, Holidays: len(y.Holidays()), Workdays: len(y.Workdays()), Source: in.Source, Note: in.Note,
		LoadedBy: p.Username, LoadedAt: s.Now().UnixMilli()}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM calendar_years WHERE year = ?", y.Year).Scan(&v.Version); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO calendar_years (year, version, days, holidays, workdays, source, note, loaded_by, loaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Year, v.Version, y.Format(), v.Holidays, v.Workdays, v.Source, v.Note, v.LoadedBy, v.LoadedAt); err != nil {
			if db.IsUniqueViolation(err) { // another load of the year took this version first
				return apperr.E(apperr.Conflict, "calendar.load_conflict", "year", v.Year)
			}
			return err
		}
		return s.audit.Record(ctx, tx, Perm, audit.Entry{Action: "calendar.load", ObjectType: "calendar_year", ObjectID: fmt.Sprint(v.Year),
			Detail: fmt.Sprintf("version %d: %d holidays, %d workdays", v.Version, v.Holidays, v.Workdays)})
	})
	if err != nil {
		return Record{}, err
	}
	return v, nil
}

func checkText(f *apperr.Fields, field, s string, max int) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) }):
		f.Add(field, "calendar.text_invalid")
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "calendar.text_too_long", "max", max)
	}
}

// Years returns the version in force of every loaded year, latest year
// first.
func (s *Service) Years(ctx context.Context) ([]Record, error) {
	return s.versions(ctx, `SELECT `+versionCols+` FROM calendar_years c
		WHERE version = (SELECT MAX(version) FROM calendar_years m WHERE m.year = c.year) ORDER BY year DESC`)
}

// History returns every version of a year, newest first; none for a year
// never loaded.
func (s *Service) History(ctx context.Context, year int) ([]Record, error) {
	return s.versions(ctx, "SELECT "+versionCols+" FROM calendar_years WHERE year = ? ORDER BY version DESC", year)
}

func (s *Service) versions(ctx context.Context, query string, args ...any) ([]Record, error) {
	rows, err := s.db.Reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		var v Record
		if err := rows.Scan(&v.Year, &v.Version, &v.Holidays, &v.Workdays, &v.Source, &v.Note, &v.LoadedBy, &v.LoadedAt); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get returns a version of a year with its days; version 0 is the one in
// force.
func (s *Service) Get(ctx context.Context, year, version int) (YearDays, error) {
	q := "SELECT " + versionCols + ", days FROM calendar_years WHERE year = ? AND version = ?"
	args := []any{year, version}
	if version == 0 {
		q = "SELECT " + versionCols + ", days FROM calendar_years WHERE year = ? ORDER BY version DESC LIMIT 1"
		args = args[:1]
	}
	var y YearDays
	var days string
	err := s.db.Reader().QueryRowContext(ctx, q, args...).Scan(&y.Year, &y.Version, &y.Holidays, &y.Workdays, &y.Source, &y.Note,
		&y.LoadedBy, &y.LoadedAt, &days)
	if errors.Is(err, sql.ErrNoRows) {
		return y, apperr.NotFoundf("calendar_year")
	}
	if err != nil {
		return y, err
	}
	parsed, err := calendar.ParseYear(days)
	if err != nil {
		return y, apperr.Wrap(err, "stored calendar year")
	}
	y.Days = parsed.Days
	return y, nil
}

// Loaded is the holidays and swapped workdays of every loaded year (each
// year's version in force) and the years they cover.
type Loaded struct {
	Years    []int
	Holidays []calendar.Date
	Workdays []calendar.Date
}

// Has reports whether year is loaded.
func (l Loaded) Has(year int) bool { return slices.Contains(l.Years, year) }

// Days reads the loaded years for the rooms that count on the calendar
// (casework's deadlines), on q: a transaction or the reader.
func Days(ctx context.Context, q db.Querier) (Loaded, error) {
	rows, err := q.QueryContext(ctx, `SELECT year, days FROM calendar_years c
		WHERE version = (SELECT MAX(version) FROM calendar_years m WHERE m.year = c.year) ORDER BY year`)
	if err != nil {
		return Loaded{}, err
	}
	defer rows.Close()
	var l Loaded
	for rows.Next() {
		var year int
		var days string
		if err := rows.Scan(&year, &days); err != nil {
			return Loaded{}, err
		}
		y, err := calendar.ParseYear(days)
		if err != nil {
			return Loaded{}, apperr.Wrap(err, fmt.Sprintf("stored calendar year %d", year))
		}
		l.Years = append(l.Years, year)
		l.Holidays = append(l.Holidays, y.Holidays()...)
		l.Workdays = append(l.Workdays, y.Workdays()...)
	}
	return l, rows.Err()
}
