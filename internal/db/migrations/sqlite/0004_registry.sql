-- Base registers (一标三实, 户情台账), care targets, key persons and visits.
-- Personal values are sealed by the application (AES-256-GCM bound to row and
-- field): *_sealed columns hold ciphertext, *_masked the display form, and
-- *_blind a keyed hash for exact search and uniqueness. No plain ID number,
-- phone or precise address is ever stored.

CREATE TABLE addresses (
    id          TEXT PRIMARY KEY,
    text        TEXT NOT NULL,            -- standard address down to the door or building (一标)
    grid_id     TEXT REFERENCES grids(id),
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    path        TEXT NOT NULL,            -- the village's path: scope filter
    lat         REAL,
    lng         REAL,
    status      TEXT NOT NULL DEFAULT 'active',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, text)
);
CREATE INDEX addresses_path ON addresses(path, text);

CREATE TABLE houses (
    id                 TEXT PRIMARY KEY,
    address_id         TEXT NOT NULL REFERENCES addresses(id),
    room_sealed        TEXT NOT NULL DEFAULT '',
    room_masked        TEXT NOT NULL DEFAULT '',
    purpose            TEXT NOT NULL,     -- self_use, rental, business, vacant, other
    area_m2            REAL,
    owner_name         TEXT NOT NULL DEFAULT '',
    owner_phone_sealed TEXT NOT NULL DEFAULT '',
    owner_phone_masked TEXT NOT NULL DEFAULT '',
    grid_id            TEXT REFERENCES grids(id),
    org_id             TEXT NOT NULL REFERENCES org_nodes(id),
    path               TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'active',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX houses_path ON houses(path, purpose);
CREATE INDEX houses_address ON houses(address_id);

CREATE TABLE register_units (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    credit_code        TEXT,              -- 统一社会信用代码 (public by law)
    kind               TEXT NOT NULL,     -- enterprise, shop, social_org, institution, other
    legal_person       TEXT NOT NULL DEFAULT '',
    phone_sealed       TEXT NOT NULL DEFAULT '',
    phone_masked       TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',
    employees          INTEGER,
    grid_id            TEXT REFERENCES grids(id),
    org_id             TEXT NOT NULL REFERENCES org_nodes(id),
    path               TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'active',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX register_units_credit_code ON register_units(credit_code);
CREATE INDEX register_units_path ON register_units(path, name);

CREATE TABLE households (
    id             TEXT PRIMARY KEY,
    no             TEXT NOT NULL,          -- 户号, unique within the village
    house_id       TEXT REFERENCES houses(id),
    address        TEXT NOT NULL DEFAULT '',
    situation      TEXT NOT NULL DEFAULT '',
    needs          TEXT NOT NULL DEFAULT '',
    grid_id        TEXT REFERENCES grids(id),
    org_id         TEXT NOT NULL REFERENCES org_nodes(id),
    path           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, no)
);
CREATE INDEX households_path ON households(path, no);

CREATE TABLE people (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    sex              TEXT NOT NULL DEFAULT '',    -- male, female
    birth_date       TEXT NOT NULL DEFAULT '',    -- YYYY-MM-DD
    kind             TEXT NOT NULL,               -- registered, floating, foreign, unregistered
    left_behind      TEXT NOT NULL DEFAULT '',    -- elderly, woman, child, or empty
    id_blind         TEXT,                        -- keyed hash: one person per ID
    id_sealed        TEXT NOT NULL DEFAULT '',
    id_masked        TEXT NOT NULL DEFAULT '',
    phone_blind      TEXT,
    phone_sealed     TEXT NOT NULL DEFAULT '',
    phone_masked     TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',    -- coarse: village/community and building
    address_sealed   TEXT NOT NULL DEFAULT '',    -- precise, to the room
    address_masked   TEXT NOT NULL DEFAULT '',
    household_id     TEXT REFERENCES households(id),
    relation         TEXT NOT NULL DEFAULT '',    -- to the household head: head, spouse, child, parent, other
    house_id         TEXT REFERENCES houses(id),
    residence        TEXT NOT NULL DEFAULT '',    -- owner, tenant, other
    unit_id          TEXT REFERENCES register_units(id),
    note             TEXT NOT NULL DEFAULT '',
    grid_id          TEXT REFERENCES grids(id),
    org_id           TEXT NOT NULL REFERENCES org_nodes(id),
    path             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'active', -- active, moved_out, deceased
    moved_in_at      BIGINT,
    moved_out_at     BIGINT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX people_id_blind ON people(id_blind);
CREATE INDEX people_phone_blind ON people(phone_blind);
CREATE INDEX people_path ON people(path, name);
CREATE INDEX people_household ON people(household_id);
CREATE INDEX people_house ON people(house_id);
CREATE INDEX people_unit ON people(unit_id);

-- register_log keeps each record's history: what happened and which fields
-- changed (names only, never values).
CREATE TABLE register_log (
    id          TEXT PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    action      TEXT NOT NULL,     -- created, changed, moved_in, moved_out, deceased, deleted, imported
    fields      TEXT NOT NULL DEFAULT '',
    user_id     TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX register_log_record ON register_log(record_type, record_id, at);

CREATE TABLE care_targets (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES people(id),
    kind        TEXT NOT NULL,     -- elderly_alone, left_behind_elderly, left_behind_woman, left_behind_child, disabled, low_income
    note        TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active',
    created_at  BIGINT NOT NULL,
    UNIQUE (person_id, kind)
);
CREATE INDEX care_targets_path ON care_targets(path, kind);

-- key_persons: the category is sensitive personal information, so it is
-- sealed; category_blind lets a role granted a category find its rows.
CREATE TABLE key_persons (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES people(id),
    category_sealed  TEXT NOT NULL,
    category_blind   TEXT NOT NULL,
    risk_level       TEXT NOT NULL,          -- red, yellow, green
    visit_every_days INTEGER NOT NULL,
    last_visit_at    BIGINT,
    next_visit_due   BIGINT NOT NULL,
    responsible_id   TEXT REFERENCES users(id),
    path             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'active',
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (person_id, category_blind)
);
CREATE INDEX key_persons_due ON key_persons(path, next_visit_due);
CREATE INDEX key_persons_category ON key_persons(category_blind, path);

-- visits: grid-member visits and the follow-ups of police, justice, health,
-- civil affairs and petition staff on one shared record; care services too.
CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    subject_type TEXT NOT NULL,       -- key_person, care_target
    subject_id   TEXT NOT NULL,
    person_id    TEXT NOT NULL REFERENCES people(id),
    agency       TEXT NOT NULL,       -- grid, police, justice, health, civil_affairs, petition
    method       TEXT NOT NULL,       -- home, phone, video, office
    note_sealed  TEXT NOT NULL DEFAULT '',
    finding      TEXT NOT NULL DEFAULT 'normal', -- normal, attention, abnormal
    user_id      TEXT NOT NULL,
    at           BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX visits_subject ON visits(subject_type, subject_id, at);
CREATE INDEX visits_person ON visits(person_id, at);

-- search_index: bigram-segmented text of each record for Chinese search
-- (see internal/registry/search.go); search_fts is its FTS5 index.
CREATE TABLE search_index (
    record_type TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    path        TEXT NOT NULL,
    title       TEXT NOT NULL,
    tokens      TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id)
);
CREATE VIRTUAL TABLE search_fts USING fts5(tokens, content='search_index', content_rowid='rowid', tokenize='unicode61');
CREATE TRIGGER search_ai AFTER INSERT ON search_index BEGIN
    INSERT INTO search_fts(rowid, tokens) VALUES (new.rowid, new.tokens);
END;
CREATE TRIGGER search_ad AFTER DELETE ON search_index BEGIN
    INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.rowid, old.tokens);
END;
CREATE TRIGGER search_au AFTER UPDATE ON search_index BEGIN
    INSERT INTO search_fts(search_fts, rowid, tokens) VALUES ('delete', old.rowid, old.tokens);
    INSERT INTO search_fts(rowid, tokens) VALUES (new.rowid, new.tokens);
END;

-- imports: one upload at a time per row, so any node can report progress;
-- the annotated error sheet holds personal data and is stored sealed.
CREATE TABLE imports (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    mode        TEXT NOT NULL,        -- all, valid
    file_name   TEXT NOT NULL,
    format      TEXT NOT NULL,
    status      TEXT NOT NULL,        -- running, done, failed
    total       INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    error_code  TEXT NOT NULL DEFAULT '',
    error_sheet TEXT NOT NULL DEFAULT '',
    org_id      TEXT NOT NULL REFERENCES org_nodes(id),
    user_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX imports_user ON imports(user_id, created_at);
