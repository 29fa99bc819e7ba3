-- The red grid's work: 党员中心户 and the households each serves, the
-- compounds' problem ledger (小区问题台账) worked by the branch, the owners'
-- committee and the property company, and 双报到 — a unit's party
-- organisation or a member registering with a community, accepted or
-- declined by it, with the tasks the community gives them.
CREATE TABLE party_center_households (
    id            TEXT PRIMARY KEY,
    member_id     TEXT NOT NULL REFERENCES party_members(id),
    household_id  TEXT NOT NULL REFERENCES households(id),
    path          TEXT COLLATE "C" NOT NULL,             -- the member's path: scope
    created_at    BIGINT NOT NULL,
    UNIQUE (member_id, household_id)
);
CREATE INDEX party_center_households_path ON party_center_households(path);

CREATE TABLE compound_problems (
    id           TEXT PRIMARY KEY,
    compound_id  TEXT NOT NULL REFERENCES compounds(id),
    path         TEXT COLLATE "C" NOT NULL,
    raised_by    TEXT NOT NULL,              -- resident, owners_committee, property_company, branch, grid_member
    raised_on    TEXT NOT NULL,              -- YYYY-MM-DD
    title        TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '',
    responsible  TEXT NOT NULL DEFAULT '',   -- branch, owners_committee, property_company ('' until named)
    steps        TEXT NOT NULL DEFAULT '',   -- the steps taken, one a line
    status       TEXT NOT NULL DEFAULT 'open', -- open, working, solved
    solved_on    TEXT NOT NULL DEFAULT '',
    event_id     TEXT REFERENCES events(id), -- when it was handed to a department as an event
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX compound_problems_path ON compound_problems(path, raised_on);
CREATE INDEX compound_problems_compound ON compound_problems(compound_id, status);

CREATE TABLE party_reports (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,             -- org (a unit's organisation) or member
    org_id        TEXT NOT NULL REFERENCES org_nodes(id), -- the community reported to
    path          TEXT COLLATE "C" NOT NULL,
    name          TEXT NOT NULL,             -- the organisation's or the member's name
    unit          TEXT NOT NULL DEFAULT '',  -- the unit (government office, company)
    own_org       TEXT NOT NULL DEFAULT '',  -- a member's own party organisation
    unit_report_id TEXT REFERENCES party_reports(id), -- a member of a registered unit
    phone_sealed  TEXT NOT NULL DEFAULT '',
    phone_masked  TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    compound_id   TEXT REFERENCES compounds(id),
    grid_id       TEXT REFERENCES grids(id), -- assigned on acceptance
    user_id       TEXT REFERENCES users(id), -- a member who registered from the phone
    status        TEXT NOT NULL DEFAULT 'pending', -- pending, accepted, declined
    reason        TEXT NOT NULL DEFAULT '',  -- why declined
    party_org_id  TEXT REFERENCES party_orgs(id),    -- the unit's organisation, once accepted
    member_id     TEXT REFERENCES party_members(id), -- the member's row, once accepted
    decided_at    BIGINT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX party_reports_path ON party_reports(path, status);
CREATE INDEX party_reports_user ON party_reports(user_id);

CREATE TABLE party_report_tasks (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES party_reports(id),
    path        TEXT COLLATE "C" NOT NULL,
    title       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open', -- open, done
    note        TEXT NOT NULL DEFAULT '',
    hours       DOUBLE PRECISION NOT NULL DEFAULT 0,
    done_on     TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX party_report_tasks_path ON party_report_tasks(path, due_on);
CREATE INDEX party_report_tasks_report ON party_report_tasks(report_id, status);
