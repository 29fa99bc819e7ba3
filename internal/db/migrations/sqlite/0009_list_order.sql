-- Register lists walk an area's records in (path, id) order — by village
-- and grid, then by entry time — so a page is read straight off the index
-- and never sorts the whole scope (ten million people for a city's leader).
DROP INDEX people_path;
CREATE INDEX people_path ON people(path, id);
DROP INDEX houses_path;
CREATE INDEX houses_path ON houses(path, id);
DROP INDEX register_units_path;
CREATE INDEX register_units_path ON register_units(path, id);
DROP INDEX households_path;
CREATE INDEX households_path ON households(path, id);
DROP INDEX addresses_path;
CREATE INDEX addresses_path ON addresses(path, id);
DROP INDEX care_targets_path;
CREATE INDEX care_targets_path ON care_targets(path, id);
