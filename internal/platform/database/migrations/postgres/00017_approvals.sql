-- The approvals (前期手续) of projects, one row per item written
-- (docs/approvals.md); an item never written reads as not started. A move's
-- history entry keeps why a first start was made without its 开工 permit
-- item (permit_waiver). Expand only: a new table, and a column with a
-- default that the code before it neither reads nor writes.

-- +goose Up
CREATE TABLE project_approvals (
    project_id  uuid NOT NULL REFERENCES projects (id),
    item        text NOT NULL,
    status      text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'obtained', 'not_needed')),
    reason      text NOT NULL DEFAULT '',
    applied_on  date,
    expected_on date,
    obtained_on date,
    approval_no text NOT NULL DEFAULT '',
    issuer      text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    env_level   text NOT NULL DEFAULT '',
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL,
    updated_by  text NOT NULL,
    PRIMARY KEY (project_id, item)
);
ALTER TABLE project_transitions ADD COLUMN permit_waiver text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE project_transitions DROP COLUMN permit_waiver;
DROP TABLE project_approvals;
