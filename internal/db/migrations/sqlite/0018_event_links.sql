-- An event's page lists the events merged into it.
CREATE INDEX events_merged_into ON events(merged_into) WHERE merged_into IS NOT NULL;
-- The event list's 已办 tab: the events a user acted on.
CREATE INDEX event_log_actor ON event_log(actor_id);
