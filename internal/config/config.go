// Package config is gridgov's typed configuration: defaults, then GRIDGOV_*
// environment variables, then command-line flags.
package config

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything a gridgov process is told.
type Config struct {
	DataDir      string // GRIDGOV_DATA: SQLite file, key file, backups
	Addr         string // GRIDGOV_ADDR: listen address
	DatabaseURL  string // GRIDGOV_DATABASE_URL: postgres://… ; empty = SQLite in DataDir
	SecretKey    string // GRIDGOV_SECRET_KEY: 64 hex chars per key, newest first, comma-separated; empty = DataDir/secret.key
	SecureCookie bool   // GRIDGOV_SECURE_COOKIE: set behind TLS
	TileURL      string // GRIDGOV_TILE_URL: optional map tile template for the console
	LogLevel     string // GRIDGOV_LOG_LEVEL: debug, info, warn, error
	// NotifyWebhook receives notifications as JSON POSTs (GRIDGOV_NOTIFY_WEBHOOK);
	// empty: they are written to the log.
	NotifyWebhook string
	// JobLease is how long a node keeps a scheduled job without renewing it
	// (GRIDGOV_JOB_LEASE, a duration such as 30s): after a node dies, another
	// takes its jobs over within this time.
	JobLease string
	// PublicURL is where the public reaches this installation (GRIDGOV_PUBLIC_URL,
	// e.g. https://zz.example.gov.cn): Open311 discovery names it. Empty: http://
	// and the listen address.
	PublicURL string
	// SecretKeyFile is the key file (GRIDGOV_SECRET_KEY_FILE, --key-file) when
	// GRIDGOV_SECRET_KEY is not set; empty = DataDir/secret.key. Production
	// keeps it off the data directory, so a copy of the data is no key.
	SecretKeyFile string
	// AuditAnchors is the file the audit chain's signed checkpoints are
	// appended to (GRIDGOV_AUDIT_ANCHORS, --anchors); empty =
	// DataDir/audit-anchors.log. Production points it to another disk or host.
	AuditAnchors string
	// TrustedProxies lists the reverse proxies (addresses or CIDR prefixes,
	// comma-separated) whose X-Forwarded-For names the client
	// (GRIDGOV_TRUSTED_PROXIES); empty: the peer's address is the client's.
	TrustedProxies string

	// Monitoring and photo limits.

	// MetricsToken (GRIDGOV_METRICS_TOKEN, at least 16 characters) lets a
	// request bearing it ("Authorization: Bearer …") read /metrics on the
	// main address; without it /metrics is not served there.
	MetricsToken string
	// MetricsAddr (GRIDGOV_METRICS_ADDR, such as 127.0.0.1:9090) is a second
	// listen address serving only /metrics, with no token, for a scraper on
	// the same host or a closed network.
	MetricsAddr string
	// PhotoQuotaMB (GRIDGOV_PHOTO_QUOTA_MB) is how many megabytes of photos
	// one user may store in 30 days; empty: 200.
	PhotoQuotaMB string

	// SeparateCheck (GRIDGOV_SEPARATE_CHECK) keeps whoever reported an
	// event's result from re-checking it (separation of duties): empty or
	// "true" (the default) enforces it, "false" lets a deployment with one
	// person doing both turn it off.
	SeparateCheck string
}

// Default returns the built-in defaults overlaid with the environment.
func Default() Config {
	c := Config{DataDir: "./gridgov_data", Addr: "127.0.0.1:8080", LogLevel: "info"}
	env := func(name string, dst *string) {
		if v := os.Getenv(name); v != "" {
			*dst = v
		}
	}
	env("GRIDGOV_DATA", &c.DataDir)
	env("GRIDGOV_ADDR", &c.Addr)
	env("GRIDGOV_DATABASE_URL", &c.DatabaseURL)
	env("GRIDGOV_SECRET_KEY", &c.SecretKey)
	env("GRIDGOV_TILE_URL", &c.TileURL)
	env("GRIDGOV_LOG_LEVEL", &c.LogLevel)
	env("GRIDGOV_NOTIFY_WEBHOOK", &c.NotifyWebhook)
	env("GRIDGOV_JOB_LEASE", &c.JobLease)
	env("GRIDGOV_PUBLIC_URL", &c.PublicURL)
	env("GRIDGOV_SECRET_KEY_FILE", &c.SecretKeyFile)
	env("GRIDGOV_AUDIT_ANCHORS", &c.AuditAnchors)
	env("GRIDGOV_TRUSTED_PROXIES", &c.TrustedProxies)
	env("GRIDGOV_METRICS_TOKEN", &c.MetricsToken)
	env("GRIDGOV_METRICS_ADDR", &c.MetricsAddr)
	env("GRIDGOV_PHOTO_QUOTA_MB", &c.PhotoQuotaMB)
	env("GRIDGOV_SEPARATE_CHECK", &c.SeparateCheck)
	c.SecureCookie = os.Getenv("GRIDGOV_SECURE_COOKIE") == "true"
	return c
}

// Flags registers the common flags on fs, bound to c.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory (env GRIDGOV_DATA)")
	fs.StringVar(&c.DatabaseURL, "db", c.DatabaseURL, "PostgreSQL URL postgres://…; empty for SQLite in the data directory (env GRIDGOV_DATABASE_URL)")
	fs.StringVar(&c.SecretKeyFile, "key-file", c.SecretKeyFile, "secret key file, kept apart from the data directory in production (env GRIDGOV_SECRET_KEY_FILE; default DATA/secret.key)")
}

