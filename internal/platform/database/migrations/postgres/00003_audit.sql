-- The audit trail (docs/audit.md): append-only, hash-chained entries, one per
-- change, written in the change's transaction (docs/audit.md). The service
-- gives each entry the next id itself, under an advisory lock, because the
-- id is sealed into the entry's hash.

-- +goose Up
CREATE TABLE audit_entries (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    actor_id      text NOT NULL,
    dept          text NOT NULL DEFAULT '',
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    before        jsonb NOT NULL,
    after         jsonb NOT NULL,
    request_id    text NOT NULL DEFAULT '',
    prev_hash     text NOT NULL,
    hash          text NOT NULL
);
-- One successor per entry: the chain cannot fork, lock or no lock.
CREATE UNIQUE INDEX audit_entries_prev_hash_idx ON audit_entries (prev_hash);
-- The filters of GET /api/v1/audit, each ending in the keyset order (id).
CREATE INDEX audit_entries_resource_idx ON audit_entries (resource_type, resource_id, id);
CREATE INDEX audit_entries_actor_idx ON audit_entries (actor, id);
CREATE INDEX audit_entries_at_idx ON audit_entries (at, id);

-- The application never changes or removes an entry; neither may anyone
-- else without first disabling these triggers, which takes the table's
-- owner and leaves the chain broken where it was touched.
-- +goose StatementBegin
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

-- +goose Down
DROP TABLE audit_entries;
DROP FUNCTION audit_entries_append_only();
