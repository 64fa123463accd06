-- The yearly plans of projects are entries of the year's plan since 00008
-- (docs/plan.md): the old table goes. Down recreates it from each entry as
-- every adjustment leaves it (its latest state, unless that removed it),
-- where the entry has a planned investment.

-- contract: drops project_plans, which only code before 00008 reads: run it
-- once no pod of such a version serves.

-- +goose Up
DROP TABLE project_plans;

-- +goose Down
CREATE TABLE project_plans (
    project_id   uuid NOT NULL REFERENCES projects (id),
    year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    planned_yuan bigint NOT NULL CHECK (planned_yuan >= 0),
    version      integer NOT NULL,
    updated_at   timestamptz NOT NULL,
    updated_by   text NOT NULL,
    PRIMARY KEY (project_id, year)
);
CREATE INDEX project_plans_year_idx ON project_plans (year, project_id);

INSERT INTO project_plans (project_id, year, planned_yuan, version, updated_at, updated_by)
SELECT e.project_id, e.year, e.planned_yuan, e.version, e.recorded_at, e.recorded_by
FROM plan_entries e
WHERE NOT e.removed AND e.planned_yuan IS NOT NULL
  AND e.version = (SELECT max(l.version) FROM plan_entries l WHERE l.year = e.year AND l.project_id = e.project_id);
