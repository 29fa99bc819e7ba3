-- A user's photo quota sums what they stored in the last 30 days.
CREATE INDEX event_media_created_by ON event_media(created_by, created_at);
