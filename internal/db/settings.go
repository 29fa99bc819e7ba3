package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
)

// LoadSetting reads the settings row key, a JSON document, into v; with no
// such row v keeps what it holds (the room's defaults).
func LoadSetting(ctx context.Context, q Querier, key string, v any) error {
	var raw string
	err := q.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(raw), v)
}

// SaveSetting writes v as the settings row key and returns the JSON it
// wrote, for the room's audit row.
func SaveSetting(ctx context.Context, q Querier, key string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(b), Now())
	return string(b), err
}
