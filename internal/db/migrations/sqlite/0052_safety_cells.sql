-- Safe cells (平安细胞): the kinds a root creates — 平安村（社区）, 平安乡镇,
-- 平安校园, 平安医院, 平安企业, 平安市场, 平安景区, 平安家庭, 无邪教村（社区）,
-- "枫桥式" units — each with the criteria a city edits, a validity and the
-- rule that revokes it; the applications with their self-assessment, the
-- inspection and the decision; and how many places of a kind each town
-- should create (its eligible count).

CREATE TABLE safety_cell_kinds (
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    code        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    subject     TEXT NOT NULL,           -- village, town (the area itself) or place (a school, a market … in a village)
    criteria    TEXT NOT NULL,           -- JSON list of the checklist's items
    valid_months INTEGER NOT NULL,
    revoke_on   TEXT NOT NULL,           -- JSON list of event category prefixes: an urgent one in the place revokes it
    PRIMARY KEY (root_id, code)
);

CREATE TABLE safety_cells (
    id            TEXT PRIMARY KEY,
    root_id       TEXT NOT NULL REFERENCES org_nodes(id),
    kind          TEXT NOT NULL,
    area_id       TEXT NOT NULL REFERENCES org_nodes(id), -- the village or town, or the village the place lies in
    path          TEXT NOT NULL,
    name          TEXT NOT NULL,           -- the place's name, or the area's
    criteria      TEXT NOT NULL,           -- JSON: the kind's criteria when applied
    self_check    TEXT NOT NULL,           -- JSON: [{met, evidence}] by criterion
    inspection    TEXT NOT NULL,           -- JSON: [{passed, note}] by criterion, once inspected
    inspect_note  TEXT NOT NULL,
    status        TEXT NOT NULL,           -- applied, inspected, approved, rejected, revoked
    applied_at    BIGINT NOT NULL,
    applied_by    TEXT NOT NULL,
    inspected_at  BIGINT,
    inspected_by  TEXT NOT NULL,           -- the inspector's name
    decided_at    BIGINT,
    decide_note   TEXT NOT NULL,
    valid_from    TEXT NOT NULL,           -- YYYY-MM-DD, once approved
    valid_until   TEXT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX safety_cells_root ON safety_cells(root_id, kind, status);
CREATE INDEX safety_cells_path ON safety_cells(path);

CREATE TABLE safety_cell_targets (
    root_id  TEXT NOT NULL REFERENCES org_nodes(id),
    kind     TEXT NOT NULL,
    area_id  TEXT NOT NULL REFERENCES org_nodes(id), -- a town
    eligible INTEGER NOT NULL,
    PRIMARY KEY (root_id, kind, area_id)
);
