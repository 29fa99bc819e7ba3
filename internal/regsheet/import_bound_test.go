package regsheet_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/regsheet"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Uploaded sheets are read MaxImports at a time on a node: with every slot
// taken, a new import waits as running, and is read once a slot is free.
func TestImportsWaitForASlot(t *testing.T) {
	a := testapp.New(t)
	gm := a.Login("grid_member")
	for range regsheet.MaxImports {
		regsheet.ImportSlots <- struct{}{}
	}
	held := regsheet.MaxImports
	defer func() {
		for range held {
			<-regsheet.ImportSlots
		}
	}()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "人口.csv")
	fw.Write([]byte("姓名,公民身份号码,人口类型,联系电话,网格编码\n刘一,,户籍人口,," + gridCode(t, a) + "\n"))
	mw.Close()
	r := gm.Raw("POST", "/api/v1/imports?kind=people&mode=all", mw.FormDataContentType(), body.Bytes())
	if r.Status != 202 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var job map[string]any
	json.Unmarshal(r.Body, &job)
	// A one-row import takes milliseconds; this one cannot start.
	for range 5 {
		time.Sleep(50 * time.Millisecond)
		gm.Do("GET", "/api/v1/imports/"+job["id"].(string), nil, &job)
		if job["status"] != "running" {
			t.Fatalf("read with every slot taken: %v", job)
		}
	}
	<-regsheet.ImportSlots
	held--
	for range 200 {
		gm.Do("GET", "/api/v1/imports/"+job["id"].(string), nil, &job)
		if job["status"] != "running" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("still waiting with a slot free: %v", job)
}
