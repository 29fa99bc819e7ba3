-- Red orders (红色订单, 红色代办) and the points ledger (党员积分管理).
-- A resident places an order, or a party member or grid member enters it on
-- an elderly or unconnected resident's behalf (the resident's name and phone
-- sealed); it lands with the branch over its grid, which assigns it to a
-- member or a group or hands it on as an event or a dispute case; a member
-- accepts, serves and records the result with photos; the resident (or, for
-- an order entered on their behalf, a grid member's return visit) confirms
-- and rates. Points are a ledger: entries are never changed, a correction is
-- a new entry naming the one it corrects.
CREATE TABLE red_orders (
    id                    TEXT PRIMARY KEY,
    kind                  TEXT NOT NULL,             -- buy_medicine, pay_bills, escort_medical, repair, policy, elderly_disabled, other
    need                  TEXT NOT NULL,             -- what is needed (masked text)
    address               TEXT NOT NULL DEFAULT '',
    wanted                TEXT NOT NULL DEFAULT '',  -- when, in the resident's words or YYYY-MM-DD
    grid_id               TEXT NOT NULL REFERENCES grids(id),
    org_id                TEXT NOT NULL REFERENCES org_nodes(id),
    path                  TEXT NOT NULL,
    branch_id             TEXT NOT NULL REFERENCES party_orgs(id),  -- the organisation holding it now
    home_branch_id        TEXT NOT NULL REFERENCES party_orgs(id),  -- the branch it landed with
    channel               TEXT NOT NULL,             -- online, proxy (红色代办)
    placed_by             TEXT NOT NULL REFERENCES users(id),
    resident_name_sealed  TEXT NOT NULL DEFAULT '',
    resident_name_masked  TEXT NOT NULL DEFAULT '',
    resident_phone_sealed TEXT NOT NULL DEFAULT '',
    resident_phone_masked TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL DEFAULT 'placed', -- placed, assigned, accepted, served, done, handed_on
    group_id              TEXT REFERENCES party_orgs(id),   -- assigned to a group
    member_id             TEXT REFERENCES party_members(id),-- assigned to, then accepted by
    accept_due            BIGINT,
    serve_due             BIGINT,
    placed_at             BIGINT NOT NULL,
    month                 TEXT NOT NULL,             -- YYYY-MM placed (China time), for the figures
    accepted_at           BIGINT,
    served_at             BIGINT,
    done_at               BIGINT,
    result                TEXT NOT NULL DEFAULT '',
    rating                INTEGER,
    comment               TEXT NOT NULL DEFAULT '',
    confirmed_by          TEXT NOT NULL DEFAULT '',  -- resident, return_visit
    late                  INTEGER NOT NULL DEFAULT 0, -- served after serve_due
    reminded              INTEGER NOT NULL DEFAULT 0,
    handed_kind           TEXT NOT NULL DEFAULT '',  -- event, dispute
    handed_ref            TEXT NOT NULL DEFAULT '',
    version               INTEGER NOT NULL DEFAULT 1,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX red_orders_path ON red_orders(path, status, placed_at);
CREATE INDEX red_orders_month ON red_orders(path, month);
CREATE INDEX red_orders_branch ON red_orders(branch_id, status);
CREATE INDEX red_orders_member ON red_orders(member_id, status);
CREATE INDEX red_orders_placer ON red_orders(placed_by, placed_at);
CREATE INDEX red_orders_due ON red_orders(status, accept_due);

CREATE TABLE red_order_steps (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES red_orders(id),
    kind       TEXT NOT NULL,  -- placed, assigned, accepted, served, confirmed, handed_on, reassigned, escalated, reminded, overdue
    party_org_id TEXT NOT NULL DEFAULT '',
    member_id  TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX red_order_steps_order ON red_order_steps(order_id, at);

CREATE TABLE red_order_photos (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES red_orders(id),
    seq           INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,  -- re-encoded: no EXIF, no position
    created_at    BIGINT NOT NULL,
    UNIQUE (order_id, seq)
);

CREATE TABLE points_entries (
    id            TEXT PRIMARY KEY,
    subject_kind  TEXT NOT NULL,   -- party_member, volunteer, worker
    subject_id    TEXT NOT NULL,
    party_org_id  TEXT NOT NULL DEFAULT '', -- the subject's branch when the entry was made
    org_id        TEXT NOT NULL REFERENCES org_nodes(id), -- the community
    path          TEXT NOT NULL,
    month         TEXT NOT NULL,   -- YYYY-MM (China time)
    points        INTEGER NOT NULL,
    rule          TEXT NOT NULL,   -- order_done, order_good_rating, order_overdue, patrol, screening, training, volunteer_hours, duty_missed, correction
    source_kind   TEXT NOT NULL,   -- red_order, patrol, screening_finding, training, points_entry, manual
    source_id     TEXT NOT NULL,
    rule_version  INTEGER NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    corrects_id   TEXT REFERENCES points_entries(id),
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    UNIQUE (subject_kind, subject_id, rule, source_kind, source_id)
);
CREATE INDEX points_entries_subject ON points_entries(subject_kind, subject_id, month);
CREATE INDEX points_entries_path ON points_entries(path, month);
CREATE INDEX points_entries_branch ON points_entries(party_org_id, month);
