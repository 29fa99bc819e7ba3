-- The photos a household's score is recorded with (evidence "photo"):
-- re-encoded without EXIF or position, then sealed, since what they show
-- (a quarrel, a yard) is a household's private life.
CREATE TABLE village_score_photos (
    id            TEXT PRIMARY KEY,
    score_id      TEXT NOT NULL REFERENCES village_scores(id),
    seq           INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    data_sealed   TEXT NOT NULL,   -- the image, base64, sealed
    created_at    BIGINT NOT NULL,
    UNIQUE (score_id, seq)
);
