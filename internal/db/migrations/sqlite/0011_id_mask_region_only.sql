-- A masked ID number shows its region only (441602************): the old
-- mask's last four, beside a birth date or an age, rebuilt the number.
-- Rewrite the stored masks and the campaign items that copied them.
UPDATE people SET id_masked = substr(id_masked, 1, 6) || '************'
WHERE id_masked LIKE '______********____';

UPDATE campaign_items SET label = substr(label, 1, length(label) - 12) || '************'
WHERE label LIKE '% ______********____' AND record_id IN (SELECT id FROM people);
