-- The current figures of the statistics (docs/stats.md, "Current figures"):
-- the overview of today's default request kept as each department's tally,
-- built from the change feed by one keeper at a time. Only the keeper
-- writes these tables; a change to the register never does, so no move
-- waits on them. Expand only: new tables and an index.

-- +goose Up
-- What the figures are kept for (one row): the key (the day, the period,
-- the plan's state, the health's rules and the tally's form) and the
-- position of the last event of the change feed they count.
CREATE TABLE stats_kept (
    id      integer PRIMARY KEY CHECK (id = 1),
    key     text NOT NULL,
    through bigint NOT NULL
);

-- Each department's tally: the sum of its projects' contributions.
CREATE TABLE stats_partials (
    department text PRIMARY KEY,
    tally      text NOT NULL
);

-- Each live project's contribution as last counted, under the department
-- it was counted in: what a change takes away before adding the new one.
CREATE TABLE stats_contributions (
    project_id text PRIMARY KEY,
    department text NOT NULL,
    tally      text NOT NULL
);

-- Every statistic names the plan's version it read: the adjustments of the
-- year (the entries with a revision), which the current figures' reads ask
-- at each request, found without reading the year's entries.
CREATE INDEX plan_entries_adjusted_idx ON plan_entries (year, revision, effective_on) WHERE revision > 0;

-- +goose Down
DROP INDEX plan_entries_adjusted_idx;
DROP TABLE stats_contributions;
DROP TABLE stats_partials;
DROP TABLE stats_kept;
