-- Member tasks, police–grid meetings and the same-day close (日清). A
-- task is one day's duty of one or more roster members: pushed by a
-- centre, decided at a town–police-station meeting (联席会议), carried
-- from the day before, or a visit's follow-up. A task left open at the
-- end of its day is closed or carried to the next day with a reason; the
-- carry makes a new task (source 'carried') and the old one keeps why.
CREATE TABLE duty_meetings (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES org_nodes(id), -- the town (or village) that met
    path            TEXT NOT NULL,
    held_on         TEXT NOT NULL,                          -- YYYY-MM-DD
    place           TEXT NOT NULL DEFAULT '',
    attendees       TEXT NOT NULL DEFAULT '[]',             -- JSON: roster members [{worker_id, name}]
    officials       TEXT NOT NULL DEFAULT '[]',             -- JSON: named officials ["派出所所长 陈国栋"]
    minutes_sealed  TEXT NOT NULL DEFAULT '',
    created_by      TEXT,                                   -- the account that recorded it, or system
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX duty_meetings_path ON duty_meetings(path, held_on);

CREATE TABLE duty_decisions (
    id          TEXT PRIMARY KEY,
    meeting_id  TEXT NOT NULL REFERENCES duty_meetings(id),
    seq         INTEGER NOT NULL,
    text        TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX duty_decisions_meeting ON duty_decisions(meeting_id, seq);

CREATE TABLE duty_tasks (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES org_nodes(id), -- the area the task lives under
    path                 TEXT NOT NULL,
    grid_id              TEXT REFERENCES grids(id),
    title                TEXT NOT NULL,
    detail_sealed        TEXT NOT NULL DEFAULT '',
    source               TEXT NOT NULL,                          -- pushed, meeting, carried, visit, other
    decision_id          TEXT REFERENCES duty_decisions(id),
    carried_from         TEXT REFERENCES duty_tasks(id),
    due_on               TEXT NOT NULL,                          -- YYYY-MM-DD
    status               TEXT NOT NULL DEFAULT 'open',           -- open, closed, carried
    result_sealed        TEXT NOT NULL DEFAULT '',
    closed_on            TEXT NOT NULL DEFAULT '',               -- the day it was closed or carried
    closed_at            BIGINT,
    closed_by_worker     TEXT REFERENCES workers(id),
    closed_by_user       TEXT REFERENCES users(id),
    carry_reason_sealed  TEXT NOT NULL DEFAULT '',
    carried_auto         INTEGER NOT NULL DEFAULT 0,             -- 1: carried by the end-of-day job, no reason
    created_by           TEXT,                                   -- the account that pushed it, or system
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX duty_tasks_path_due ON duty_tasks(path, due_on);
CREATE INDEX duty_tasks_due_status ON duty_tasks(due_on, status);
CREATE INDEX duty_tasks_grid_due ON duty_tasks(grid_id, due_on);
CREATE INDEX duty_tasks_carried_from ON duty_tasks(carried_from);
CREATE INDEX duty_tasks_decision ON duty_tasks(decision_id);

-- The roster members a task is theirs: one for a pushed task, several for
-- a joint one (the village police officer with a grid member).
CREATE TABLE duty_assignees (
    task_id    TEXT NOT NULL REFERENCES duty_tasks(id),
    worker_id  TEXT NOT NULL REFERENCES workers(id),
    name       TEXT NOT NULL,
    PRIMARY KEY (task_id, worker_id)
);
CREATE INDEX duty_assignees_worker ON duty_assignees(worker_id);
