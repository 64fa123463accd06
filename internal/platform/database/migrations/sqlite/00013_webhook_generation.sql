-- A delivery's generation counts the times it was made due afresh
-- (redelivery, resume): an attempt's outcome is recorded only under the
-- generation it was claimed in, so that an attempt begun before does not
-- undo the fresh start (docs/operations.md, "Webhooks"). Expand only: a
-- column with a default, which the code before it neither reads nor writes.

-- +goose Up
ALTER TABLE webhook_deliveries ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN generation;
