package campaign_test

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
