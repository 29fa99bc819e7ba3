package casework

// The figures of a set of events and their rates, as docs/casework.md
// defines them; package dashboard counts them.

// Figures are the counts behind the rates of a set of events. The rates are
// defined in docs/casework.md; each count can be listed with the same
// filters on GET /events (drill-down).
type Figures struct {
	Received   int `json:"received"`   // reported in the window, merged ones left out
	Accepted   int `json:"accepted"`   // filed (立案): not refused, not waiting for intake
	Dispatched int `json:"dispatched"` // sent to a unit at least once
	Responded  int `json:"responded"`  // signed for within the sign limit
	Closed     int `json:"closed"`
	OnTime     int `json:"on_time"` // closed by the deadline (self-resolved ones count)
	Rated      int `json:"rated"`
	Satisfied  int `json:"satisfied"` // satisfied + basically satisfied
	Open       int `json:"open"`
	Overdue    int `json:"overdue"` // open and past the stage deadline now
	Grid       int `json:"closed_grid"` // resolved on the spot by the grid member (微事不出网格)
	Village    int `json:"closed_village"`
	Town       int `json:"closed_town"`
	County     int `json:"closed_county"`
}

// Rates are the four rates of a set of events, as fractions (null when the
// denominator is zero).
type Rates struct {
	Response     *float64 `json:"response"`
	Resolution   *float64 `json:"resolution"`
	Satisfaction *float64 `json:"satisfaction"`
	OnTime       *float64 `json:"on_time"`
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

// Rates computes the rates from the figures.
func (f Figures) Rates() Rates {
	return Rates{Response: ratio(f.Responded, f.Dispatched), Resolution: ratio(f.Closed, f.Accepted),
		Satisfaction: ratio(f.Satisfied, f.Rated), OnTime: ratio(f.OnTime, f.Closed)}
}

// Row is the figures of one group (an area, a category, a channel, a month).
type Row struct {
	Key     string  `json:"key"`
	Name    string  `json:"name"`
	Figures Figures `json:"figures"`
	Rates   Rates   `json:"rates"`
}

// Dashboard is a leader's overview of an area over a window.
type Dashboard struct {
	OrgID      string  `json:"org_id"`
	From       int64   `json:"from"`
	To         int64   `json:"to"`
	Totals     Figures `json:"totals"`
	Rates      Rates   `json:"rates"`
	ByArea     []Row   `json:"by_area"`
	ByCategory []Row   `json:"by_category"`
	ByChannel  []Row   `json:"by_channel"`
	ByMonth    []Row   `json:"by_month"`
}

// Add sums another group's figures into f.
func (f *Figures) Add(o Figures) {
	f.Received += o.Received
	f.Accepted += o.Accepted
	f.Dispatched += o.Dispatched
	f.Responded += o.Responded
	f.Closed += o.Closed
	f.OnTime += o.OnTime
	f.Rated += o.Rated
	f.Satisfied += o.Satisfied
	f.Open += o.Open
	f.Overdue += o.Overdue
	f.Grid += o.Grid
	f.Village += o.Village
	f.Town += o.Town
	f.County += o.County
}

// MapPoint is an open event on the leaders' map.
type MapPoint struct {
	ID       string  `json:"id"`
	No       string  `json:"no"`
	Lat      float64 `json:"lat"`
	Lng      float64 `json:"lng"`
	State    string  `json:"state"`
	Light    string  `json:"light"`
	Category string  `json:"category_code"`
}
