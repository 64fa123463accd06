-- The approvals (前期手续) of projects, one row per item written
-- (docs/approvals.md); an item never written reads as not started. A move's
-- history entry keeps why a first start was made without its 开工 permit
-- item (permit_waiver). Expand only: a new table, and a column with a
-- default that the code before it neither reads nor writes.

-- +goose Up
CREATE TABLE project_approvals (
    project_id  TEXT NOT NULL REFERENCES projects (id),
    item        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'obtained', 'not_needed')),
    reason      TEXT NOT NULL DEFAULT '',
    applied_on  DATE,
    expected_on DATE,
    obtained_on DATE,
    approval_no TEXT NOT NULL DEFAULT '',
    issuer      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    env_level   TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL,
    updated_at  DATETIME NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (project_id, item)
);
ALTER TABLE project_transitions ADD COLUMN permit_waiver TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE project_transitions DROP COLUMN permit_waiver;
DROP TABLE project_approvals;
