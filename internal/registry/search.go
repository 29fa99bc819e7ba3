package registry

import (
	"context"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/registry/search"
)

// Hit is one search result.
type Hit = search.Hit

// Search finds records in the caller's registry.read scope whose text holds
// every word of q, at most limit of them (package search does the work).
func (s *Service) Search(ctx context.Context, q string, limit int) ([]Hit, error) {
	return search.Find(ctx, s.db, authz.From(ctx).Scopes(authz.RegistryRead), q, regkit.ClampLimit(limit))
}
