-- An event's page lists the events merged into it.
CREATE INDEX events_merged_into ON events(merged_into) WHERE merged_into IS NOT NULL;
