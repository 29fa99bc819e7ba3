-- Screening rounds of disputes (矛盾纠纷排查): a village or town team goes
-- over its area weekly, monthly, before holidays and sensitive dates; each
-- village of the round reports its findings or a zero report (零报告).

-- screening_rounds: one round over an area (a town round covers its
-- villages). types is the comma-separated list of dispute types to cover.
CREATE TABLE screening_rounds (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    kind         TEXT NOT NULL,          -- weekly, monthly, holiday, sensitive
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    period_from  TEXT NOT NULL,          -- YYYY-MM-DD
    period_to    TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    types        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open', -- open, closed
    created_by   TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    closed_by    TEXT REFERENCES users(id),
    closed_at    BIGINT
);
CREATE INDEX screening_rounds_path ON screening_rounds(path, created_at);

-- screening_zero_reports: a village of a round found nothing (零报告).
CREATE TABLE screening_zero_reports (
    round_id     TEXT NOT NULL REFERENCES screening_rounds(id),
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    by_user      TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (round_id, org_id)
);

-- screening_findings: one dispute found, with who answers for it, the
-- measures and the deadline; closed on the spot (resolved) or turned into
-- a dispute case (case_id, case_no).
CREATE TABLE screening_findings (
    id           TEXT PRIMARY KEY,
    no           TEXT NOT NULL UNIQUE,
    round_id     TEXT REFERENCES screening_rounds(id),
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    grid_id      TEXT REFERENCES grids(id),
    type         TEXT NOT NULL,
    description  TEXT NOT NULL,
    parties      TEXT NOT NULL DEFAULT '', -- names only, joined by "、"
    risk         TEXT NOT NULL,          -- high, medium, low
    leader_name  TEXT NOT NULL,          -- 包案领导
    person_name  TEXT NOT NULL,          -- 责任人
    measures     TEXT NOT NULL,          -- 化解措施
    deadline     TEXT NOT NULL,          -- YYYY-MM-DD
    status       TEXT NOT NULL DEFAULT 'open', -- open, resolved, case
    result_note  TEXT NOT NULL DEFAULT '',
    case_id      TEXT,
    case_no      TEXT,
    created_by   TEXT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    closed_by    TEXT REFERENCES users(id),
    closed_at    BIGINT
);
CREATE INDEX screening_findings_round ON screening_findings(round_id, org_id);
CREATE INDEX screening_findings_path ON screening_findings(path, created_at);
