-- The current figures of the statistics (docs/stats.md, "Current figures"):
-- see the PostgreSQL migration of the same number. Expand only: new tables
-- and an index.

-- +goose Up
CREATE TABLE stats_kept (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    key     TEXT NOT NULL,
    through INTEGER NOT NULL
);

CREATE TABLE stats_partials (
    department TEXT PRIMARY KEY,
    tally      TEXT NOT NULL
);

CREATE TABLE stats_contributions (
    project_id TEXT PRIMARY KEY,
    department TEXT NOT NULL,
    tally      TEXT NOT NULL
);

CREATE INDEX plan_entries_adjusted_idx ON plan_entries (year, revision, effective_on) WHERE revision > 0;

-- +goose Down
DROP INDEX plan_entries_adjusted_idx;
DROP TABLE stats_contributions;
DROP TABLE stats_partials;
DROP TABLE stats_kept;
