-- What the public faces (Open311) publish of an event is an explicit,
-- reviewed projection: the public description (a public reporter's own text,
-- or the summary the intake desk writes), the decision to publish and its
-- moment, and per step a note staff wrote for the public.

ALTER TABLE events ADD COLUMN public_description TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN published BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE events ADD COLUMN published_at BIGINT;
ALTER TABLE event_log ADD COLUMN public_note TEXT NOT NULL DEFAULT '';

-- Reports from the public channels keep their own text as the public
-- description, unless their category is a dispute or a security matter;
-- every internal report stays private until the intake desk decides.
UPDATE events SET published = true, published_at = created_at, public_description = description
WHERE channel IN ('resident', 'open311') AND category_code NOT LIKE '11%' AND category_code NOT LIKE '12%';

-- A public client's own updates were public already.
UPDATE event_log SET public_note = note WHERE action = 'public_update';

CREATE INDEX events_published ON events(published, created_at);
