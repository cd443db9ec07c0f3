-- Team activity lists the changes made with the asking person's own Apptivo
-- key pair (key_print): Apptivo grants access by the pair, so those are the
-- changes of customers the person's keys can read. A customer's own history
-- is shown to anyone whose keys can read that customer.

-- +goose Up
-- One key pair's changes, newest first.
CREATE INDEX changes_key_print ON changes (key_print, id DESC);

-- +goose Down
DROP INDEX changes_key_print;
