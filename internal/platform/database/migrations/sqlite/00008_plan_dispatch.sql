-- The year's key-project plan and the monthly dispatch (docs/dispatch.md):
-- annual plans and their entries (the baseline and each adjustment kept;
-- the yearly plans of projects become entries of issued plans),
-- the dispatch periods the bureau moved, the monthly reports (the progress
-- rows, now with a review state), 三个一批 designations, the county's
-- reported indicators, 入统, and the departments the bureau's report names.

-- +goose Up
CREATE TABLE annual_plans (
    year        INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
    state       TEXT NOT NULL CHECK (state IN ('draft', 'issued')),
    issued_on   DATE,
    -- How many adjustments (调整) have been made since the plan was issued.
    revisions   INTEGER NOT NULL DEFAULT 0,
    targets     TEXT NOT NULL DEFAULT '{}',
    version     INTEGER NOT NULL,
    updated_at  DATETIME NOT NULL,
    updated_by  TEXT NOT NULL,
    CHECK ((state = 'issued') = (issued_on IS NOT NULL))
);

-- One row per state of an entry: while the plan is a draft its rows are
-- changed in place (revision 0, no effective day); issuing gives them the
-- 下达 day; every later change adds a row with the adjustment's number and
-- effective day. An entry on a day is its row with the greatest
-- (effective_on, revision) on or before that day, unless that row removed it.
CREATE TABLE plan_entries (
    year                  INTEGER NOT NULL REFERENCES annual_plans (year),
    project_id            TEXT NOT NULL REFERENCES projects (id),
    version               INTEGER NOT NULL,
    revision              INTEGER NOT NULL DEFAULT 0,
    effective_on          DATE,
    removed               BOOLEAN NOT NULL DEFAULT false,
    reason                TEXT NOT NULL DEFAULT '',
    build_type            TEXT NOT NULL CHECK (build_type IN ('new', 'continuing', 'preliminary')),
    build_type_source     TEXT NOT NULL,
    key_level             TEXT NOT NULL,
    planned_yuan          INTEGER CHECK (planned_yuan >= 0),
    planned_start_month   text,
    planned_completion_on DATE,
    planned_production_on DATE,
    goals                 TEXT NOT NULL DEFAULT '',
    department            TEXT NOT NULL REFERENCES departments (code),
    leader                TEXT NOT NULL DEFAULT '',
    section               TEXT NOT NULL,
    stalled               BOOLEAN NOT NULL DEFAULT false,
    stalled_reason        TEXT NOT NULL DEFAULT '',
    opening_yuan          INTEGER CHECK (opening_yuan >= 0),
    recorded_at           DATETIME NOT NULL,
    recorded_by           TEXT NOT NULL,
    PRIMARY KEY (year, project_id, version)
);
CREATE INDEX plan_entries_project_idx ON plan_entries (project_id, year);

INSERT INTO annual_plans (year, state, issued_on, version, updated_at, updated_by)
SELECT year, 'issued', printf('%04d-01-01 00:00:00+00:00', year), 1, max(updated_at), 'migration'
FROM project_plans GROUP BY year;

INSERT INTO plan_entries (year, project_id, version, revision, effective_on, build_type, build_type_source,
    key_level, planned_yuan, planned_start_month, planned_completion_on, planned_production_on, department,
    leader, section, recorded_at, recorded_by)
SELECT pp.year, pp.project_id, 1, 0, printf('%04d-01-01 00:00:00+00:00', pp.year), p.build_type, 'migrated', p.key_level, pp.planned_yuan,
    CASE WHEN CAST(substr(p.planned_start_date, 1, 4) AS INTEGER) = pp.year THEN substr(p.planned_start_date, 1, 7) END,
    CASE WHEN CAST(substr(p.planned_completion_date, 1, 4) AS INTEGER) = pp.year THEN p.planned_completion_date END,
    CASE WHEN CAST(substr(p.planned_production_date, 1, 4) AS INTEGER) = pp.year THEN p.planned_production_date END,
    p.department, p.leader,
    CASE WHEN p.category IN ('infrastructure', 'urban', 'environment') THEN 'infrastructure'
         WHEN p.category = 'social' THEN 'livelihood' ELSE 'industry' END,
    pp.updated_at, pp.updated_by
