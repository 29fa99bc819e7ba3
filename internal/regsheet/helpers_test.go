package regsheet_test

type exportRow struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Rows       int    `json:"rows"`
	AwaitingMe bool   `json:"awaiting_me"`
}
