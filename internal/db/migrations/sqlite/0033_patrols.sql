-- Daily dispatch and patrols (一日三巡). A town or village centre sets the
-- patrol windows of its area's day: a standing plan (day '') and plans for
-- single days that override it. Each roster member with a primary grid gets
-- one task a window of the day; a patrol the member starts on the phone
-- walks it when one of its check-ins falls inside the window. Positions
-- (patrol_points) are personal information, deleted after the retention
-- the settings name; a patrol keeps its counts.
CREATE TABLE patrol_plans (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    day         TEXT NOT NULL DEFAULT '',       -- '' for the standing plan, else YYYY-MM-DD
    windows     TEXT NOT NULL DEFAULT '',       -- "08:30-10:00,14:00-15:30,19:00-20:30"; '' for no patrol that day
    version     INTEGER NOT NULL DEFAULT 1,
    updated_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX patrol_plans_day ON patrol_plans(org_id, day);
CREATE INDEX patrol_plans_path ON patrol_plans(path);

CREATE TABLE patrol_tasks (
    id          TEXT PRIMARY KEY,
    worker_id   TEXT NOT NULL REFERENCES workers(id),
    grid_id     TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL,                  -- the member's roster area
    day         TEXT NOT NULL,                  -- YYYY-MM-DD in the county's zone
    slot        TEXT NOT NULL,                  -- "08:30-10:00"
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    patrol_id   TEXT,                           -- the patrol that walked it
    walked_at   BIGINT,                         -- its first check-in inside the window
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX patrol_tasks_slot ON patrol_tasks(worker_id, day, slot);
CREATE INDEX patrol_tasks_day ON patrol_tasks(day, path);
CREATE INDEX patrol_tasks_starts ON patrol_tasks(starts_at, path, worker_id, walked_at); -- covers the tally

CREATE TABLE patrols (
    id          TEXT PRIMARY KEY,
    worker_id   TEXT NOT NULL REFERENCES workers(id),
    user_id     TEXT REFERENCES users(id),      -- the account that walked it, when one did
    grid_id     TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL,
    task_id     TEXT,                           -- the window it was started in; NULL ad hoc
    status      TEXT NOT NULL DEFAULT 'open',   -- open, ended
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT,
    checkins    INTEGER NOT NULL DEFAULT 0,
    reports     INTEGER NOT NULL DEFAULT 0,
    last_at     BIGINT,                         -- the newest check-in
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX patrols_worker ON patrols(worker_id, started_at);
CREATE INDEX patrols_path ON patrols(path, started_at);

CREATE TABLE patrol_points (
    id          TEXT PRIMARY KEY,
    patrol_id   TEXT NOT NULL REFERENCES patrols(id),
    at          BIGINT NOT NULL,                -- the device's time of the check-in
    lat         REAL NOT NULL,
    lng         REAL NOT NULL,
    accuracy    REAL NOT NULL DEFAULT 0,        -- metres
    note_sealed TEXT NOT NULL DEFAULT '',       -- what was seen, sealed
    created_at  BIGINT NOT NULL
);
CREATE INDEX patrol_points_patrol ON patrol_points(patrol_id, at);
CREATE INDEX patrol_points_at ON patrol_points(at);

-- What was reported from inside a patrol: an event (its number) or a
-- screening finding (its id).
CREATE TABLE patrol_reports (
    id          TEXT PRIMARY KEY,
    patrol_id   TEXT NOT NULL REFERENCES patrols(id),
    kind        TEXT NOT NULL,                  -- event, finding
    ref         TEXT NOT NULL,
    at          BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX patrol_reports_ref ON patrol_reports(patrol_id, kind, ref);
