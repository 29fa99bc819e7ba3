-- Special campaigns (专项行动: 断卡, 禁毒宣传, 防赌, 扫黑除恶线索, a holiday
-- safety drive): a campaign of a county or city with its period, the towns
-- and units taking part and its list of actions, each pushed to every town,
-- village, grid or unit of its level as an assignment that its holder
-- reports on; and the confidential clues residents and grid members give,
-- sealed, for the police of the clue's area alone.

CREATE TABLE drives (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,           -- the root's path
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,           -- anti_fraud, anti_drug, anti_gambling, anti_gang, holiday, other
    aim         TEXT NOT NULL,
    starts_on   TEXT NOT NULL,           -- YYYY-MM-DD
    ends_on     TEXT NOT NULL,
    takes_clues BOOLEAN NOT NULL,
    status      TEXT NOT NULL,           -- draft, running, closed
    summary     TEXT NOT NULL,           -- the results in words, when closed
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    started_at  BIGINT,
    closed_at   BIGINT,
    version     INTEGER NOT NULL
);
CREATE INDEX drives_root ON drives(root_id, status);

CREATE TABLE drive_areas (
    drive_id TEXT NOT NULL REFERENCES drives(id),
    town_id  TEXT NOT NULL REFERENCES org_nodes(id),
    PRIMARY KEY (drive_id, town_id)
);

CREATE TABLE drive_units (
    drive_id TEXT NOT NULL REFERENCES drives(id),
    unit_id  TEXT NOT NULL,
    PRIMARY KEY (drive_id, unit_id)
);

CREATE TABLE drive_actions (
    id       TEXT PRIMARY KEY,
    drive_id TEXT NOT NULL REFERENCES drives(id),
    seq      INTEGER NOT NULL,
    title    TEXT NOT NULL,
    detail   TEXT NOT NULL,
    level    TEXT NOT NULL,              -- town, village, grid, unit: who each gets it
    target   INTEGER NOT NULL,           -- how many of measure each is to do (0: none counted)
    measure  TEXT NOT NULL,              -- what is counted: 户, 人次, 场 …
    due_on   TEXT NOT NULL
);
CREATE INDEX drive_actions_drive ON drive_actions(drive_id, seq);

CREATE TABLE drive_assignments (
    id          TEXT PRIMARY KEY,
    drive_id    TEXT NOT NULL REFERENCES drives(id),
    action_id   TEXT NOT NULL REFERENCES drive_actions(id),
    area_id     TEXT,                    -- the town or village
    grid_id     TEXT,                    -- the grid
    unit_id     TEXT,                    -- the unit
    town_id     TEXT,                    -- the town it lies in (none for a unit)
    path        TEXT NOT NULL,           -- the area's or grid's path; the unit's area for a unit
    name        TEXT NOT NULL,           -- the holder's name
    done_count  INTEGER NOT NULL,
    note        TEXT NOT NULL,
    done_at     BIGINT,
    reported_by TEXT NOT NULL,           -- the last reporter's name
    reported_at BIGINT
);
CREATE INDEX drive_assignments_drive ON drive_assignments(drive_id, action_id);
CREATE INDEX drive_assignments_grid ON drive_assignments(grid_id);
CREATE INDEX drive_assignments_path ON drive_assignments(path);

CREATE TABLE drive_clues (
    id             TEXT PRIMARY KEY,
    drive_id       TEXT NOT NULL REFERENCES drives(id),
    area_id        TEXT NOT NULL REFERENCES org_nodes(id),
    area_name      TEXT NOT NULL,
    path           TEXT NOT NULL,
    town_id        TEXT,                 -- the town it lies in, for the figures
    text_sealed    TEXT NOT NULL,
    place_sealed   TEXT NOT NULL,
    contact_sealed TEXT NOT NULL,        -- a phone to call back, or ''
    anonymous      BOOLEAN NOT NULL,     -- the police see no name
    by_user        TEXT NOT NULL,
    by_name_sealed TEXT NOT NULL,
    status         TEXT NOT NULL,        -- received, verifying, confirmed, unfounded, transferred
    note_sealed    TEXT NOT NULL,        -- the police's finding
    handled_by     TEXT NOT NULL,
    handled_at     BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX drive_clues_drive ON drive_clues(drive_id, status);
CREATE INDEX drive_clues_path ON drive_clues(path);
CREATE INDEX drive_clues_user ON drive_clues(by_user, created_at);
