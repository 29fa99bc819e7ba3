-- The situation room's 三情: petition (访情), police (警情) and public-opinion
-- (舆情) situations, entered by hand, pasted from a sheet or pushed by the
-- petition, 110 and monitoring systems through the signed feed; the
-- analyst's judgement of each day; the weekly scheduling meetings whose
-- decisions become the committee's tasks (safety_tasks, source schedule).

CREATE TABLE situation_sources (
    id            TEXT PRIMARY KEY,
    root_id       TEXT NOT NULL REFERENCES org_nodes(id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,          -- petition, police, opinion
    key_hash      TEXT NOT NULL UNIQUE,   -- SHA-256 of the key it presents
    secret_sealed TEXT NOT NULL,          -- the secret it signs with, sealed
    status        TEXT NOT NULL,          -- active, revoked
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE situations (
    id             TEXT PRIMARY KEY,
    root_id        TEXT NOT NULL REFERENCES org_nodes(id),
    kind           TEXT NOT NULL,         -- petition, police, opinion
    category       TEXT NOT NULL,
    level          TEXT NOT NULL,         -- general, serious, major
    occurred_at    BIGINT NOT NULL,
    day            TEXT NOT NULL,         -- YYYY-MM-DD of occurred_at in China Standard Time
    place          TEXT NOT NULL,
    lat            DOUBLE PRECISION,
    lng            DOUBLE PRECISION,
    area_id        TEXT NOT NULL REFERENCES org_nodes(id), -- the village, or the town
    town_id        TEXT NOT NULL REFERENCES org_nodes(id),
    grid_id        TEXT,
    grid_name      TEXT NOT NULL,
    path           TEXT NOT NULL,         -- the grid's path, or the area's
    summary        TEXT NOT NULL,
    people_sealed  TEXT NOT NULL,         -- JSON of the people involved, sealed
    people_count   INTEGER NOT NULL,
    origin         TEXT NOT NULL,         -- hand, sheet, feed
    source_id      TEXT REFERENCES situation_sources(id),
    external_id    TEXT,                  -- the source system's number
    fingerprint    TEXT NOT NULL,         -- of what the source sent: a replay changes nothing
    status         TEXT NOT NULL,         -- open, closed
    close_note     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX situations_external ON situations(source_id, external_id);
CREATE INDEX situations_root_day ON situations(root_id, day);
CREATE INDEX situations_path ON situations(path, occurred_at);

-- Blind keys of the people involved (ID number, phone, or name within the
-- town), to find the same person across situations without opening them.
CREATE TABLE situation_people (
    situation_id TEXT NOT NULL REFERENCES situations(id),
    person_key   TEXT NOT NULL,
    name_masked  TEXT NOT NULL,
    PRIMARY KEY (situation_id, person_key)
);
CREATE INDEX situation_people_key ON situation_people(person_key);

-- What a source's feed brought each day: the data-resources figures.
CREATE TABLE situation_feed_days (
    source_id TEXT NOT NULL REFERENCES situation_sources(id),
    day       TEXT NOT NULL,
    received  INTEGER NOT NULL,
    created   INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    rejected  INTEGER NOT NULL,
    lag_ms    BIGINT NOT NULL,            -- the longest time from occurrence to arrival
    last_at   BIGINT NOT NULL,
    PRIMARY KEY (source_id, day)
);

-- The analyst's judgement of a day (研判意见).
CREATE TABLE situation_days (
    root_id    TEXT NOT NULL REFERENCES org_nodes(id),
    day        TEXT NOT NULL,
    judgement  TEXT NOT NULL,
    analyst    TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (root_id, day)
);

-- The weekly scheduling meeting (每周调度) and its decisions.
CREATE TABLE situation_meetings (
    id         TEXT PRIMARY KEY,
    root_id    TEXT NOT NULL REFERENCES org_nodes(id),
    week_of    TEXT NOT NULL,             -- the Monday, YYYY-MM-DD
    held_on    TEXT NOT NULL,
    chair      TEXT NOT NULL,
    attendees  TEXT NOT NULL,
    minutes    TEXT NOT NULL,
    status     TEXT NOT NULL,             -- open, held
    version    INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX situation_meetings_week ON situation_meetings(root_id, week_of);

CREATE TABLE situation_decisions (
    id           TEXT PRIMARY KEY,
    meeting_id   TEXT NOT NULL REFERENCES situation_meetings(id),
    situation_id TEXT REFERENCES situations(id),
    decision     TEXT NOT NULL,
    task_id      TEXT,                    -- the committee's task it pushed down (safety_tasks)
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX situation_decisions_meeting ON situation_decisions(meeting_id);
CREATE INDEX situation_decisions_situation ON situation_decisions(situation_id);
