// Package i18n holds gridgov's message files (zh-CN, the default, and en),
// shared by the server's error messages and the web console.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

//go:embed messages/*.json
var files embed.FS

// Default is the language used when the client asks for none we have.
const Default = "zh-CN"

// Langs are the languages shipped.
var Langs = []string{"zh-CN", "en"}

var catalog = map[string]map[string]string{}

func init() {
	for _, l := range Langs {
		b, err := files.ReadFile("messages/" + l + ".json")
		if err != nil {
			panic(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("i18n %s: %v", l, err))
		}
		catalog[l] = m
	}
}

// Messages returns the whole message map of a language (nil if unknown).
func Messages(lang string) map[string]string { return catalog[lang] }

// Lang picks the language of a request: ?lang=, then the gridgov_lang
// cookie, then Accept-Language; zh-CN when nothing matches.
func Lang(r *http.Request) string {
	if l := Match(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if c, err := r.Cookie("gridgov_lang"); err == nil {
		if l := Match(c.Value); l != "" {
			return l
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if l := Match(tag); l != "" {
			return l
		}
	}
	return Default
}

// Match maps a language tag to a shipped language, or "".
func Match(tag string) string {
	t := strings.ToLower(tag)
	switch {
	case t == "":
		return ""
	case strings.HasPrefix(t, "zh"):
		return "zh-CN"
	case strings.HasPrefix(t, "en"):
		return "en"
	}
	return ""
}

// T translates key into lang, filling {name} placeholders from params. An
// unknown key falls back to the default language, then to the key itself.
func T(lang, key string, params map[string]any) string {
	msg, ok := catalog[lang][key]
	if !ok {
		if msg, ok = catalog[Default][key]; !ok {
			msg = key
		}
	}
	if len(params) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	for k, v := range params {
		val := fmt.Sprint(v)
		if prefix, ok := enumParams[k]; ok {
			if t, ok := catalog[lang][prefix+val]; ok {
				val = t
			}
		}
		msg = strings.ReplaceAll(msg, "{"+k+"}", val)
	}
	return msg
}

// enumParams are params whose values are codes with display names of their
// own: {kind} = "town" reads 乡镇（街道）.
var enumParams = map[string]string{"object": "object.", "kind": "kind.", "parent": "kind.", "layer": "layer.", "role": "role.",
	"state": "state.", "action": "event_action.", "stage": "stage.", "level": "level."}
