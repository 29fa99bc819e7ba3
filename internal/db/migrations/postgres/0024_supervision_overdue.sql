-- A supervision order (督办单) carries its own deadline; the overdue sweep
-- marks an open order past it once, so re-running it, or another node,
-- marks nothing twice.
ALTER TABLE supervisions ADD COLUMN overdue_at BIGINT;
-- Who supervised, by name as the timeline shows it, for the supervision
-- list (督办清单); older orders take it from their timeline step.
ALTER TABLE supervisions ADD COLUMN by_name TEXT NOT NULL DEFAULT '';
UPDATE supervisions SET by_name = COALESCE((SELECT l.actor_name FROM event_log l WHERE l.event_id = supervisions.event_id
    AND l.action = 'supervise' AND l.actor_id = supervisions.by_user ORDER BY l.seq DESC LIMIT 1), '');
-- The sweep and the supervision list read the open orders.
CREATE INDEX supervisions_open ON supervisions(event_id, due_at) WHERE closed_at IS NULL;
