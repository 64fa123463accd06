-- PostgreSQL's audit entries keep their snapshots as text from this version
-- on; SQLite's always did. The version keeps the two schemas in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
