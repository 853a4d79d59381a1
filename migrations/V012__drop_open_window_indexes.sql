-- V012: V010's partial indexes on the windows not yet final cost more than they saved. Marking rows final
-- updates them, and until a vacuum every row so marked stays in the partial index as a dead entry that each
-- pass's `not is_final` scan visited: on a 10 M-row history rolled up at once, the incremental pass went from
-- 0.94x to 1.46x of the same pass on 100 k rows. A pass now finds the windows to mark through the primary
-- key instead (those that crossed the watermark since the previous pass, and those it wrote), which no
-- marking slows down.
drop index purchase_summary_open;
drop index purchase_summary_by_category_open;
drop index purchase_summary_hourly_open;
drop index purchase_summary_daily_open;
