-- Urgent alerts not acknowledged within the protocol's hour are escalated
-- by mail to the clinical leads, once: escalated_at records that it was
-- done (the mails are queued in the same transaction).

-- +goose Up
ALTER TABLE risk_alerts ADD COLUMN escalated_at timestamptz;
CREATE INDEX risk_alerts_unescalated_idx ON risk_alerts (raised_at)
  WHERE status = 'open' AND risk_level = 'urgent' AND escalated_at IS NULL;

-- +goose Down
DROP INDEX IF EXISTS risk_alerts_unescalated_idx;
ALTER TABLE risk_alerts DROP COLUMN IF EXISTS escalated_at;
