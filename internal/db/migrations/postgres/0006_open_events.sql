-- The operator queue lists open events newest first. With this partial
-- index the query walks open events in time order and stops at the page
-- size, instead of sorting every open event of the scope (~50,000 in a
-- city with a million events).
CREATE INDEX events_open ON events(created_at, id) WHERE state IN ('reported', 'filed', 'dispatched', 'handling', 'handled');
