package photo

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Image is a photo as Clean left it: its bytes and content type.
type Image struct {
	Data []byte
	Type string
}

// FromBase64 takes in photos sent inside a JSON body as base64 (a data:
// URL is taken too), at most max of them, each cleaned by Clean. A bad one
// is refused under its own field, field[i], with Check's reason.
func FromBase64(ctx context.Context, field string, list []string, max int) ([]Image, error) {
	if len(list) > max {
		return nil, apperr.Field(field, "media.too_many", "max", max)
	}
	out := make([]Image, 0, len(list))
	for i, b64 := range list {
		name := field + "[" + strconv.Itoa(i) + "]"
		if head, body, ok := strings.Cut(b64, ","); ok && strings.HasPrefix(head, "data:") {
			b64 = body
		}
		if base64.StdEncoding.DecodedLen(len(b64)) > MaxBytes+2 {
			return nil, apperr.Field(name, "media.too_large", "max", MaxBytes)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, apperr.Field(name, "media.corrupt")
		}
		data, ct, err := Clean(ctx, raw)
		if err != nil {
			if e := apperr.As(err); e.Kind == apperr.Invalid {
				return nil, &apperr.Error{Kind: apperr.Invalid, Code: e.Code, Params: e.Params,
					Fields: []apperr.FieldError{{Field: name, Code: e.Code, Params: e.Params}}}
			}
			return nil, err
		}
		out = append(out, Image{data, ct})
	}
	return out, nil
}
