-- The desk's memory: sessions and the change history.
--
-- The same tables, columns, version numbers and indexes as the SQLite
-- migrations; only the spelling of types differs (BLOB is BYTEA here, the
-- AUTOINCREMENT key an identity column). Times are Unix milliseconds (UTC) in
-- BIGINT columns: exact, sortable, and read the same by both databases.

-- +goose Up
CREATE TABLE sessions (
    id        TEXT    NOT NULL PRIMARY KEY,
    data      BYTEA   NOT NULL,            -- encoded by auth; the store never looks inside
    created   BIGINT  NOT NULL,
    last_seen BIGINT  NOT NULL,
    expires   BIGINT  NOT NULL,
    signed_in BOOLEAN NOT NULL
);
-- The sweep and the count look sessions up by expiry.
CREATE INDEX sessions_expires ON sessions (expires);

-- Append-only: the desk inserts entries and never updates them; only the
-- retention setting deletes the oldest. An identity column never hands out
-- an id twice, even once pruning has emptied the table: a link to change 42
-- always means the same change.
CREATE TABLE changes (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            BIGINT  NOT NULL,
    email         TEXT    NOT NULL,
    key_print     TEXT    NOT NULL,
    customer_id   TEXT    NOT NULL,
    customer_name TEXT    NOT NULL,
    sections      TEXT    NOT NULL,        -- JSON array of section attribute names
    diff          BYTEA   NOT NULL,        -- JSON written and read by the handlers
    outcome       TEXT    NOT NULL CHECK (outcome IN ('saved', 'refused', 'unknown', 'kept')),
    reason        TEXT    NOT NULL,
    request_id    TEXT    NOT NULL,
    -- The change this one undid. When pruning removes that older change the
    -- link goes with it (nothing is left to point at).
    undo_of       BIGINT  REFERENCES changes (id) ON DELETE SET NULL,
    resolution    BOOLEAN NOT NULL
);
-- A customer's history, newest first, paged by id; at rides along so that a
-- date range within it is checked in the index.
CREATE INDEX changes_customer ON changes (customer_id, id DESC, at);
-- One person's changes, newest first (and within a date range).
CREATE INDEX changes_email ON changes (email, id DESC, at);
-- Date ranges, and pruning by age. SQLite's index on (at) holds the rowid
-- (the id) too; here it is spelled out.
CREATE INDEX changes_at ON changes (at, id);
-- "Was this undone, and by which change?" (and the foreign key's own checks).
CREATE INDEX changes_undo_of ON changes (undo_of) WHERE undo_of IS NOT NULL;

-- +goose Down
DROP TABLE changes;
DROP TABLE sessions;
