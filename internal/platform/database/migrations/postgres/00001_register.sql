-- The register: departments, users, projects and their stage history, and
-- the idempotency records of creating requests.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE departments (
    code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
    name       text NOT NULL,
    name_en    text NOT NULL,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
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
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'bureau', 'leader', 'dept_editor', 'dept_viewer')),
    department    text REFERENCES departments (code),
    disabled      boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE projects (
    id                          uuid PRIMARY KEY,
    code                        text UNIQUE,
    name                        text NOT NULL,
    category                    text NOT NULL,
    department                  text NOT NULL REFERENCES departments (code),
    leader                      text NOT NULL DEFAULT '',
    company                     text NOT NULL DEFAULT '',
    township                    text NOT NULL DEFAULT '',
    capacity                    double precision,
    capacity_unit               text NOT NULL DEFAULT '',
    total_investment_yuan       bigint CHECK (total_investment_yuan >= 0),
    expected_annual_output_yuan bigint CHECK (expected_annual_output_yuan >= 0),
    build_type                  text NOT NULL,
    key_level                   text NOT NULL,
    funding                     jsonb NOT NULL DEFAULT '[]',
    planned_sign_date           date,
    planned_start_date          date,
    planned_completion_date     date,
    planned_production_date     date,
    stage                       text NOT NULL,
    signed_on                   date,
    landed_on                   date,
    started_on                  date,
    completed_on                date,
    production_on               date,
    at_capacity_on              date,
    health                      text NOT NULL DEFAULT 'green',
    health_reasons              jsonb NOT NULL DEFAULT '[]',
    version                     integer NOT NULL,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    archived_at                 timestamptz
);

-- One index per sort key (ties broken by id), over live projects only.
CREATE INDEX projects_created_idx ON projects (created_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_updated_idx ON projects (updated_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_name_idx ON projects (name, id) WHERE archived_at IS NULL;
-- Empty values sort last both ways, so the nullable keys need an index per direction.
CREATE INDEX projects_investment_idx ON projects (total_investment_yuan, id) WHERE archived_at IS NULL;
CREATE INDEX projects_investment_desc_idx ON projects (total_investment_yuan DESC NULLS LAST, id DESC) WHERE archived_at IS NULL;
CREATE INDEX projects_planned_start_idx ON projects (planned_start_date, id) WHERE archived_at IS NULL;
CREATE INDEX projects_planned_start_desc_idx ON projects (planned_start_date DESC NULLS LAST, id DESC) WHERE archived_at IS NULL;
-- The filters; stage and department also lead the default order.
CREATE INDEX projects_stage_idx ON projects (stage, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_department_idx ON projects (department, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX projects_category_idx ON projects (category) WHERE archived_at IS NULL;
CREATE INDEX projects_build_type_idx ON projects (build_type) WHERE archived_at IS NULL;
CREATE INDEX projects_key_level_idx ON projects (key_level) WHERE archived_at IS NULL;
CREATE INDEX projects_health_idx ON projects (health) WHERE archived_at IS NULL;
CREATE INDEX projects_township_idx ON projects (township) WHERE archived_at IS NULL;
CREATE INDEX projects_leader_idx ON projects (leader) WHERE archived_at IS NULL;
CREATE INDEX projects_archived_idx ON projects (archived_at, id) WHERE archived_at IS NOT NULL;
-- Substring search over name, company and code (q), joined by a character
-- that a search can never hold so that no match spans two fields.
CREATE INDEX projects_search_idx ON projects
    USING gin ((name || chr(31) || company || chr(31) || coalesce(code, '')) gin_trgm_ops);

CREATE TABLE project_transitions (
    id          uuid PRIMARY KEY,
    project_id  uuid NOT NULL REFERENCES projects (id),
    from_stage  text,
    to_stage    text NOT NULL,
    occurred_on date NOT NULL,
    note        text NOT NULL DEFAULT '',
    evidence    jsonb NOT NULL DEFAULT '[]',
    kind        text NOT NULL,
    actor       text NOT NULL,
    department  text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL
);
CREATE INDEX project_transitions_project_idx ON project_transitions (project_id, recorded_at, id);

CREATE TABLE idempotency_keys (
    principal    text NOT NULL,
    key          text NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash text NOT NULL,
    status       integer NOT NULL,
    location     text NOT NULL DEFAULT '',
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE project_transitions;
DROP TABLE projects;
DROP TABLE users;
DROP TABLE departments;
