-- V021: on a new database, the shipped models' tables have their `currency` column from the start.
--
-- The shipped models keep `currency` in their keys (V018), and the engine re-keys their tables at its first
-- pass. Until then a new stack's dashboards, which read the column, would show errors. On an empty table the
-- column is added here, empty, and the first pass rebuilds the table with it in the key. A table with rows
-- (an upgraded database) is left as it is: its first pass rebuilds it, or adopts it if its model kept the
-- previous meaning, which needs the previous columns exactly.
do $$
declare
    name text;
    has_rows boolean;
begin
    foreach name in array array['purchase_summary', 'purchase_summary_by_category', 'purchase_summary_hourly',
                                'purchase_summary_daily'] loop
        execute format('select exists (select 1 from %I)', name) into has_rows;
        if not has_rows then
            execute format('alter table %I add column if not exists currency text', name);
        end if;
    end loop;
end $$;
