-- Foundation: organisation tree, grids, accounts, sessions, audit, settings.
-- Times are Unix milliseconds; ids are UUIDv7 text made by the application.

CREATE TABLE org_nodes (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    parent_id   TEXT REFERENCES org_nodes(id),
    path        TEXT COLLATE "C" NOT NULL,            -- "/rootid/…/id/": the scope filter is a prefix range on it
    status      TEXT NOT NULL DEFAULT 'active',
    geometry    TEXT,                     -- GeoJSON (WGS-84) of the node's area
    center_lat  DOUBLE PRECISION,
    center_lng  DOUBLE PRECISION,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX org_nodes_parent ON org_nodes(parent_id, code);
CREATE INDEX org_nodes_path ON org_nodes(path);

CREATE TABLE grids (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    layer       TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT COLLATE "C" NOT NULL,            -- the village's path: grids are in scope of every ancestor
    geometry    TEXT NOT NULL,
    min_lng     DOUBLE PRECISION NOT NULL, min_lat DOUBLE PRECISION NOT NULL, max_lng DOUBLE PRECISION NOT NULL, max_lat DOUBLE PRECISION NOT NULL,
    center_lat  DOUBLE PRECISION NOT NULL,
    center_lng  DOUBLE PRECISION NOT NULL,
    households  INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL DEFAULT 'active',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (layer, code)
);
CREATE INDEX grids_org ON grids(org_id, layer, code);
CREATE INDEX grids_path ON grids(path, layer, code);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    org_id              TEXT REFERENCES org_nodes(id),
    password_hash       TEXT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    totp_secret         TEXT,             -- sealed with the data key, never plain
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    status              TEXT NOT NULL DEFAULT 'active',
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE grid_members (
    id          TEXT PRIMARY KEY,
    grid_id     TEXT NOT NULL REFERENCES grids(id),
    role        TEXT NOT NULL,            -- grid_chief, grid_member, assistant, police
    name        TEXT NOT NULL,
    user_id     TEXT REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX grid_members_grid ON grid_members(grid_id);

-- Every login attempt, by the name typed: lockout counts failures here, so an
-- unknown name locks exactly like a real one.
CREATE TABLE login_attempts (
    id        TEXT PRIMARY KEY,
    username  TEXT NOT NULL,
    at        BIGINT NOT NULL,
    ok        BOOLEAN NOT NULL,
    ip        TEXT NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts(username, at);

CREATE TABLE lockouts (
    username     TEXT PRIMARY KEY,
    locked_until BIGINT NOT NULL
);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    builtin     BOOLEAN NOT NULL DEFAULT false,
    permissions TEXT NOT NULL,            -- space-separated permission codes
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE role_assignments (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    role_id     TEXT NOT NULL REFERENCES roles(id),
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    created_at  BIGINT NOT NULL,
    created_by  TEXT,
    UNIQUE (user_id, role_id, org_id)
);
CREATE INDEX role_assignments_user ON role_assignments(user_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,        -- SHA-256 of the cookie value
    user_id      TEXT NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    user_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    ip          TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    result      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user ON audit_log(username, seq);
CREATE INDEX audit_log_action ON audit_log(action, seq);

-- The head of the hash chain: appending locks this one row, so the chain is
-- a line even with several writers.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Leases elect one node to run a scheduled job; job_runs makes a period's run happen once.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE job_runs (
    job        TEXT NOT NULL,
    period     TEXT NOT NULL,
    node       TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (job, period)
);

-- Keys of outside systems (Open311 clients, video/IoT webhooks): only a hash is kept.
CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    scope      TEXT NOT NULL,            -- what the key may do, e.g. "open311"
    status     TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL
);
