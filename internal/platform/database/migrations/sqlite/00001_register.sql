-- The register: departments, users, projects and their stage history, and
-- the idempotency records of creating requests. Dates are declared DATE and
-- timestamps DATETIME so that the driver reads them back as times.

-- +goose Up
CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO departments (code, name, name_en) VALUES
  ('drc', '发展和改革局', 'Development and Reform Bureau'),
  ('energy', '能源局', 'Energy Bureau'),
  ('industry', '工业和信息化局', 'Industry and Information Technology Bureau'),
  ('tourism', '文化和旅游局', 'Culture and Tourism Bureau'),
  ('agriculture', '农业农村局', 'Agriculture and Rural Affairs Bureau'),
  ('housing', '住房和城乡建设局', 'Housing and Urban-Rural Development Bureau'),
  ('natural_resources', '自然资源局', 'Natural Resources Bureau'),
  ('transport', '交通运输局', 'Transport Bureau'),
  ('ecology', '生态环境分局', 'Ecology and Environment Sub-bureau'),
  ('commerce', '商务局', 'Commerce Bureau'),
  ('devzone', '经济技术开发区管委会', 'Economic and Technological Development Zone Administration'),
  ('education', '教育局', 'Education Bureau'),
  ('health', '卫生健康局', 'Health Commission'),
  ('water', '水务局', 'Water Affairs Bureau'),
  ('trade_union', '县总工会', 'County Federation of Trade Unions');

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'bureau', 'leader', 'dept_editor', 'dept_viewer')),
    department    TEXT REFERENCES departments (code),
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE projects (
    id                          TEXT PRIMARY KEY,
    code                        TEXT UNIQUE,
    name                        TEXT NOT NULL,
    category                    TEXT NOT NULL,
    department                  TEXT NOT NULL REFERENCES departments (code),
    leader                      TEXT NOT NULL DEFAULT '',
    company                     TEXT NOT NULL DEFAULT '',
    township                    TEXT NOT NULL DEFAULT '',
    capacity                    REAL,
    capacity_unit               TEXT NOT NULL DEFAULT '',
    total_investment_yuan       INTEGER CHECK (total_investment_yuan >= 0),
    expected_annual_output_yuan INTEGER CHECK (expected_annual_output_yuan >= 0),
    build_type                  TEXT NOT NULL,
    key_level                   TEXT NOT NULL,
    funding                     TEXT NOT NULL DEFAULT '[]',
    planned_sign_date           DATE,
    planned_start_date          DATE,
    planned_completion_date     DATE,
    planned_production_date     DATE,
    stage                       TEXT NOT NULL,
    signed_on                   DATE,
    landed_on                   DATE,
    started_on                  DATE,
    completed_on                DATE,
    production_on               DATE,
    at_capacity_on              DATE,
    health                      TEXT NOT NULL DEFAULT 'green',
    health_reasons              TEXT NOT NULL DEFAULT '[]',
    version                     INTEGER NOT NULL,
    created_at                  DATETIME NOT NULL,
    updated_at                  DATETIME NOT NULL,
    archived_at                 DATETIME
);

CREATE INDEX projects_created_idx ON projects (created_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_updated_idx ON projects (updated_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_name_idx ON projects (name, id) WHERE archived_at IS NULL;
CREATE INDEX projects_investment_idx ON projects (total_investment_yuan, id) WHERE archived_at IS NULL;
CREATE INDEX projects_planned_start_idx ON projects (planned_start_date, id) WHERE archived_at IS NULL;
CREATE INDEX projects_stage_idx ON projects (stage, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_department_idx ON projects (department, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_category_idx ON projects (category) WHERE archived_at IS NULL;
CREATE INDEX projects_build_type_idx ON projects (build_type) WHERE archived_at IS NULL;
CREATE INDEX projects_key_level_idx ON projects (key_level) WHERE archived_at IS NULL;
CREATE INDEX projects_health_idx ON projects (health) WHERE archived_at IS NULL;
CREATE INDEX projects_township_idx ON projects (township) WHERE archived_at IS NULL;
CREATE INDEX projects_leader_idx ON projects (leader) WHERE archived_at IS NULL;
CREATE INDEX projects_archived_idx ON projects (archived_at, id) WHERE archived_at IS NOT NULL;

CREATE TABLE project_transitions (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id),
    from_stage  TEXT,
    to_stage    TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    evidence    TEXT NOT NULL DEFAULT '[]',
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    recorded_at DATETIME NOT NULL
);
CREATE INDEX project_transitions_project_idx ON project_transitions (project_id, recorded_at, id);

CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    body         BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE project_transitions;
DROP TABLE projects;
DROP TABLE users;
DROP TABLE departments;
