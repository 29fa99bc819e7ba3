package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/i18n"
)

func timestamp() string { return time.Now().UTC().Format("20060102-150405") }

// explain turns a service error into a readable message for the terminal.
func explain(err error) error {
	ae := apperr.As(err)
	if ae.Kind == apperr.Internal {
		return err
	}
	lang := i18n.Match(strings.Split(envLang(), ".")[0])
	if lang == "" {
		lang = "en"
	}
	if len(ae.Fields) == 0 {
		return fmt.Errorf("%s", i18n.T(lang, ae.Code, ae.Params))
	}
	var parts []string
	for _, f := range ae.Fields {
		parts = append(parts, f.Field+": "+i18n.T(lang, f.Code, f.Params))
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

func envLang() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return ""
}
