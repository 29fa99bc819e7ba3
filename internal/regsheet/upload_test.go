package regsheet_test

import (
	"encoding/json"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// A file name PostgreSQL text cannot hold (RFC 2231 lets a filename*=
// parameter carry %00) is refused with a field error, not stored.
func TestImportFileNameMustBeText(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	body := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%00b.csv\r\nContent-Type: text/csv\r\n\r\n" +
		"姓名,公民身份号码,人口类型\r\n张三,1,户籍人口\r\n\r\n--b--\r\n"
	r := a.Login("grid_member").Raw("POST", "/api/v1/imports?kind=people", "multipart/form-data; boundary=b", []byte(body))
	var p testapp.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil || r.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "file" || p.Code != "request.invalid_text" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}
