-- Audit entries are written in their change's transaction to a staging table
-- and sealed into the chain (audit_entries) right after they commit, in
-- order, by one sealer at a time (docs/audit.md). A change then never waits
-- for other changes' commits to write its entry, as it did when every
-- transaction held the chain's lock until its commit.

-- +goose Up
CREATE TABLE audit_pending (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    actor_id      text NOT NULL,
    dept          text NOT NULL DEFAULT '',
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    -- Text, not jsonb: the canonical bytes the sealer hashes.
    before        text NOT NULL,
    after         text NOT NULL,
    request_id    text NOT NULL DEFAULT ''
);

-- A staged entry is sealed or nothing: it cannot be changed.
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();

-- +goose Down
DROP TABLE audit_pending;
