-- Photos taken at a patrol check-in (one to three), through the events'
-- photo pipeline: re-encoded, metadata (EXIF, GPS) stripped. Deleted with
-- their check-in when the positions' retention deletes it.
CREATE TABLE patrol_photos (
    id           TEXT PRIMARY KEY,                -- the phone's id (a UUID): a resend makes nothing twice
    patrol_id    TEXT NOT NULL REFERENCES patrols(id),
    point_id     TEXT NOT NULL REFERENCES patrol_points(id) ON DELETE CASCADE,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX patrol_photos_point ON patrol_photos(point_id);
CREATE INDEX patrol_photos_patrol ON patrol_photos(patrol_id);
CREATE INDEX patrol_photos_user ON patrol_photos(created_by, created_at);
