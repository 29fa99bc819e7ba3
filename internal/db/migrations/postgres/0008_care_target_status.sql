-- A care target can be ended (不再关爱: moved away, deceased, no longer
-- needed, other) with a reason and a note, and re-opened; the version
-- guards both, as for the other register records.
ALTER TABLE care_targets ADD COLUMN end_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE care_targets ADD COLUMN end_note TEXT NOT NULL DEFAULT '';
ALTER TABLE care_targets ADD COLUMN ended_at BIGINT;
ALTER TABLE care_targets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE care_targets ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
