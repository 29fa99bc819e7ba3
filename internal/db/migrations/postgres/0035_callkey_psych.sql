-- The 9-key call (9键呼叫, 随叫随到): phone numbers registered for elderly
-- care targets, the alerts their calls raise, each alert's steps (pushed,
-- escalated, accepted, arrived, closed) and each area's time to accept.
CREATE TABLE callkey_numbers (
    id            TEXT PRIMARY KEY,
    care_target_id TEXT NOT NULL,                -- the care target (keyperson) the number serves
    person_id     TEXT NOT NULL REFERENCES people(id),
    phone_blind   TEXT NOT NULL,                 -- keyed hash: the calling number finds the person
    phone_sealed  TEXT NOT NULL,
    phone_masked  TEXT NOT NULL,
    needs_sealed  TEXT NOT NULL DEFAULT '',      -- what the person needs (medicine, mobility, …)
    grid_id       TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active', -- active, ended
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX callkey_numbers_phone ON callkey_numbers(phone_blind) WHERE status = 'active';
CREATE INDEX callkey_numbers_path ON callkey_numbers(path, id);

CREATE TABLE callkey_alerts (
    id            TEXT PRIMARY KEY,
    number_id     TEXT NOT NULL REFERENCES callkey_numbers(id),
    person_id     TEXT NOT NULL,
    grid_id       TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL,
    source        TEXT NOT NULL DEFAULT '',      -- the device platform's key name
    member_id     TEXT NOT NULL DEFAULT '',      -- the worker first pushed to (the grid member)
    target_id     TEXT NOT NULL DEFAULT '',      -- the worker it is pushed to now
    target_user   TEXT NOT NULL DEFAULT '',      -- that worker's account, if any
    level         TEXT NOT NULL DEFAULT 'member', -- member, chief, centre
    status        TEXT NOT NULL DEFAULT 'open',  -- open, accepted, arrived, closed
    accept_within INTEGER NOT NULL,              -- seconds allowed before escalation
    due_at        BIGINT,                        -- the next escalation; NULL once accepted or at the centre
    raised_at     BIGINT NOT NULL,
    accepted_at   BIGINT,
    accepted_by   TEXT NOT NULL DEFAULT '',      -- worker id (empty when the account is on no roster)
    accepted_user TEXT NOT NULL DEFAULT '',
    arrived_at    BIGINT,
    closed_at     BIGINT,
    note_sealed   TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX callkey_alerts_due ON callkey_alerts(due_at) WHERE status = 'open';
CREATE INDEX callkey_alerts_path ON callkey_alerts(path, raised_at);
CREATE INDEX callkey_alerts_target ON callkey_alerts(target_id, status);
CREATE INDEX callkey_alerts_member ON callkey_alerts(member_id, raised_at);

CREATE TABLE callkey_steps (
    id        TEXT PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES callkey_alerts(id),
    kind      TEXT NOT NULL,                     -- pushed, escalated_chief, escalated_centre, accepted, arrived, closed
    worker_id TEXT NOT NULL DEFAULT '',
    user_id   TEXT NOT NULL DEFAULT '',
    at        BIGINT NOT NULL
);
CREATE INDEX callkey_steps_alert ON callkey_steps(alert_id, at);

CREATE TABLE callkey_settings (
    org_id         TEXT PRIMARY KEY REFERENCES org_nodes(id),
    path           TEXT NOT NULL,
    accept_seconds INTEGER NOT NULL,             -- the member's time to accept before the 网格长 is called
    chief_seconds  INTEGER NOT NULL,             -- the 网格长's time before the village centre is told
    version        INTEGER NOT NULL DEFAULT 1,
    updated_at     BIGINT NOT NULL
);

-- Psychological protection (三级三色) of people in special groups: the
-- current warning level, each assessment, and the counselling sessions and
-- referrals. Everything about the person is sealed at rest.
CREATE TABLE psych_records (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES people(id),
    group_sealed  TEXT NOT NULL,                 -- the special group
    level_sealed  TEXT NOT NULL,                 -- 1 (red), 2 (yellow), 3 (green)
    grid_id       TEXT NOT NULL DEFAULT '',
    path          TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'active', -- active, closed
    assessed_at   BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX psych_records_person ON psych_records(person_id) WHERE status = 'active';
CREATE INDEX psych_records_path ON psych_records(path, id);

CREATE TABLE psych_entries (
    id            TEXT PRIMARY KEY,
    record_id     TEXT NOT NULL REFERENCES psych_records(id),
    kind          TEXT NOT NULL,                 -- assessment, counselling, referral
    level_sealed  TEXT NOT NULL DEFAULT '',      -- an assessment's level
    who_sealed    TEXT NOT NULL DEFAULT '',      -- the assessor, counsellor or the service referred to
    note_sealed   TEXT NOT NULL DEFAULT '',      -- why, what was said, what follows
    on_day        TEXT NOT NULL,                 -- YYYY-MM-DD
    user_id       TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX psych_entries_record ON psych_entries(record_id, on_day);
