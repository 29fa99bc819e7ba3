-- The level a dispute case is handled at (village, town, county, city) and
-- the level it was settled at, for "小事不出村、大事不出镇". A case starts at
-- the level of its area's node and rises one level at a time (上报).
ALTER TABLE disputes ADD COLUMN level TEXT NOT NULL DEFAULT 'village';
ALTER TABLE disputes ADD COLUMN settled_level TEXT NOT NULL DEFAULT '';
UPDATE disputes SET level = COALESCE((SELECT CASE o.kind WHEN 'province' THEN 'city' ELSE o.kind END FROM org_nodes o WHERE o.id = disputes.org_id), 'village');
UPDATE disputes SET settled_level = level WHERE outcome IN ('agreement', 'oral_agreement');
CREATE INDEX disputes_level ON disputes(level);
