-- The red grid's places and party tree. Compounds (小区) and buildings (楼栋)
-- become places of the registers: a house may belong to one. The party
-- organisations lie parallel to the administrative tree, each over an org
-- node and, at the lower levels, a compound, building or grid: 街道大工委 /
-- 社区大党委 / 邻里(小区)党支部 / 网格(楼栋)党小组, and 党员中心户 as members
-- who serve the households near them. Party membership is personal
-- information (PIPL): members' phones are sealed and the tree's members are
-- read only with party.read.
CREATE TABLE compounds (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES org_nodes(id),  -- the community or village
    path              TEXT NOT NULL,
    grid_id           TEXT REFERENCES grids(id),                -- the grid it mostly lies in
    name              TEXT NOT NULL,
    address           TEXT NOT NULL DEFAULT '',
    lat               REAL,
    lng               REAL,
    property_company  TEXT NOT NULL DEFAULT '',                 -- '' when there is none (then 楼栋邻里长 serve)
    owners_committee  TEXT NOT NULL DEFAULT '',                 -- 业主委员会, '' when none
    households        INTEGER NOT NULL DEFAULT 0,               -- the count the community keeps
    status            TEXT NOT NULL DEFAULT 'active',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX compounds_path ON compounds(path, name);

CREATE TABLE buildings (
    id           TEXT PRIMARY KEY,
    compound_id  TEXT NOT NULL REFERENCES compounds(id),
    path         TEXT NOT NULL,
    grid_id      TEXT REFERENCES grids(id),
    name         TEXT NOT NULL,                                  -- 3栋, 12号楼
    floors       INTEGER,
    head_name    TEXT NOT NULL DEFAULT '',                       -- 楼栋长 / 楼栋邻里长
    head_worker_id TEXT REFERENCES workers(id),                  -- when the head is on the roster
    status       TEXT NOT NULL DEFAULT 'active',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (compound_id, name)
);
CREATE INDEX buildings_path ON buildings(path);

ALTER TABLE houses ADD COLUMN compound_id TEXT REFERENCES compounds(id);
ALTER TABLE houses ADD COLUMN building_id TEXT REFERENCES buildings(id);
CREATE INDEX houses_compound ON houses(compound_id, building_id);

CREATE TABLE party_orgs (
    id           TEXT PRIMARY KEY,
    parent_id    TEXT REFERENCES party_orgs(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,             -- working_committee (街道大工委), committee (社区大党委/党委), general_branch (党总支), branch (党支部), group (党小组)
    form         TEXT NOT NULL DEFAULT '',  -- what it lies over: area, compound, building, grid, unit (a 双报到 organisation)
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),  -- the area it serves (for a unit's branch: where it reported)
    path         TEXT NOT NULL,             -- that area's path: scope
    compound_id  TEXT REFERENCES compounds(id),
    building_id  TEXT REFERENCES buildings(id),
    grid_id      TEXT REFERENCES grids(id),
    secretary    TEXT NOT NULL DEFAULT '',  -- the secretary's name (public within the community)
    status       TEXT NOT NULL DEFAULT 'active',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX party_orgs_path ON party_orgs(path, kind);
CREATE INDEX party_orgs_parent ON party_orgs(parent_id);

CREATE TABLE party_members (
    id            TEXT PRIMARY KEY,
    party_org_id  TEXT NOT NULL REFERENCES party_orgs(id),
    path          TEXT NOT NULL,             -- the organisation's area path
    name          TEXT NOT NULL,
    phone_sealed  TEXT NOT NULL DEFAULT '',
    phone_masked  TEXT NOT NULL DEFAULT '',
    user_id       TEXT REFERENCES users(id), -- the member's account, for the phone
    grid_id       TEXT REFERENCES grids(id), -- the grid they serve
    compound_id   TEXT REFERENCES compounds(id),
    center_household INTEGER NOT NULL DEFAULT 0, -- 党员中心户
    joined_on     TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD
    status        TEXT NOT NULL DEFAULT 'active', -- active, left
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX party_members_org ON party_members(party_org_id, status);
CREATE INDEX party_members_path ON party_members(path);
CREATE INDEX party_members_user ON party_members(user_id);
