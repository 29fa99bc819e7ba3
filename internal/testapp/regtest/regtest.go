// Package regtest holds what the register rooms' tests share: the person
// and page shapes of the API, the grid member's first grid, new people and
// spreadsheet uploads through the API.
package regtest

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Person is a person as the API answers it.
type Person struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Sex         string `json:"sex"`
	Age         *int   `json:"age"`
	IDMasked    string `json:"id_number_masked"`
	PhoneMasked string `json:"phone_masked"`
	AddrMasked  string `json:"address_detail_masked"`
	HouseholdID string `json:"household_id"`
	GridCode    string `json:"grid_code"`
	Status      string `json:"status"`
	Version     int    `json:"version"`
	KeyPersons  []struct {
		ID       string `json:"id"`
		Category string `json:"category"`
	} `json:"key_persons"`
	Members []struct{ Name string } `json:"household_members"`
	History []struct {
		Action string   `json:"action"`
		Fields []string `json:"fields"`
	} `json:"history"`
}

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// GridCode is the first 综治 grid of the grid member's village.
func GridCode(t *testing.T, a *testapp.App) string {
	t.Helper()
	var code string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.code FROM grids g JOIN grid_members m ON m.grid_id = g.id
		JOIN users u ON u.id = m.user_id WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// NewPerson is the body of a registered person in grid, with extra fields.
func NewPerson(name, id string, grid string, extra map[string]any) map[string]any {
	m := map[string]any{"name": name, "id_number": id, "kind": "registered", "grid_code": grid}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// AddPeople registers n people in the grid member's first grid.
func AddPeople(t *testing.T, a *testapp.App, n int) []string {
	t.Helper()
	gm, grid := a.Login("grid_member"), GridCode(t, a)
	var ids []string
	for i := range n {
		var p Person
		body := NewPerson("测试"+string(rune('甲'+i)), pii.MakeID("441602", time.Date(1980, 1, 1+i, 0, 0, 0, 0, time.UTC), 40+i, i%2 == 0), grid, nil)
		if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
			t.Fatalf("person %d: %d %+v", i, st, gm.Fail("POST", "/api/v1/people", body))
		}
		ids = append(ids, p.ID)
	}
	return ids
}

// ImportFile uploads a spreadsheet as an import of kind in mode and waits
// for the job to finish.
func ImportFile(t *testing.T, c *testapp.Client, kind, mode, name string, data []byte) map[string]any {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	r := c.Raw("POST", "/api/v1/imports?kind="+kind+"&mode="+mode, mw.FormDataContentType(), body.Bytes())
	if r.Status != 202 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var job map[string]any
	json.Unmarshal(r.Body, &job)
	for range 200 {
		c.Do("GET", "/api/v1/imports/"+job["id"].(string), nil, &job)
		if job["status"] != "running" {
			return job
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("import still running: %v", job)
	return nil
}
