// Package tally is the one shape in which the work rooms (patrols, visits,
// the 9-key call, events, the registers) report what each member of the
// grid workforce did in a period, so that assessment can score it without
// reading their tables.
package tally

// Count is one metric of one roster member over a period: Done of Due
// (patrol windows walked of those planned, visits made on time of those
// due, reports filed of those sent), and for timed work the total
// Seconds over the Done items (time to accept a 9-key call).
type Count struct {
	Done    int   `json:"done"`
	Due     int   `json:"due"`
	Seconds int64 `json:"seconds,omitempty"`
}

// Add adds c to the count of worker in metric m.
func (s Sheets) Add(metric, worker string, c Count) {
	sh := s[metric]
	if sh == nil {
		sh = map[string]Count{}
		s[metric] = sh
	}
	old := sh[worker]
	sh[worker] = Count{Done: old.Done + c.Done, Due: old.Due + c.Due, Seconds: old.Seconds + c.Seconds}
}

// Sheets holds counts by metric code, then by roster member (workers.id).
type Sheets map[string]map[string]Count

// Period is the half-open span [From, To) in Unix milliseconds over the
// area at Path (its subtree).
type Period struct {
	From, To int64
	Path     string
}
