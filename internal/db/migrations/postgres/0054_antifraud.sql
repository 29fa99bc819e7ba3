-- Anti-fraud warnings (反诈预警劝导): lists of likely victims the police
-- push or import, each person matched to the registers by phone and given
-- to the grid's members as an urgent task — a visit or a call within the
-- hours of its risk — recorded as reached, dissuaded, already defrauded or
-- not found. Names, phones, addresses and notes are sealed; past the
-- retention they are wiped and only the outcome is kept for the figures.

CREATE TABLE antifraud_batches (
    id         TEXT PRIMARY KEY,
    root_id    TEXT NOT NULL REFERENCES org_nodes(id),
    source_ref TEXT NOT NULL,            -- the police system's number of the list
    total      INTEGER NOT NULL,
    matched    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE antifraud_warnings (
    id             TEXT PRIMARY KEY,
    batch_id       TEXT NOT NULL REFERENCES antifraud_batches(id),
    root_id        TEXT NOT NULL REFERENCES org_nodes(id),
    path           TEXT NOT NULL,        -- the grid's, or the root's while unmatched
    grid_id        TEXT,                 -- the grid whose members must act; none while unmatched
    grid_name      TEXT NOT NULL,
    person_id      TEXT,                 -- the register's record, when matched
    name_sealed    TEXT NOT NULL,
    name_masked    TEXT NOT NULL,
    phone_sealed   TEXT NOT NULL,
    phone_masked   TEXT NOT NULL,
    address_sealed TEXT NOT NULL,
    risk           TEXT NOT NULL,        -- high, medium, low
    note_sealed    TEXT NOT NULL,        -- what the police say of the risk
    status         TEXT NOT NULL,        -- open, reached, dissuaded, defrauded, not_found
    due_at         BIGINT NOT NULL,
    escalated_at   BIGINT,
    result_sealed  TEXT NOT NULL,
    handled_by     TEXT NOT NULL,        -- the member's name
    handled_at     BIGINT,
    wiped_at       BIGINT,               -- the personal fields wiped after the retention
    created_at     BIGINT NOT NULL
);
CREATE INDEX antifraud_warnings_grid ON antifraud_warnings(grid_id, status);
CREATE INDEX antifraud_warnings_path ON antifraud_warnings(path, status);
CREATE INDEX antifraud_warnings_due ON antifraud_warnings(status, due_at);
