-- Village score sheets (评分表, 村规民约) and village councils (村民理事会,
-- 邻里议事会) with their consultation (意见征询). Everything belongs to a
-- village or community org node (org_id, path).

-- Each village's choices: how a household is named on the public list
-- (surname: 张**; full: the householder's name; house_no: 户号) and which
-- households are recognised (the top N, or a total at or above a threshold).
CREATE TABLE village_settings (
    org_id          TEXT PRIMARY KEY REFERENCES org_nodes(id),
    path            TEXT NOT NULL,
    display         TEXT NOT NULL DEFAULT 'surname',
    recognise_top   INTEGER NOT NULL DEFAULT 0,
    recognise_min   INTEGER,
    title           TEXT NOT NULL DEFAULT '',          -- 文明户, 星级户, …
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      BIGINT NOT NULL
);

-- The village rules (村规民约), one row an article.
CREATE TABLE village_rules (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    no          INTEGER NOT NULL,
    text        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, no)
);

-- A village's score sheet, versioned: editing a sheet that has recorded
-- scores makes a new version; old scores keep theirs.
CREATE TABLE village_sheets (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    current     INTEGER NOT NULL DEFAULT 1,           -- 1 for the version in force
    created_at  BIGINT NOT NULL,
    UNIQUE (org_id, version)
);
CREATE INDEX village_sheets_path ON village_sheets(path, org_id);

CREATE TABLE village_sheet_items (
    id          TEXT PRIMARY KEY,
    sheet_id    TEXT NOT NULL REFERENCES village_sheets(id),
    no          INTEGER NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,                        -- plus, minus, veto
    points      INTEGER NOT NULL DEFAULT 0,           -- signed; 0 for a veto
    rule_no     INTEGER,                              -- the article of the village rules
    UNIQUE (sheet_id, no)
);

-- A household's score of a month: one item of a sheet version.
CREATE TABLE village_scores (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES org_nodes(id),
    path          TEXT NOT NULL,
    household_id  TEXT NOT NULL REFERENCES households(id),
    sheet_id      TEXT NOT NULL REFERENCES village_sheets(id),
    item_id       TEXT NOT NULL REFERENCES village_sheet_items(id),
    month         TEXT NOT NULL,                      -- YYYY-MM
    on_day        TEXT NOT NULL,                      -- YYYY-MM-DD
    points        INTEGER NOT NULL DEFAULT 0,
    veto          INTEGER NOT NULL DEFAULT 0,
    evidence      TEXT NOT NULL,                      -- photo, witness, council
    detail_sealed TEXT NOT NULL DEFAULT '',           -- what was seen, the witness, the decision (sealed)
    status        TEXT NOT NULL DEFAULT 'counted',    -- counted, appealed, overturned
    user_id       TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX village_scores_month ON village_scores(org_id, month, household_id);
CREATE INDEX village_scores_path ON village_scores(path, month);

CREATE TABLE village_appeals (
    id            TEXT PRIMARY KEY,
    score_id      TEXT NOT NULL REFERENCES village_scores(id),
    lodged_by     TEXT NOT NULL,                      -- household, grid_member
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',    -- pending, upheld, overturned
    decision      TEXT NOT NULL DEFAULT '',
    user_id       TEXT NOT NULL DEFAULT '',
    lodged_at     BIGINT NOT NULL,
    decided_at    BIGINT,
    decided_by    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX village_appeals_open ON village_appeals(score_id) WHERE status = 'pending';

-- A month's list: reviewed, then published. A published month takes no
-- more scores; an appeal overturned later drops out of its list.
CREATE TABLE village_months (
    org_id        TEXT NOT NULL REFERENCES org_nodes(id),
    month         TEXT NOT NULL,
    path          TEXT NOT NULL,
    status        TEXT NOT NULL,                      -- reviewed, published
    reviewed_at   BIGINT NOT NULL,
    published_at  BIGINT,
    user_id       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, month)
);

-- Councils: a village's 村民理事会 or a compound's 邻里议事会, with the rule
-- of their votes (quorum of members present, share of votes cast to pass).
CREATE TABLE village_councils (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES org_nodes(id),
    path            TEXT NOT NULL,
    kind            TEXT NOT NULL,                    -- villagers, neighbourhood
    name            TEXT NOT NULL,
    compound        TEXT NOT NULL DEFAULT '',         -- the compound of a 邻里议事会
    quorum_percent  INTEGER NOT NULL DEFAULT 50,      -- more than this share of members present
    pass_percent    INTEGER NOT NULL DEFAULT 50,      -- more than this share of those present in favour
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      BIGINT NOT NULL
);
CREATE INDEX village_councils_path ON village_councils(path, org_id);

CREATE TABLE village_council_members (
    id            TEXT PRIMARY KEY,
    council_id    TEXT NOT NULL REFERENCES village_councils(id),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,                      -- chair (理事长), member (理事), supervisor (监事)
    person_id     TEXT NOT NULL DEFAULT '',
    worker_id     TEXT NOT NULL DEFAULT '',
    phone_sealed  TEXT NOT NULL DEFAULT '',
    phone_masked  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'active',     -- active, left
    created_at    BIGINT NOT NULL
);
CREATE INDEX village_council_members_council ON village_council_members(council_id, status);

CREATE TABLE village_meetings (
    id          TEXT PRIMARY KEY,
    council_id  TEXT NOT NULL REFERENCES village_councils(id),
    held_on     TEXT NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    agenda      TEXT NOT NULL,
    minutes     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX village_meetings_council ON village_meetings(council_id, held_on);

CREATE TABLE village_attendance (
    meeting_id  TEXT NOT NULL REFERENCES village_meetings(id),
    member_id   TEXT NOT NULL REFERENCES village_council_members(id),
    status      TEXT NOT NULL,                        -- present, absent, excused
    PRIMARY KEY (meeting_id, member_id)
);

-- Proposals through consultation (意见征询), the decision with its vote and
-- the follow-up of what was decided.
CREATE TABLE village_proposals (
    id            TEXT PRIMARY KEY,
    council_id    TEXT NOT NULL REFERENCES village_councils(id),
    org_id        TEXT NOT NULL,
    path          TEXT NOT NULL,
    kind          TEXT NOT NULL,                      -- finance, public_works, collective, industry, other
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    opens_on      TEXT NOT NULL,
    closes_on     TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'consulting', -- consulting, closed, passed, rejected
    meeting_id    TEXT NOT NULL DEFAULT '',
    votes_for     INTEGER,
    votes_against INTEGER,
    votes_abstain INTEGER,
    present       INTEGER,
    decision      TEXT NOT NULL DEFAULT '',
    decided_at    BIGINT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL
);
CREATE INDEX village_proposals_path ON village_proposals(path, status);

CREATE TABLE village_opinions (
    id           TEXT PRIMARY KEY,
    proposal_id  TEXT NOT NULL REFERENCES village_proposals(id),
    user_id      TEXT NOT NULL DEFAULT '',            -- the resident giving it; empty when staff recorded it at a meeting
    name         TEXT NOT NULL,
    stance       TEXT NOT NULL,                       -- support, oppose, other
    text         TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,                       -- phone, meeting
    recorded_by  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX village_opinions_one ON village_opinions(proposal_id, user_id) WHERE user_id <> '';
CREATE INDEX village_opinions_proposal ON village_opinions(proposal_id, created_at);

CREATE TABLE village_follow_ups (
    id           TEXT PRIMARY KEY,
    proposal_id  TEXT NOT NULL REFERENCES village_proposals(id),
    step         TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    done_on      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX village_follow_ups_proposal ON village_follow_ups(proposal_id, due_on);
