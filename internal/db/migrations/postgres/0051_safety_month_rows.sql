-- A month's areas, values and records are written only by the month's
-- computation, tens of thousands of rows at a time for a city, from areas
-- and a month it has just read in the same transaction. PostgreSQL checks
-- a foreign key with a row lock on the referenced row for every row
-- written, which took more time than the whole computation besides
-- (docs/benchmarks.md); these keys are dropped. SQLite's checks cost
-- little and stay.
ALTER TABLE safety_areas DROP CONSTRAINT safety_areas_month_id_fkey;
ALTER TABLE safety_areas DROP CONSTRAINT safety_areas_area_id_fkey;
ALTER TABLE safety_values DROP CONSTRAINT safety_values_month_id_fkey;
ALTER TABLE safety_values DROP CONSTRAINT safety_values_area_id_fkey;
ALTER TABLE safety_inputs DROP CONSTRAINT safety_inputs_month_id_fkey;
