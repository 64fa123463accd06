-- PostgreSQL's 00020 replaces the unique constraint on events.position by a
-- unique index of the positions given, for its planner's sake. SQLite keeps
-- no old row versions in its indexes and needs no change; this migration
-- keeps the two dialects' versions alike.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
