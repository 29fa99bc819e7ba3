package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestAgreementFilledForSigning: the town's 司法所 chief opens a settled
// case's agreement for printing; the parties' phones show masked until the
// chief fills in their full identities, giving a reason, and each party's
// read is audited with that reason and without the numbers.
func TestAgreementFilledForSigning(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	var id, phoneMasked string
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT d.id, p.phone_masked FROM disputes d
		JOIN dispute_agreements a ON a.dispute_id = d.id JOIN dispute_parties p ON p.dispute_id = d.id
		JOIN org_nodes o ON o.id = d.org_id
		WHERE p.phone_masked <> '' AND o.code LIKE ? ORDER BY d.no LIMIT 1`, townCode+"%").Scan(&id, &phoneMasked); err != nil {
		t.Fatalf("a settled case of the town with a party's phone: %v", err)
	}
	p := newPage(t, app.URL)
	acc := accountNamed(app, "sfschief")
	p.login(acc, app.NextOTP(acc))
	p.visible(headerUser)
	p.landed()
	p.open("/print/disputes/" + id)
	p.waitText("#agreement-parties", phoneMasked)
	p.settle()
	p.click("#print-fill")
	p.visible(".el-message-box__input input")
	p.click(".el-message-box__btns .el-button--primary")
	p.waitFor("the parties' full phones", `!document.querySelector('#agreement-parties').innerText.includes('****') && !document.querySelector('#print-fill')`,
		`document.querySelector('#agreement-parties').innerText`)
	phone := p.text("#agreement-parties .party-phone")
	if len(phone) != 11 || phone[:3] != phoneMasked[:3] || phone[7:] != phoneMasked[7:] {
		t.Errorf("the full phone %q does not fit its mask %q", phone, phoneMasked)
	}
	p.shot("dispute-06-agreement-filled")

	var n int
	if err := app.DB.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE object_id = ? AND action LIKE '%reveal%'
		AND detail LIKE '%打印调解协议书供当事人签署%' AND detail NOT LIKE ?`, id, "%"+phone+"%").Scan(&n); err != nil || n == 0 {
		t.Errorf("audited reads of the parties: %d (%v)", n, err)
	}
	if strings.Contains(p.text("#agreement-sheet"), "****") {
		t.Error("a value is still masked on the signed copy")
	}
}
