-- Webhooks (docs/integration.md, "Webhooks"): see the PostgreSQL migration
-- of the same number. Expand only: new tables.

-- +goose Up
CREATE TABLE webhook_subscriptions (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    types           TEXT NOT NULL DEFAULT ',',
    department      TEXT NOT NULL DEFAULT '',
    owner_id        TEXT NOT NULL,
    owner_name      TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    secret          TEXT NOT NULL,
    previous_secret TEXT NOT NULL DEFAULT '',
    previous_until  DATETIME,
    paused          BOOLEAN NOT NULL DEFAULT false,
    paused_reason   TEXT NOT NULL DEFAULT '',
    paused_at       DATETIME,
    version         INTEGER NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);

CREATE INDEX webhook_subscriptions_department ON webhook_subscriptions (department, created_at);

CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    position        INTEGER NOT NULL,
    project_id      TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_failed_at DATETIME,
    last_attempt_at DATETIME,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at DATETIME NOT NULL,
    delivered_at    DATETIME,
    lease_until     DATETIME,
    lease_token     TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    UNIQUE (subscription_id, event_id)
);

CREATE INDEX webhook_deliveries_undelivered ON webhook_deliveries (subscription_id, project_id, seq) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;

CREATE TABLE webhook_cursor (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position INTEGER NOT NULL
);

INSERT INTO webhook_cursor (id, position) VALUES (1, 0);

-- +goose Down
DROP TABLE webhook_cursor;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
