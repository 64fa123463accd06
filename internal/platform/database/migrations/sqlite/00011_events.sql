-- The change feed (docs/integration.md, "Events"): see the PostgreSQL
-- migration of the same number. Expand only: a new table.

-- +goose Up
CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    position      INTEGER UNIQUE,
    event_id      TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,
    at            DATETIME NOT NULL,
    actor         TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_dept    TEXT NOT NULL DEFAULT '',
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    project_id    TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 0,
    changes       TEXT NOT NULL DEFAULT '{}',
    departments   TEXT NOT NULL DEFAULT ',',
    request_id    TEXT NOT NULL DEFAULT '',
    sequenced_at  DATETIME
);

CREATE INDEX events_unsequenced ON events (id) WHERE position IS NULL;

-- +goose Down
DROP TABLE events;
