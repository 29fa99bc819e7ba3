-- The safety index (平安指数): a catalogue of indicators per root area (a
-- county or a city), versioned so a month keeps the version it was computed
-- with; the months computed for every county and town under the root, each
-- area's index, rank and change, each indicator's value, light and score,
-- and the records behind every value (the drill-down), kept so a published
-- month never changes.

-- A catalogue version: saving a changed catalogue adds the next version.
CREATE TABLE safety_catalogues (
    id          TEXT PRIMARY KEY,
    root_id     TEXT NOT NULL REFERENCES org_nodes(id),
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (root_id, version)
);

-- The indicators of a version, per level (county, town); a level's weights
-- sum to 100. Between the green and the red threshold the light is yellow.
CREATE TABLE safety_indicators (
    catalogue_id TEXT NOT NULL REFERENCES safety_catalogues(id),
    level        TEXT NOT NULL,          -- county, town
    code         TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    direction    TEXT NOT NULL,          -- higher, lower: which is better
    weight       INTEGER NOT NULL,       -- points
    green        REAL NOT NULL,
    red          REAL NOT NULL,
    source       TEXT NOT NULL,          -- a computed metric (safety.Metrics)
    PRIMARY KEY (catalogue_id, level, code)
);

-- A month computed under a root: recomputed in place until published, then
-- frozen.
CREATE TABLE safety_months (
    id           TEXT PRIMARY KEY,
    root_id      TEXT NOT NULL REFERENCES org_nodes(id),
    root_path    TEXT NOT NULL,
    month        TEXT NOT NULL,          -- YYYY-MM, China Standard Time
    catalogue_id TEXT NOT NULL REFERENCES safety_catalogues(id),
    status       TEXT NOT NULL,          -- computed, published
    computed_at  BIGINT NOT NULL,
    computed_by  TEXT NOT NULL,
    published_at BIGINT,
    published_by TEXT,
    UNIQUE (root_id, month)
);

-- Each county's and town's index in a month.
CREATE TABLE safety_areas (
    month_id    TEXT NOT NULL REFERENCES safety_months(id),
    area_id     TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    level       TEXT NOT NULL,
    score       REAL NOT NULL,           -- the index, 0-100
    area_rank   INTEGER NOT NULL,        -- among the month's areas of its level
    prev_score  REAL,                    -- the previous month's index, when there was one
    reds        INTEGER NOT NULL,
    yellows     INTEGER NOT NULL,
    PRIMARY KEY (month_id, area_id)
);
CREATE INDEX safety_areas_area ON safety_areas(area_id);

-- Each indicator of an area in a month, with the counts it came from.
CREATE TABLE safety_values (
    month_id    TEXT NOT NULL REFERENCES safety_months(id),
    area_id     TEXT NOT NULL REFERENCES org_nodes(id),
    code        TEXT NOT NULL,
    numerator   INTEGER NOT NULL,
    denominator INTEGER NOT NULL,
    value       REAL,                    -- NULL when there was nothing to count
    light       TEXT NOT NULL,           -- green, yellow, red, none
    score       REAL NOT NULL,
    PRIMARY KEY (month_id, area_id, code)
);

-- The records every metric of a month counted, once for the whole root:
-- an area's numerator is the sum of hits of the records under its path, its
-- denominator the sum of total (1 a record; a grid counts its days).
-- Labels are numbers and place names, never a person's.
CREATE TABLE safety_inputs (
    month_id    TEXT NOT NULL REFERENCES safety_months(id),
    source      TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    label       TEXT NOT NULL,
    path        TEXT NOT NULL,
    hits        INTEGER NOT NULL,
    total       INTEGER NOT NULL
);
CREATE INDEX safety_inputs_month ON safety_inputs(month_id, source, path);
