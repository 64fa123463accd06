-- Statistics look up the projects whose stage changed after a day, to take
-- their stage on that day from their history, and count each month's moves.

-- +goose Up
CREATE INDEX project_transitions_occurred_idx ON project_transitions (occurred_on, project_id);
-- Cancellations, which decide who counts in the resumption rate.
CREATE INDEX project_transitions_cancelled_idx ON project_transitions (occurred_on, project_id) WHERE to_stage = 'cancelled';

-- +goose Down
DROP INDEX project_transitions_cancelled_idx;
DROP INDEX project_transitions_occurred_idx;