// KeyFile is the secret key file in use when GRIDGOV_SECRET_KEY is not set.
func (c Config) KeyFile() string {
	if c.SecretKeyFile != "" {
		return c.SecretKeyFile
	}
	return filepath.Join(c.DataDir, "secret.key")
}

// AnchorFile is the file audit anchors are appended to.
func (c Config) AnchorFile() string {
	if c.AuditAnchors != "" {
		return c.AuditAnchors
	}
	return filepath.Join(c.DataDir, "audit-anchors.log")
}

// InDataDir reports whether path lies inside the data directory, where a
// copy of the data would carry it along.
func (c Config) InDataDir(path string) bool {
	dir, err1 := filepath.Abs(c.DataDir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Lease parses JobLease: 30 s when unset, 1 s to 10 min when set.
func (c Config) Lease() (time.Duration, error) {
	if c.JobLease == "" {
		return 30 * time.Second, nil
	}
	d, err := time.ParseDuration(c.JobLease)
	if err != nil || d < time.Second || d > 10*time.Minute {
		return 0, fmt.Errorf("GRIDGOV_JOB_LEASE=%q: want a duration from 1s to 10m, such as 30s", c.JobLease)
	}
	return d, nil
}

// PublicBaseURL is the installation's public base URL without a trailing
// slash: PublicURL, else http:// and the listen address (a bare :port is
// served on every address; 127.0.0.1 names it then).
func (c Config) PublicBaseURL() (string, error) {
	if c.PublicURL == "" {
		addr := c.Addr
		if strings.HasPrefix(addr, ":") {
			addr = "127.0.0.1" + addr
		}
		return "http://" + addr, nil
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("GRIDGOV_PUBLIC_URL=%q: want an http or https URL such as https://zz.example.gov.cn", c.PublicURL)
	}
	return strings.TrimRight(c.PublicURL, "/"), nil
}

// PhotoQuota parses PhotoQuotaMB into bytes: 0 when unset (the default),
// 1 MB to 1 TB when set.
func (c Config) PhotoQuota() (int64, error) {
	if c.PhotoQuotaMB == "" {
		return 0, nil
	}
	mb, err := strconv.ParseInt(c.PhotoQuotaMB, 10, 64)
	if err != nil || mb < 1 || mb > 1<<20 {
		return 0, fmt.Errorf("GRIDGOV_PHOTO_QUOTA_MB=%q: want megabytes from 1 to 1048576, such as 200", c.PhotoQuotaMB)
	}
	return mb << 20, nil
}

// SelfCheckAllowed parses SeparateCheck: false (the rule holds) when unset
// or "true", true when "false".
func (c Config) SelfCheckAllowed() (bool, error) {
	switch c.SeparateCheck {
	case "", "true":
		return false, nil
	case "false":
		return true, nil
	}
	return false, fmt.Errorf("GRIDGOV_SEPARATE_CHECK=%q: want true (the default) or false", c.SeparateCheck)
}

// CheckMetrics refuses a metrics token short enough to guess.
func (c Config) CheckMetrics() error {
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return fmt.Errorf("GRIDGOV_METRICS_TOKEN: want at least 16 characters (such as the output of openssl rand -hex 16)")
	}
	return nil
}

// DBURL is the database to open: PostgreSQL when set, else the SQLite file.
func (c Config) DBURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "gridgov.db")
}

// Dump writes the configuration with secrets masked.
func (c Config) Dump(w io.Writer) {
	dbURL := c.DatabaseURL
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "****")
			dbURL = u.String()
		}
	}
	key := "(file " + c.KeyFile() + ")"
	if c.SecretKey != "" {
		key = mask(c.SecretKey)
	}
	lines := [][2]string{{"GRIDGOV_DATA", c.DataDir}, {"GRIDGOV_ADDR", c.Addr}, {"GRIDGOV_DATABASE_URL", dbURL},
		{"GRIDGOV_SECRET_KEY", key}, {"GRIDGOV_SECURE_COOKIE", fmt.Sprint(c.SecureCookie)},
		{"GRIDGOV_TILE_URL", c.TileURL}, {"GRIDGOV_LOG_LEVEL", c.LogLevel}, {"GRIDGOV_NOTIFY_WEBHOOK", c.NotifyWebhook},
		{"GRIDGOV_JOB_LEASE", c.JobLease}, {"GRIDGOV_PUBLIC_URL", c.PublicURL},
		{"GRIDGOV_SECRET_KEY_FILE", c.KeyFile()}, {"GRIDGOV_AUDIT_ANCHORS", c.AnchorFile()},
		{"GRIDGOV_TRUSTED_PROXIES", c.TrustedProxies},
		{"GRIDGOV_METRICS_TOKEN", mask(c.MetricsToken)},
		{"GRIDGOV_METRICS_ADDR", c.MetricsAddr}, {"GRIDGOV_PHOTO_QUOTA_MB", c.PhotoQuotaMB},
		{"GRIDGOV_SEPARATE_CHECK", c.SeparateCheck}}
	for _, l := range lines {
		fmt.Fprintf(w, "%s=%s\n", l[0], strings.TrimSpace(l[1]))
	}
}

// mask shows the last 4 characters of a secret, or nothing of an empty one.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****" + secret[max(0, len(secret)-4):]
}
