-- The change feed (docs/integration.md, "Events"). A change stages its event
-- here in its own transaction with no position; the sequencer gives
-- committed events their positions in commit order after they commit
-- (under an advisory lock, one sequencer at a time across replicas), and
-- readers see only events with a position. Expand only: a new table.

-- +goose Up
CREATE TABLE events (
    -- Staging order, from a sequence: the order positions are given in
    -- among the events one pass of the sequencer finds committed. The
    -- sequence must keep CACHE 1 (the default): with values cached per
    -- session, a transaction begun after another committed could take a
    -- smaller id, and commit order would no longer follow.
    id            bigserial PRIMARY KEY,
    -- Commit order; NULL until sequenced.
    position      bigint UNIQUE,
    event_id      uuid NOT NULL UNIQUE,
    type          text NOT NULL,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    actor_id      text NOT NULL,
    actor_dept    text NOT NULL DEFAULT '',
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    project_id    text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 0,
    -- The changed fields and their new values, a JSON object.
    changes       text NOT NULL DEFAULT '{}',
    -- The entitled departments as ",code,code," (a reader's condition is
    -- departments LIKE '%,<code>,%').
    departments   text NOT NULL DEFAULT ',',
    request_id    text NOT NULL DEFAULT '',
    -- When the sequencer gave the position: sequenced_at - at is the time
    -- from commit to a readable position.
    sequenced_at  timestamptz
);

CREATE INDEX events_unsequenced ON events (id) WHERE position IS NULL;

-- +goose Down
DROP TABLE events;
