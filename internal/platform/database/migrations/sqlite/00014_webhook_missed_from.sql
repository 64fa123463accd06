-- A webhook paused for longer than the give-up window stops collecting
-- deliveries; missed_from is the first position of the change feed it was
-- not given, 0 when none (docs/integration.md, "Order, retries and
-- pausing"). Expand only: a column with a default, which the code before it
-- neither reads nor writes.

-- +goose Up
ALTER TABLE webhook_subscriptions ADD COLUMN missed_from INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE webhook_subscriptions DROP COLUMN missed_from;
