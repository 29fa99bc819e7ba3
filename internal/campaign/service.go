// Package campaign runs verification campaigns (核查): a town says "check
// all rental houses in these grids"; launching takes a snapshot of the
// records as items; grid members record each as checked (true as
// registered), changed (corrected in the register), or gone (the record
// leaves the register), and add records they find that were not there
// (new). Progress counts per grid.
//
// It builds on the registers (package registry): the items are their
// records, and a record found gone is retired through them.
package campaign

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/registry"
)

// Service runs the campaigns. Its clock is the registers'.
type Service struct {
	db    *db.DB
	audit *audit.Log
	reg   *registry.Service
}

// New makes the service over the registers reg.
func New(d *db.DB, log *audit.Log, reg *registry.Service) *Service {
	return &Service{db: d, audit: log, reg: reg}
}

// record audits one action on a campaign inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// readers may see a campaign without a single permission.
const readers = "holders of registry.campaign over the campaign's area, or registry.read where it has items"

// Routes are the campaign endpoints.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Path: "/api/v1/campaigns", Tag: "registry", Summary: "Launch a verification campaign (核查) over grids of an area",
			Perm: authz.RegistryCampaign, Status: 201, Do: httpx.Call(s.launch)},
		{Method: "GET", Path: "/api/v1/campaigns", Tag: "registry", Summary: "Campaigns the caller runs or has items in, with progress",
			Access: readers, Params: []httpx.Param{{Name: "status", In: "query", Desc: "open or closed"}}, Do: httpx.Get(s.list)},
		{Method: "GET", Path: "/api/v1/campaigns/{id}", Tag: "registry", Summary: "A campaign with its progress per grid",
			Access: readers, Do: httpx.Get(s.get)},
		{Method: "GET", Path: "/api/v1/campaigns/{id}/items", Tag: "registry", Summary: "The records to check, in the caller's grids",
			Access: readers, Params: []httpx.Param{{Name: "grid_id", In: "query"}, {Name: "result", In: "query"}, {Name: "cursor", In: "query"}, {Name: "limit", In: "query", Type: "integer"}},
			Do: httpx.Get(s.items)},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/items", Tag: "registry", Summary: "Add a record found on site (new)",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.addItem)},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/items/{item}", Tag: "registry", Summary: "Record a check: checked, changed or gone",
			Perm: authz.RegistryWrite, Do: httpx.Call(s.recordItem)},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/close", Tag: "registry", Summary: "Close a campaign",
			Perm: authz.RegistryCampaign, Do: httpx.Get(s.close)},
	}
}

func (s *Service) launch(r *http.Request, in CampaignInput) (Campaign, error) {
	return s.LaunchCampaign(r.Context(), in)
}

func (s *Service) list(r *http.Request) (registry.Page[Campaign], error) {
	items, err := s.Campaigns(r.Context(), r.URL.Query().Get("status"))
	return registry.Page[Campaign]{Items: items}, err
}

func (s *Service) get(r *http.Request) (Campaign, error) {
	return s.Campaign(r.Context(), r.PathValue("id"))
}

func (s *Service) items(r *http.Request) (registry.Page[CampaignItem], error) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	items, next, err := s.CampaignItems(r.Context(), r.PathValue("id"),
		ItemQuery{GridID: q.Get("grid_id"), Result: q.Get("result"), After: q.Get("cursor"), Limit: limit})
	return registry.Page[CampaignItem]{Items: items, NextCursor: next}, err
}

func (s *Service) addItem(r *http.Request, in ItemInput) (CampaignItem, error) {
	return s.AddNewItem(r.Context(), r.PathValue("id"), in)
}

func (s *Service) recordItem(r *http.Request, in ItemInput) (CampaignItem, error) {
	return s.RecordItem(r.Context(), r.PathValue("id"), r.PathValue("item"), in)
}

// close takes no body: httpx.Get, though the method is POST.
func (s *Service) close(r *http.Request) (Campaign, error) {
	return s.CloseCampaign(r.Context(), r.PathValue("id"))
}
