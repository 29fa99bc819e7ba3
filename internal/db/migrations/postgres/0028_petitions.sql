-- Petitions (信访): the register of matters brought to the petition desk,
-- their petitioners (personal values sealed, masked and blind-indexed as in
-- the registers), the timeline of each, the leaders' supervision orders
-- with their own deadlines, the weekly reviews (每周研判) with their
-- decisions, and the leaders' monthly 面对面 sessions with the problems
-- raised and their follow-ups. A petition is never published.
CREATE TABLE petitions (
    id              TEXT PRIMARY KEY,
    no              TEXT NOT NULL UNIQUE,
    received_on     TEXT NOT NULL,          -- YYYY-MM-DD
    channel         TEXT NOT NULL,          -- visit, letter, online, hotline
    org_id          TEXT NOT NULL REFERENCES org_nodes(id),
    path            TEXT NOT NULL,
    type            TEXT NOT NULL,          -- dispute.Types
    title           TEXT NOT NULL,
    content         TEXT NOT NULL,
    people_count    INTEGER NOT NULL DEFAULT 1,
    repeated        BOOLEAN NOT NULL DEFAULT false,
    over_level      BOOLEAN NOT NULL DEFAULT false,
    key_person_id   TEXT,
    status          TEXT NOT NULL,          -- registered, accepted, not_accepted, replied, closed
    accept_due      TEXT NOT NULL,
    accepted_on     TEXT,
    close_due       TEXT,
    refusal_reason  TEXT NOT NULL DEFAULT '',
    route           TEXT NOT NULL DEFAULT '',
    route_reason    TEXT NOT NULL DEFAULT '',
    unit_id         TEXT REFERENCES units(id),
    unit_name       TEXT NOT NULL DEFAULT '',
    case_id         TEXT,
    case_no         TEXT NOT NULL DEFAULT '',
    lead_leader     TEXT NOT NULL DEFAULT '', -- 包案领导 named by a weekly review
    leader_name     TEXT NOT NULL DEFAULT '', -- 领导接访
    received_by_leader_on TEXT,
    reply           TEXT NOT NULL DEFAULT '',
    replied_on      TEXT,
    satisfaction    TEXT NOT NULL DEFAULT '', -- satisfied, basically, dissatisfied
    closed_on       TEXT,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX petitions_received ON petitions(path, received_on);
CREATE INDEX petitions_status ON petitions(status, path);

CREATE TABLE petitioners (
    id            TEXT PRIMARY KEY,
    petition_id   TEXT NOT NULL REFERENCES petitions(id),
    seq           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    id_sealed     TEXT NOT NULL DEFAULT '',
    id_blind      TEXT,
    id_masked     TEXT NOT NULL DEFAULT '',
    phone_sealed  TEXT NOT NULL DEFAULT '',
    phone_blind   TEXT,
    phone_masked  TEXT NOT NULL DEFAULT '',
    person_id     TEXT,
    UNIQUE (petition_id, seq)
);
CREATE INDEX petitioners_id_blind ON petitioners(id_blind);
CREATE INDEX petitioners_phone_blind ON petitioners(phone_blind);

CREATE TABLE petition_log (
    id          TEXT PRIMARY KEY,
    petition_id TEXT NOT NULL REFERENCES petitions(id),
    at          BIGINT NOT NULL,
    action      TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX petition_log_petition ON petition_log(petition_id, at);

CREATE TABLE petition_supervisions (
    id          TEXT PRIMARY KEY,
    petition_id TEXT NOT NULL REFERENCES petitions(id),
    by_user     TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    note        TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    overdue_at  BIGINT,
    closed_at   BIGINT
);
CREATE INDEX petition_supervisions_open ON petition_supervisions(petition_id, due_at);

CREATE TABLE petition_reviews (
    id          TEXT PRIMARY KEY,
    week        TEXT NOT NULL,              -- the Monday, YYYY-MM-DD
    held_on     TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    chair       TEXT NOT NULL,
    attendees   TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX petition_reviews_week ON petition_reviews(path, week);

CREATE TABLE petition_decisions (
    id          TEXT PRIMARY KEY,
    review_id   TEXT NOT NULL REFERENCES petition_reviews(id),
    petition_id TEXT NOT NULL REFERENCES petitions(id),
    kind        TEXT NOT NULL,              -- lead_leader, deadline, route, note
    value       TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX petition_decisions_review ON petition_decisions(review_id);

CREATE TABLE face_sessions (
    id           TEXT PRIMARY KEY,
    month        TEXT NOT NULL,             -- YYYY-MM
    theme        TEXT NOT NULL,
    leader       TEXT NOT NULL,
    place        TEXT NOT NULL,
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    participants TEXT NOT NULL,
    residents    INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX face_sessions_month ON face_sessions(path, month);

CREATE TABLE face_problems (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES face_sessions(id),
    seq          INTEGER NOT NULL,
    description  TEXT NOT NULL,
    unit_name    TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open', -- open, closed
    result       TEXT NOT NULL DEFAULT '',
    closed_on    TEXT,
    UNIQUE (session_id, seq)
);

CREATE TABLE face_followups (
    id          TEXT PRIMARY KEY,
    problem_id  TEXT NOT NULL REFERENCES face_problems(id),
    at          BIGINT NOT NULL,
    by_name     TEXT NOT NULL,
    note        TEXT NOT NULL
);
CREATE INDEX face_followups_problem ON face_followups(problem_id, at);
