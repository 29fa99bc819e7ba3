package casework

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Alert is what a video (雪亮工程) or IoT platform posts when it detects a
// matter: an event on the video, iot or elderly one-key-call channel.
type Alert struct {
	Channel      string   `json:"channel"` // video, iot, elderly
	Source       string   `json:"source"`  // the camera, sensor or device id
	CategoryCode string   `json:"category_code"`
	Urgency      string   `json:"urgency,omitempty"`
	Description  string   `json:"description"`
	Lat          *float64 `json:"lat"`
	Lng          *float64 `json:"lng"`
}

var alertChannels = []string{"video", "iot", "elderly"}

// postAlert reports an alert as an event of its platform's key.
func (s *Service) postAlert(w http.ResponseWriter, r *http.Request) error {
	k, err := apikey.Verify(r.Context(), s.db.Reader(), r.Header.Get("X-API-Key"), apikey.Alerts)
	if err != nil {
		return err
	}
	var in Alert
	if err := httpx.Decode(r, &in, 0); err != nil {
		return err
	}
	if !slices.Contains(alertChannels, in.Channel) {
		return apperr.Field("channel", "validation.one_of", "values", strings.Join(alertChannels, ", "))
	}
	if n := len(in.Source); n == 0 || n > 64 {
		return apperr.Field("source", "validation.length", "min", 1, "max", 64)
	}
	key, err := requestKey(r, "apikey:"+k.ID, in)
	if err != nil {
		return err
	}
	ctx := authz.WithPrincipal(r.Context(), k.Principal())
	e, replay, err := s.Create(ctx, Report{Channel: in.Channel, CategoryCode: in.CategoryCode, Urgency: in.Urgency,
		Description: in.Description, Lat: in.Lat, Lng: in.Lng, ReporterName: in.Source}, key)
	return created(w, e, replay, err)
}
