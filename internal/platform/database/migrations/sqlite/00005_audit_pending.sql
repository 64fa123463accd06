-- Audit entries are written in their change's transaction to a staging table
-- and sealed into the chain (audit_entries) right after they commit, in
-- order, by one sealer at a time (docs/audit.md).

-- +goose Up
CREATE TABLE audit_pending (
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
    request_id    TEXT NOT NULL DEFAULT ''
);

-- A staged entry is sealed or nothing: it cannot be changed.
-- +goose StatementBegin
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
BEGIN
    SELECT RAISE(ABORT, 'staged audit entries cannot be changed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_pending;
