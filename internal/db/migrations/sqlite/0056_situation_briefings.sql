-- 平安稳定专报: numbered briefings of a county or city composed from the
-- 三情 of a period, drafted by the centre, signed off by a leader, issued
-- to chosen units with their figures frozen; each unit's read receipt and
-- reply.

CREATE TABLE situation_briefings (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    year        INTEGER,                 -- the number, given at issue: 2026年第32期
    seq         INTEGER,
    title       TEXT NOT NULL,
    period_from TEXT NOT NULL,           -- YYYY-MM-DD
    period_to   TEXT NOT NULL,
    body        TEXT NOT NULL,
    figures     TEXT NOT NULL,           -- JSON of the period's figures, frozen at issue ('' before)
    status      TEXT NOT NULL,           -- draft, review, issued
    drafter     TEXT NOT NULL,
    review_note TEXT NOT NULL,           -- why the leader sent it back
    signer      TEXT NOT NULL,
    issued_at   BIGINT,
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX situation_briefings_number ON situation_briefings(root_id, year, seq);
CREATE INDEX situation_briefings_root ON situation_briefings(root_id, status, issued_at);

CREATE TABLE situation_briefing_units (
    briefing_id TEXT NOT NULL REFERENCES situation_briefings(id),
    unit_id     TEXT NOT NULL REFERENCES units(id),
    unit_name   TEXT NOT NULL,
    read_at     BIGINT,
    read_by     TEXT NOT NULL,
    reply       TEXT NOT NULL,
    replied_at  BIGINT,
    replied_by  TEXT NOT NULL,
    PRIMARY KEY (briefing_id, unit_id)
);
CREATE INDEX situation_briefing_units_unit ON situation_briefing_units(unit_id);
