-- Grid teams and the roster become editable (网格员花名册).
-- A roster entry keeps a contact phone: sealed, shown masked, and found by
-- its blind index; the day a member left; and a history (worker_log) of
-- joining, places taken and given up, moves, leaving and phone changes.
-- A team place carries a version, and a person has exactly one primary
-- place (the unique index below).
ALTER TABLE workers ADD COLUMN phone_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN phone_masked TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN phone_blind TEXT NOT NULL DEFAULT '';
ALTER TABLE workers ADD COLUMN left_on TEXT NOT NULL DEFAULT '';
CREATE INDEX workers_phone ON workers(phone_blind);

ALTER TABLE grid_members ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX grid_members_one_primary ON grid_members(worker_id) WHERE is_primary;

CREATE TABLE worker_log (
    id          TEXT PRIMARY KEY,
    worker_id   TEXT NOT NULL REFERENCES workers(id),
    path        TEXT NOT NULL,             -- the roster's area, for scope
    action      TEXT NOT NULL,             -- joined, place_added, role_changed, primary_changed, place_removed, took_over, moved, left, phone_changed, account_linked, account_unlinked, changed
    grid_id     TEXT NOT NULL DEFAULT '',
    grid_name   TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',  -- never a phone number
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX worker_log_worker ON worker_log(worker_id, at);
