-- Exact look-ups by ID number or phone are counted per user from their
-- audit rows (registry.Lookup): this index finds a user's recent ones.
CREATE INDEX audit_log_user_action ON audit_log(user_id, action, at);

-- A person registered with the ID number of a person the registering user
-- cannot see is kept as a pending duplicate (dup_of names the record
-- already registered) until a duplicate review decides; the caller gets the
-- same answer as for a new person. "One person per ID" holds for every
-- record that is not such a pending duplicate.
ALTER TABLE people ADD COLUMN dup_of TEXT;
DROP INDEX people_id_blind;
CREATE UNIQUE INDEX people_id_blind ON people(id_blind) WHERE dup_of IS NULL;
CREATE INDEX people_id_blind_any ON people(id_blind);

-- duplicate_reviews: 重复登记核查. One pending duplicate (person_id) and
-- the record it duplicates (existing_id), reviewed at the lowest org node
-- whose area holds both (org_id, path). No personal value is kept here.
CREATE TABLE duplicate_reviews (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,          -- the new registration (deleted once decided)
    existing_id TEXT NOT NULL,          -- the record already registered
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,
    status      TEXT NOT NULL,          -- pending, transferred, rejected, withdrawn
    created_by  TEXT,
    created_at  BIGINT NOT NULL,
    decided_by  TEXT,
    decided_at  BIGINT,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX duplicate_reviews_status ON duplicate_reviews(status, path);
CREATE INDEX duplicate_reviews_person ON duplicate_reviews(person_id);
CREATE INDEX duplicate_reviews_existing ON duplicate_reviews(existing_id);

-- exports.window_rows: the rows the requester had exported without approval
-- in the window before this request (registry.ExportWindow), shown with a
-- request that waits for approval.
ALTER TABLE exports ADD COLUMN window_rows INTEGER NOT NULL DEFAULT 0;
