-- Tasks of 平安建设 and their lights (亮灯): the committee's tasks to a town
-- (or village) or to a unit — from the responsibility letters, the special
-- campaigns, the three lists (问题清单、责任清单、整改清单) and the leaders'
-- 包联 of demonstration towns and villages — with milestones, the
-- assignee's progress reports and their evidence.
CREATE TABLE safety_tasks (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    source      TEXT NOT NULL,           -- letter, campaign, problem, responsibility, rectification, demonstration
    title       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    area_id     TEXT REFERENCES org_nodes(id), -- the town or village responsible, or
    unit_id     TEXT REFERENCES units(id),     -- the unit responsible
    path        TEXT NOT NULL,           -- the area's path, or the unit's
    leader      TEXT NOT NULL,           -- the leader in charge (包联领导), may be empty
    start_on    TEXT NOT NULL,           -- YYYY-MM-DD
    due_on      TEXT NOT NULL,
    status      TEXT NOT NULL,           -- open, done, failed
    closed_at   BIGINT,
    close_note  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX safety_tasks_root ON safety_tasks(root_id, due_on);
CREATE INDEX safety_tasks_path ON safety_tasks(path);

CREATE TABLE safety_task_milestones (
    task_id  TEXT NOT NULL REFERENCES safety_tasks(id),
    seq      INTEGER NOT NULL,
    title    TEXT NOT NULL,
    due_on   TEXT NOT NULL,
    done_at  BIGINT,
    PRIMARY KEY (task_id, seq)
);

-- Progress reported on a task: what was done and the evidence, a
-- milestone reached, the task completed.
CREATE TABLE safety_task_progress (
    id         TEXT PRIMARY KEY,
    task_id    TEXT NOT NULL REFERENCES safety_tasks(id),
    text       TEXT NOT NULL,
    evidence   TEXT NOT NULL,
    milestone  INTEGER,                  -- the milestone it reached
    completes  INTEGER NOT NULL,
    by_user    TEXT NOT NULL,
    by_name    TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX safety_task_progress_task ON safety_task_progress(task_id, at);
