-- The roster of the grid workforce (网格员队伍): each person who serves on
-- a grid team once, however many grids they serve. A team place
-- (grid_members) names the roster entry; one of a person's places is
-- their primary grid. A person without an account (most assistants,
-- building heads and volunteers) is on the roster all the same.
CREATE TABLE workers (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES org_nodes(id), -- the village or town whose roster holds them
    path        TEXT NOT NULL,                          -- that area's path, for scope
    name        TEXT NOT NULL,
    employment  TEXT NOT NULL,                          -- full_time, part_time, other
    user_id     TEXT REFERENCES users(id),
    status      TEXT NOT NULL DEFAULT 'active',         -- active, left
    started_on  TEXT NOT NULL DEFAULT '',               -- YYYY-MM-DD
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX workers_path ON workers(path);
CREATE INDEX workers_user ON workers(user_id);

ALTER TABLE grid_members ADD COLUMN worker_id TEXT REFERENCES workers(id);
ALTER TABLE grid_members ADD COLUMN is_primary INTEGER NOT NULL DEFAULT 1;

-- Each existing team place becomes its own roster entry, with the same id.
INSERT INTO workers (id, org_id, path, name, employment, user_id, status, started_on, version, created_at, updated_at)
SELECT m.id, g.org_id, n.path, m.name,
       CASE WHEN m.role IN ('grid_chief', 'grid_member') THEN 'full_time' ELSE 'other' END,
       m.user_id, 'active', '', 1, m.created_at, m.created_at
FROM grid_members m JOIN grids g ON g.id = m.grid_id JOIN org_nodes n ON n.id = g.org_id;
UPDATE grid_members SET worker_id = id;
CREATE INDEX grid_members_worker ON grid_members(worker_id);
