-- Reported figures of the safety index (平安指数): the figures the platform
-- does not hold (criminal cases, police calls, fraud, drugs, fires, road and
-- work accidents) reported every month by a named unit, town by town, with
-- the document they come from, by a day of the next month.

-- Who reports each reported figure a catalogue version uses, and by which
-- day of the next month.
CREATE TABLE safety_reporters (
    catalogue_id TEXT NOT NULL REFERENCES safety_catalogues(id),
    source       TEXT NOT NULL,          -- a reported metric (safety.Metrics)
    unit_id      TEXT NOT NULL REFERENCES units(id),
    due_day      INTEGER NOT NULL,       -- 1-28
    PRIMARY KEY (catalogue_id, source)
);

-- A unit's report of a month to a root: one a unit and month, corrected in
-- place until the month is published. submitted_at is the first submission:
-- it decides whether the report was on time.
CREATE TABLE safety_reports (
    id           TEXT PRIMARY KEY,
    root_id      TEXT NOT NULL REFERENCES org_nodes(id),
    month        TEXT NOT NULL,          -- YYYY-MM
    unit_id      TEXT NOT NULL REFERENCES units(id),
    evidence     TEXT NOT NULL,          -- the document the figures come from
    submitted_at BIGINT NOT NULL,
    submitted_by TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    UNIQUE (root_id, month, unit_id)
);

-- A report's figure for one town.
CREATE TABLE safety_report_values (
    report_id TEXT NOT NULL REFERENCES safety_reports(id),
    source    TEXT NOT NULL,
    area_id   TEXT NOT NULL REFERENCES org_nodes(id),
    value     INTEGER NOT NULL,
    PRIMARY KEY (report_id, source, area_id)
);
