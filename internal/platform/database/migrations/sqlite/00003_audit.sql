-- The audit trail (docs/audit.md): append-only, hash-chained entries, one per
-- change, written in the change's transaction (docs/audit.md). The service
-- gives each entry the next id itself, because the id is sealed into the
-- entry's hash; SQLite's single connection serialises appends.

-- +goose Up
CREATE TABLE audit_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            DATETIME NOT NULL,
    actor         TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    dept          TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    before        TEXT NOT NULL,
    after         TEXT NOT NULL,
    request_id    TEXT NOT NULL DEFAULT '',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_entries_prev_hash_idx ON audit_entries (prev_hash);
CREATE INDEX audit_entries_resource_idx ON audit_entries (resource_type, resource_id, id);
CREATE INDEX audit_entries_actor_idx ON audit_entries (actor, id);
CREATE INDEX audit_entries_at_idx ON audit_entries (at, id);

-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_entries;
