-- The monthly bulletin of the safety index (平安指数月通报): the committee's
-- comments on a month, drafted until issued; issued only for a published
-- month, numbered within its year (2026年第11期) and kept as issued.
CREATE TABLE safety_bulletins (
    id         TEXT PRIMARY KEY,
    root_id    TEXT NOT NULL REFERENCES org_nodes(id),
    month      TEXT NOT NULL,            -- YYYY-MM
    comments   TEXT NOT NULL,
    status     TEXT NOT NULL,            -- draft, issued
    year       INTEGER,                  -- of the issue number, once issued
    seq        INTEGER,
    issued_at  BIGINT,
    issued_by  TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    version    INTEGER NOT NULL,
    UNIQUE (root_id, month)
);
