-- Webhooks (docs/integration.md, "Webhooks"): subscriptions, the deliveries
-- fanned out to them from the change feed after commit, and the fan-out's
-- cursor. Expand only: new tables.

-- +goose Up
CREATE TABLE webhook_subscriptions (
    id              uuid PRIMARY KEY,
    url             text NOT NULL,
    -- The event types delivered, as ",type,type,"; ',' delivers every type.
    types           text NOT NULL DEFAULT ',',
    -- The owner's department: its events only; '' for the bureau (every event).
    department      text NOT NULL DEFAULT '',
    owner_id        text NOT NULL,
    owner_name      text NOT NULL,
    description     text NOT NULL DEFAULT '',
    -- The signing secret, kept as it is: signing needs it.
    secret          text NOT NULL,
    -- The secret before the last rotation, still signed with until
    -- previous_until.
    previous_secret text NOT NULL DEFAULT '',
    previous_until  timestamptz,
    paused          boolean NOT NULL DEFAULT false,
    paused_reason   text NOT NULL DEFAULT '',
    paused_at       timestamptz,
    version         integer NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX webhook_subscriptions_department ON webhook_subscriptions (department, created_at);

CREATE TABLE webhook_deliveries (
    -- Fan-out order: within a (subscription, project) key, the order in
    -- which deliveries are sent.
    seq             bigserial PRIMARY KEY,
    -- X-Pipeline-Delivery: the same on every attempt and redelivery.
    id              uuid NOT NULL UNIQUE,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    position        bigint NOT NULL,
    project_id      text NOT NULL DEFAULT '',
    -- The body sent, rendered once at fan-out.
    body            text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    -- The first failed attempt since the delivery was last due afresh: the
    -- give-up window runs from here.
    first_failed_at timestamptz,
    last_attempt_at timestamptz,
    last_status     integer NOT NULL DEFAULT 0,
    last_error      text NOT NULL DEFAULT '',
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz,
    -- A sender's claim: until lease_until no other sender takes the
    -- delivery; lease_token names the claim that may record the outcome.
    lease_until     timestamptz,
    lease_token     text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    UNIQUE (subscription_id, event_id)
);

CREATE INDEX webhook_deliveries_undelivered ON webhook_deliveries (subscription_id, project_id, seq) WHERE delivered_at IS NULL;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;

-- The fan-out's cursor: the position of the last event fanned out.
CREATE TABLE webhook_cursor (
    id       integer PRIMARY KEY CHECK (id = 1),
    position bigint NOT NULL
);

INSERT INTO webhook_cursor (id, position) VALUES (1, 0);

-- +goose Down
DROP TABLE webhook_cursor;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
