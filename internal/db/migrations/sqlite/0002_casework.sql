-- Casework: units, categories, dispatch rules, events and their loop.

CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,            -- center (综治中心 of an area) or department (职能部门)
    level      TEXT NOT NULL,            -- county, town, village
    org_id     TEXT NOT NULL REFERENCES org_nodes(id),
    path       TEXT NOT NULL,            -- the org node's path: the area the unit serves
    status     TEXT NOT NULL DEFAULT 'active',
    created_at BIGINT NOT NULL
);
CREATE INDEX units_org ON units(org_id);

ALTER TABLE users ADD COLUMN unit_id TEXT REFERENCES units(id);

CREATE TABLE categories (
    code              TEXT PRIMARY KEY,
    parent_code       TEXT,
    name              TEXT NOT NULL,
    default_unit_code TEXT,
    limits            TEXT NOT NULL,     -- JSON: urgency → stage → limit ("30m", "4wh", "5wd")
    closing_criterion TEXT NOT NULL DEFAULT '',
    attributes        TEXT NOT NULL DEFAULT '[]',
    active            INTEGER NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

-- Dispatch rules: the most specific category prefix and the deepest area win;
-- with no rule the event goes to the centre of its own area (属地兜底).
CREATE TABLE dispatch_rules (
    id              TEXT PRIMARY KEY,
    category_prefix TEXT NOT NULL,
    org_id          TEXT NOT NULL REFERENCES org_nodes(id),
    path            TEXT NOT NULL,
    unit_id         TEXT NOT NULL REFERENCES units(id),
    created_at      BIGINT NOT NULL
);

CREATE TABLE events (
    id               TEXT PRIMARY KEY,
    no               TEXT NOT NULL UNIQUE,
    channel          TEXT NOT NULL,
    category_code    TEXT NOT NULL REFERENCES categories(code),
    urgency          TEXT NOT NULL,
    description      TEXT NOT NULL,
    address          TEXT NOT NULL DEFAULT '',
    lat              REAL,
    lng              REAL,
    grid_id          TEXT REFERENCES grids(id),
    org_id           TEXT NOT NULL REFERENCES org_nodes(id),
    path             TEXT NOT NULL,       -- the event's village path: scope filter
    level            TEXT NOT NULL,       -- village, town, county: where it is being handled
    state            TEXT NOT NULL,
    stage            TEXT NOT NULL,
    stage_started_at BIGINT NOT NULL,
    stage_warn_at    BIGINT,              -- yellow light from here
    stage_due_at     BIGINT,              -- red light from here
    overdue_flagged  INTEGER NOT NULL DEFAULT 0,
    lead_unit_id     TEXT REFERENCES units(id),
    reporter_id      TEXT,
    reporter_name    TEXT NOT NULL DEFAULT '',
    reporter_phone   TEXT NOT NULL DEFAULT '',   -- sealed with the data key
    attributes       TEXT NOT NULL DEFAULT '{}',
    supervised       INTEGER NOT NULL DEFAULT 0,
    leader_id        TEXT,
    parked           INTEGER NOT NULL DEFAULT 0,
    extension_hours  INTEGER NOT NULL DEFAULT 0, -- a pending extension request
    merged_into      TEXT,
    resolved_level   TEXT,
    rating           TEXT,
    dispatched_at    BIGINT,
    response_due_at  BIGINT,              -- signing on time by this moment counts as a response
    signed_at        BIGINT,
    closed_at        BIGINT,
    due_at           BIGINT,              -- the whole matter's deadline, set at dispatch
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX events_path ON events(path, created_at);
CREATE INDEX events_state ON events(state, stage_due_at);
CREATE INDEX events_created ON events(created_at);
CREATE INDEX events_lead ON events(lead_unit_id, state);
CREATE INDEX events_near ON events(category_code, lat, lng);

CREATE TABLE event_units (
    event_id   TEXT NOT NULL REFERENCES events(id),
    unit_id    TEXT NOT NULL REFERENCES units(id),
    lead       INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL,            -- dispatched, signed, done, returned, summoned, reported
    due_at     BIGINT,
    signed_at  BIGINT,
    done_at    BIGINT,
    PRIMARY KEY (event_id, unit_id)
);
CREATE INDEX event_units_unit ON event_units(unit_id, state);

CREATE TABLE event_log (
    event_id   TEXT NOT NULL REFERENCES events(id),
    seq        INTEGER NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    unit_id    TEXT,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, seq)
);

CREATE TABLE event_media (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events(id),
    log_seq      INTEGER,
    kind         TEXT NOT NULL,          -- before, after, handling
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,          -- EXIF and position stripped
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX event_media_event ON event_media(event_id);

CREATE TABLE supervisions (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id),
    by_user    TEXT NOT NULL,
    note       TEXT NOT NULL,
    due_at     BIGINT NOT NULL,
    closed_at  BIGINT,
    created_at BIGINT NOT NULL
);

-- Idempotency keys of field and client writes (Stripe style), kept for days.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,          -- user id or api key id
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,       -- 0 while in flight
    body         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE inbox (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    event_id   TEXT,
    kind       TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE INDEX inbox_user ON inbox(user_id, created_at);

-- Durable outbox: a notification is committed with the change that caused it
-- and sent after, with retries; a failed send never loses the event.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,            -- log, sms, webhook
    target     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    sent_at    BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox(sent_at, next_at);

-- Named counters (event numbers per day), bumped with INSERT … ON CONFLICT … RETURNING.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);
