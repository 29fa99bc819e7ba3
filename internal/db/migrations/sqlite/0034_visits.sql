-- Home visits (入户走访, 八必访) and the Wednesday reception day (周三接待日).
--
-- visit_triggers: a county's (or any area's) list of what calls for a visit (a new arrival,
-- a tenant, a birth, a death, a care target, a household with a dispute or
-- a hardship, an event of some categories), each on or off, with the days
-- within which the visit is due and, for conditions that last, the days
-- between visits while the condition holds (0: once).
CREATE TABLE visit_triggers (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id), -- the area the line is set at (a county, usually)
    path        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    due_days    INTEGER NOT NULL,
    every_days  INTEGER NOT NULL DEFAULT 0,
    categories  TEXT NOT NULL DEFAULT '',   -- event categories, comma-separated (kind event)
    version     INTEGER NOT NULL DEFAULT 1,
    updated_by  TEXT,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, kind)
);

-- visit_tasks: one visit due, on a roster member's list. One open task a
-- subject and trigger.
CREATE TABLE visit_tasks (
    id            TEXT PRIMARY KEY,
    trigger_kind  TEXT NOT NULL,
    subject_type  TEXT NOT NULL,            -- person, event, dispute, household
    subject_id    TEXT NOT NULL,
    subject_label TEXT NOT NULL DEFAULT '', -- masked name and coarse address
    fact_at       BIGINT NOT NULL,          -- when the fact that calls for the visit happened
    grid_id       TEXT REFERENCES grids(id),
    org_id        TEXT NOT NULL REFERENCES org_nodes(id),
    path          TEXT NOT NULL,
    worker_id     TEXT REFERENCES workers(id),
    due_on        TEXT NOT NULL,            -- YYYY-MM-DD
    due_at        BIGINT NOT NULL,          -- the end of due_on (China time), Unix ms
    status        TEXT NOT NULL DEFAULT 'open', -- open, done, cancelled (its condition ended)
    record_id     TEXT,
    done_at       BIGINT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL
);
CREATE INDEX visit_tasks_path ON visit_tasks(path, status, due_on);
CREATE INDEX visit_tasks_worker ON visit_tasks(worker_id, status, due_on);
CREATE INDEX visit_tasks_subject ON visit_tasks(subject_type, subject_id, trigger_kind);
CREATE UNIQUE INDEX visit_tasks_one_open ON visit_tasks(subject_type, subject_id, trigger_kind) WHERE status = 'open';

-- visit_records: a visit made, with or without a task. The note is sealed:
-- it describes a household.
CREATE TABLE visit_records (
    id            TEXT PRIMARY KEY,
    task_id       TEXT REFERENCES visit_tasks(id),
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL DEFAULT '',
    subject_label TEXT NOT NULL DEFAULT '',
    grid_id       TEXT REFERENCES grids(id),
    org_id        TEXT NOT NULL REFERENCES org_nodes(id),
    path          TEXT NOT NULL,
    worker_id     TEXT REFERENCES workers(id),
    user_id       TEXT,                     -- the account that recorded it
    method        TEXT NOT NULL,            -- home, phone, video, office
    finding       TEXT NOT NULL,            -- normal, attention, abnormal
    note_sealed   TEXT NOT NULL DEFAULT '',
    visited_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX visit_records_path ON visit_records(path, visited_at);
CREATE INDEX visit_records_worker ON visit_records(worker_id, visited_at);

-- visit_follow_ups: what a visit asked to be done next, and what it became.
CREATE TABLE visit_follow_ups (
    id          TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES visit_records(id),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,              -- note, event, dispute
    text        TEXT NOT NULL,
    ref_id      TEXT NOT NULL DEFAULT '',   -- the event or dispute it became
    created_at  BIGINT NOT NULL
);
CREATE INDEX visit_follow_ups_record ON visit_follow_ups(record_id, seq);

-- reception_days: a village's Wednesday reception day.
CREATE TABLE reception_days (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    day         TEXT NOT NULL,              -- YYYY-MM-DD
    receivers   TEXT NOT NULL,              -- who received, names
    attendees   INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX reception_days_path ON reception_days(path, day);

-- reception_items: who came and what they raised, and the outcome.
CREATE TABLE reception_items (
    id           TEXT PRIMARY KEY,
    day_id       TEXT NOT NULL REFERENCES reception_days(id),
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    phone_sealed TEXT NOT NULL DEFAULT '',
    phone_masked TEXT NOT NULL DEFAULT '',
    matter       TEXT NOT NULL,
    outcome      TEXT NOT NULL,             -- answer, event, dispute
    answer       TEXT NOT NULL DEFAULT '',
    ref_id       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX reception_items_day ON reception_items(day_id, seq);
