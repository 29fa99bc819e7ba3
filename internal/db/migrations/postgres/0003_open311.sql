-- Open311 GeoReport v2 face: the media_url a client sends with a request,
-- and the time index the servicerequestupdates listing reads the timeline by.

ALTER TABLE events ADD COLUMN media_url TEXT NOT NULL DEFAULT '';

CREATE INDEX event_log_at ON event_log(at);
