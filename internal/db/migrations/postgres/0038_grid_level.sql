-- 微事不出网格: a matter a grid member resolved on the spot was closed at
-- grid level, not at the village. Events closed that way before this
-- migration take the grid level.
UPDATE events SET resolved_level = 'grid'
WHERE resolved_level = 'village' AND state = 'closed' AND dispatched_at IS NULL
  AND id IN (SELECT event_id FROM event_log WHERE action = 'self_resolve');
