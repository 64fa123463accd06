-- The unique constraint on events.position indexed every event, its NULL
-- position too, until the sequencer gave it one. PostgreSQL then chose that
-- index for the probes of events without a position (the sequencer's, and
-- each current overview's): a bitmap scan over every NULL entry an update
-- had left, which such a scan never marks dead, so that each probe read
-- them all again until a vacuum (13 ms a probe over 30,615 such entries,
-- autovacuum off; docs/performance.md, "The probe for events without a
-- position"). A unique index of the positions given holds the same rule and
-- leaves those probes to events_unsequenced, whose index scan marks the
-- entries it finds dead. PostgreSQL only: SQLite keeps no old row versions.
--
-- contract: replaces the constraint by a unique index of the same rule. No
-- version's code names the constraint or reads the NULL entries, so it may
-- run while pods of the previous version serve. It builds the index under
-- the table's lock: a few seconds a million events.

-- +goose Up
ALTER TABLE events DROP CONSTRAINT events_position_key;
CREATE UNIQUE INDEX events_position ON events (position) WHERE position IS NOT NULL;

-- +goose Down
DROP INDEX events_position;
ALTER TABLE events ADD CONSTRAINT events_position_key UNIQUE (position);