FROM project_plans pp JOIN projects p ON p.id = pp.project_id;


-- The periods whose due date the bureau set (the 5th of the next month
-- otherwise); combined marks a February that reports January too.
CREATE TABLE dispatch_periods (
    period     TEXT PRIMARY KEY CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr(period, 6, 2) BETWEEN '01' AND '12'),
    due_on     DATE NOT NULL,
    combined   BOOLEAN NOT NULL DEFAULT false CHECK (NOT combined OR period LIKE '%-02'),
    version    INTEGER NOT NULL,
    updated_at DATETIME NOT NULL,
    updated_by TEXT NOT NULL
);

-- A month's progress row is the plan entry's report of that period, or the
-- investment of a project outside the plan (计划外).
ALTER TABLE project_progress ADD COLUMN state TEXT NOT NULL DEFAULT 'submitted'
    CHECK (state IN ('submitted', 'returned', 'accepted'));
ALTER TABLE project_progress ADD COLUMN statistical_yuan INTEGER CHECK (statistical_yuan >= 0);
ALTER TABLE project_progress ADD COLUMN site_progress TEXT NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN problems TEXT NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN issue_ids TEXT NOT NULL DEFAULT '[]';
ALTER TABLE project_progress ADD COLUMN next_plan TEXT NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN on_behalf BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE project_progress ADD COLUMN submitted_at DATETIME;
ALTER TABLE project_progress ADD COLUMN late BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE project_progress ADD COLUMN corrected BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE project_progress ADD COLUMN original TEXT;
ALTER TABLE project_progress ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN reviewed_at DATETIME;
ALTER TABLE project_progress ADD COLUMN return_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN migrated BOOLEAN NOT NULL DEFAULT false;
UPDATE project_progress SET state = 'accepted', migrated = true, submitted_at = updated_at;

-- 三个一批: the projects the bureau designated into a quarter's batch.
CREATE TABLE batch_designations (
    year          INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    quarter       INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    kind          TEXT NOT NULL CHECK (kind IN ('signed', 'started', 'in_production')),
    project_id    TEXT NOT NULL REFERENCES projects (id),
    designated_at DATETIME NOT NULL,
    designated_by TEXT NOT NULL,
    PRIMARY KEY (year, quarter, kind, project_id)
);

-- The county's reported indicators of a year, as the bureau entered them.
CREATE TABLE county_indicators (
    year       INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
    items      TEXT NOT NULL DEFAULT '[]',
    version    INTEGER NOT NULL,
    updated_at DATETIME NOT NULL,
    updated_by TEXT NOT NULL
);

-- 入统: the month from which a project is in the statistics (YYYY-MM).
ALTER TABLE projects ADD COLUMN in_statistics_since TEXT;

INSERT INTO departments (code, name, name_en) VALUES
  ('civil_affairs', '民政局', 'Civil Affairs Bureau'),
  ('media_center', '融媒体中心', 'County Media Center')
ON CONFLICT (code) DO NOTHING;

-- +goose Down
ALTER TABLE projects DROP COLUMN in_statistics_since;
DROP TABLE county_indicators;
DROP TABLE batch_designations;
ALTER TABLE project_progress DROP COLUMN migrated;
ALTER TABLE project_progress DROP COLUMN return_reason;
ALTER TABLE project_progress DROP COLUMN reviewed_at;
ALTER TABLE project_progress DROP COLUMN reviewed_by;
ALTER TABLE project_progress DROP COLUMN original;
ALTER TABLE project_progress DROP COLUMN corrected;
ALTER TABLE project_progress DROP COLUMN late;
ALTER TABLE project_progress DROP COLUMN submitted_at;
ALTER TABLE project_progress DROP COLUMN on_behalf;
ALTER TABLE project_progress DROP COLUMN next_plan;
ALTER TABLE project_progress DROP COLUMN issue_ids;
ALTER TABLE project_progress DROP COLUMN problems;
ALTER TABLE project_progress DROP COLUMN site_progress;
ALTER TABLE project_progress DROP COLUMN statistical_yuan;
ALTER TABLE project_progress DROP COLUMN state;
DROP TABLE dispatch_periods;
DROP TABLE plan_entries;
DROP TABLE annual_plans;
