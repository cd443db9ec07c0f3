-- The sign-in limit (LOGIN_ATTEMPTS_PER_MINUTE per client address) is kept
-- here, so that it holds for the service whichever desk answers: each
-- client's allowance is a token bucket, stored as the one time at which it
-- is whole again (GCRA). A row is worth keeping only until then; the sweep
-- deletes it after, and the desk keeps the table to a bounded number of
-- clients (see AllowSignIn in store/signin.go).

-- +goose Up
CREATE TABLE sign_in_attempts (
    client  TEXT   NOT NULL PRIMARY KEY,   -- an IPv4 address or an IPv6 /64
    full_at BIGINT NOT NULL                -- when its allowance is whole again (Unix ms)
);
-- The sweep, and forgetting the client nearest its whole allowance first.
CREATE INDEX sign_in_attempts_full_at ON sign_in_attempts (full_at);

-- +goose Down
DROP TABLE sign_in_attempts;
