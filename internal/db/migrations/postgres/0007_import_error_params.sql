-- A failed import keeps the parameters of its error (the row limit, the
-- size limit) so its message reads in full, as JSON.
ALTER TABLE imports ADD COLUMN error_params TEXT NOT NULL DEFAULT '';
