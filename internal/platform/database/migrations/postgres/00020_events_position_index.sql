-- The unique constraint on events.position indexed every event, its NULL
-- position too, until the sequencer gave it one. PostgreSQL then chose that
-- index for the probes of events without a position (the sequencer's, and
-- each current overview's): a bitmap scan over every NULL entry an update
-- had left, which such a scan never marks dead, so that each probe read
-- them all again until a vacuum (13 ms a probe over 30,615 such entries,
-- autovacuum off; docs/performance.md, "The probe for events without a
-- position"). A unique index of the positions given holds the same rule and
-- leaves those probes to events_unsequenced, whose index scan marks the
-- entries it finds dead.
--
-- The index is built concurrently, outside a transaction, so that the
-- changes that write events go on meanwhile; the constraint is dropped only
-- once the index holds the rule. Run again after a failure, the migration
-- drops what a failed build left and builds the index anew.
--
-- contract: replaces the constraint by a unique index of the same rule. No
-- version's code names the constraint or reads the NULL entries, so it may
-- run while pods of the previous version serve.

-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS events_position;
CREATE UNIQUE INDEX CONCURRENTLY events_position ON events (position) WHERE position IS NOT NULL;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_position_key;

-- +goose Down
ALTER TABLE events ADD CONSTRAINT events_position_key UNIQUE (position);
DROP INDEX CONCURRENTLY IF EXISTS events_position;
