package httpx

import (
	"net/url"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// QueryTime reads an optional RFC 3339 query parameter as Unix
// milliseconds (0 when absent), recording a field error when malformed.
func QueryTime(q url.Values, name string, f *apperr.Fields) int64 {
	v := q.Get(name)
	if v == "" {
		return 0
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		f.Add(name, "validation.datetime")
	}
	return t.UnixMilli()
}
