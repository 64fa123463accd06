-- Identity: refresh tokens (single use, in families), OAuth clients of the
-- department systems, and the sign-in failure counters every replica shares.

-- +goose Up
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  DATETIME NOT NULL,
    used_at     DATETIME,
    revoked_at  DATETIME,
    created_at  DATETIME NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    department  TEXT NOT NULL REFERENCES departments (code),
    scopes      TEXT NOT NULL DEFAULT '[]',
    secret_hash TEXT NOT NULL,
    disabled    BOOLEAN NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    window_start DATETIME NOT NULL,
    count        INTEGER NOT NULL
);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE clients;
DROP TABLE refresh_tokens;
