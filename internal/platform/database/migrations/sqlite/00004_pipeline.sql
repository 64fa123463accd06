-- The pipeline (docs/stages.md): yearly investment plans, monthly progress,
-- blockers (问题清单), and the day each project's stored health is due to be
-- computed again.

-- contract: replaces the index projects_health_idx with a wider one; the code of
-- every version reads through either, so this step never waited for a release.

-- +goose Up
CREATE TABLE project_plans (
    project_id   TEXT NOT NULL REFERENCES projects (id),
    year         INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    planned_yuan INTEGER NOT NULL CHECK (planned_yuan >= 0),
    version      INTEGER NOT NULL,
    updated_at   DATETIME NOT NULL,
    updated_by   TEXT NOT NULL,
    PRIMARY KEY (project_id, year)
);
CREATE INDEX project_plans_year_idx ON project_plans (year, project_id);

CREATE TABLE project_progress (
    project_id     TEXT NOT NULL REFERENCES projects (id),
    year           INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    month          INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    completed_yuan INTEGER NOT NULL CHECK (completed_yuan >= 0),
    note           TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL,
    updated_at     DATETIME NOT NULL,
    reported_by    TEXT NOT NULL,
    PRIMARY KEY (project_id, year, month)
);
CREATE INDEX project_progress_period_idx ON project_progress (year, month, project_id);

CREATE TABLE issues (
    id                     TEXT PRIMARY KEY,
    project_id             TEXT NOT NULL REFERENCES projects (id),
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    kind                   TEXT NOT NULL,
    responsible_department TEXT NOT NULL REFERENCES departments (code),
    due_on                 DATE NOT NULL,
    status                 TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved')),
    resolution             TEXT NOT NULL DEFAULT '',
    created_by             TEXT NOT NULL,
    version                INTEGER NOT NULL,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL,
    resolved_at            DATETIME
);
CREATE INDEX issues_project_idx ON issues (project_id);
CREATE INDEX issues_due_idx ON issues (due_on, id);
-- The responsible department's view, and the scope clause that lets it read
-- the projects of its unresolved blockers.
CREATE INDEX issues_responsible_idx ON issues (responsible_department, project_id) WHERE status <> 'resolved';

ALTER TABLE projects ADD COLUMN health_due_on DATE;
-- The day of the latest move (import entries aside), which the next move may
-- not precede.
ALTER TABLE projects ADD COLUMN last_move_on DATE;
UPDATE projects SET last_move_on = (SELECT max(t.occurred_on) FROM project_transitions t
    WHERE t.project_id = projects.id AND t.kind <> 'import');
-- What health is computed from besides the project's own fields (its plans,
-- progress and blockers, in brief), kept with it so that computing it reads
-- nothing more.
ALTER TABLE projects ADD COLUMN health_facts TEXT NOT NULL DEFAULT '{}';
CREATE INDEX projects_health_due_idx ON projects (health_due_on) WHERE archived_at IS NULL;
-- The health filter, which the dashboard's red and yellow lists lead with,
-- also orders by the default key, as the stage filter does.
DROP INDEX projects_health_idx;
CREATE INDEX projects_health_idx ON projects (health, created_at, id) WHERE archived_at IS NULL;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP INDEX projects_health_idx;
CREATE INDEX projects_health_idx ON projects (health) WHERE archived_at IS NULL;
DROP INDEX projects_health_due_idx;
ALTER TABLE projects DROP COLUMN health_facts;
ALTER TABLE projects DROP COLUMN last_move_on;
ALTER TABLE projects DROP COLUMN health_due_on;
DROP TABLE issues;
DROP TABLE project_progress;
DROP TABLE project_plans;
