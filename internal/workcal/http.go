package workcal

import (
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/httpx"
)

// YearList is the loaded years with the version in force of each, and the
// years missing now.
type YearList struct {
	Items   []Record `json:"items"`
	Missing []Notice `json:"missing"`
}

// YearDetail is a version of a year with its days and every version of it.
type YearDetail struct {
	YearDays
	History []Record `json:"history"`
}

// Routes are the work calendar's endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/calendar/status", Tag: "calendar", Summary: "Years the work calendar lacks now, for the dashboard's notice",
			Access: "any signed-in user (which years are loaded is not confidential)", Do: httpx.Get(s.status)},
		{Method: "GET", Path: "/api/v1/calendar/years", Tag: "calendar", Summary: "Loaded years of the work calendar, with the version in force",
			Perm: Perm, Do: httpx.Get(s.years)},
		{Method: "GET", Path: "/api/v1/calendar/years/{year}", Tag: "calendar", Summary: "A year's holidays and swapped workdays, and its history",
			Perm: Perm, Params: []httpx.Param{{Name: "version", In: "query", Type: "integer", Desc: "an earlier version; default the one in force"}},
			Do: httpx.Get(s.year)},
		{Method: "POST", Path: "/api/v1/calendar/years", Tag: "calendar",
			Summary: "Load a year's holidays and swapped workdays from the plain format (a reload keeps the earlier version)",
			Perm:    Perm, Status: 201, MaxBody: 2 * 64 << 10, Do: httpx.Call(s.load)},
	}
}

func (s *Service) status(r *http.Request) (Status, error) { return s.Status(r.Context()) }

func (s *Service) years(r *http.Request) (YearList, error) {
	items, err := s.Years(r.Context())
	if err != nil {
		return YearList{}, err
	}
	st, err := s.Status(r.Context())
	return YearList{Items: items, Missing: st.Missing}, err
}

func (s *Service) year(r *http.Request) (YearDetail, error) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return YearDetail{}, apperr.NotFoundf("calendar_year")
	}
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return YearDetail{}, apperr.Field("version", "validation.integer")
		}
	}
	y, err := s.Get(r.Context(), year, version)
	if err != nil {
		return YearDetail{}, err
	}
	h, err := s.History(r.Context(), year)
	return YearDetail{YearDays: y, History: h}, err
}

func (s *Service) load(r *http.Request, in LoadInput) (Record, error) {
	return s.Load(r.Context(), in)
}
