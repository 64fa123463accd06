-- An entry keeps its snapshots as the canonical JSON text that was sealed,
-- as audit_pending does: jsonb parsed every sealed snapshot again (about a
-- fifth of a stage move's database time) only to render it its own way.
-- Entries sealed before keep jsonb's rendering; the hash is computed over
-- canonical JSON, so they verify as before.

-- contract: audit_entries.before and after change type (jsonb to text) and the
-- table is rewritten under a lock; code of 00006 reads either, see deploy/README.md.

-- +goose Up
ALTER TABLE audit_entries
    ALTER COLUMN before TYPE text USING before::text,
    ALTER COLUMN after TYPE text USING after::text;

-- +goose Down
ALTER TABLE audit_entries
    ALTER COLUMN before TYPE jsonb USING before::jsonb,
    ALTER COLUMN after TYPE jsonb USING after::jsonb;
