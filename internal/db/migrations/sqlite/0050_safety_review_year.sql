-- The quarterly review (季研判) and the year's assessment (年考评) of the
-- safety index: the committee's conclusion and decisions on a quarter, and
-- the year's bonus and deduction items per area, published to fix the
-- final ranking and grades.

CREATE TABLE safety_reviews (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    period      TEXT NOT NULL,           -- 2026-Q4
    conclusion  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    UNIQUE (root_id, period)
);

CREATE TABLE safety_review_decisions (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    period      TEXT NOT NULL,
    text        TEXT NOT NULL,
    owner       TEXT NOT NULL,           -- who carries it out
    due_on      TEXT NOT NULL,           -- YYYY-MM-DD, or empty
    created_by  TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX safety_review_decisions_period ON safety_review_decisions(root_id, period);

-- A year's bonus (加分), deduction (扣分) or veto (一票否决) for an area.
CREATE TABLE safety_year_items (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    year        INTEGER NOT NULL,
    area_id     TEXT NOT NULL REFERENCES org_nodes(id),
    kind        TEXT NOT NULL,           -- bonus, deduction, veto
    points      REAL NOT NULL,
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX safety_year_items_year ON safety_year_items(root_id, year);

-- A published year: its items no longer change.
CREATE TABLE safety_years (
    root_id      TEXT NOT NULL REFERENCES org_nodes(id),
    year         INTEGER NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (root_id, year)
);
