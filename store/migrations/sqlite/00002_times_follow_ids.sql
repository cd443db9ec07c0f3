-- From now on a change is never dated before the change the history took
-- just before it (see appendChange in store/history.go), so that a date range
-- is a range of ids. Entries written before that rule may be a few
-- milliseconds out of order (two saves reading their clocks in one order and
-- reaching the database in the other): each takes the latest time of the
-- entries up to it, which changes nothing where the order already held.

-- +goose Up
UPDATE changes SET at = r.latest
FROM (SELECT id, max(at) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS latest FROM changes) AS r
WHERE r.id = changes.id AND changes.at < r.latest;

-- +goose Down
-- Nothing to undo: the times were already the ones shown, to the millisecond.
SELECT 1;
