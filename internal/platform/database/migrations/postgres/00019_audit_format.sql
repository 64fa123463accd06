-- An audit entry of a change keeps only the members that the change changed
-- (docs/audit.md, "What is recorded"); format says what an entry's before
-- and after hold: 1 the whole resource (every entry before this migration,
-- and creations and removals since), 2 the changed members only. The format
-- is sealed with the entry. Expand only: columns with a default, which the
-- code before it neither reads nor writes (an entry it stages is whole).

-- +goose Up
ALTER TABLE audit_pending ADD COLUMN format smallint NOT NULL DEFAULT 1;
ALTER TABLE audit_entries ADD COLUMN format smallint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE audit_entries DROP COLUMN format;
ALTER TABLE audit_pending DROP COLUMN format;
