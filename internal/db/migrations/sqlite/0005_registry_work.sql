-- Register work around the ledgers: exports waiting for a second person's
-- approval, and verification campaigns (核查).

-- exports: one request to export a list. Above the approval threshold it
-- waits for a second person holding registry.export_approve over path; the
-- file itself is made at download time and never stored.
CREATE TABLE exports (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,          -- people, households, houses, units, care_targets, key_persons
    format       TEXT NOT NULL,          -- xlsx, csv
    filters      TEXT NOT NULL,          -- JSON of the list's filters
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    status       TEXT NOT NULL,          -- ready, pending, approved, rejected
    requested_by TEXT NOT NULL REFERENCES users(id),
    decided_by   TEXT REFERENCES users(id),
    decided_at   BIGINT,
    reason       TEXT NOT NULL DEFAULT '',
    downloads    INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX exports_user ON exports(requested_by, created_at);
CREATE INDEX exports_status ON exports(status, path);

-- campaigns: "check all rental houses in these grids". Launching one takes
-- a snapshot of the records as campaign_items; grid members record each as
-- checked, changed or gone, and add what they find new.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,           -- rental_houses, houses, people, households, units
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    due_date    TEXT NOT NULL,           -- YYYY-MM-DD
    status      TEXT NOT NULL DEFAULT 'open', -- open, closed
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT
);
CREATE INDEX campaigns_path ON campaigns(path, created_at);

CREATE TABLE campaign_grids (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    grid_id     TEXT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (campaign_id, grid_id)
);

CREATE TABLE campaign_items (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
    grid_id      TEXT NOT NULL REFERENCES grids(id),
    path         TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    label        TEXT NOT NULL,          -- masked or public text: address, unit name
    result       TEXT NOT NULL DEFAULT 'pending', -- pending, checked, changed, gone, new
    note         TEXT NOT NULL DEFAULT '',
    checked_by   TEXT REFERENCES users(id),
    checked_at   BIGINT,
    UNIQUE (campaign_id, record_id)
);
CREATE INDEX campaign_items_grid ON campaign_items(campaign_id, grid_id, result);
