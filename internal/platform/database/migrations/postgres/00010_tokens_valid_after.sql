-- A user's access tokens issued before tokens_valid_after are ended: a new
-- password or a refresh token presented twice sets it (docs/api.md,
-- "Sign-in"). Expand only: a nullable column, which the code before it
-- neither reads nor writes.

-- +goose Up
ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN tokens_valid_after;
