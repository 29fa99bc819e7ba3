-- Grid-member assessment (线上评分 + 线下考核, 日清周评月考核), the 网格学堂
-- and the 十佳网格员. Points are kept in hundredths and hours in tenths,
-- so both databases add them up exactly.

-- A county's weights: per metric a formula kind (rate, count, time), the
-- most points it gives, the points per item (count) and the target and
-- limit in seconds (time). A county without a row of a metric uses the
-- default.
CREATE TABLE assess_weights (
    org_id        TEXT NOT NULL REFERENCES org_nodes(id),
    metric        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    weight_x100   INTEGER NOT NULL,
    per_item_x100 INTEGER NOT NULL DEFAULT 0,
    target_s      INTEGER NOT NULL DEFAULT 0,
    limit_s       INTEGER NOT NULL DEFAULT 0,
    set_by        TEXT NOT NULL,
    set_by_name   TEXT NOT NULL,
    set_at        BIGINT NOT NULL,
    PRIMARY KEY (org_id, metric)
);

-- Offline scores (线下考核): points added or taken by the town for a
-- member's month, with the reason (sealed).
CREATE TABLE assess_offline (
    id            TEXT PRIMARY KEY,
    worker_id     TEXT NOT NULL REFERENCES workers(id),
    path          TEXT NOT NULL,              -- the member's roster area, for scope
    month         TEXT NOT NULL,              -- YYYY-MM
    points_x100   INTEGER NOT NULL,
    reason_sealed TEXT NOT NULL,
    by_id         TEXT NOT NULL,
    by_name       TEXT NOT NULL,
    at            BIGINT NOT NULL
);
CREATE INDEX assess_offline_month ON assess_offline(month, path);
CREATE INDEX assess_offline_worker ON assess_offline(worker_id, month);

-- A closed month of a county: its members' scores frozen, so a later fix
-- of the data does not change a published ranking.
CREATE TABLE assess_closes (
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    month        TEXT NOT NULL,
    closed_by    TEXT NOT NULL,
    closed_name  TEXT NOT NULL,
    closed_at    BIGINT NOT NULL,
    PRIMARY KEY (org_id, month)
);
CREATE TABLE assess_results (
    org_id       TEXT NOT NULL REFERENCES org_nodes(id), -- the county that closed the month
    month        TEXT NOT NULL,
    worker_id    TEXT NOT NULL REFERENCES workers(id),
    path         TEXT NOT NULL,
    score        TEXT NOT NULL,                          -- the member's month as computed then (JSON)
    total_x100   INTEGER NOT NULL,
    PRIMARY KEY (org_id, month, worker_id)
);
CREATE INDEX assess_results_path ON assess_results(month, path);

-- Awards on a member's record: 十佳网格员 of a month or a year, chosen from
-- the ranking, with who chose and when.
CREATE TABLE assess_awards (
    id           TEXT PRIMARY KEY,
    worker_id    TEXT NOT NULL REFERENCES workers(id),
    path         TEXT NOT NULL,
    org_id       TEXT NOT NULL REFERENCES org_nodes(id), -- the area whose ranking it was chosen from
    title        TEXT NOT NULL,                          -- top_ten
    period       TEXT NOT NULL,                          -- YYYY-MM or YYYY
    rank         INTEGER NOT NULL,
    total_x100   INTEGER NOT NULL,
    chosen_by    TEXT NOT NULL,
    chosen_name  TEXT NOT NULL,
    chosen_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX assess_awards_once ON assess_awards(worker_id, title, period);
CREATE INDEX assess_awards_area ON assess_awards(org_id, period);

-- The 网格学堂: training sessions of an area and who attended.
CREATE TABLE assess_trainings (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    title       TEXT NOT NULL,
    held_on     TEXT NOT NULL,              -- YYYY-MM-DD
    hours_x10   INTEGER NOT NULL,
    trainer     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,  -- bumped by each change of the attendance
    created_at  BIGINT NOT NULL
);
CREATE INDEX assess_trainings_area ON assess_trainings(path, held_on);
CREATE TABLE assess_attendance (
    training_id TEXT NOT NULL REFERENCES assess_trainings(id),
    worker_id   TEXT NOT NULL REFERENCES workers(id),
    PRIMARY KEY (training_id, worker_id)
);
CREATE INDEX assess_attendance_worker ON assess_attendance(worker_id);

-- The registers' tally of corrections counts a period's log by account.
CREATE INDEX register_log_user ON register_log(user_id, at);
-- The events' tally of re-checks reads a period's steps by action.
CREATE INDEX event_log_action ON event_log(action, at);
