-- The year's key-project plan and the monthly dispatch (docs/dispatch.md):
-- annual plans and their entries (the baseline and each adjustment kept;
-- the yearly plans of projects become entries of issued plans),
-- the dispatch periods the bureau moved, the monthly reports (the progress
-- rows, now with a review state), 三个一批 designations, the county's
-- reported indicators, 入统, and the departments the bureau's report names.

-- +goose Up
CREATE TABLE annual_plans (
    year        integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
    state       text NOT NULL CHECK (state IN ('draft', 'issued')),
    issued_on   date,
    -- How many adjustments (调整) have been made since the plan was issued.
    revisions   integer NOT NULL DEFAULT 0,
    targets     jsonb NOT NULL DEFAULT '{}',
    version     integer NOT NULL,
    updated_at  timestamptz NOT NULL,
    updated_by  text NOT NULL,
    CHECK ((state = 'issued') = (issued_on IS NOT NULL))
);

-- One row per state of an entry: while the plan is a draft its rows are
-- changed in place (revision 0, no effective day); issuing gives them the
-- 下达 day; every later change adds a row with the adjustment's number and
-- effective day. An entry on a day is its row with the greatest
-- (effective_on, revision) on or before that day, unless that row removed it.
CREATE TABLE plan_entries (
    year                  integer NOT NULL REFERENCES annual_plans (year),
    project_id            uuid NOT NULL REFERENCES projects (id),
    version               integer NOT NULL,
    revision              integer NOT NULL DEFAULT 0,
    effective_on          date,
    removed               boolean NOT NULL DEFAULT false,
    reason                text NOT NULL DEFAULT '',
    build_type            text NOT NULL CHECK (build_type IN ('new', 'continuing', 'preliminary')),
    build_type_source     text NOT NULL,
    key_level             text NOT NULL,
    planned_yuan          bigint CHECK (planned_yuan >= 0),
    planned_start_month   text,
    planned_completion_on date,
    planned_production_on date,
    goals                 text NOT NULL DEFAULT '',
    department            text NOT NULL REFERENCES departments (code),
    leader                text NOT NULL DEFAULT '',
    section               text NOT NULL,
    stalled               boolean NOT NULL DEFAULT false,
    stalled_reason        text NOT NULL DEFAULT '',
    opening_yuan          bigint CHECK (opening_yuan >= 0),
    recorded_at           timestamptz NOT NULL,
    recorded_by           text NOT NULL,
    PRIMARY KEY (year, project_id, version)
);
CREATE INDEX plan_entries_project_idx ON plan_entries (project_id, year);

INSERT INTO annual_plans (year, state, issued_on, version, updated_at, updated_by)
SELECT year, 'issued', make_date(year, 1, 1), 1, max(updated_at), 'migration'
FROM project_plans GROUP BY year;

INSERT INTO plan_entries (year, project_id, version, revision, effective_on, build_type, build_type_source,
    key_level, planned_yuan, planned_start_month, planned_completion_on, planned_production_on, department,
    leader, section, recorded_at, recorded_by)
SELECT pp.year, pp.project_id, 1, 0, make_date(pp.year, 1, 1), p.build_type, 'migrated', p.key_level, pp.planned_yuan,
    CASE WHEN extract(year FROM p.planned_start_date) = pp.year THEN to_char(p.planned_start_date, 'YYYY-MM') END,
    CASE WHEN extract(year FROM p.planned_completion_date) = pp.year THEN p.planned_completion_date END,
    CASE WHEN extract(year FROM p.planned_production_date) = pp.year THEN p.planned_production_date END,
    p.department, p.leader,
    CASE WHEN p.category IN ('infrastructure', 'urban', 'environment') THEN 'infrastructure'
         WHEN p.category = 'social' THEN 'livelihood' ELSE 'industry' END,
    pp.updated_at, pp.updated_by
FROM project_plans pp JOIN projects p ON p.id = pp.project_id;


-- The periods whose due date the bureau set (the 5th of the next month
-- otherwise); combined marks a February that reports January too.
CREATE TABLE dispatch_periods (
    period     text PRIMARY KEY CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    due_on     date NOT NULL,
    combined   boolean NOT NULL DEFAULT false CHECK (NOT combined OR period LIKE '%-02'),
    version    integer NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);

-- A month's progress row is the plan entry's report of that period, or the
-- investment of a project outside the plan (计划外).
ALTER TABLE project_progress ADD COLUMN state text NOT NULL DEFAULT 'submitted'
    CHECK (state IN ('submitted', 'returned', 'accepted'));
ALTER TABLE project_progress ADD COLUMN statistical_yuan bigint CHECK (statistical_yuan >= 0);
ALTER TABLE project_progress ADD COLUMN site_progress text NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN problems text NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN issue_ids jsonb NOT NULL DEFAULT '[]';
ALTER TABLE project_progress ADD COLUMN next_plan text NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN on_behalf boolean NOT NULL DEFAULT false;
ALTER TABLE project_progress ADD COLUMN submitted_at timestamptz;
ALTER TABLE project_progress ADD COLUMN late boolean NOT NULL DEFAULT false;
ALTER TABLE project_progress ADD COLUMN corrected boolean NOT NULL DEFAULT false;
ALTER TABLE project_progress ADD COLUMN original jsonb;
ALTER TABLE project_progress ADD COLUMN reviewed_by text NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN reviewed_at timestamptz;
ALTER TABLE project_progress ADD COLUMN return_reason text NOT NULL DEFAULT '';
ALTER TABLE project_progress ADD COLUMN migrated boolean NOT NULL DEFAULT false;
UPDATE project_progress SET state = 'accepted', migrated = true, submitted_at = updated_at;

-- 三个一批: the projects the bureau designated into a quarter's batch.
CREATE TABLE batch_designations (
    year          integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    quarter       integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    kind          text NOT NULL CHECK (kind IN ('signed', 'started', 'in_production')),
    project_id    uuid NOT NULL REFERENCES projects (id),
    designated_at timestamptz NOT NULL,
    designated_by text NOT NULL,
    PRIMARY KEY (year, quarter, kind, project_id)
);

-- The county's reported indicators of a year, as the bureau entered them.
CREATE TABLE county_indicators (
    year       integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
    items      jsonb NOT NULL DEFAULT '[]',
    version    integer NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL
);

-- 入统: the month from which a project is in the statistics (YYYY-MM).
ALTER TABLE projects ADD COLUMN in_statistics_since text;

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
