-- Identity: refresh tokens (single use, in families), OAuth clients of the
-- department systems, and the sign-in failure counters every replica shares.

-- +goose Up
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  text NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE clients (
    id          uuid PRIMARY KEY,
    client_id   text NOT NULL UNIQUE,
    name        text NOT NULL,
    department  text NOT NULL REFERENCES departments (code),
    scopes      jsonb NOT NULL DEFAULT '[]',
    secret_hash text NOT NULL,
    disabled    boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE login_failures (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL
);

-- +goose Down
DROP TABLE login_failures;
DROP TABLE clients;
DROP TABLE refresh_tokens;
