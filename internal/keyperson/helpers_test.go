package keyperson_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/testapp"
)

type candidate struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	ServesGrid  bool   `json:"serves_grid"`
	Default     bool   `json:"default"`
}

func meID(c *testapp.Client) string {
	var me struct {
		ID string `json:"id"`
	}
	c.Do("GET", "/api/v1/me", nil, &me)
	return me.ID
}

// disable switches an account off behind the API's back.
func disable(t *testing.T, a *testapp.App, userID string) {
	t.Helper()
	err := a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), "UPDATE users SET status = 'disabled' WHERE id = ?", userID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

type keyPerson struct {
	ID             string `json:"id"`
	PersonID       string `json:"person_id"`
	Category       string `json:"category"`
	RiskLevel      string `json:"risk_level"`
	VisitEveryDays int    `json:"visit_every_days"`
	NextVisitDue   int64  `json:"next_visit_due"`
	Light          string `json:"light"`
	ResponsibleID  string `json:"responsible_id"`
	Version        int    `json:"version"`
	Visits         []struct {
		Agency string `json:"agency"`
		Note   string `json:"note"`
	} `json:"visits"`
}

type exportRow struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Rows       int    `json:"rows"`
	AwaitingMe bool   `json:"awaiting_me"`
}
