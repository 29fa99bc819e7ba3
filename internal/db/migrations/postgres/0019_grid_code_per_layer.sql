-- A grid code names one grid. Each layer numbers its grids in its own range
-- of the 3-digit sequence (internal/org: layerSeq): 综治 001–499, 学校
-- 500–549, 医院 550–599, 企业 600–649, 市场 650–699, 城管 700–799, 安全生产
-- 800–899. A grid numbered outside its layer's range (before this rule the
-- layers each counted from 001, so three grids could share a code) gets the
-- next free sequence of its layer's range in its village, in code order.
-- Grids keep their ids, so nothing that refers to a grid changes.
CREATE TEMP TABLE grid_ranges (layer TEXT PRIMARY KEY, seq_first INTEGER NOT NULL, seq_last INTEGER NOT NULL);
INSERT INTO grid_ranges VALUES ('zz', 1, 499), ('school', 500, 549), ('hospital', 550, 599), ('enterprise', 600, 649),
    ('market', 650, 699), ('cg', 700, 799), ('aqsc', 800, 899);

CREATE TEMP TABLE grid_renumber AS
SELECT g.id, substr(g.code, 1, 12) AS village, r.seq_last,
    (SELECT coalesce(max(CAST(substr(k.code, 13, 3) AS INTEGER)), r.seq_first - 1) FROM grids k
        WHERE k.layer = g.layer AND substr(k.code, 1, 12) = substr(g.code, 1, 12)
        AND CAST(substr(k.code, 13, 3) AS INTEGER) BETWEEN r.seq_first AND r.seq_last)
    + ROW_NUMBER() OVER (PARTITION BY g.layer, substr(g.code, 1, 12) ORDER BY g.code, g.id) AS seq
FROM grids g JOIN grid_ranges r ON r.layer = g.layer
WHERE CAST(substr(g.code, 13, 3) AS INTEGER) NOT BETWEEN r.seq_first AND r.seq_last;

-- A village with more grids of a layer than its range holds stops the
-- migration with this constraint's name; nothing is changed.
CREATE TEMP TABLE grid_range_check (
    village TEXT,
    CONSTRAINT "a village has more grids of a layer than the layer's code range holds" CHECK (village IS NULL)
);
INSERT INTO grid_range_check SELECT village FROM grid_renumber WHERE seq > seq_last;

UPDATE grids g SET code = n.village || lpad(n.seq::text, 3, '0') FROM grid_renumber n WHERE n.id = g.id;

DROP TABLE grid_range_check;
DROP TABLE grid_renumber;
DROP TABLE grid_ranges;

-- One active grid per code, whatever its layer.
CREATE UNIQUE INDEX grids_code_active ON grids(code) WHERE status = 'active';
