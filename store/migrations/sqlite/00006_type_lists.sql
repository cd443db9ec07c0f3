-- Apptivo's type lists (phone, email and address types) of each key pair,
-- fetched at sign-in and kept here for every desk, so that opening a form
-- on any desk costs no Apptivo call. Keyed by the key pair's keyed
-- fingerprint (as changes.key_print), never the keys; data is encoded by
-- the handlers and the store never looks inside. The sweep deletes a row
-- once it expires.

-- +goose Up
CREATE TABLE type_lists (
    key_print TEXT   NOT NULL PRIMARY KEY,
    data      BLOB   NOT NULL,
    expires   BIGINT NOT NULL
);
CREATE INDEX type_lists_expires ON type_lists (expires);

-- +goose Down
DROP TABLE type_lists;
