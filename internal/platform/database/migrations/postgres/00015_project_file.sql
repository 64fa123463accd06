-- The project file's own fields (docs/api.md, "Projects"): classification,
-- factors, investment attraction, the people responsible, phases and
-- bundles. Expand only: nullable columns or columns with defaults, which the
-- code before them neither reads nor writes. The lists ride as JSON like
-- funding; the cooperating units are also rows of project_units, which the
-- read scope of a department queries. The leaders of the projects entered
-- before are their one leader, who leads.

-- +goose Up
ALTER TABLE projects
    ADD COLUMN investment_type           text NOT NULL DEFAULT '',
    ADD COLUMN in_development_zone       boolean,
    ADD COLUMN construction_nature       text NOT NULL DEFAULT '',
    ADD COLUMN works_kind                text NOT NULL DEFAULT '',
    ADD COLUMN expected_annual_tax_yuan  bigint CHECK (expected_annual_tax_yuan >= 0),
    ADD COLUMN expected_jobs             integer CHECK (expected_jobs >= 0),
    ADD COLUMN land_needed_mu            double precision,
    ADD COLUMN land_secured_mu           double precision,
    ADD COLUMN new_construction_land_mu  double precision,
    ADD COLUMN arable_land_mu            double precision,
    ADD COLUMN forest_land_mu            double precision,
    ADD COLUMN energy_needed_tce         double precision,
    ADD COLUMN energy_secured_tce        double precision,
    ADD COLUMN water_needed_10k_m3        double precision,
    ADD COLUMN water_secured_10k_m3       double precision,
    ADD COLUMN power_needed_kva          double precision,
    ADD COLUMN power_secured_kva         double precision,
    ADD COLUMN contract_amount_yuan      bigint CHECK (contract_amount_yuan >= 0),
    ADD COLUMN investor                  text NOT NULL DEFAULT '',
    ADD COLUMN investor_origin           text NOT NULL DEFAULT '',
    ADD COLUMN attracting_unit           text NOT NULL DEFAULT '',
    ADD COLUMN funds_arrived             jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN leaders                   jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN cooperating_units         jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN owner_contact_name        text NOT NULL DEFAULT '',
    ADD COLUMN owner_contact_phone       text NOT NULL DEFAULT '',
    ADD COLUMN task_force                text NOT NULL DEFAULT '',
    ADD COLUMN predecessor_id            uuid REFERENCES projects (id),
    ADD COLUMN parent_id                 uuid REFERENCES projects (id);

UPDATE projects SET leaders = jsonb_build_array(jsonb_build_object('name', leader, 'lead', true)) WHERE leader <> '';

CREATE INDEX projects_predecessor_idx ON projects (predecessor_id) WHERE predecessor_id IS NOT NULL;
CREATE INDEX projects_parent_idx ON projects (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE project_units (
    project_id uuid NOT NULL REFERENCES projects (id),
    department text NOT NULL REFERENCES departments (code),
    PRIMARY KEY (project_id, department)
);
CREATE INDEX project_units_department_idx ON project_units (department, project_id);

-- +goose Down
DROP TABLE project_units;
DROP INDEX projects_parent_idx;
DROP INDEX projects_predecessor_idx;
ALTER TABLE projects
    DROP COLUMN investment_type, DROP COLUMN in_development_zone, DROP COLUMN construction_nature,
    DROP COLUMN works_kind, DROP COLUMN expected_annual_tax_yuan, DROP COLUMN expected_jobs,
    DROP COLUMN land_needed_mu, DROP COLUMN land_secured_mu, DROP COLUMN new_construction_land_mu,
    DROP COLUMN arable_land_mu, DROP COLUMN forest_land_mu, DROP COLUMN energy_needed_tce,
    DROP COLUMN energy_secured_tce, DROP COLUMN water_needed_10k_m3, DROP COLUMN water_secured_10k_m3,
    DROP COLUMN power_needed_kva, DROP COLUMN power_secured_kva, DROP COLUMN contract_amount_yuan,
    DROP COLUMN investor, DROP COLUMN investor_origin, DROP COLUMN attracting_unit, DROP COLUMN funds_arrived,
    DROP COLUMN leaders, DROP COLUMN cooperating_units, DROP COLUMN owner_contact_name,
    DROP COLUMN owner_contact_phone, DROP COLUMN task_force, DROP COLUMN predecessor_id, DROP COLUMN parent_id;
