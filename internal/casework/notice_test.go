package casework

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/i18n"
)

// rawCode finds a word of Latin letters: in a Chinese message it is a code
// left untranslated (handled, check, county) or a message key.
var rawCode = regexp.MustCompile(`[A-Za-z_]{2,}`)

func noRawCode(t *testing.T, what, text string) {
	t.Helper()
	if text == "" {
		t.Errorf("%s: empty", what)
	}
	if m := rawCode.FindString(text); m != "" {
		t.Errorf("%s: %q shows the code %q", what, text, m)
	}
}

// Every inbox message, timeline note and audit summary the loop writes
// reads in Chinese words, whatever codes go into it.
func TestNoticesAndSummariesNameCodesInWords(t *testing.T) {
	stages := []string{"intake", "dispatch", "sign", "handle", "check"}
	for _, kind := range Notices {
		for _, stage := range stages {
			for _, level := range Levels {
				text := noticeText(kind, "no", "202612060001", "category", "暴露垃圾", "level", level, "stage", stage, "hours", 8, "note", "已联系物业", "due", "2026-12-07 14:30")
				noRawCode(t, "notice."+kind, text)
				if strings.Contains(text, "{") {
					t.Errorf("notice.%s: %q has a placeholder left", kind, text)
				}
			}
		}
	}
	for _, stage := range stages {
		noRawCode(t, "step.overdue", stepNote("overdue", "stage", stage))
		if got := noticeText("overdue", "no", "202612060001", "stage", stage); stage == "check" && !strings.Contains(got, "核查") {
			t.Errorf("overdue at check: %q", got)
		}
	}
	noRawCode(t, "step.merged_in", stepNote("merged_in", "no", "202612060001"))

	states := append(slices.Clone(openStates), Closed, Refused, Merged)
	for action, r := range Actions {
		for _, from := range r.from {
			for _, to := range states {
				e := audit.Entry{Action: "event." + action, ObjectType: "event", ObjectID: "0193a0c4-7e2b-7000-8000-000000000001", Detail: "202612060001 " + from + "→" + to}
				name, sum := summarizeEvent("zh-CN", e)
				if name != "202612060001" {
					t.Errorf("%s: object name %q", action, name)
				}
				noRawCode(t, "audit "+action, sum)
			}
			// the refusal of an illegal action names the state and the action in words
			noRawCode(t, "event.illegal_transition", i18n.T("zh-CN", "event.illegal_transition", map[string]any{"state": from, "action": action}))
		}
	}
	for _, stage := range stages {
		_, sum := summarizeEvent("zh-CN", audit.Entry{Action: "event.overdue", ObjectType: "event", Detail: "202612060001 " + stage})
		noRawCode(t, "audit overdue", sum)
		_, sum = summarizeEvent("zh-CN", audit.Entry{Action: "event.overdue", ObjectType: "event", Detail: stage})
		noRawCode(t, "audit overdue (older row)", sum)
	}
	for _, ch := range Channels {
		_, sum := summarizeEvent("zh-CN", audit.Entry{Action: "event.report", ObjectType: "event", Detail: "202612060001 " + ch + " 0101"})
		if ch != "open311" { // Open311 is the standard's own name
			noRawCode(t, "audit report "+ch, sum)
		}
	}
	if _, sum := summarizeEvent("zh-CN", audit.Entry{Action: "event.check_pass", Detail: "202612060001 handled→closed"}); sum != "事件 202612060001：待核查 → 已结案" {
		t.Errorf("check_pass summary: %q", sum)
	}
}
