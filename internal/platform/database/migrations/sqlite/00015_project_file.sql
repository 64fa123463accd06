-- The project file's own fields (docs/api.md, "Projects"): classification,
-- factors, investment attraction, the people responsible, phases and
-- bundles. Expand only: nullable columns or columns with defaults, which the
-- code before them neither reads nor writes. The lists ride as JSON like
-- funding; the cooperating units are also rows of project_units, which the
-- read scope of a department queries. The leaders of the projects entered
-- before are their one leader, who leads.

-- +goose Up
ALTER TABLE projects ADD COLUMN investment_type TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN in_development_zone BOOLEAN;
ALTER TABLE projects ADD COLUMN construction_nature TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN works_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN expected_annual_tax_yuan INTEGER CHECK (expected_annual_tax_yuan >= 0);
ALTER TABLE projects ADD COLUMN expected_jobs INTEGER CHECK (expected_jobs >= 0);
ALTER TABLE projects ADD COLUMN land_needed_mu REAL;
ALTER TABLE projects ADD COLUMN land_secured_mu REAL;
ALTER TABLE projects ADD COLUMN new_construction_land_mu REAL;
ALTER TABLE projects ADD COLUMN arable_land_mu REAL;
ALTER TABLE projects ADD COLUMN forest_land_mu REAL;
ALTER TABLE projects ADD COLUMN energy_needed_tce REAL;
ALTER TABLE projects ADD COLUMN energy_secured_tce REAL;
ALTER TABLE projects ADD COLUMN water_needed_10k_m3 REAL;
ALTER TABLE projects ADD COLUMN water_secured_10k_m3 REAL;
ALTER TABLE projects ADD COLUMN power_needed_kva REAL;
ALTER TABLE projects ADD COLUMN power_secured_kva REAL;
ALTER TABLE projects ADD COLUMN contract_amount_yuan INTEGER CHECK (contract_amount_yuan >= 0);
ALTER TABLE projects ADD COLUMN investor TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN investor_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN attracting_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN funds_arrived TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN leaders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN cooperating_units TEXT NOT NULL DEFAULT '[]';
ALTER TABLE projects ADD COLUMN owner_contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN owner_contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN task_force TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN predecessor_id TEXT REFERENCES projects (id);
ALTER TABLE projects ADD COLUMN parent_id TEXT REFERENCES projects (id);

UPDATE projects SET leaders = json_array(json_object('name', leader, 'lead', json('true'))) WHERE leader <> '';

CREATE INDEX projects_predecessor_idx ON projects (predecessor_id) WHERE predecessor_id IS NOT NULL;
CREATE INDEX projects_parent_idx ON projects (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE project_units (
    project_id TEXT NOT NULL REFERENCES projects (id),
    department TEXT NOT NULL REFERENCES departments (code),
    PRIMARY KEY (project_id, department)
);
CREATE INDEX project_units_department_idx ON project_units (department, project_id);

-- +goose Down
DROP TABLE project_units;
DROP INDEX projects_parent_idx;
DROP INDEX projects_predecessor_idx;
ALTER TABLE projects DROP COLUMN investment_type;
ALTER TABLE projects DROP COLUMN in_development_zone;
ALTER TABLE projects DROP COLUMN construction_nature;
ALTER TABLE projects DROP COLUMN works_kind;
ALTER TABLE projects DROP COLUMN expected_annual_tax_yuan;
ALTER TABLE projects DROP COLUMN expected_jobs;
ALTER TABLE projects DROP COLUMN land_needed_mu;
ALTER TABLE projects DROP COLUMN land_secured_mu;
ALTER TABLE projects DROP COLUMN new_construction_land_mu;
ALTER TABLE projects DROP COLUMN arable_land_mu;
ALTER TABLE projects DROP COLUMN forest_land_mu;
ALTER TABLE projects DROP COLUMN energy_needed_tce;
ALTER TABLE projects DROP COLUMN energy_secured_tce;
ALTER TABLE projects DROP COLUMN water_needed_10k_m3;
ALTER TABLE projects DROP COLUMN water_secured_10k_m3;
ALTER TABLE projects DROP COLUMN power_needed_kva;
ALTER TABLE projects DROP COLUMN power_secured_kva;
ALTER TABLE projects DROP COLUMN contract_amount_yuan;
ALTER TABLE projects DROP COLUMN investor;
ALTER TABLE projects DROP COLUMN investor_origin;
ALTER TABLE projects DROP COLUMN attracting_unit;
ALTER TABLE projects DROP COLUMN funds_arrived;
ALTER TABLE projects DROP COLUMN leaders;
ALTER TABLE projects DROP COLUMN cooperating_units;
ALTER TABLE projects DROP COLUMN owner_contact_name;
ALTER TABLE projects DROP COLUMN owner_contact_phone;
ALTER TABLE projects DROP COLUMN task_force;
ALTER TABLE projects DROP COLUMN predecessor_id;
ALTER TABLE projects DROP COLUMN parent_id;
