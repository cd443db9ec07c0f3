-- The desk now records who made a change with their email in lower case, so
-- the person filter of team activity finds them however they (or the company
-- sign-in proxy) spelled its capitals. Older entries are brought in line.

-- +goose Up
UPDATE changes SET email = lower(email) WHERE email <> lower(email);

-- +goose Down
-- Nothing to undo: the spelling as typed is not kept.
SELECT 1;
