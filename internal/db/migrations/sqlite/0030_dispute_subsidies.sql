-- A session's mediators are entries of the 调解力量 register (mediators),
-- most of whom have no account; no deployment holds cases yet, so the
-- table is made anew.
DROP TABLE dispute_mediators;
CREATE TABLE dispute_mediators (
    session_id  TEXT NOT NULL REFERENCES dispute_sessions(id),
    dispute_id  TEXT NOT NULL REFERENCES disputes(id),
    mediator_id TEXT NOT NULL REFERENCES mediators(id),
    name        TEXT NOT NULL,
    PRIMARY KEY (session_id, mediator_id)
);
CREATE INDEX dispute_mediators_case ON dispute_mediators(dispute_id, mediator_id);

-- 以案定补: the amount per case of each county, by complexity and outcome.
-- Every change is a new row (seq), so the table's history is kept: who set
-- it, when, and the amount before.
CREATE TABLE dispute_subsidy_rates (
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    complexity  TEXT NOT NULL,                   -- simple, complex
    outcome     TEXT NOT NULL,                   -- agreement, oral_agreement, failed
    seq         INTEGER NOT NULL,
    amount_fen  BIGINT NOT NULL,
    old_fen     BIGINT,
    set_by      TEXT NOT NULL,
    set_by_name TEXT NOT NULL,
    set_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, complexity, outcome, seq)
);

-- What each mediator of a closed case is credited, for the month of
-- closing, at the rate in force then; one row per case and mediator.
CREATE TABLE dispute_subsidy_credits (
    dispute_id  TEXT NOT NULL REFERENCES disputes(id),
    mediator_id TEXT NOT NULL REFERENCES mediators(id),
    path        TEXT NOT NULL,                   -- the mediator's area
    month       TEXT NOT NULL,                   -- YYYY-MM of closing (China time)
    complexity  TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    rate_fen    BIGINT NOT NULL,                 -- the case's whole amount
    amount_fen  BIGINT NOT NULL,                 -- this mediator's share
    closed_at   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (dispute_id, mediator_id)
);
CREATE INDEX dispute_subsidy_credits_month ON dispute_subsidy_credits(month, path);
CREATE INDEX dispute_subsidy_credits_mediator ON dispute_subsidy_credits(mediator_id, month);
