-- Dispute cases of the one door (矛盾纠纷多元化解) and their mediation
-- record (人民调解法 art. 27-33). Owned by the dispute room.
CREATE TABLE disputes (
    id            TEXT PRIMARY KEY,
    no            TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,                 -- dispute.Sources
    source_ref    TEXT NOT NULL DEFAULT '',      -- the finding, petition or call it came from
    event_id      TEXT,                          -- the event it was turned from
    org_id        TEXT NOT NULL REFERENCES org_nodes(id),
    path          TEXT NOT NULL,
    type          TEXT NOT NULL,                 -- dispute.Types
    title         TEXT NOT NULL,
    facts         TEXT NOT NULL,
    claims        TEXT NOT NULL DEFAULT '',
    amount_fen    BIGINT,                        -- the amount at stake in fen (1/100 yuan)
    complexity    TEXT NOT NULL DEFAULT '',      -- simple, complex; '' until classified
    route         TEXT NOT NULL DEFAULT '',      -- dispute.Routes; '' until classified
    route_reason  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,                 -- registered, accepted, mediating, settled, failed
    outcome       TEXT NOT NULL DEFAULT '',      -- agreement, oral_agreement, failed
    next_route    TEXT NOT NULL DEFAULT '',      -- where a failed mediation goes next
    outcome_note  TEXT NOT NULL DEFAULT '',
    registered_at BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,               -- the one-month target
    closed_at     BIGINT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX disputes_event ON disputes(event_id) WHERE event_id IS NOT NULL;
CREATE INDEX disputes_path ON disputes(path, id);
CREATE INDEX disputes_registered ON disputes(registered_at, id);
CREATE INDEX disputes_open ON disputes(due_at) WHERE closed_at IS NULL;

-- The parties: names in clear (mediation needs them), phone and ID number
-- sealed, masked and blind-indexed like the registers' people.
CREATE TABLE dispute_parties (
    id           TEXT PRIMARY KEY,
    dispute_id   TEXT NOT NULL REFERENCES disputes(id),
    seq          INTEGER NOT NULL,
    role         TEXT NOT NULL,                  -- applicant, respondent, third
    name         TEXT NOT NULL,
    person_id    TEXT,                           -- the register's person, when linked
    phone_sealed TEXT NOT NULL DEFAULT '',
    phone_blind  TEXT,
    phone_masked TEXT NOT NULL DEFAULT '',
    id_sealed    TEXT NOT NULL DEFAULT '',
    id_blind     TEXT,
    id_masked    TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX dispute_parties_case ON dispute_parties(dispute_id, seq);
CREATE INDEX dispute_parties_id_blind ON dispute_parties(id_blind);

-- Mediation sessions, plain and joint (四长联调, 三调对接).
CREATE TABLE dispute_sessions (
    id         TEXT PRIMARY KEY,
    dispute_id TEXT NOT NULL REFERENCES disputes(id),
    at         BIGINT NOT NULL,
    place      TEXT NOT NULL,
    kind       TEXT NOT NULL,                    -- mediation, joint
    joint_kind TEXT NOT NULL DEFAULT '',         -- four_heads, three_links
    attendees  TEXT NOT NULL DEFAULT '',
    record     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX dispute_sessions_case ON dispute_sessions(dispute_id, at);

-- The mediators of each session: who worked a case (以案定补 counts them).
CREATE TABLE dispute_mediators (
    session_id TEXT NOT NULL REFERENCES dispute_sessions(id),
    dispute_id TEXT NOT NULL REFERENCES disputes(id),
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX dispute_mediators_case ON dispute_mediators(dispute_id, user_id);

-- The units invited to a joint session, and whether each came.
CREATE TABLE dispute_session_units (
    session_id TEXT NOT NULL REFERENCES dispute_sessions(id),
    unit_id    TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    attended   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, unit_id)
);

-- The written agreement (人民调解协议书, art. 29).
CREATE TABLE dispute_agreements (
    dispute_id       TEXT PRIMARY KEY REFERENCES disputes(id),
    no               TEXT NOT NULL UNIQUE,
    facts            TEXT NOT NULL,
    issues           TEXT NOT NULL,
    responsibilities TEXT NOT NULL,
    terms            TEXT NOT NULL,
    manner           TEXT NOT NULL,
    deadline         TEXT NOT NULL,              -- YYYY-MM-DD
    committee        TEXT NOT NULL,
    signed_at        BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);

-- Follow-up visits (回访) of the agreement's performance.
CREATE TABLE dispute_follow_ups (
    id          TEXT PRIMARY KEY,
    dispute_id  TEXT NOT NULL REFERENCES disputes(id),
    at          BIGINT NOT NULL,
    method      TEXT NOT NULL,                   -- visit, phone
    performance TEXT NOT NULL,                   -- performed, partly, not_performed
    note        TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX dispute_follow_ups_case ON dispute_follow_ups(dispute_id, at);

-- The joint application for judicial confirmation (司法确认) and the court's decision.
CREATE TABLE dispute_confirmations (
    dispute_id TEXT PRIMARY KEY REFERENCES disputes(id),
    court      TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    status     TEXT NOT NULL,                    -- applied, confirmed, rejected
    decided_at BIGINT,
    ruling_no  TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT ''
);

-- The case's timeline.
CREATE TABLE dispute_log (
    dispute_id TEXT NOT NULL REFERENCES disputes(id),
    seq        INTEGER NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (dispute_id, seq)
);
