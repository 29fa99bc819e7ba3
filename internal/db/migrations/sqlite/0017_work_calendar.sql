-- The work calendar's holidays and swapped workdays, one row a year and
-- version: an administrator loads a year from the State Council's notice
-- (the page or `gridgov calendar import`); a reload adds a version and keeps
-- the earlier ones. The highest version of a year is in force. days is the
-- year in the plain file format (docs/calendar.md), one day a line.
CREATE TABLE calendar_years (
    year      INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    days      TEXT NOT NULL,
    holidays  INTEGER NOT NULL,
    workdays  INTEGER NOT NULL,
    source    TEXT NOT NULL DEFAULT '',  -- the file's name, or how it was entered
    note      TEXT NOT NULL DEFAULT '',  -- the notice it follows, or why it was reloaded
    loaded_by TEXT NOT NULL,             -- the user name of whoever loaded it
    loaded_at BIGINT NOT NULL,
    PRIMARY KEY (year, version)
);

-- 2026, which the code held until now, becomes the first loaded year.
INSERT INTO calendar_years (year, version, days, holidays, workdays, source, note, loaded_by, loaded_at)
VALUES (2026, 1, '2026-01-01 holiday 元旦
2026-01-02 holiday 元旦
2026-01-03 holiday 元旦
2026-01-04 workday 元旦调休上班
2026-02-14 workday 春节调休上班
2026-02-15 holiday 春节
2026-02-16 holiday 春节
2026-02-17 holiday 春节
2026-02-18 holiday 春节
2026-02-19 holiday 春节
2026-02-20 holiday 春节
2026-02-21 holiday 春节
2026-02-22 holiday 春节
2026-02-23 holiday 春节
2026-02-28 workday 春节调休上班
2026-04-04 holiday 清明节
2026-04-05 holiday 清明节
2026-04-06 holiday 清明节
2026-05-01 holiday 劳动节
2026-05-02 holiday 劳动节
2026-05-03 holiday 劳动节
2026-05-04 holiday 劳动节
2026-05-05 holiday 劳动节
2026-05-09 workday 劳动节调休上班
2026-06-19 holiday 端午节
2026-06-20 holiday 端午节
2026-06-21 holiday 端午节
2026-09-20 workday 国庆节调休上班
2026-09-25 holiday 中秋节
2026-09-26 holiday 中秋节
2026-09-27 holiday 中秋节
2026-10-01 holiday 国庆节
2026-10-02 holiday 国庆节
2026-10-03 holiday 国庆节
2026-10-04 holiday 国庆节
2026-10-05 holiday 国庆节
2026-10-06 holiday 国庆节
2026-10-07 holiday 国庆节
2026-10-10 workday 国庆节调休上班
', 33, 6, 'china2026.txt', '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）', 'system', 1762272000000);
