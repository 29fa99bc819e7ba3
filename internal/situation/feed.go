package situation

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/org"
)

// Source is a system that pushes situations through the feed: the
// petition system (访情), the 110 system (警情), a monitoring service
// (舆情). It presents its key and signs each request with its secret.
type Source struct {
	ID        string    `json:"id"`
	RootID    string    `json:"root_id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	CreatedAt int64     `json:"created_at"`
	Days      []FeedDay `json:"days"` // the last 7 days with traffic
}

// FeedDay is what a source's feed brought one day.
type FeedDay struct {
	Day      string `json:"day"`
	Received int    `json:"received"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Rejected int    `json:"rejected"`
	LagMS    int64  `json:"lag_ms"` // the longest time from occurrence to arrival
	LastAt   int64  `json:"last_at"`
}

// SourceInput names a new source and the kind of situations it sends.
type SourceInput struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// NewSource is a source just made, with its key and secret: shown once,
// never again (only the key's hash and the secret sealed are kept).
type NewSource struct {
	Source
	Key    string `json:"key"`
	Secret string `json:"secret"`
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func randomHex(prefix string) string {
	b := make([]byte, 24)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Sources lists a root's sources with their last week's traffic
// (situation.steer over the root).
func (s *Service) Sources(ctx context.Context, rootID string) ([]Source, error) {
	q := s.db.Reader()
	if _, err := rootPath(ctx, q, authz.SituationSteer, rootID); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT id, root_id, name, kind, status, created_at FROM situation_sources WHERE root_id = ? ORDER BY created_at", rootID)
	if err != nil {
		return nil, err
	}
	out := []Source{}
	for rows.Next() {
		var x Source
		if err := rows.Scan(&x.ID, &x.RootID, &x.Name, &x.Kind, &x.Status, &x.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	since := s.Now().In(Zone).AddDate(0, 0, -6).Format("2006-01-02")
	for i := range out {
		days, err := q.QueryContext(ctx, "SELECT day, received, created, updated, rejected, lag_ms, last_at FROM situation_feed_days WHERE source_id = ? AND day >= ? ORDER BY day DESC", out[i].ID, since)
		if err != nil {
			return nil, err
		}
		out[i].Days = []FeedDay{}
		for days.Next() {
			var d FeedDay
			if err := days.Scan(&d.Day, &d.Received, &d.Created, &d.Updated, &d.Rejected, &d.LagMS, &d.LastAt); err != nil {
				days.Close()
				return nil, err
			}
			out[i].Days = append(out[i].Days, d)
		}
		if err := days.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateSource registers a source of the root and returns its key and
// secret, shown this once. Audited.
func (s *Service) CreateSource(ctx context.Context, rootID string, in SourceInput) (NewSource, error) {
	var f apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	if n := len([]rune(in.Name)); n < 2 || n > 50 {
		f.Add("name", "validation.length", "min", 2, "max", 50)
	}
	if !slices.Contains(Kinds, in.Kind) {
		f.Add("kind", "validation.one_of", "values", strings.Join(Kinds, ", "))
	}
	if err := f.Err(); err != nil {
		return NewSource{}, err
	}
	out := NewSource{Source: Source{ID: db.NewID(), RootID: rootID, Name: in.Name, Kind: in.Kind, Status: "active", CreatedAt: s.now(), Days: []FeedDay{}},
		Key: randomHex("gsk_"), Secret: randomHex("")}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SituationSteer, rootID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO situation_sources (id, root_id, name, kind, key_hash, secret_sealed, status, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
			out.ID, rootID, in.Name, in.Kind, keyHash(out.Key), s.keys.Seal(out.Secret, "situation_source:"+out.ID), authz.From(ctx).UserID, out.CreatedAt); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.source.create", "situation_source", out.ID, in.Name)
	})
	return out, err
}

// RevokeSource stops a source's key for good. Audited.
func (s *Service) RevokeSource(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var root string
		err := tx.QueryRowContext(ctx, "SELECT root_id FROM situation_sources WHERE id = ?", id).Scan(&root)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("situation_source")
		}
		if err != nil {
			return err
		}
		if _, err := rootPath(ctx, tx, authz.SituationSteer, root); err != nil {
			return apperr.NotFoundf("situation_source")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE situation_sources SET status = 'revoked' WHERE id = ?", id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SituationSteer, "situation.source.revoke", "situation_source", id, "")
	})
}

// FeedInput is a feed request: up to 500 records.
type FeedInput struct {
	Items []Input `json:"items"`
}

// FeedResult is one record's fate: created, updated (the source corrected
// it), unchanged (a replay) or rejected with its errors.
type FeedResult struct {
	Index      int                 `json:"index"`
	ExternalID string              `json:"external_id"`
	Status     string              `json:"status"`
	ID         string              `json:"id,omitempty"`
	Errors     []apperr.FieldError `json:"errors,omitempty"`
}

// FeedAnswer is the answer to a feed request.
type FeedAnswer struct {
	Results []FeedResult `json:"results"`
}

// The feed's limits.
const (
	feedMaxBody  = 4 << 20
	feedMaxItems = 500
	feedSkew     = 5 * time.Minute
)

// source is the active source presenting key, with its secret.
func (s *Service) source(ctx context.Context, key string) (id, root, name, kind string, secret []byte, err error) {
	var sealed string
	if key == "" || len(key) > 200 {
		return "", "", "", "", nil, apperr.E(apperr.Forbidden, "apikey.invalid")
	}
	err = s.db.Reader().QueryRowContext(ctx, "SELECT id, root_id, name, kind, secret_sealed FROM situation_sources WHERE key_hash = ? AND status = 'active'", keyHash(key)).
		Scan(&id, &root, &name, &kind, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", "", nil, apperr.E(apperr.Forbidden, "apikey.invalid")
	}
	if err != nil {
		return
	}
	plain, err := s.keys.Open(sealed, "situation_source:"+id)
	return id, root, name, kind, []byte(plain), err
}

// Sign is the signature a source sends in X-Signature: the hex HMAC-SHA256
// of the timestamp, a newline and the body, under the source's secret.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n"))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// serveFeed takes a source's signed request: its key (X-API-Key), the
// time it signed at (X-Timestamp, Unix seconds, within five minutes) and
// the signature (X-Signature). Each record is checked on its own: the good
// ones are stored together, the bad ones answered with their errors, and a
// record sent again (the same source and external_id) changes nothing
// unless its content changed.
func (s *Service) serveFeed(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, rootID, name, kind, secret, err := s.source(ctx, r.Header.Get("X-API-Key"))
	if err != nil {
		return err
	}
	if !s.limits.allow(id, s.Now(), s.FeedPerMinute) {
		return apperr.E(apperr.TooMany, "situation.feed_rate", "per_minute", s.FeedPerMinute)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, feedMaxBody))
	if err != nil {
		return apperr.E(apperr.Invalid, "request.too_large", "limit", feedMaxBody)
	}
	ts := r.Header.Get("X-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || s.Now().Sub(time.Unix(sec, 0)).Abs() > feedSkew {
		return apperr.E(apperr.Forbidden, "situation.feed_time")
	}
	if want := Sign(string(secret), ts, body); !hmac.Equal([]byte(want), []byte(strings.ToLower(r.Header.Get("X-Signature")))) {
		return apperr.E(apperr.Forbidden, "situation.feed_signature")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in FeedInput
	if err := httpx.Decode(r, &in, feedMaxBody); err != nil {
		return err
	}
	if len(in.Items) == 0 || len(in.Items) > feedMaxItems {
		return apperr.Field("items", "validation.range", "min", 1, "max", feedMaxItems)
	}
	who := &authz.Principal{UserID: "situation_source:" + id, Username: name, DisplayName: name}
	out, err := s.Feed(authz.WithPrincipal(ctx, who), rootID, id, kind, in.Items)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusOK, out)
	return nil
}

// Feed stores a verified source's records (see serveFeed) and counts the
// day's traffic.
func (s *Service) Feed(ctx context.Context, rootID, sourceID, kind string, items []Input) (FeedAnswer, error) {
	q := s.db.Reader()
	root, err := org.PathOf(ctx, q, rootID, "")
	if err != nil {
		return FeedAnswer{}, err
	}
	a, err := loadAreas(ctx, q, root)
	if err != nil {
		return FeedAnswer{}, err
	}
	out := FeedAnswer{Results: make([]FeedResult, len(items))}
	good := make([]placed, len(items))
	seen := map[string]bool{}
	for i := range items {
		in := &items[i]
		if in.Kind == "" {
			in.Kind = kind
		}
		var f apperr.Fields
		good[i] = s.check(ctx, a, in, "", &f)
		switch {
		case in.ExternalID == "":
			f.Add("external_id", "validation.required")
		case seen[in.ExternalID]:
			f.Add("external_id", "situation.external_twice")
		}
		if in.Kind != kind && slices.Contains(Kinds, in.Kind) {
			f.Add("kind", "situation.source_kind", "kind", kind)
		}
		seen[in.ExternalID] = true
		out.Results[i] = FeedResult{Index: i, ExternalID: in.ExternalID, Status: "rejected", Errors: f}
	}
	now := s.now()
	day := time.UnixMilli(now).In(Zone).Format("2006-01-02")
	var created, updated, rejected int
	var lag int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		created, updated, rejected, lag = 0, 0, 0, 0
		for i, in := range items {
			res := &out.Results[i]
			if len(res.Errors) > 0 {
				rejected++
				continue
			}
			var id, fp string
			err := tx.QueryRowContext(ctx, "SELECT id, fingerprint FROM situations WHERE source_id = ? AND external_id = ?", sourceID, in.ExternalID).Scan(&id, &fp)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res.ID, res.Status = db.NewID(), "created"
				if err := s.store(ctx, tx, rootID, res.ID, false, in, good[i], ByFeed, sourceID); err != nil {
					return err
				}
				if err := s.push(ctx, tx, in, good[i], root); err != nil {
					return err
				}
				created++
			case err != nil:
				return err
			case fp == good[i].fingerprint:
				res.ID, res.Status = id, "unchanged"
			default:
				res.ID, res.Status = id, "updated"
				if err := s.store(ctx, tx, rootID, id, true, in, good[i], ByFeed, sourceID); err != nil {
					return err
				}
				updated++
			}
			lag = max(lag, now-good[i].occurredAt)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO situation_feed_days (source_id, day, received, created, updated, rejected, lag_ms, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (source_id, day) DO UPDATE SET received = situation_feed_days.received + excluded.received, created = situation_feed_days.created + excluded.created,
			updated = situation_feed_days.updated + excluded.updated, rejected = situation_feed_days.rejected + excluded.rejected,
			lag_ms = CASE WHEN excluded.lag_ms > situation_feed_days.lag_ms THEN excluded.lag_ms ELSE situation_feed_days.lag_ms END, last_at = excluded.last_at`,
			sourceID, day, len(items), created, updated, rejected, lag, now); err != nil {
			return err
		}
		if created+updated == 0 {
			return nil
		}
		return s.record(ctx, tx, authz.SituationEnter, "situation.feed", "situation_source", sourceID, fmt.Sprintf("created %d, updated %d, rejected %d", created, updated, rejected))
	})
	return out, err
}

// limiter allows each source a number of requests a minute (a fixed
// window per node: a burst is slowed, never lost — the source sends again
// on 429, and a replay changes nothing).
type limiter struct {
	mu  sync.Mutex
	win map[string]window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter() *limiter { return &limiter{win: map[string]window{}} }

func (l *limiter) allow(id string, now time.Time, perMinute int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.win[id]
	if now.Sub(w.start) >= time.Minute {
		w = window{start: now}
	}
	w.n++
	l.win[id] = w
	return w.n <= perMinute
}
