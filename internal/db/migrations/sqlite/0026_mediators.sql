-- The people who settle disputes at home (调解力量): the members of each
-- village's 人民调解委员会, its full-time mediators, and the village's
-- 法律明白人 (residents trained in the law who guide their neighbours). An
-- account is linked when the person signs in; the phone is sealed with the
-- data key like every personal value, its mask kept for lists.
CREATE TABLE mediators (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES org_nodes(id),
    path         TEXT NOT NULL,
    kind         TEXT NOT NULL,              -- committee, full_time, legal_helper
    duty         TEXT NOT NULL DEFAULT '',   -- a member's office: chair, vice_chair, member
    name         TEXT NOT NULL,
    phone_sealed TEXT NOT NULL DEFAULT '',
    phone_masked TEXT NOT NULL DEFAULT '',
    specialties  TEXT NOT NULL DEFAULT '',   -- dispute types, comma-separated
    since        TEXT NOT NULL DEFAULT '',   -- the date appointed or trained, YYYY-MM-DD
    user_id      TEXT REFERENCES users(id),
    active       INTEGER NOT NULL DEFAULT 1,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX mediators_path ON mediators(path, kind, name);
