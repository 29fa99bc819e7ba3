// Package org is the administrative tree (city → county → town → village)
// and the grids laid over it: several grid layers over the same ground, each
// grid in one village, with its team and households. It answers "which grid
// of each layer holds this point?" from an in-memory index.
package org

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/geo"
)

// Kinds of org node, from the top. Their codes are 2, 4, 6, 9 and 12 digits.
var kinds = []struct {
	Kind    string
	CodeLen int
}{{"province", 2}, {"city", 4}, {"county", 6}, {"town", 9}, {"village", 12}}

func codeLen(kind string) int {
	for _, k := range kinds {
		if k.Kind == kind {
			return k.CodeLen
		}
	}
	return 0
}

// childKind is the kind under kind, "" under a village (grids come next).
func childKind(kind string) string {
	for i, k := range kinds {
		if k.Kind == kind && i+1 < len(kinds) {
			return kinds[i+1].Kind
		}
	}
	return ""
}

// Layers are the grid layers (多网合一) in display order. zz is the 综治
// grid every other feature keys on.
var Layers = []string{"zz", "school", "hospital", "enterprise", "market", "cg", "aqsc"}

// MainLayer is the 综治 grid layer.
const MainLayer = "zz"

// layerSeq is the range of the 3-digit sequence (the last three digits of
// the 15-digit code: county 6 + town 3 + village 3 + sequence 3) each layer
// numbers its grids in, so that a code names one grid: the layers over one
// village never share a code. 900–999 are kept for layers to come.
var layerSeq = map[string][2]int{
	"zz":       {1, 499},   // 综治
	"school":   {500, 549}, // 专属: schools, hospitals, enterprises, markets
	"hospital": {550, 599}, "enterprise": {600, 649}, "market": {650, 699},
	"cg":   {700, 799}, // 城管
	"aqsc": {800, 899}, // 安全生产
}

// SeqRange is the first and last sequence a layer's grid codes use.
func SeqRange(layer string) (first, last int) {
	r := layerSeq[layer]
	return r[0], r[1]
}

// CodeOf is the code of the n-th grid (from 1) of a layer in a village
// (its 12-digit code).
func CodeOf(village, layer string, n int) string {
	return fmt.Sprintf("%s%03d", village, layerSeq[layer][0]+n-1)
}

// checkCodeLayer refuses (on field) a 15-digit code whose sequence lies
// outside its layer's range.
func checkCodeLayer(field, code, layer string) error {
	first, last := SeqRange(layer)
	if seq, _ := strconv.Atoi(code[12:]); seq < first || seq > last {
		return apperr.Field(field, "grid.code_layer", "code", code, "layer", layer, "first", fmt.Sprintf("%03d", first), "last", fmt.Sprintf("%03d", last))
	}
	return nil
}

// Team roles of the "1+1+N" grid team: the 网格长, the 网格员 (full-time or
// part-time as their roster entry says), the N 辅助员, the village police
// officer (一村一警), the 楼栋长, and the volunteers and party members
// assigned to the grid.
var TeamRoles = []string{"grid_chief", "grid_member", "assistant", "police", "building_head", "volunteer", "party_member"}

// LatLng is a position for clients (WGS-84).
type LatLng struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Ref names an org node briefly (breadcrumbs).
type Ref struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Node is an org node with its counts.
type Node struct {
	ID         string  `json:"id"`
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Kind       string  `json:"kind"`
	ParentID   string  `json:"parent_id"`
	Status     string  `json:"status"`
	Version    int     `json:"version"`
	ChildCount int     `json:"child_count"`
	GridCount  int     `json:"grid_count"`
	Households int     `json:"households"`
	Center     *LatLng `json:"center"`
	Ancestors  []Ref   `json:"ancestors,omitempty"`
	path       string
	geometry   string
}

// NodeInput creates a node.
type NodeInput struct {
	ParentID string `json:"parent_id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
}

// NodePatch renames a node.
type NodePatch struct {
	Name    *string `json:"name,omitempty"`
	Version int     `json:"version"`
}

// NodeMove moves a node under another parent with a new code.
type NodeMove struct {
	ParentID string `json:"parent_id"`
	Code     string `json:"code"`
	Version  int    `json:"version"`
}

// VersionOnly carries the version a change was based on.
type VersionOnly struct {
	Version int `json:"version"`
}

// Member is one place of a grid team: the role and the person, with
// their roster entry.
type Member struct {
	ID         string `json:"id"`
	Role       string `json:"role"`
	Name       string `json:"name"`
	Username   string `json:"username,omitempty"`
	WorkerID   string `json:"worker_id,omitempty"`
	Employment string `json:"employment,omitempty"`
	Primary    bool   `json:"is_primary"`
	Version    int    `json:"version"`
}

// Grid is a grid with its place in the tree.
type Grid struct {
	ID         string          `json:"id"`
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Layer      string          `json:"layer"`
	OrgID      string          `json:"org_id"`
	OrgName    string          `json:"org_name"`
	Households int             `json:"households"`
	Status     string          `json:"status"`
	Version    int             `json:"version"`
	Center     LatLng          `json:"center"`
	Team       []Member        `json:"team,omitempty"`
	Ancestors  []Ref           `json:"ancestors,omitempty"`
	Geometry   json.RawMessage `json:"geometry,omitempty"`
	path       string
	geom       geo.MultiPolygon
}

// GridInput creates a grid in a village.
type GridInput struct {
	OrgID      string          `json:"org_id"`
	Layer      string          `json:"layer"`
	Code       string          `json:"code,omitempty"`
	Name       string          `json:"name"`
	Households int             `json:"households"`
	Geometry   json.RawMessage `json:"geometry"`
}

// GridPatch changes a grid; absent fields stay.
type GridPatch struct {
	Name       *string         `json:"name,omitempty"`
	Households *int            `json:"households,omitempty"`
	Geometry   json.RawMessage `json:"geometry,omitempty"`
	Version    int             `json:"version"`
}

// GridMove moves a grid to another village (it gets a new code there).
type GridMove struct {
	OrgID   string `json:"org_id"`
	Version int    `json:"version"`
}

// Hit is the grid of one layer that holds a point.
type Hit struct {
	Layer     string `json:"layer"`
	LayerName string `json:"layer_name"`
	GridID    string `json:"grid_id"`
	GridCode  string `json:"grid_code"`
	GridName  string `json:"grid_name"`
	OrgID     string `json:"org_id"`
	OrgName   string `json:"org_name"`
	Path      string `json:"-"` // the grid's area path, for casework to file an event under
}
