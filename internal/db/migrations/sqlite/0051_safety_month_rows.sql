-- PostgreSQL drops the foreign keys of a month's areas, values and records
-- (its migration says why); SQLite's checks cost little and stay. This
-- keeps the two schemas' versions in step.
SELECT 1;
