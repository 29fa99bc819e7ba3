package campaign_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// gridCode is the first 综治 grid of the grid member's village.
func gridCode(t *testing.T, a *testapp.App) string {
	var code string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.code FROM grids g JOIN grid_members m ON m.grid_id = g.id
		JOIN users u ON u.id = m.user_id WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

type campaign struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Total   int    `json:"total"`
	Pending int    `json:"pending"`
	Checked int    `json:"checked"`
	Gone    int    `json:"gone"`
	New     int    `json:"new"`
	Grids   []struct {
		GridID string `json:"grid_id"`
		Total  int    `json:"total"`
	} `json:"grids"`
}
