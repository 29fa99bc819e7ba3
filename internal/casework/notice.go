package casework

import (
	"strings"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/i18n"
)

// Notices are the inbox messages the loop sends, by kind: each a message
// key notice.<kind> whose codes ({stage}, {level}) are named in words.
var Notices = []string{"new", "filed", "escalated", "dispatched", "returned", "extension", "check", "supervise", "whistle", "overdue", "supervise_overdue", "public_update"}

// noticeText renders an inbox message in the centre's working language
// (zh-CN): messages are stored as sent, as an SMS would be.
func noticeText(kind string, params ...any) string {
	return i18n.T(i18n.Default, "notice."+kind, pairs(params))
}

// stepNote is the timeline note the loop writes itself (an overdue stage,
// an event merged in), in the centre's working language.
func stepNote(key string, params ...any) string {
	return i18n.T(i18n.Default, "step."+key, pairs(params))
}

func pairs(kv []any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// summarizeEvent names an event's audit row for the audit page: its number
// instead of its id, and the change in words ("待核查 → 已结案", not
// "handled→closed"). The detail the loop records is "NO from→to", or "NO"
// and one more code (an overdue stage, a public update's status).
func summarizeEvent(lang string, e audit.Entry) (string, string) {
	f := strings.Fields(e.Detail)
	if len(f) == 0 || !eventNo(f[0]) {
		if e.Action == "event.overdue" && len(f) == 1 { // rows written before the number was recorded
			return "", i18n.T(lang, "audit.event_overdue_stage", map[string]any{"stage": f[0]})
		}
		return "", ""
	}
	no := f[0]
	if len(f) == 1 {
		return no, i18n.T(lang, "audit.event", map[string]any{"no": no})
	}
	if from, to, ok := strings.Cut(f[1], "→"); ok {
		if from == to {
			return no, i18n.T(lang, "audit.event_state", map[string]any{"no": no, "state": to})
		}
		return no, i18n.T(lang, "audit.event_transition", map[string]any{"no": no, "from": i18n.T(lang, "state."+from, nil), "to": i18n.T(lang, "state."+to, nil)})
	}
	switch e.Action {
	case "event.overdue":
		return no, i18n.T(lang, "audit.event_overdue", map[string]any{"no": no, "stage": f[1]})
	case "event.report":
		return no, i18n.T(lang, "audit.event_reported", map[string]any{"no": no, "channel": i18n.T(lang, "channel."+f[1], nil)})
	}
	return no, i18n.T(lang, "audit.event", map[string]any{"no": no})
}

// eventNo reports whether s looks like an event number (yyyymmdd + digits).
func eventNo(s string) bool {
	if len(s) < 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
