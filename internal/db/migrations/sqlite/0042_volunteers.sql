-- Volunteers (红袖章 / 红袖标, 平安志愿者, 法律明白人, 邻里志愿队): teams and the
-- register of their members, the patrol shifts a team publishes and the
-- volunteers sign up for, the hours counted from the shifts walked and the
-- hours a team's area records for other service, the clues volunteers
-- report and the recognition they are given. A volunteer is on the roster
-- of the grid workforce (workers, employment 'other'): their shifts are
-- walked as patrols of that roster entry.
CREATE TABLE volunteer_teams (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                  -- red_armband, red_sleeve, safety, legal, neighbour, other
    leader_id   TEXT,                           -- a volunteer of the team
    duties      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active', -- active, retired
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX volunteer_teams_path ON volunteer_teams(path);

CREATE TABLE volunteers (
    id           TEXT PRIMARY KEY,
    team_id      TEXT NOT NULL REFERENCES volunteer_teams(id),
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    grid_id      TEXT NOT NULL DEFAULT '',
    worker_id    TEXT NOT NULL REFERENCES workers(id),
    user_id      TEXT REFERENCES users(id),     -- the account that uses the phone pages, when one does
    name         TEXT NOT NULL,
    phone_masked TEXT NOT NULL DEFAULT '',     -- the phone itself is sealed on the roster entry
    skills       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'active', -- active, paused, left
    started_on   TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX volunteers_path ON volunteers(path, name);
CREATE INDEX volunteers_team ON volunteers(team_id);
CREATE INDEX volunteers_user ON volunteers(user_id);

CREATE TABLE volunteer_shifts (
    id          TEXT PRIMARY KEY,
    team_id     TEXT NOT NULL REFERENCES volunteer_teams(id),
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    place       TEXT NOT NULL,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    needed      INTEGER NOT NULL,
    taken       INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX volunteer_shifts_path ON volunteer_shifts(path, starts_at);
CREATE INDEX volunteer_shifts_team ON volunteer_shifts(team_id, starts_at);

CREATE TABLE volunteer_signups (
    id           TEXT PRIMARY KEY,
    shift_id     TEXT NOT NULL REFERENCES volunteer_shifts(id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    path         TEXT NOT NULL,
    starts_at    BIGINT NOT NULL,               -- the shift's, for the overlap check
    ends_at      BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'signed', -- signed, cancelled
    patrol_id    TEXT,                          -- the patrol the shift was walked as
    attended_at  BIGINT,                        -- the first check-in inside the shift
    minutes      INTEGER NOT NULL DEFAULT 0,    -- counted when attended
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX volunteer_signups_one ON volunteer_signups(shift_id, volunteer_id);
CREATE INDEX volunteer_signups_volunteer ON volunteer_signups(volunteer_id, starts_at);
CREATE INDEX volunteer_signups_path ON volunteer_signups(path, starts_at);

CREATE TABLE volunteer_hours (
    id           TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    path         TEXT NOT NULL,
    day          TEXT NOT NULL,                 -- YYYY-MM-DD
    minutes      INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    recorded_by  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX volunteer_hours_path ON volunteer_hours(path, day);
CREATE INDEX volunteer_hours_volunteer ON volunteer_hours(volunteer_id, day);

-- A clue (线索): an ordinary one becomes an event (event_id); one for the
-- police stays here, for the police of its area alone.
CREATE TABLE volunteer_clues (
    id           TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    kind         TEXT NOT NULL,                 -- ordinary, police
    text_sealed  TEXT NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    lat          REAL,
    lng          REAL,
    event_id     TEXT,
    event_no     TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'new',   -- new, received
    received_by  TEXT NOT NULL DEFAULT '',
    received_at  BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX volunteer_clues_path ON volunteer_clues(path, kind, created_at);
CREATE INDEX volunteer_clues_volunteer ON volunteer_clues(volunteer_id, created_at);

CREATE TABLE volunteer_awards (
    id           TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    path         TEXT NOT NULL,
    title        TEXT NOT NULL,                 -- excellent, star, other
    period       TEXT NOT NULL,                 -- YYYY or YYYY-MM
    reason       TEXT NOT NULL,
    given_by     TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX volunteer_awards_path ON volunteer_awards(path, period);
